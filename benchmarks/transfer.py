"""Benchmark on LocalStack: a 100 MB object up and down through the API (s3proxy_client) vs boto3's
TransferManager straight to LocalStack's S3, with the same part size and concurrency; and the client's
peak memory.

    python benchmarks/transfer.py [--runs 3] [--size-mb 100] [--part-size-mib 8] [--concurrency 4]

1. Throughput: runs interleaved (the order alternates run by run), median MB/s of each side, and the
   ratio client / boto3 for uploads and downloads (goal >= 0.7x). Every transfer is checked byte-exact.
   The CPU seconds each transfer costs this process (the client) and LocalStack (when this checkout runs
   it) tell where the time goes; uploads are also run without the parts' SHA-256 checksums.
2. Memory: a subprocess uploads, another downloads, each reporting its own peak RSS (ru_maxrss), minus
   that of a baseline subprocess that only imports the client and builds it (goal: the difference
   <= part_size x concurrency x 2 + 100 MB).
The dev stack is deployed into a temporary project directory with tooling.deploy.up and destroyed at the
end; LocalStack is started if it is not running (and stopped again only then).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from s3proxy_client import S3ProxyClient  # noqa: E402
from tooling.files import MiB, file_sha256, write_random  # noqa: E402

REGION = "us-east-1"


def peak_rss_bytes() -> int:
    """This process's peak resident set size. On Linux, VmHWM of its own memory: ru_maxrss would also count
    the parent's RSS at fork (Linux carries the forked copy's high-water mark across exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def child(options: argparse.Namespace) -> None:
    """Run inside a subprocess: one transfer (or none, for the baseline); print the peak RSS as JSON."""
    client = S3ProxyClient.from_outputs(Path(options.outputs))
    transfer = {"part_size": options.part_size_mib * MiB, "concurrency": options.concurrency}
    if options.child == "upload":
        client.upload_file(options.file, options.bucket, "memory.bin", **transfer)
    elif options.child == "download":
        client.download_file(options.bucket, "memory.bin", options.file, **transfer)
    print(json.dumps({"peak_rss": peak_rss_bytes()}))


def measure_child(mode: str, outputs: Path, bucket: str, file: Path, options: argparse.Namespace) -> int:
    ran = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            mode,
            "--outputs",
            str(outputs),
            "--bucket",
            bucket,
            "--file",
            str(file),
            "--part-size-mib",
            str(options.part_size_mib),
            "--concurrency",
            str(options.concurrency),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    peak: int = json.loads(ran.stdout.strip().splitlines()[-1])["peak_rss"]
    return peak


@dataclass(frozen=True)
class Sample:
    wall: float
    client: float
    server: float


