"""`upload_file` and the multipart operations: checksums, aborts on failure, lost answers, and whole uploads against
a scripted S3 and moto's S3."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.credentials import Credentials
from fakes import b64_sha256, client_for, parts_of, random_file, xml_error

from s3proxy_client import (
    AccessDeniedError,
    ConnectionFailedError,
    NotFoundError,
    RouteNotAllowedError,
    S3ProxyClient,
    S3ProxyError,
    ServerError,
    TransferResult,
    UploadedPart,
)
from s3proxy_client.parts import API_GATEWAY_PAYLOAD_LIMIT, MiB
from s3proxy_client.transfer import MULTIPART_ROUTES


def test_every_part_and_single_put_carries_its_sha256_checksum_and_no_content_md5(fake_s3, tmp_path):
    """API Gateway drops Content-MD5 from requests (its developer guide's important notes), so S3's flexible
    checksum carries integrity: x-amz-checksum-sha256 = base64 of the body's SHA-256, which S3 verifies."""
    fake, url = fake_s3
    client = client_for(url)
    client.put_object("bkt", "hello.txt", b"Hello, World!")
    (put,) = fake.sent("PutObject")
    assert put[2]["x-amz-checksum-sha256"] == "3/1gIbsr1bCvZ2KQgJ7DpTGR3YHH9wpLKGiKNiGCmG8="  # sha256sum | base64
    assert "Content-MD5" not in put[2]

    source = random_file(tmp_path / "in.bin", 11 * MiB)
    result = client.upload_file(source, "bkt", "k", part_size=5 * MiB, concurrency=2)
    (create,) = fake.sent("CreateMultipartUpload")
    assert create[2]["x-amz-checksum-algorithm"] == "SHA256"
    expected = [b64_sha256(part) for part in parts_of(source, 5 * MiB)]
    sent = {int(parse_qs(urlsplit(p[1]).query)["partNumber"][0]): p[2] for p in fake.sent("UploadPart")}
    assert [sent[n]["x-amz-checksum-sha256"] for n in (1, 2, 3)] == expected
    assert not any("Content-MD5" in headers for headers in sent.values())
    # S3 requires each part's checksum in the Complete's list when the upload was created with an algorithm
    # (CompletedPart in the S3 API reference; S3 answers InvalidRequest otherwise, aws/aws-sdk-php#2648).
    (complete,) = fake.sent("CompleteMultipartUpload")
    listed = ET.fromstring(complete[3])
    namespace = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    assert [p.findtext("s3:ChecksumSHA256", namespaces=namespace) for p in listed] == expected
    assert [p.findtext("s3:PartNumber", namespaces=namespace) for p in listed] == ["1", "2", "3"]
    assert result.etag == fake.etag and fake.state == "completed"


def test_without_checksums_no_part_and_no_complete_names_one(fake_s3, tmp_path):
    fake, url = fake_s3
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    client_for(url).upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0, checksum=False)
    assert all("x-amz-checksum-algorithm" not in e[2] and "x-amz-checksum-sha256" not in e[2] for e in fake.received)
    assert b"Checksum" not in fake.sent("CompleteMultipartUpload")[0][3]


@pytest.mark.parametrize("operation", ["PutObject", "UploadPart", "CompleteMultipartUpload"])
def test_a_checksum_s3_answers_that_is_not_ours_is_an_error(fake_s3, tmp_path, operation):
    fake, url = fake_s3
    other = b64_sha256(b"other bytes")

    def replaced(answer: Any) -> Any:
        status, body, headers = answer
        if operation == "CompleteMultipartUpload":
            body = re.sub(rb"<ChecksumSHA256>[^<]*", f"<ChecksumSHA256>{other}-2".encode(), body)
        return (status, body, headers | {"x-amz-checksum-sha256": other})

    fake.faults["UploadPart 2" if operation == "UploadPart" else operation] = [replaced]
    client = client_for(url)
    what = {"UploadPart": "UploadPart 2", "CompleteMultipartUpload": "CompleteMultipartUpload"}.get(
        operation, operation
    )
    answered = re.escape(other + ("-2" if operation == "CompleteMultipartUpload" else ""))
    with pytest.raises(
        S3ProxyError,
        match=rf"^ChecksumMismatch \(HTTP 200\): {what}: S3 answered the SHA-256 checksum {answered}, expected ",
    ) as raised:
        if operation == "PutObject":
            client.put_object("bkt", "k", b"data")
        else:
            client.upload_file(
                random_file(tmp_path / "in.bin", 6 * MiB), "bkt", "k", part_size=5 * MiB, threshold=0, concurrency=1
            )
    assert (raised.value.code, raised.value.status) == ("ChecksumMismatch", 200)  # S3 said 200: the bytes differ


