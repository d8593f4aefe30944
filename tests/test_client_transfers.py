"""What uploads and downloads share: their settings, checked once, the worker pool, and round trips through
moto's S3."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading

import pytest
from fakes import client_for, random_file, sha256

from s3proxy_client.parts import MAX_PARTS, MIN_PART_SIZE, MiB, plan_parts
from s3proxy_client.transfer import TransferConfig, run_parts


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


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            {"part_size": 5 * MiB - 1},
            "part_size 5,242,879 bytes is out of range: S3 needs >= 5,242,880 (5 MiB) per part but the last, and API "
            "Gateway carries < 10,000,000 bytes (10 MB) per request",
        ),
        ({"concurrency": 65}, "concurrency must be an int from 1 to 64, not 65"),
        ({"threshold": -1}, "threshold must be an int >= 0, not -1"),
        ({"threshold": 1.5}, "threshold must be an int >= 0, not 1.5"),
        ({"threshold": True}, "threshold must be an int >= 0, not True"),
    ],
)
def test_transfer_settings_are_checked_once_each_refusal_one_line_naming_the_setting(setting, message, tmp_path):
    with pytest.raises(ValueError) as raised:
        TransferConfig(**setting)
    assert str(raised.value) == message
    # Both transfers check them before they touch the file or the network (port 9 would refuse).
    client = client_for("http://127.0.0.1:9/dev")
    with pytest.raises(ValueError) as raised:
        client.download_file("bkt", "k", tmp_path / "out", **setting)
    assert str(raised.value) == message
    with pytest.raises(ValueError) as raised:
        client.upload_file(tmp_path / "missing.bin", "bkt", "k", **setting)
    assert str(raised.value) == message
    assert list(tmp_path.iterdir()) == []


def test_transfer_settings_are_one_frozen_value_with_s3s_and_the_gateways_defaults():
    config = TransferConfig()
    assert (config.part_size, config.concurrency, config.threshold) == (8 * MiB, 4, 8 * MiB)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.part_size = 6 * MiB  # type: ignore[misc]


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
