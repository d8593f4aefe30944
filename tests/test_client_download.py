"""`download_file`: ranged reads streamed to their offsets, retried when cut short, conditional on the first
read's ETag, and a file that appears only when complete."""

from __future__ import annotations

import os
import threading

import pytest
from fakes import ByRange, client_for, held_until, serving, setting, xml_error

from s3proxy_client import AccessDeniedError, ConnectionFailedError, PreconditionFailedError, S3ProxyError
from s3proxy_client.parts import MiB


def test_a_body_cut_short_is_read_again_and_the_file_is_exact(scripted, tmp_path):
    script, url = scripted
    script.payload = os.urandom(6 * MiB + 123)
    script.actions = ["ok", "short"]  # the second range is cut in the middle
    client = client_for(url)
    result = client.download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=1)
    assert (tmp_path / "out").read_bytes() == script.payload
    assert (result.size, result.parts, len(script.received)) == (len(script.payload), 2, 3)
    assert all(entry[2].get("If-Match") == '"e1"' for entry in script.received[1:])  # same version only
    assert client.transport.stats["retries"] == 1


def test_a_well_formed_body_shorter_than_its_range_is_read_again(scripted, tmp_path):
    script, url = scripted
    script.payload = os.urandom(6 * MiB + 123)
    script.actions = ["ok", "short range"]  # the second range: Content-Length right, the body half its range
    client = client_for(url)
    client.download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=1)
    assert (tmp_path / "out").read_bytes() == script.payload
    assert len(script.received) == 3 and client.transport.stats["IncompleteBodyError"] == 1


def test_a_range_answered_at_another_offset_fails_and_leaves_no_file(scripted, tmp_path):
    """The right length and end, one byte early: written as told, it would overwrite part 1's last byte."""
    script, url = scripted
    script.payload = os.urandom(6 * MiB)
    early = script.payload[5 * MiB - 1 :]
    script.actions = ["ok", (206, early, {"Content-Range": f"bytes {5 * MiB - 1}-{6 * MiB - 1}/{6 * MiB}"})]
    with pytest.raises(S3ProxyError, match=rf"unexpected Content-Range 'bytes {5 * MiB - 1}-") as raised:
        client_for(url).download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=1)
    assert raised.value.code == "MalformedResponse"
    assert list(tmp_path.iterdir()) == []


def test_a_range_ignored_by_the_server_gives_the_whole_object_at_once(scripted, tmp_path):
    """A 200 to the first ranged read (a server or proxy that ignores Range) is the whole object: kept as sent,
    its length is the size; the rest are ranged reads as usual."""
    script, url = scripted
    script.payload = os.urandom(6 * MiB + 5)
    script.actions = [(200, script.payload, {})]
    client = client_for(url)
    result = client.download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB)
    assert (tmp_path / "out").read_bytes() == script.payload
    assert (result.bucket, result.key, result.size, result.etag, result.parts) == ("bkt", "k", 6 * MiB + 5, '"e1"', 2)
    script.payload = b"small object"
    script.actions = [(200, script.payload, {"ETag": '"e2"'})]
    small = client.download_file("bkt", "k", tmp_path / "small", part_size=5 * MiB)
    assert (tmp_path / "small").read_bytes() == b"small object"
    assert (small.size, small.etag, small.parts, len(script.received)) == (12, '"e2"', 1, 3)


def test_every_read_of_a_download_is_a_bodiless_get_conditional_on_the_first_etag(scripted, tmp_path):
    script, url = scripted
    script.payload = os.urandom(11 * MiB)
    client_for(url).download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=1)
    sent = [(method, headers["Range"], headers.get("If-Match"), body) for method, _, headers, body in script.received]
    assert sent == [
        ("GET", f"bytes=0-{5 * MiB - 1}", None, b""),
        ("GET", f"bytes={5 * MiB}-{10 * MiB - 1}", '"e1"', b""),
        ("GET", f"bytes={10 * MiB}-{11 * MiB - 1}", '"e1"', b""),
    ]


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        ((200, b"x" * MiB, {}), 200, "a ranged read answered <Response [200]>"),
        ((204, b"", {}), 204, "a ranged read answered <Response [204]>"),
        (
            (206, b"x" * 10, {"Content-Range": f"bytes {5 * MiB}-{5 * MiB + 9}/{6 * MiB}"}),
            206,
            f"asked bytes={5 * MiB}-{6 * MiB - 1}, got bytes {5 * MiB}-{5 * MiB + 9}",
        ),
        ((206, b"x" * MiB, {}), 206, "unexpected Content-Range None"),
        (
            (206, b"x" * MiB, {"Content-Range": f"bytes {5 * MiB}-{6 * MiB - 1}/*"}),
            206,
            f"unexpected Content-Range 'bytes {5 * MiB}-{6 * MiB - 1}/*'",
        ),
    ],
)
def test_a_later_read_answered_otherwise_than_asked_is_a_malformed_answer(scripted, tmp_path, answer, status, message):
    script, url = scripted
    script.payload = os.urandom(6 * MiB)
    script.actions = ["ok", answer]
    with pytest.raises(S3ProxyError) as raised:
        client_for(url).download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=1)
    assert (type(raised.value), raised.value.status, raised.value.code, raised.value.message) == (
        S3ProxyError,
        status,
        "MalformedResponse",
        message,
    )
    assert list(tmp_path.iterdir()) == []