def test_a_failed_part_aborts_at_once_and_stops_the_parts_in_flight(fake_s3, tmp_path):
    """Part 1 fails while part 2 is held in the server: the upload is aborted before part 2 is answered (not
    after waiting for it), and part 2, answered 503 then, is not retried: the transfer is being cancelled."""
    fake, url = fake_s3
    part_2_held = threading.Event()
    released_by_the_abort: list[bool] = []

    def fail_part_1(answer: Any) -> Any:
        part_2_held.wait(10)
        return (403, xml_error("AccessDenied"), {})

    def hold_part_2(answer: Any) -> Any:
        part_2_held.set()
        released_by_the_abort.append(fake.aborted.wait(10))
        fake.log.append("part 2 answered")
        return (503, xml_error("SlowDown"), {})

    fake.faults = {"UploadPart 1": [fail_part_1], "UploadPart 2": [hold_part_2]}
    source = random_file(tmp_path / "in.bin", 10 * MiB)
    with pytest.raises(AccessDeniedError):
        client_for(url).upload_file(source, "bkt", "k", part_size=5 * MiB, concurrency=2)
    assert released_by_the_abort == [True]
    assert fake.log.index("AbortMultipartUpload") < fake.log.index("part 2 answered")
    assert fake.log.count("UploadPart 2") == 1  # not retried once cancelled
    assert "CompleteMultipartUpload" not in fake.log and fake.state == "aborted"
    aborted = [parse_qs(urlsplit(path).query)["uploadId"] for _, path, _, _ in fake.sent("AbortMultipartUpload")]
    assert aborted == [["up-1"], ["up-1"]]  # at once, then again once the parts in flight are done


def test_upload_file_puts_up_to_its_threshold_below_api_gateways_limit_and_sends_parts_above(fake_s3, tmp_path):
    fake, url = fake_s3
    client = client_for(url)
    progress: list[int] = []
    notes, blob = tmp_path / "notes.txt", tmp_path / "blob"
    notes.write_bytes(b"x" * 100)
    blob.write_bytes(b"y" * 101)
    put = client.upload_file(notes, "bkt", "notes", threshold=100, progress=progress.append)
    assert put == TransferResult("bkt", "notes", 100, f'"{hashlib.md5(b"x" * 100).hexdigest()}"', 1)
    assert progress == [100] and fake.sent("PutObject")[0][2]["Content-Type"] == "text/plain"  # guessed by name
    parted = client.upload_file(blob, "bkt", "blob", threshold=100)  # one byte over: a multipart upload
    assert (parted.bucket, parted.key, parted.size, parted.etag, parted.parts) == ("bkt", "blob", 101, fake.etag, 1)
    assert fake.sent("CreateMultipartUpload")[0][2]["Content-Type"] == "application/octet-stream"
    limit = random_file(tmp_path / "limit.bin", API_GATEWAY_PAYLOAD_LIMIT)
    at_limit = client.upload_file(limit, "bkt", "limit", part_size=5 * MiB, threshold=API_GATEWAY_PAYLOAD_LIMIT)
    assert at_limit.parts == 2 and len(fake.sent("PutObject")) == 1  # API Gateway refuses a 10 MB payload


