"""The app-side client and CLI against the deployed dev stack in LocalStack, checked against S3 itself: every
call, a 100 MB object up and down, transfers through a faulty TCP proxy, interrupted uploads, and the CLI."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from s3proxy_client import (
    ConflictError,
    InvalidRangeError,
    NotFoundError,
    NotModifiedError,
    PreconditionFailedError,
    RouteNotAllowedError,
    S3ProxyClient,
)
from s3proxy_client.checksums import multipart_etag
from tooling.files import MiB, file_sha256, write_random
from tooling.program import ROOT

KEYS = ["a/b/c.txt", "with space/x y.txt", "percent/50%.txt", "unicode/ü-日本-😀.txt", "z"]


@pytest.fixture(scope="module")
def client(dev: Any) -> Iterator[S3ProxyClient]:
    with S3ProxyClient.from_outputs(dev.outputs) as api:
        yield api


def no_uploads_left(s3: Any, bucket: str) -> bool:
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def stored_sha256(s3: Any, bucket: str, key: str) -> str:
    """What S3 itself holds, streamed straight from S3 (not through the API)."""
    digest = hashlib.sha256()
    for chunk in s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(MiB):
        digest.update(chunk)
    return digest.hexdigest()


def test_bucket_calls(client, s3):
    name = f"e2e-client-{os.urandom(3).hex()}"
    client.create_bucket(name)
    try:
        assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        assert name in [b.name for b in client.list_buckets()]
        s3.put_object(Bucket=name, Key="keep", Body=b"x")
        with pytest.raises(ConflictError) as refused:
            client.delete_bucket(name)
        assert refused.value.code == "BucketNotEmpty"
        s3.delete_object(Bucket=name, Key="keep")
        client.delete_bucket(name)
        assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        with pytest.raises(NotFoundError) as missing:
            client.delete_bucket(name)
        assert missing.value.code == "NoSuchBucket"
    finally:
        if name in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
            s3.delete_bucket(Bucket=name)


def test_create_bucket_sends_the_location_constraint_for_other_regions(client, s3):
    name = f"e2e-client-eu-{os.urandom(3).hex()}"
    client.create_bucket(name, region="eu-west-1")
    try:
        assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    finally:
        s3.delete_bucket(Bucket=name)


def test_object_calls(client, s3, bucket):
    for key in KEYS:
        assert client.put_object(bucket, key, key, content_type="text/plain") is not None
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]} == set(KEYS)
    # Pages of 3 keys: LocalStack 2026.3.0's S3 cannot resume a listing at a non-ASCII key (its continuation
    # token decodes as ASCII: 500, boto3 straight to S3 alike), so no page may start at the unicode key.
    assert [e.key for e in client.list_objects(bucket, page_size=3)] == sorted(KEYS)  # two pages
    assert [e.key for e in client.list_objects(bucket, "percent/5")] == ["percent/50%.txt"]
    top = [(e.key, e.is_prefix) for e in client.list_objects(bucket, delimiter="/")]
    assert top == [("a/", True), ("percent/", True), ("unicode/", True), ("with space/", True), ("z", False)]

    key = "unicode/ü-日本-😀.txt"
    data = key.encode()
    head = client.head_object(bucket, key)
    assert (head.size, head.etag) == (len(data), s3.head_object(Bucket=bucket, Key=key)["ETag"])
    assert client.get_object(bucket, key).body == data
    part = client.get_object(bucket, key, range=(2, 9))
    assert (part.status, part.body, part.content_range) == (206, data[2:10], f"bytes 2-9/{len(data)}")
    with pytest.raises(NotModifiedError):
        client.get_object(bucket, key, if_none_match=head.etag)
    with pytest.raises(InvalidRangeError):
        client.get_object(bucket, key, range=(1000, 2000))

    with pytest.raises(PreconditionFailedError):
        client.put_object(bucket, key, b"overwritten", if_none_match="*")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == data  # unchanged
    client.put_object(bucket, "new.txt", b"first", content_type="text/plain", if_none_match="*")  # absent: stored
    assert s3.get_object(Bucket=bucket, Key="new.txt")["Body"].read() == b"first"

    client.delete_object(bucket, key)
    assert key not in {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    with pytest.raises(NotFoundError) as missing:
        client.get_object(bucket, key)
    assert missing.value.code == "NoSuchKey" and missing.value.request_id
    with pytest.raises(NotFoundError):
        client.head_object(bucket, key)  # no body: 404 alone


@pytest.mark.parametrize("key", ["a/../b.txt", "x/./y.txt", "..", "q/.."])
def test_keys_with_dot_segments_reach_s3_exactly(client, s3, bucket, key):
    client.put_object(bucket, key, key, content_type="text/plain")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [key]
    assert client.get_object(bucket, key).body == key.encode()


def test_100_mb_up_and_down_byte_exact(client, s3, bucket, tmp_path):
    size = 100 * 1000 * 1000
    source = tmp_path / "100mb.bin"
    expected = write_random(source, size)
    sent: list[int] = []
    up = client.upload_file(source, bucket, "big/100mb.bin", part_size=8 * MiB, concurrency=4, progress=sent.append)
    assert (up.size, up.parts, sum(sent)) == (size, 12, size)
    stored = s3.head_object(Bucket=bucket, Key="big/100mb.bin")
    assert (stored["ContentLength"], stored["ETag"]) == (size, up.etag)
    assert stored_sha256(s3, bucket, "big/100mb.bin") == expected
    assert no_uploads_left(s3, bucket)
    source.unlink()

    received: list[int] = []
    target = tmp_path / "copy.bin"
    down = client.download_file(
        bucket, "big/100mb.bin", target, part_size=8 * MiB, concurrency=4, progress=received.append
    )
    assert (down.size, down.parts, sum(received)) == (size, 12, size)
    assert file_sha256(target) == expected
    assert [p.name for p in tmp_path.iterdir()] == ["copy.bin"]


def test_multipart_etag_and_checksum_are_the_ones_s3_computes(client, s3, bucket, tmp_path):
    """S3 received every part's SHA-256 checksum (it stores the checksum of their checksums, `-3`) and the
    single PUT's: S3 itself verified each body (the document passes the x-amz-checksum-* headers)."""
    source = tmp_path / "in.bin"
    write_random(source, 11 * MiB)
    up = client.upload_file(source, bucket, "k", part_size=5 * MiB, threshold=0)
    parts = [source.read_bytes()[i : i + 5 * MiB] for i in range(0, 11 * MiB, 5 * MiB)]
    stored = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert stored["ETag"] == up.etag == multipart_etag([f'"{hashlib.md5(p).hexdigest()}"' for p in parts])
    digests = b"".join(hashlib.sha256(p).digest() for p in parts)
    assert stored["ChecksumSHA256"] == f"{base64.b64encode(hashlib.sha256(digests).digest()).decode()}-3"
    client.put_object(bucket, "hello.txt", b"Hello, World!")
    single = s3.head_object(Bucket=bucket, Key="hello.txt", ChecksumMode="ENABLED")
    assert single["ChecksumSHA256"] == "3/1gIbsr1bCvZ2KQgJ7DpTGR3YHH9wpLKGiKNiGCmG8="


