"""An app that consumes the stack: publish a report far beyond API Gateway's 10 MB limit, list it, read it
back and check it byte for byte.

    python examples/app.py OUTPUTS.json [--bucket NAME] [--size-mb 24] [--keep]

OUTPUTS.json is what `pulumi stack output --json` (or `make up`'s last line) prints. Without --bucket, a
bucket is created for the run and deleted afterwards (the stack must allow s3:CreateBucket and
s3:DeleteBucket, as the dev stack does).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install needed

from s3proxy_client import S3ProxyClient, S3ProxyError


def write_report(path: Path, size: int) -> str:
    """A CSV report of about `size` bytes, written row by row; returns its sha256."""
    digest = hashlib.sha256()
    with path.open("w", newline="") as report:
        header = "row,region,units,revenue,note\n"
        report.write(header)
        digest.update(header.encode())
        written, row = len(header), 0
        while written < size:
            row += 1
            line = f"{row},region-{row % 17},{row % 1000},{row * 7 % 100003}.{row % 100:02d},{os.urandom(24).hex()}\n"
            report.write(line)
            digest.update(line.encode())
            written += len(line)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def publish_and_read_back(client: S3ProxyClient, bucket: str, key: str, size_mb: int) -> tuple[str, str]:
    """Upload a fresh report, list it, download it; (sha256 read back, sha256 written)."""
    with tempfile.TemporaryDirectory() as work:
        report, copy = Path(work) / "report.csv", Path(work) / "copy.csv"
        expected = write_report(report, size_mb * 1000 * 1000)
        size = report.stat().st_size
        print(f"wrote {report.name}: {size:,} bytes, sha256 {expected[:16]}...")

        sent = 0

        def progress(done: int) -> None:
            nonlocal sent
            sent += done
            print(f"  uploaded {sent:,} / {size:,} bytes ({sent * 100 // size}%)")

        started = time.perf_counter()
        upload = client.upload_file(report, bucket, key, content_type="text/csv", progress=progress)
        print(f"uploaded s3p://{bucket}/{key} in {upload.parts} parts, {time.perf_counter() - started:.1f} s")

        for entry in client.list_objects(bucket, "reports/"):
            print(f"  listed {entry.key}: {entry.size:,} bytes, ETag {entry.etag}")

        started = time.perf_counter()
        client.download_file(bucket, key, copy)
        print(f"downloaded it again in {time.perf_counter() - started:.1f} s")
        return sha256_of(copy), expected


def run(options: argparse.Namespace) -> int:
    client = S3ProxyClient.from_outputs(options.outputs)
    print(f"stack API: {client.url} ({client.region})")
    bucket = options.bucket or f"reports-{os.urandom(4).hex()}"
    if not options.bucket:
        client.create_bucket(bucket)
        print(f"created bucket {bucket}")
    key = f"reports/{time.strftime('%Y-%m-%d')}/sales report.csv"
    try:
        actual, expected = publish_and_read_back(client, bucket, key, options.size_mb)
    finally:
        if not options.keep:
            with contextlib.suppress(S3ProxyError):  # an upload that failed left nothing to delete
                client.delete_object(bucket, key)
            if not options.bucket:
                client.delete_bucket(bucket)
            print("cleaned up")
    if actual != expected:
        print(f"MISMATCH: sha256 {actual} != {expected}", file=sys.stderr)
        return 1
    print(f"sha256 verified: {actual}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outputs", help="the stack outputs, as `pulumi stack output --json` prints them")
    parser.add_argument("--bucket", help="an existing bucket to use (default: a new one for the run)")
    parser.add_argument("--size-mb", type=int, default=24, help="size of the report (default 24 MB)")
    parser.add_argument("--keep", action="store_true", help="leave the report (and bucket) in place")
    options = parser.parse_args()
    try:
        return run(options)
    except (S3ProxyError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
