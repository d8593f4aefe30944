"""Concurrent clients doing mixed PUT/GET/LIST/DELETE through a deployed stack, every byte checked.

Each client owns a key prefix and remembers the sha256 of what it last wrote under each key; every GET
is checked against it, every LIST against the set of keys it holds. At the end S3 itself (not the API)
is read: an object missing is *lost*, one whose bytes differ *corrupted*, one that should be gone *stale*.
"""

from __future__ import annotations

import hashlib
import os
import random
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from s3proxy_client import S3ProxyClient

OPERATIONS = ("PUT", "GET", "LIST", "DELETE")
WEIGHTS = (4, 4, 1, 1)


@dataclass
class LoadResult:
    operations: int = 0
    errors: list[str] = field(default_factory=list)  # wrong answers seen by the clients
    lost: list[str] = field(default_factory=list)
    corrupted: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0

    def percentile(self, operation: str, fraction: float) -> float:
        values = sorted(self.latencies[operation])
        return values[min(len(values) - 1, int(fraction * len(values)))] if values else float("nan")

    def summary(self) -> list[str]:
        lines = [
            f"{self.operations} operations in {self.seconds:.1f} s ({self.operations / self.seconds:.0f} op/s); "
            f"lost {len(self.lost)}, corrupted {len(self.corrupted)}, stale {len(self.stale)}, "
            f"wrong answers {len(self.errors)}"
        ]
        for operation in OPERATIONS:
            if self.latencies[operation]:
                p50, p99 = (self.percentile(operation, q) * 1000 for q in (0.5, 0.99))
                mean = statistics.fmean(self.latencies[operation]) * 1000
                count = len(self.latencies[operation])
                lines.append(f"  {operation:<6} n={count:<5} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  mean {mean:6.1f} ms")
        return lines


def one_operation(
    client: S3ProxyClient, rng: random.Random, bucket: str, prefix: str, held: dict[str, str], max_size: int
) -> tuple[str, str | None]:
    """One random operation on `prefix`, `held` (key -> sha256) kept as what the prefix should hold; returns
    the operation and the wrong answer it got, if any."""
    operation = rng.choices(OPERATIONS, WEIGHTS)[0]
    if operation in ("GET", "DELETE") and not held:
        operation = "PUT"
    if operation == "PUT":
        key = f"{prefix}{rng.randrange(8)}.bin"
        body = os.urandom(rng.randrange(0, max_size))
        client.put_object(bucket, key, body, content_type="application/octet-stream")
        held[key] = hashlib.sha256(body).hexdigest()
    elif operation == "GET":
        key = rng.choice(sorted(held))
        if hashlib.sha256(client.get_object(bucket, key).body).hexdigest() != held[key]:
            return operation, f"GET {key}: not the bytes last written"
    elif operation == "LIST":
        listed = {entry.key for entry in client.list_objects(bucket, prefix=prefix)}
        if listed != set(held):
            return operation, f"LIST {prefix}: {sorted(listed ^ set(held))} differ"
    else:
        key = rng.choice(sorted(held))
        client.delete_object(bucket, key)
        del held[key]
    return operation, None


def check_stored(s3: Any, bucket: str, expected: dict[str, str], result: LoadResult) -> None:
    """Read S3 itself: what is lost, corrupted or stale against what the clients last wrote."""
    stored = {
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="load/")
        for item in page.get("Contents", [])
    }
    result.stale = sorted(stored - set(expected))
    for key, digest in sorted(expected.items()):
        if key not in stored:
            result.lost.append(key)
        elif hashlib.sha256(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest() != digest:
            result.corrupted.append(key)


def run_load(
    make_client: Callable[[], S3ProxyClient],
    s3: Any,
    bucket: str,
    clients: int = 16,
    operations_per_client: int = 60,
    seed: int = 16,
    max_size: int = 256 * 1024,
) -> LoadResult:
    """`clients` clients, each doing `operations_per_client` random operations on its own prefix."""
    result = LoadResult()
    lock = threading.Lock()
    expected: dict[str, str] = {}  # key -> sha256, for every client, once they are done

    def work(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        held: dict[str, str] = {}
        with make_client() as client:
            for _ in range(operations_per_client):
                started = time.perf_counter()
                operation, problem = one_operation(client, rng, bucket, f"load/{number:02d}/", held, max_size)
                elapsed = time.perf_counter() - started
                with lock:
                    result.operations += 1
                    result.latencies[operation].append(elapsed)
                    if problem:
                        result.errors.append(problem)
        with lock:
            expected.update(held)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, range(clients)))  # a client's exception fails the run
    result.seconds = time.perf_counter() - started
    check_stored(s3, bucket, expected, result)
    return result