class FaultyProxy:
    """A TCP proxy on 127.0.0.1 to LocalStack that injects faults at the requests it recognises (by a fragment
    of the request line or headers, such as `partNumber=2&`), whichever connection they travel on, so that the
    faults do not depend on how the client's pool reuses connections:
      - `refuse`: the connections accepted (1-based) that are reset at once, nothing forwarded;
      - `cut_requests`: such a request is cut (both sides reset) once `CUT_AFTER` bytes of it have passed;
      - `cut_answers`: the answer to such a request is cut once `CUT_AFTER` bytes of it have passed;
      - `stall`: such a request is held, nothing of it forwarded (`stalled` is set), until `release()`, which
        resets its connection.
    Each fragment fires once: the retry passes. `seen[fragment]` is set when a request with it passes by."""

    CUT_AFTER = MiB

    def __init__(
        self,
        upstream: tuple[str, int],
        *,
        refuse: frozenset[int] = frozenset(),
        cut_requests: tuple[bytes, ...] = (),
        cut_answers: tuple[bytes, ...] = (),
        stall: bytes | None = None,
        watch: tuple[bytes, ...] = (),
    ) -> None:
        self.upstream, self.refuse = upstream, refuse
        self.cut_requests, self.cut_answers, self.stall = cut_requests, cut_answers, stall
        self.seen = {fragment: threading.Event() for fragment in watch}
        self.stalled = threading.Event()
        self.released = threading.Event()
        self.fired: set[bytes] = set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.accepted = self.refused = self.cut = 0
        self.sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    @staticmethod
    def _reset(sock: socket.socket) -> None:
        """Close with a TCP reset. Another thread blocked in recv() on it would keep the socket open (and the
        peer waiting) until it returns: shutting the reading side down first wakes it."""
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RD)
        with contextlib.suppress(OSError):
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return  # closed
            with self.lock:
                self.accepted += 1
                refuse = self.accepted in self.refuse
                self.refused += refuse
            if refuse:
                self._reset(downstream)
                continue
            upstream = socket.create_connection(self.upstream)
            link = Link(downstream, upstream)
            with self.lock:
                self.sockets |= {downstream, upstream}
            threading.Thread(target=self._requests, args=(link,), daemon=True).start()
            threading.Thread(target=self._answers, args=(link,), daemon=True).start()

    def _first_time(self, fragments: tuple[bytes, ...], window: bytes) -> bool:
        """Whether a fragment not yet fired is in `window` (firing it)."""
        with self.lock:
            for fragment in fragments:
                if fragment not in self.fired and fragment in window:
                    self.fired.add(fragment)
                    return True
        return False

    def _requests(self, link: Link) -> None:
        """Client to LocalStack: recognise requests by a window over the stream's last bytes (a request's head
        may be split across reads), and act on them."""
        window = b""
        try:
            while data := link.downstream.recv(65536):
                window = window[-512:] + data
                for fragment, event in self.seen.items():
                    if fragment in window:
                        event.set()
                if self.stall and self._first_time((self.stall,), window):
                    self.stalled.set()
                    self.released.wait()
                    return link.reset()
                if self._first_time(self.cut_requests, window):
                    link.cut_request_at = link.sent + self.CUT_AFTER
                if self._first_time(self.cut_answers, window):
                    link.cut_answer_at = link.answered + self.CUT_AFTER  # no pipelining: its answer comes next
                link.sent += len(data)
                if link.sent > link.cut_request_at:
                    return self._cut(link)
                link.upstream.sendall(data)
            link.upstream.shutdown(socket.SHUT_WR)
        except OSError:
            link.reset()

    def _answers(self, link: Link) -> None:
        try:
            while data := link.upstream.recv(65536):
                link.answered += len(data)
                if link.answered > link.cut_answer_at:
                    return self._cut(link)
                link.downstream.sendall(data)
            link.downstream.shutdown(socket.SHUT_WR)
        except OSError:
            link.reset()

    def _cut(self, link: Link) -> None:
        with self.lock:
            self.cut += 1
        link.reset()

    def release(self) -> None:
        self.released.set()

    def close(self) -> None:
        self.released.set()
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                self._reset(sock)


