"""Load benchmark: 16 concurrent s3proxy clients, mixed PUT/GET/LIST/DELETE with sha256 checks.

    python benchmarks/load.py [--clients 16] [--operations 150]

Deploys the dev stack into LocalStack (a temporary project), runs the load against a fresh bucket,
checks every object in S3 itself (lost / corrupted / stale), prints p50/p99 latency per operation,
then deletes everything. Figures, never assertions on speed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from s3proxy_client import S3ProxyClient  # noqa: E402
from tooling.deploy import down, up  # noqa: E402
from tooling.harness.load import run_load  # noqa: E402
from tooling.localstack import aws_session, default_endpoint  # noqa: E402

REGION = "us-east-1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--operations", type=int, default=150, help="operations per client")
    options = parser.parse_args()
    subprocess.run([ROOT / "localstack" / "localstack.sh", "start"], check=True, capture_output=True)
    endpoint = default_endpoint()
    project = Path(tempfile.mkdtemp(prefix="bench-load-"))
    for name in ("__main__.py", "Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, project)
    s3 = aws_session(REGION).client("s3", endpoint_url=endpoint)
    bucket = f"bench-load-{os.urandom(3).hex()}"
    try:
        outputs = up("dev", project, endpoint)
        s3.create_bucket(Bucket=bucket)
        result = run_load(
            lambda: S3ProxyClient(outputs["url"], REGION), s3, bucket, options.clients, options.operations
        )
        print(f"{options.clients} clients x {options.operations} operations (PUT:GET:LIST:DELETE = 4:4:1:1, 0-256 KiB)")
        print("\n".join(result.summary()))
    finally:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=bucket)
        down("dev", project, endpoint)
        shutil.rmtree(project)
    return 0


if __name__ == "__main__":
    sys.exit(main())
