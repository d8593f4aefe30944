"""16 concurrent clients doing mixed PUT/GET/LIST/DELETE on the dev deployment: nothing lost or corrupted.

`make bench-load` (benchmarks/load.py) runs the same load longer and prints the latency figures."""

from __future__ import annotations

from s3proxy_client import S3ProxyClient
from tooling.harness.load import run_load

from .conftest import REGION


def test_sixteen_concurrent_clients_lose_and_corrupt_nothing(dev, s3, bucket):
    result = run_load(
        lambda: S3ProxyClient(dev.outputs["url"], REGION), s3, bucket, clients=16, operations_per_client=25
    )
    print("\n".join(result.summary()))
    assert result.operations == 16 * 25
    assert (result.lost, result.corrupted, result.stale, result.errors) == ([], [], [], [])
    assert all(result.latencies[operation] for operation in ("PUT", "GET", "LIST", "DELETE"))