def test_a_part_is_below_api_gateways_limit_sent_as_binary_with_its_checksum_and_must_get_an_etag(fake_s3):
    fake, url = fake_s3
    client = client_for(url)
    with pytest.raises(ValueError) as raised:
        client.upload_part("bkt", "k", "up-1", 1, b"x" * API_GATEWAY_PAYLOAD_LIMIT)
    assert (
        str(raised.value) == f"a part of {API_GATEWAY_PAYLOAD_LIMIT:,} bytes exceeds API Gateway's 10 MB payload limit"
    )
    client.create_multipart_upload("bkt", "k")
    part = client.upload_part("bkt", "k", "up-1", 1, b"x" * (API_GATEWAY_PAYLOAD_LIMIT - 1))
    headers = fake.sent("UploadPart")[0][2]
    assert (headers["Content-Type"], headers["x-amz-checksum-sha256"]) == (
        "application/octet-stream",
        part.checksum_sha256,
    ) and part.checksum_sha256 == b64_sha256(b"x" * (API_GATEWAY_PAYLOAD_LIMIT - 1))
    fake.faults["UploadPart 2"] = [lambda answer: (200, b"", {"ETag": ""})]
    with pytest.raises(S3ProxyError) as missing:
        client.upload_part("bkt", "k", "up-1", 2, b"y")
    assert (missing.value.status, missing.value.code, missing.value.message) == (
        200,
        "MalformedResponse",
        "UploadPart 2 answered no ETag",
    )


def test_a_complete_whose_answer_was_lost_is_recognised_as_done(fake_s3, tmp_path):
    """S3 completed it, the answer was lost (connection reset), the retry gets NoSuchUpload: the object's ETag
    being these parts' multipart ETag, the upload counts as completed and nothing is aborted."""
    fake, url = fake_s3
    fake.faults["CompleteMultipartUpload"] = [lambda answer: "drop"]
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    result = client_for(url).upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0)
    digests = b"".join(hashlib.md5(part).digest() for part in parts_of(source, 5 * MiB))
    assert result.etag == f'"{hashlib.md5(digests).hexdigest()}-2"' == fake.etag
    assert fake.log[-3:] == ["CompleteMultipartUpload", "CompleteMultipartUpload", "HeadObject"]
    assert "AbortMultipartUpload" not in fake.log and result.parts == 2
    assert [urlsplit(path).path for _, path, _, _ in fake.sent("HeadObject")] == ["/dev/bkt/k"]  # the object's


def test_a_no_such_upload_at_the_first_complete_is_an_error_without_looking_for_the_object(fake_s3, tmp_path):
    fake, url = fake_s3
    client = client_for(url)
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    client.upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0)
    parts = [UploadedPart(f'"{hashlib.md5(p).hexdigest()}"', b64_sha256(p)) for p in parts_of(source, 5 * MiB)]
    with pytest.raises(NotFoundError, match="NoSuchUpload"):
        client.complete_multipart_upload("bkt", "k", "up-1", parts)  # the object exists, but not by this call
    assert fake.log[-1] == "CompleteMultipartUpload"


def test_a_lost_complete_whose_object_differs_is_not_taken_for_done(fake_s3, tmp_path):
    fake, url = fake_s3

    def lost_and_replaced(answer: Any) -> Any:
        fake.etag = '"someone-else"'
        return "drop"

    fake.faults["CompleteMultipartUpload"] = [lost_and_replaced]
    with pytest.raises(NotFoundError, match="NoSuchUpload"):
        client_for(url).upload_file(
            random_file(tmp_path / "in.bin", 6 * MiB), "bkt", "k", part_size=5 * MiB, threshold=0
        )
    assert fake.log[-2:] == ["HeadObject", "AbortMultipartUpload"]


def test_a_200_error_on_complete_is_retried_when_transient_and_raised_otherwise(fake_s3, tmp_path):
    """CompleteMultipartUpload can answer 200 and fail in the body (S3 API reference): an InternalError is
    retried like a 500; InvalidPart is final, and the upload is aborted."""
    fake, url = fake_s3
    fake.faults["CompleteMultipartUpload"] = [lambda answer: (200, xml_error("InternalError"), {})]
    client = client_for(url)
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    result = client.upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0)
    assert fake.log.count("CompleteMultipartUpload") == 2 and result.etag == fake.etag

    fake.log.clear()
    fake.faults["CompleteMultipartUpload"] = [lambda answer: (200, xml_error("InvalidPart", "bad part"), {})]
    with pytest.raises(S3ProxyError, match="InvalidPart") as raised:
        client.upload_file(source, "bkt", "k2", part_size=5 * MiB, threshold=0)
    assert raised.value.status == 200
    assert fake.log[-2:] == ["CompleteMultipartUpload", "AbortMultipartUpload"]