@dataclass
class Link:
    """One proxied connection: its two sockets, the bytes carried each way, and where to cut them."""

    downstream: socket.socket
    upstream: socket.socket
    sent: int = 0
    answered: int = 0
    cut_request_at: float = float("inf")
    cut_answer_at: float = float("inf")

    def reset(self) -> None:
        for end in (self.downstream, self.upstream):
            FaultyProxy._reset(end)


def proxied(dev: Any, proxy: FaultyProxy) -> str:
    """The stage URL through the proxy."""
    url = urlsplit(dev.outputs["url"])
    return urlunsplit(url._replace(netloc=f"127.0.0.1:{proxy.port}"))


def test_transfers_through_a_proxy_that_drops_connections_are_byte_exact(dev, s3, bucket, endpoint, tmp_path):
    """A refused connection, two parts cut mid-body and a ranged read cut mid-answer: each is retried."""
    address = urlsplit(endpoint)
    proxy = FaultyProxy(
        (address.hostname or "localhost", address.port or 4566),
        refuse=frozenset({2}),  # 4 workers: at least 2 connections whatever the pool does
        cut_requests=(b"partNumber=2&", b"partNumber=5&"),
        cut_answers=(f"Range: bytes={2 * 8 * MiB}-".encode(),),
    )
    try:
        client = S3ProxyClient.from_outputs(
            dev.outputs, url=proxied(dev, proxy), max_attempts=8, backoff_base=0.05, connect_timeout=5, read_timeout=20
        )
        source = tmp_path / "in.bin"
        expected = write_random(source, 48 * MiB)
        client.upload_file(source, bucket, "through/proxy.bin", part_size=8 * MiB, concurrency=4)
        assert stored_sha256(s3, bucket, "through/proxy.bin") == expected
        assert no_uploads_left(s3, bucket)
        client.download_file(bucket, "through/proxy.bin", tmp_path / "out.bin", part_size=8 * MiB, concurrency=4)
        assert file_sha256(tmp_path / "out.bin") == expected
    finally:
        proxy.close()
    # every fault happened, and each was survived by retrying
    assert (proxy.refused, proxy.cut, len(proxy.fired)) == (1, 3, 3), (proxy.accepted, proxy.refused, proxy.cut)
    assert client.transport.stats["retries"] >= 4, client.transport.stats