def read_pid(path: Path) -> int | None:
    """LocalStack's pid when this checkout runs it (its CPU time is then read from /proc)."""
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def cpu_of(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def measure(action: Callable[[], Any], localstack_pid: int | None) -> Sample:
    own = resource.getrusage(resource.RUSAGE_SELF)
    server = cpu_of(localstack_pid)
    started = time.perf_counter()
    action()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    client = after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime
    return Sample(wall, client, cpu_of(localstack_pid) - server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--part-size-mib", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--child", choices=["baseline", "upload", "download"], help=argparse.SUPPRESS)
    parser.add_argument("--outputs", help=argparse.SUPPRESS)
    parser.add_argument("--bucket", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options)
        return
    if options.runs < 3:
        parser.error("--runs must be >= 3")

    from boto3.s3.transfer import TransferConfig

    from tooling.deploy import down, up
    from tooling.localstack import aws_session, default_endpoint

    script = ROOT / "localstack" / "localstack.sh"
    was_up = subprocess.run([script, "status"], capture_output=True, text=True).stdout.startswith("running")
    subprocess.run([script, "start"], check=True, capture_output=True)
    endpoint = default_endpoint()
    work = Path(tempfile.mkdtemp(prefix="bench-transfer-"))
    project = work / "project"
    project.mkdir()
    for name in ("__main__.py", "Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, project)
    size = options.size_mb * 1000 * 1000
    part_size = options.part_size_mib * MiB
    s3: Any = None
    bucket = f"bench-transfer-{os.urandom(3).hex()}"
    try:
        outputs = up("dev", project, endpoint)
        (work / "outputs.json").write_text(json.dumps(outputs))
        from botocore.config import Config

        s3 = aws_session(REGION).client(
            "s3", endpoint_url=endpoint, config=Config(s3={"addressing_style": "path"}, max_pool_connections=10)
        )
        s3.create_bucket(Bucket=bucket)
        client = S3ProxyClient.from_outputs(outputs)
        config = TransferConfig(
            multipart_threshold=part_size, multipart_chunksize=part_size, max_concurrency=options.concurrency
        )
        source = work / "source.bin"
        expected = write_random(source, size)
        target = work / "target.bin"

        def ours_up() -> None:
            client.upload_file(source, bucket, "ours.bin", part_size=part_size, concurrency=options.concurrency)

        def ours_up_unchecked() -> None:  # without the parts' SHA-256 checksums (which S3 verifies)
            client.upload_file(
                source, bucket, "ours.bin", part_size=part_size, concurrency=options.concurrency, checksum=False
            )

        def ours_down() -> None:
            client.download_file(bucket, "ours.bin", target, part_size=part_size, concurrency=options.concurrency)

        def boto_up() -> None:
            s3.upload_file(str(source), bucket, "boto3.bin", Config=config)

        def boto_down() -> None:
            s3.download_file(bucket, "boto3.bin", str(target), Config=config)

        localstack_pid = read_pid(ROOT / ".local" / "localstack.pid")
        samples: dict[str, list[Sample]] = {}
        for run in range(options.runs):
            ups = [("client", ours_up), ("boto3", boto_up), ("client, no checksums", ours_up_unchecked)]
            for name, action in ups if run % 2 == 0 else ups[::-1]:
                samples.setdefault(f"up {name}", []).append(measure(action, localstack_pid))
            downs = [("client", ours_down), ("boto3", boto_down)]
            for name, action in downs if run % 2 == 0 else downs[::-1]:
                samples.setdefault(f"down {name}", []).append(measure(action, localstack_pid))
                if file_sha256(target) != expected:
                    raise SystemExit(f"{name}: the downloaded file differs from the uploaded one")
                target.unlink()
        for key in ("ours.bin", "boto3.bin"):  # what S3 holds, read straight from S3
            digest = hashlib.sha256()
            for chunk in s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(MiB):
                digest.update(chunk)
            if digest.hexdigest() != expected:
                raise SystemExit(f"{key}: S3 holds other bytes than were uploaded")

        print(
            f"{options.size_mb} MB object, {options.part_size_mib} MiB parts, concurrency {options.concurrency}, "
            f"{options.runs} runs each, interleaved. MB/s: median (min-max); CPU seconds per transfer (median) of "
            "this process (the client) and of LocalStack:"
        )
        for name, runs in samples.items():
            rates = sorted(size / sample.wall / 1e6 for sample in runs)
            server = statistics.median(s.server for s in runs) if localstack_pid else float("nan")
            print(
                f"  {name:<20} {statistics.median(rates):7.1f} ({rates[0]:.1f}-{rates[-1]:.1f})  "
                f"client CPU {statistics.median(s.client for s in runs):5.2f} s  LocalStack CPU {server:5.2f} s"
            )
        for direction in ("up", "down"):
            ours = statistics.median(size / s.wall for s in samples[f"{direction} client"])
            boto = statistics.median(size / s.wall for s in samples[f"{direction} boto3"])
            verdict = "met" if ours / boto >= 0.7 else "MISSED"
            print(
                f"  ratio {direction + 'load':<8} client via API / boto3 to S3: {ours / boto:.2f}x "
                f"(goal >= 0.7x: {verdict})"
            )

        outputs_file = work / "outputs.json"
        baseline = measure_child("baseline", outputs_file, bucket, source, options)
        upload = measure_child("upload", outputs_file, bucket, source, options)
        download = measure_child("download", outputs_file, bucket, target, options)
        if file_sha256(target) != expected:
            raise SystemExit("the memory run's download differs from the uploaded file")
        goal = part_size * options.concurrency * 2 + 100 * 1000 * 1000
        print(f"\npeak RSS of a subprocess (baseline: import + client, {baseline / MiB:.1f} MiB):")
        for label, peak in (("upload", upload), ("download", download)):
            extra = peak - baseline
            verdict = "met" if extra <= goal else "MISSED"
            print(
                f"  {label:<8} {peak / MiB:7.1f} MiB, {extra / MiB:6.1f} MiB over baseline "
                f"(goal <= {goal / MiB:.1f} MiB = part x concurrency x 2 + 100 MB: {verdict})"
            )
    finally:
        if s3 is not None:
            with contextlib.suppress(Exception):  # whatever of the bucket exists
                for pending in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
                    s3.abort_multipart_upload(Bucket=bucket, Key=pending["Key"], UploadId=pending["UploadId"])
                for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
                    s3.delete_object(Bucket=bucket, Key=item["Key"])
                s3.delete_bucket(Bucket=bucket)
        down("dev", project)
        shutil.rmtree(work, ignore_errors=True)
        if not was_up:
            subprocess.run([script, "stop"], check=True, capture_output=True)


if __name__ == "__main__":
    main()