def test_a_create_without_an_upload_id_is_a_malformed_answer_and_its_defaults_are_sha256_octets(fake_s3):
    fake, url = fake_s3
    client = client_for(url)
    assert client.create_multipart_upload("bkt", "k") == "up-1"
    headers = fake.sent("CreateMultipartUpload")[0][2]
    assert (headers["Content-Type"], headers["x-amz-checksum-algorithm"]) == ("application/octet-stream", "SHA256")
    fake.faults["CreateMultipartUpload"] = [lambda answer: (200, b"<InitiateMultipartUploadResult/>", {})]
    with pytest.raises(S3ProxyError) as raised:
        client.create_multipart_upload("bkt", "k")
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        200,
        "MalformedResponse",
        "CreateMultipartUpload answered no UploadId",
    )


def test_a_complete_sends_the_part_list_and_returns_s3s_etag_else_the_computed_one(scripted):
    script, url = scripted
    first, second = hashlib.md5(b"1").hexdigest(), hashlib.md5(b"2").hexdigest()
    answered = b"<CompleteMultipartUploadResult><ETag>&quot;from-s3&quot;</ETag></CompleteMultipartUploadResult>"
    script.actions = [(200, answered, {}), (200, b"<CompleteMultipartUploadResult/>", {})]
    client = client_for(url)
    assert client.complete_multipart_upload("bkt", "k", "up-1", [f'"{first}"', f'"{second}"']) == '"from-s3"'
    computed = hashlib.md5(hashlib.md5(b"1").digest() + hashlib.md5(b"2").digest()).hexdigest()
    assert client.complete_multipart_upload("bkt", "k", "up-1", [f'"{first}"', f'"{second}"']) == f'"{computed}-2"'
    method, path, headers, body = script.received[0]
    assert (method, path, headers["Content-Type"]) == (
        "POST",
        "/restapis/abc/dev/_user_request_/bkt/k?uploadId=up-1",
        "application/xml",
    )
    assert body.decode() == (
        '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f'<Part><PartNumber>1</PartNumber><ETag>"{first}"</ETag></Part>'
        f'<Part><PartNumber>2</PartNumber><ETag>"{second}"</ETag></Part></CompleteMultipartUpload>'
    )


def test_a_complete_checks_s3s_composite_checksum_only_when_every_part_has_one(scripted):
    script, url = scripted
    checksum = b64_sha256(b"1")
    wrong = (
        b"<CompleteMultipartUploadResult><ChecksumSHA256>not-ours-2</ChecksumSHA256></CompleteMultipartUploadResult>"
    )
    script.actions = [(200, wrong, {}), (200, wrong, {})]
    client = client_for(url)
    half = [UploadedPart('"e1"', checksum), UploadedPart('"e2"')]
    assert client.complete_multipart_upload("bkt", "k", "up-1", half) is None  # no checksum to compare
    with pytest.raises(
        S3ProxyError,
        match=r"^ChecksumMismatch \(HTTP 200\): CompleteMultipartUpload: S3 answered the SHA-256 checksum not-ours-2, ",
    ):
        client.complete_multipart_upload("bkt", "k", "up-1", [UploadedPart('"e1"', checksum)] * 2)


def test_a_missing_multipart_route_is_named_with_the_actions_to_allow(fake_s3, tmp_path):
    _, url = fake_s3
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    routes = tuple(f"{route} -> s3:PutObject" for route in MULTIPART_ROUTES)
    every = client_for(url, routes=routes)
    assert every.upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0).parts == 2
    some = client_for(url, routes=routes[1:3])
    with pytest.raises(RouteNotAllowedError) as raised:
        some.upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0)
    assert (raised.value.status, raised.value.code, raised.value.attempts, raised.value.message) == (
        None,
        "RouteNotDeployed",
        0,
        "a multipart upload needs POST /{folder}/{item+}?uploads, DELETE /{folder}/{item+}?uploadId, which the "
        "stack does not serve (allow the actions s3:PutObject and s3:AbortMultipartUpload)",
    )


