"""`s3proxy cp --recursive` and `rm --recursive` (s3proxy_client/tree.py), as in the AWS CLI: a directory up and
down, every object under a prefix deleted, each against moto's S3 over real HTTP (its paths are the API's:
`/bucket/key`), with boto3 reading what S3 holds."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from s3proxy_client import cli
from s3proxy_client.tree import Job, run_jobs

MiB = 1024 * 1024
SMALL_PARTS = ("--part-size", "5MiB", "--threshold", "5MiB", "--no-progress")


@pytest.fixture
def stack(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str, list[str]]]:
    """boto3 on moto, a fresh bucket, and the CLI's `--outputs` arguments for a stack served by moto."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    bucket = f"tree-{os.urandom(4).hex()}"
    s3.create_bucket(Bucket=bucket)
    outputs = tmp_path / "outputs.json"
    arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev"
    outputs.write_text(json.dumps({"url": moto_url, "execution_arn": arn}))
    yield s3, bucket, ["--outputs", str(outputs)]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def held(s3: Any, bucket: str) -> dict[str, bytes]:
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def photos(root: Path) -> dict[str, bytes]:
    """A small tree: nested directories, an empty one, and a file above the 5 MiB multipart threshold."""
    files = {"a.txt": b"alpha", "trip/b.txt": b"beta", "trip/day 2/c.bin": os.urandom(6 * MiB)}
    for name, body in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    (root / "empty").mkdir()
    return files


def test_a_directory_goes_up_under_the_prefix_and_comes_back_byte_exact(stack, capsys, tmp_path):
    s3, bucket, outputs = stack
    files = photos(tmp_path / "photos")
    code, out, err = run(
        capsys, *outputs, "cp", "--recursive", str(tmp_path / "photos"), f"s3p://{bucket}/p", *SMALL_PARTS
    )
    assert (code, err) == (0, [])
    assert held(s3, bucket) == {f"p/{name}": body for name, body in files.items()}
    assert sorted(out[:-1]) == sorted(
        f"upload: {tmp_path / 'photos' / name} -> s3p://{bucket}/p/{name}" for name in files
    )
    assert out[-1].startswith(f"upload: 3 of 3 objects: {5 + 4 + 6 * MiB:,} bytes in ")

    s3.put_object(Bucket=bucket, Key="other/x.txt", Body=b"not under p/")
    code, out, err = run(capsys, *outputs, "cp", "-r", f"s3p://{bucket}/p/", str(tmp_path / "back"), *SMALL_PARTS)
    assert (code, err) == (0, [])
    assert {str(p.relative_to(tmp_path / "back")): p.read_bytes() for p in (tmp_path / "back").rglob("*.*")} == files
    assert out[-1].startswith(f"download: 3 of 3 objects: {5 + 4 + 6 * MiB:,} bytes in ")


def test_rm_recursive_deletes_every_object_under_the_prefix_and_nothing_else(stack, capsys):
    s3, bucket, outputs = stack
    for key in ("logs/1", "logs/deep/2", "logs-old/3", "keep"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    code, out, err = run(capsys, *outputs, "rm", "--recursive", f"s3p://{bucket}/logs")  # `logs` is `logs/`
    assert (code, err) == (0, [])
    assert sorted(held(s3, bucket)) == ["keep", "logs-old/3"]
    assert sorted(out[:-1]) == [f"delete: s3p://{bucket}/logs/1", f"delete: s3p://{bucket}/logs/deep/2"]
    assert out[-1].startswith("delete: 2 of 2 objects in ")

    code, out, err = run(capsys, *outputs, "rm", "-r", f"s3p://{bucket}", "--version-id", "v1")
    assert (code, out) == (cli.EXIT_USAGE, [])
    assert err == ["s3proxy_client: error: --version-id names one object's version: not with --recursive"]


def test_a_directory_without_recursive_says_to_add_it(stack, capsys, tmp_path):
    _, bucket, outputs = stack
    code, out, err = run(capsys, *outputs, "cp", str(tmp_path), f"s3p://{bucket}/")
    assert (code, out) == (cli.EXIT_USAGE, [])
    assert err == [f"s3proxy_client: error: {tmp_path} is a directory: copy it with cp --recursive"]
    file = tmp_path / "outputs.json"
    code, _, err = run(capsys, *outputs, "cp", "-r", str(file), f"s3p://{bucket}/")
    assert code == cli.EXIT_USAGE
    assert err == [f"s3proxy_client: error: {file}: not a directory (cp --recursive copies a directory's files)"]


def test_a_file_that_fails_is_named_on_its_own_line_and_the_others_still_go(stack, capsys, tmp_path):
    """`+` in a key cannot pass API Gateway intact (s3proxy_client.parts.encode_key refuses it)."""
    s3, bucket, outputs = stack
    (tmp_path / "up").mkdir()
    for name in ("a+b.txt", "c.txt", "d.txt"):
        (tmp_path / "up" / name).write_text(name)
    code, out, err = run(capsys, *outputs, "cp", "-r", str(tmp_path / "up"), f"s3p://{bucket}/", "--no-progress")
    assert code == cli.EXIT_ERROR
    assert sorted(held(s3, bucket)) == ["c.txt", "d.txt"]
    assert len(err) == 1 and err[0].startswith(
        f"s3proxy_client: error: {tmp_path / 'up' / 'a+b.txt'} -> s3p://{bucket}/a+b.txt: the object key 'a+b.txt' "
    )
    assert out[-1].startswith("upload: 2 of 3 objects, 1 failed: 10 bytes in ")


def test_a_key_that_would_climb_out_of_the_directory_is_not_downloaded(stack, capsys, tmp_path):
    s3, bucket, outputs = stack
    s3.put_object(Bucket=bucket, Key="in/../../escaped.txt", Body=b"outside")
    s3.put_object(Bucket=bucket, Key="in/ok.txt", Body=b"inside")
    down = tmp_path / "deep" / "down"
    down.mkdir(parents=True)
    code, _, err = run(capsys, *outputs, "cp", "-r", f"s3p://{bucket}/in/", str(down))
    assert code == cli.EXIT_ERROR
    assert (down / "ok.txt").read_bytes() == b"inside"
    assert not (tmp_path / "deep" / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
    assert err == [
        f"s3proxy_client: error: s3p://{bucket}/in/../../escaped.txt -> {down / '../../escaped.txt'}: "
        f"the object key part '../../escaped.txt' would be written outside {down}: not downloaded"
    ]


def test_small_objects_run_concurrently_large_ones_one_at_a_time_and_progress_counts_every_byte():
    """Two small jobs pass a two-party barrier only when both run at once; a large job runs alone."""
    barrier, lock = threading.Barrier(2, timeout=30), threading.Lock()
    running, seen_with_large, moved = [0], [], []

    def small(progress: Any) -> None:
        barrier.wait()
        progress(10)

    def large(progress: Any) -> None:
        with lock:
            running[0] += 1
            seen_with_large.append(running[0])
        progress(100)
        with lock:
            running[0] -= 1

    jobs = [Job("s1", 10, small), Job("big1", 100, large), Job("s2", 10, small), Job("big2", 100, large)]
    outcome = run_jobs(jobs, concurrency=2, threshold=50, progress=moved.append)
    assert outcome.failed == [] and sorted(job.name for job in outcome.done) == ["big1", "big2", "s1", "s2"]
    assert seen_with_large == [1, 1] and sum(moved) == 220 and outcome.size == 220
