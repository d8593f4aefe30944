"""Benchmark on LocalStack: deploy time, and request latency/throughput through the API vs direct S3.

    python benchmarks/localstack.py [--runs 5] [--requests 200]

1. Deploy: `up` of the dev stack (the unchanged program, its resources made by the provisioners) vs a raw boto3
   deployment of the same OpenAPI document (role + policy + import + deployment + stage), runs
   interleaved so both see the same machine; ratio of medians (goal <= 1.1x). The raw import alone does
   not give a working API on LocalStack (it drops settings `make up` re-applies), so the baseline is
   also measured with the same fix-ups: that ratio compares like with like.
2. Requests: GET of a 1 KiB and a 1 MiB object, through the API (SigV4-signed) vs boto3 straight to
   LocalStack's S3: latency percentiles sequentially, throughput with 4 threads; ratios.
LocalStack is started if it is not running (and left as it was found).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tooling.deploy import down, up  # noqa: E402
from tooling.localstack import aws_session, default_endpoint  # noqa: E402
from tooling.provisioners import localstack_fixups  # noqa: E402
from tooling.signed import SignedApi  # noqa: E402

REGION = "us-east-1"


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def raw_boto3_deploy(
    endpoint: str, document: str, fix_ups: Callable[[Any, str, str], None] | None = None
) -> Callable[[], None]:
    """The same document deployed by hand with boto3 (no rendering, no Pulumi): the baseline. With
    `fix_ups`, it also does what LocalStack needs for the API to work (as `make up` does), so the
    two deployments compared serve the same, working API."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "apigateway.amazonaws.com"}}
        ],
    }

    def deploy_and_delete() -> None:
        session = aws_session(REGION)  # clients are created inside the timing, as `up` does
        iam, apigateway = (session.client(s, endpoint_url=endpoint) for s in ("iam", "apigateway"))
        name = f"bench-raw-{os.urandom(3).hex()}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(
            RoleName=name,
            PolicyName=name,
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
            ),
        )
        api = apigateway.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})
        body = json.loads(document)
        if fix_ups:
            body["x-amazon-apigateway-binary-media-types"] = localstack_fixups.TOP_LEVEL_MEDIA_TYPES
        apigateway.put_rest_api(restApiId=api["id"], mode="overwrite", body=json.dumps(body).encode())
        if fix_ups:
            fix_ups(apigateway, api["id"], json.dumps(body))
        deployment = apigateway.create_deployment(restApiId=api["id"])
        apigateway.create_stage(restApiId=api["id"], stageName="dev", deploymentId=deployment["id"])
        cleanup.append(
            lambda: (
                apigateway.delete_rest_api(restApiId=api["id"]),
                iam.delete_role_policy(RoleName=name, PolicyName=name),
                iam.delete_role(RoleName=name),
            )
        )

    cleanup: list[Callable[[], Any]] = []
    deploy_and_delete.cleanup = cleanup  # type: ignore[attr-defined]
    return deploy_and_delete


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def request_figures(call: Callable[[], Any], requests: int, threads: int = 4) -> dict[str, float]:
    call()  # warm up connections
    latencies = [timed(call) for _ in range(requests)]
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: call(), range(requests)))
    return {
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "rps": requests / (time.perf_counter() - started),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()
    script = ROOT / "localstack" / "localstack.sh"
    was_up = subprocess.run([script, "status"], capture_output=True, text=True).stdout.startswith("running")
    subprocess.run([script, "start"], check=True, capture_output=True)
    endpoint = default_endpoint()
    project = Path(tempfile.mkdtemp(prefix="bench-"))
    for name in ("__main__.py", "Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, project)
    try:
        ours: list[float] = []
        raw: list[float] = []
        working: list[float] = []
        workaround: list[float] = []
        outputs: dict[str, Any] = {}
        reapply = localstack_fixups.reapply_dropped_settings

        def timed_reapply(*args: Any) -> None:  # LocalStack-only work, absent from a real `pulumi up`
            workaround.append(timed(lambda: reapply(*args)))

        localstack_fixups.reapply_dropped_settings = timed_reapply  # type: ignore[assignment]
        for _ in range(options.runs):
            down("dev", project)  # `up` would replace it first: not part of what is measured
            ours.append(timed(lambda: outputs.update(up("dev", project, endpoint))))
            for times, fix_ups in ((raw, None), (working, reapply)):
                baseline = raw_boto3_deploy(endpoint, outputs["openapi"], fix_ups)
                times.append(timed(baseline))
                for undo in baseline.cleanup:  # type: ignore[attr-defined]
                    undo()
        median = statistics.median
        product = [total - extra for total, extra in zip(ours, workaround, strict=True)]
        like_for_like = median(ours) / median(working)
        print(f"deploy, {options.runs} runs each, interleaved (median / min):")
        print(f"  make up (program + provisioners):                  {median(ours):.2f} s / {min(ours):.2f} s")
        print(f"  raw boto3 import + deployment + stage:             {median(raw):.2f} s / {min(raw):.2f} s")
        print(f"  the same + LocalStack's fix-ups (a working API):   {median(working):.2f} s / {min(working):.2f} s")
        print(
            f"  ratio to the raw import: {median(ours) / median(raw):.2f}x; of `make up`, re-applying what "
            f"LocalStack's import drops takes {median(workaround):.2f} s, without it {median(product):.2f} s "
            f"({median(product) / median(raw):.2f}x)"
        )
        print(
            f"  ratio like for like (both deploy a working API): {like_for_like:.2f}x "
            f"(goal <= 1.1x: {'met' if like_for_like <= 1.1 else 'MISSED'})"
        )

        s3 = aws_session(REGION).client("s3", endpoint_url=endpoint)
        api = SignedApi(outputs["url"], REGION)
        bucket = f"bench-{os.urandom(3).hex()}"
        s3.create_bucket(Bucket=bucket)
        print(f"\nGET object, {options.requests} requests sequential (latency) and on 4 threads (throughput):")
        for label, size in (("1 KiB", 1024), ("1 MiB", 1024 * 1024)):
            key = f"object-{size}"
            s3.put_object(Bucket=bucket, Key=key, Body=os.urandom(size))

            def via_api(key: str = key) -> None:
                api.request("GET", f"{bucket}/{key}").raise_for_status()

            def direct_s3(key: str = key) -> None:
                s3.get_object(Bucket=bucket, Key=key)["Body"].read()

            through_api = request_figures(via_api, options.requests)
            direct = request_figures(direct_s3, options.requests)
            print(
                f"  {label}: API p50 {through_api['p50_ms']:.1f} ms p95 {through_api['p95_ms']:.1f} ms "
                f"{through_api['rps']:.0f} req/s | direct S3 p50 {direct['p50_ms']:.1f} ms "
                f"p95 {direct['p95_ms']:.1f} ms {direct['rps']:.0f} req/s | "
                f"latency ratio {through_api['p50_ms'] / direct['p50_ms']:.2f}x, "
                f"throughput ratio {through_api['rps'] / direct['rps']:.2f}x"
            )
            s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)
    finally:
        down("dev", project)
        shutil.rmtree(project)
        if not was_up:
            subprocess.run([script, "stop"], check=True, capture_output=True)


if __name__ == "__main__":
    main()
