"""What uploads and downloads share: their settings, checked once, the worker pool, and round trips through
moto's S3."""

from __future__ import annotations

import hashlib
import re
import threading

import pytest
from fakes import random_file, sha256

from s3proxy_client.parts import MAX_PARTS, MIN_PART_SIZE, MiB, plan_parts
from s3proxy_client.transfer import run_parts


def test_sizes_and_concurrency_are_checked_with_their_limits_in_the_message():
    from s3proxy_client.parts import validate_concurrency, validate_part_size

    validate_concurrency(64)
    for refused in (65, 0, True, 2.0):
        with pytest.raises(ValueError, match=rf"^concurrency must be an int from 1 to 64, not {refused!r}$"):
            validate_concurrency(refused)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^part_size must be an int, not bool$"):
        validate_part_size(True)
    with pytest.raises(ValueError, match=r"^size must be >= 0, not -1$"):
        plan_parts(-1)
    with pytest.raises(ValueError) as raised:
        plan_parts(MAX_PARTS * MIN_PART_SIZE + 1, MIN_PART_SIZE)
    assert str(raised.value) == (
        f"{MAX_PARTS * MIN_PART_SIZE + 1:,} bytes in parts of {MIN_PART_SIZE:,} needs 10,001 parts; S3 allows "
        f"10,000, so use a larger part_size (objects through the API can reach {10_000 * 9_999_999:,} bytes)"
    )


def test_parts_run_on_the_clients_named_worker_threads():
    names = run_parts(plan_parts(11 * MiB, 5 * MiB), 2, None, lambda part, cancel: threading.current_thread().name)
    assert len(names) == 3 and all(re.fullmatch(r"s3p_[01]", name) for name in names)


def test_upload_and_download_in_parts(moto, tmp_path):
    client, s3, bucket = moto
    source = random_file(tmp_path / "in.bin", 12 * MiB + 7)
    seen: list[int] = []
    up = client.upload_file(source, bucket, "dir/big file.bin", part_size=5 * MiB, concurrency=3, progress=seen.append)
    assert (up.size, up.parts, sum(seen), len(seen)) == (12 * MiB + 7, 3, 12 * MiB + 7, 3)
    stored = s3.get_object(Bucket=bucket, Key="dir/big file.bin")
    assert hashlib.sha256(stored["Body"].read()).hexdigest() == sha256(source)
    assert stored["ETag"] == up.etag and up.etag.endswith('-3"')
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    seen.clear()
    down = client.download_file(
        bucket, "dir/big file.bin", tmp_path / "out.bin", part_size=5 * MiB, concurrency=3, progress=seen.append
    )
    assert sha256(tmp_path / "out.bin") == sha256(source)
    assert (down.size, down.parts, sum(seen)) == (12 * MiB + 7, 3, 12 * MiB + 7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.bin", "out.bin"]  # no temporary file left


@pytest.mark.parametrize("size", [0, 1, 5 * MiB, 5 * MiB + 1])
def test_small_and_edge_sizes_round_trip(moto, tmp_path, size):
    client, s3, bucket = moto
    source = random_file(tmp_path / "in.bin", size)
    client.upload_file(source, bucket, "k", part_size=5 * MiB, threshold=5 * MiB)
    assert s3.head_object(Bucket=bucket, Key="k")["ContentLength"] == size
    client.download_file(bucket, "k", tmp_path / "out.bin", part_size=5 * MiB)
    assert (tmp_path / "out.bin").read_bytes() == source.read_bytes()