@pytest.mark.parametrize("interrupt", [RuntimeError, KeyboardInterrupt])
def test_an_interrupted_upload_leaves_no_multipart_upload(client, s3, bucket, tmp_path, interrupt):
    source = tmp_path / "in.bin"
    write_random(source, 30 * MiB)
    done: list[int] = []

    def progress(size: int) -> None:
        done.append(size)
        if len(done) == 2:
            raise interrupt("stopped by the user after 2 parts")

    with pytest.raises(interrupt, match="after 2 parts"):
        client.upload_file(source, bucket, "interrupted.bin", part_size=5 * MiB, concurrency=2, progress=progress)
    assert no_uploads_left(s3, bucket)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@contextlib.contextmanager
def interruptible_children() -> Iterator[None]:
    """Children started inside get SIGINT's default action, whatever this process inherited: a background job
    of a non-interactive shell (`make test &`, some CI runners) starts with SIGINT ignored, an ignored signal
    stays ignored across exec (POSIX `exec`: "Signals set to be ignored ... shall be set to be ignored by the
    new process image"), and Python then installs no KeyboardInterrupt handler: Ctrl-C would never reach the
    CLI. A handled signal is reset to its default at exec, so handling it here for the Popen is enough."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_during_a_cli_upload_aborts_it_at_once(dev, s3, bucket, endpoint, tmp_path):
    """A real SIGINT to `cp`: the upload is aborted before the CLI waits for the part in flight (here held by
    the proxy, part 3 of 6, sent one at a time), and the CLI exits 130 with one line once that part ends."""
    address = urlsplit(endpoint)
    stalling = FaultyProxy(
        (address.hostname or "localhost", address.port or 4566), stall=b"partNumber=3&", watch=(b"DELETE ",)
    )
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(dev.outputs | {"url": proxied(dev, stalling)}))
    source = tmp_path / "in.bin"
    write_random(source, 30 * MiB)
    command = [sys.executable, "-m", "s3proxy_client", "--outputs", str(outputs), "cp", str(source)]
    with interruptible_children():
        upload = subprocess.Popen(
            [*command, f"s3p://{bucket}/k", "--part-size", "5MiB", "--concurrency", "1"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        # Parts go one at a time: when part 3 is held, parts 1 and 2 are stored, and nothing can end the CLI
        # but the interrupt (part 3 is never answered until released).
        assert stalling.stalled.wait(120), "the upload never reached its third part"
        (started,) = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
        assert len(s3.list_parts(Bucket=bucket, Key="k", UploadId=started["UploadId"])["Parts"]) == 2
        upload.send_signal(signal.SIGINT)
        assert stalling.seen[b"DELETE "].wait(60), "no abort was sent"
        wait_until(lambda: no_uploads_left(s3, bucket))  # the abort, answered, while part 3 is still held
        assert upload.poll() is None  # still waiting for the held part, as it should
        stalling.release()
        out, err = upload.communicate(timeout=120)
    finally:
        stalling.close()
        if upload.poll() is None:
            upload.kill()
    assert (upload.returncode, out, err) == (130, "", "s3proxy_client: interrupted\n")
    assert no_uploads_left(s3, bucket) and s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    """Until S3's state shows `condition` (it changes on its own time, after the request that changes it)."""
    changed = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        changed.wait(0.05)
    raise AssertionError(f"{condition} never held")