def test_a_body_short_on_every_attempt_says_which_bytes_ended_where(scripted, tmp_path):
    script, url = scripted
    script.payload = os.urandom(6 * MiB)
    script.actions = ["ok"] + ["short range"] * 3
    with pytest.raises(ConnectionFailedError) as raised:
        client_for(url, max_attempts=3).download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB)
    assert raised.value.message.endswith(
        f": bytes {5 * MiB}-{6 * MiB - 1}: the connection ended at byte {5 * MiB + MiB // 2}"
    )


def test_an_empty_object_is_read_whole_and_what_that_read_finds_is_written(scripted, tmp_path):
    """An empty object has no byte 0 (416 to the first range): it is read again without a range, and that
    answer is the file, even if the object gained bytes in between."""
    script, url = scripted
    script.actions = [(416, xml_error("InvalidRange"), {}), (200, b"late", {})]
    result = client_for(url).download_file("bkt", "k", tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == b"late" and (result.size, result.etag) == (4, '"e1"')
    assert "Range" not in script.received[1][2]


def test_a_download_names_what_is_wrong_with_its_path_and_makes_a_file_readable_by_all(scripted, tmp_path):
    _, url = scripted
    client = client_for(url)
    with pytest.raises(IsADirectoryError) as raised:
        client.download_file("bkt", "k", tmp_path)
    assert (raised.value.errno, raised.value.strerror, raised.value.filename) == (
        21,
        "is a directory: name the file to download to",
        str(tmp_path),
    )
    with pytest.raises(FileNotFoundError) as missing:
        client.download_file("bkt", "k", tmp_path / "no" / "out")
    assert (missing.value.errno, missing.value.strerror, missing.value.filename) == (
        2,
        "no such directory",
        str(tmp_path / "no"),
    )
    previous = os.umask(0o022)
    try:
        client.download_file("bkt", "k", tmp_path / "out")
    finally:
        os.umask(previous)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o644


def test_a_failed_read_stops_the_reads_waiting_to_retry(tmp_path):
    """The read at 10 MiB is told to retry in 20 s; the read at 5 MiB then fails for good: the download fails
    at once, the waiting read is cancelled (never sent again), and no file is left."""
    throttled = threading.Event()
    script = ByRange([])
    script.payload = os.urandom(15 * MiB)
    script.by_offset = {
        10 * MiB: [setting(throttled, (503, xml_error("SlowDown"), {"Retry-After": "20"}))],
        5 * MiB: [held_until(throttled, (403, xml_error("AccessDenied"), {}))],
    }
    with serving(script, "/dev") as url:
        client = client_for(url, backoff_max=30.0)
        with pytest.raises(AccessDeniedError):
            client.download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=2)
    offsets = [int(headers["Range"].removeprefix("bytes=").partition("-")[0]) for _, _, headers, _ in script.received]
    assert sorted(offsets) == [0, 5 * MiB, 10 * MiB]
    assert list(tmp_path.iterdir()) == []


def test_an_object_replaced_mid_download_fails_and_leaves_no_file(moto, tmp_path):
    client, s3, bucket = moto
    s3.put_object(Bucket=bucket, Key="k", Body=os.urandom(11 * MiB))

    def replace(_: int) -> None:  # after the first part
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")

    with pytest.raises(PreconditionFailedError) as raised:
        client.download_file(bucket, "k", tmp_path / "out", part_size=5 * MiB, concurrency=1, progress=replace)
    assert "changed during the download" in raised.value.__notes__[0]
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def part_pools(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The worker count of every pool a transfer starts for its parts."""
    from concurrent.futures import ThreadPoolExecutor

    from s3proxy_client import transfer

    made: list[object] = []

    class Recording(ThreadPoolExecutor):
        def __init__(self, max_workers: object = None, thread_name_prefix: str = "") -> None:
            made.append(max_workers)
            super().__init__(max_workers, thread_name_prefix=thread_name_prefix)  # type: ignore[arg-type]

    monkeypatch.setattr(transfer, "ThreadPoolExecutor", Recording)
    return made


def test_a_download_reads_ranges_concurrently_only_above_the_threshold(scripted, tmp_path, part_pools):
    script, url = scripted
    script.payload = os.urandom(5 * MiB + 1)  # two ranges of 5 MiB
    client = client_for(url)
    for threshold in (5 * MiB + 1, 5 * MiB):  # at the threshold: one at a time; above it: --concurrency
        client.download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=3, threshold=threshold)
        assert (tmp_path / "out").read_bytes() == script.payload
    assert part_pools == [1, 3]


def test_a_download_may_take_more_ranges_than_an_upload_has_parts(scripted, tmp_path):
    """S3's 10,000 parts bound uploads; a download of 10,001 ranges or more is read like any other (here its
    second range is refused, which is the error raised)."""
    script, url = scripted
    total = 10_000 * 5 * MiB + 1
    first = (206, b"\0" * (5 * MiB), {"Content-Range": f"bytes 0-{5 * MiB - 1}/{total}"})
    script.actions = [first, (403, xml_error("AccessDenied"), {})]
    with pytest.raises(AccessDeniedError):
        client_for(url).download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=1)
    ranges = [entry[2]["Range"] for entry in script.received]
    assert ranges[:2] == ["bytes=0-5242879", "bytes=5242880-10485759"]  # (the next may have started too)