@pytest.mark.parametrize(
    ("answer", "raised"),
    [((404, xml_error("NoSuchUpload"), {}), None), ((404, xml_error("NoSuchBucket"), {}), NotFoundError)],
)
def test_abort_of_an_upload_that_is_gone_counts_as_aborted(scripted, answer, raised):
    script, url = scripted
    script.actions = [answer]
    client = client_for(url)
    if raised is None:
        client.abort_multipart_upload("bkt", "k", "up-1")
    else:
        with pytest.raises(raised, match="NoSuchBucket"):
            client.abort_multipart_upload("bkt", "k", "up-1")
    assert script.received[0][:2] == ("DELETE", "/restapis/abc/dev/_user_request_/bkt/k?uploadId=up-1")


def test_a_file_that_shrinks_while_it_is_read_is_an_error_naming_where(tmp_path):
    from s3proxy_client.files import read_at

    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    fd = os.open(path, os.O_RDONLY)
    try:
        assert read_at(fd, 4, 3) == b"3456"
        with pytest.raises(OSError, match=r"^the file ended 5 bytes early at offset 10$"):
            read_at(fd, 8, 7)
    finally:
        os.close(fd)


@pytest.mark.parametrize("interrupt", [RuntimeError, KeyboardInterrupt])
def test_an_interrupted_upload_is_aborted(moto, tmp_path, interrupt):
    client, s3, bucket = moto
    source = random_file(tmp_path / "in.bin", 20 * MiB)
    done: list[int] = []

    def progress(size: int) -> None:
        done.append(size)
        if len(done) == 2:
            raise interrupt("stop")

    with pytest.raises(interrupt):
        client.upload_file(source, bucket, "k", part_size=5 * MiB, concurrency=2, progress=progress)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_a_failed_abort_is_noted_on_the_original_error(moto, tmp_path, monkeypatch):
    client, s3, bucket = moto
    source = random_file(tmp_path / "in.bin", 11 * MiB)

    def failing_abort(*args: Any) -> None:
        raise ConnectionFailedError(None, "ConnectionError", "the network is gone")

    def failing_part(*args: Any, **kwargs: Any) -> str:
        raise ServerError(500, "InternalError", "part failed")

    monkeypatch.setattr(client, "abort_multipart_upload", failing_abort)
    monkeypatch.setattr(client, "upload_part", failing_part)
    with pytest.raises(ServerError, match="part failed") as raised:
        client.upload_file(source, bucket, "k", part_size=5 * MiB)
    (note,) = raised.value.__notes__
    upload_id = s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["UploadId"]
    assert note == (
        f"aborting multipart upload {upload_id} of s3p://{bucket}/k failed too (ConnectionError: the network is "
        "gone): its parts stay stored until it is aborted"
    )
    for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):  # the orphan, as reported
        s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])


def test_a_stack_without_the_multipart_routes_is_told_before_anything_starts(moto_url, moto, tmp_path):
    _, s3, bucket = moto
    routes = tuple(f"{r} -> s3:PutObject" for r in MULTIPART_ROUTES if "DELETE" not in r)
    client = S3ProxyClient(moto_url, "us-east-1", credentials=Credentials("test", "test"), routes=routes)
    with pytest.raises(RouteNotAllowedError, match=r"DELETE /\{folder\}/\{item\+\}\?uploadId"):
        client.upload_file(random_file(tmp_path / "in.bin", 6 * MiB), bucket, "k", part_size=5 * MiB, threshold=0)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_short_reads_and_writes_are_continued_until_every_byte_is_moved(tmp_path, monkeypatch):
    """The kernel may move fewer bytes than asked (pread and pwrite return how many): at most 3 a call here."""
    from s3proxy_client import files

    real_pread, real_pwrite = os.pread, os.pwrite
    monkeypatch.setattr(files.os, "pread", lambda fd, size, offset: real_pread(fd, min(size, 3), offset))
    monkeypatch.setattr(files.os, "pwrite", lambda fd, data, offset: real_pwrite(fd, data[:3], offset))
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    fd = os.open(path, os.O_RDWR)
    try:
        assert files.read_at(fd, 8, 1) == b"12345678"  # three reads
        assert files.read_at(fd, 6, 2) == b"234567"  # two
        files.write_at(fd, b"abcdefgh", 1)
    finally:
        os.close(fd)
    assert path.read_bytes() == b"0abcdefgh9"