def test_a_stack_without_a_route_refuses_with_a_typed_error(readonly, s3, bucket, tmp_path):
    client = S3ProxyClient.from_outputs(readonly.outputs)
    with pytest.raises(RouteNotAllowedError) as refused:  # API Gateway's own 403 for a route it does not serve
        client.put_object(bucket, "k", b"x", content_type="text/plain")
    assert refused.value.status == 403 and refused.value.code == "MissingAuthenticationTokenException"
    source = tmp_path / "in.bin"
    write_random(source, 6 * MiB)
    with pytest.raises(RouteNotAllowedError, match="multipart"):  # told by the outputs, before any request
        client.upload_file(source, bucket, "k", part_size=5 * MiB, threshold=0)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0 and no_uploads_left(s3, bucket)


def cli(outputs: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "s3proxy_client", "--outputs", str(outputs), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_cli_commands_on_real_files(dev, s3, tmp_path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(dev.outputs))
    name = f"e2e-cli-{os.urandom(3).hex()}"
    source = tmp_path / "report 1.bin"
    expected = write_random(source, 12 * MiB)  # multipart at the default 8 MiB threshold

    made = cli(outputs, "mb", f"s3p://{name}")
    assert made.returncode == 0, made.stderr
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    try:
        copied = cli(outputs, "cp", str(source), f"s3p://{name}/reports/", "--part-size", "5MiB", "--concurrency", "3")
        assert copied.returncode == 0, copied.stderr
        assert stored_sha256(s3, name, "reports/report 1.bin") == expected

        listed = cli(outputs, "ls", f"s3p://{name}")
        assert listed.returncode == 0 and "PRE  reports/" in listed.stdout
        listed = cli(outputs, "ls", "--recursive", f"s3p://{name}")
        assert f"{12 * MiB:,}  reports/report 1.bin" in listed.stdout
        assert name in cli(outputs, "ls").stdout

        head = cli(outputs, "head", f"s3p://{name}/reports/report 1.bin")
        assert head.returncode == 0 and json.loads(head.stdout)["size"] == 12 * MiB

        (tmp_path / "down").mkdir()
        fetched = cli(outputs, "cp", f"s3p://{name}/reports/report 1.bin", str(tmp_path / "down"))
        assert fetched.returncode == 0, fetched.stderr
        assert file_sha256(tmp_path / "down" / "report 1.bin") == expected

        refused = cli(outputs, "rb", f"s3p://{name}")  # not empty
        assert refused.returncode == 5 and "BucketNotEmpty" in refused.stderr

        removed = cli(outputs, "rm", f"s3p://{name}/reports/report 1.bin")
        assert removed.returncode == 0, removed.stderr
        assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0

        missing = cli(outputs, "cp", f"s3p://{name}/reports/report 1.bin", str(tmp_path / "again.bin"))
        assert missing.returncode == 3 and missing.stdout == ""
        assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
        assert missing.stderr.startswith(f"s3proxy_client: error: s3p://{name}/reports/report 1.bin: NoSuchKey")
        assert not (tmp_path / "again.bin").exists()

        gone = cli(outputs, "rb", f"s3p://{name}")
        assert gone.returncode == 0, gone.stderr
        assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    finally:
        if name in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
            for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
                s3.delete_object(Bucket=name, Key=item["Key"])
            s3.delete_bucket(Bucket=name)


def test_the_example_app_runs_against_the_stack(dev, tmp_path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(dev.outputs))
    ran = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "app.py"), str(outputs), "--size-mb", "12"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    assert "sha256 verified" in ran.stdout and "in 2 parts" in ran.stdout
