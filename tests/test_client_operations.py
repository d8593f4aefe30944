"""Single S3 operations: what each sends (signed as sent) and how its answer is read, against the scripted server
and moto's S3 on 127.0.0.1."""

from __future__ import annotations

import hashlib
import inspect

import pytest
from fakes import client_for, xml_error

from s3proxy_client import (
    Bucket,
    ConflictError,
    InvalidRangeError,
    NotFoundError,
    NotModifiedError,
    PreconditionFailedError,
    S3ProxyClient,
    S3ProxyError,
)
from s3proxy_client.checksums import multipart_etag
from s3proxy_client.parts import API_GATEWAY_PAYLOAD_LIMIT
from s3proxy_client.results import ObjectEntry


def test_head_and_get_report_size_type_version_metadata_and_every_header(scripted):
    script, url = scripted
    answered = {
        "Content-Type": "text/plain",
        "x-amz-version-id": "v1",
        "x-amz-meta-Owner": "Ann",
        "X-Amz-Meta-Lang": "fi",
        "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT",
    }
    script.actions = [
        (200, b"", answered | {"x-amzn-Remapped-Content-Length": "1234"}),  # through API Gateway
        (200, b"", answered | {"Content-Length": "77"}),  # straight from S3
        (200, b"hello", answered | {"x-amzn-Remapped-Content-Length": "999"}),  # a GET: the body's length
    ]
    client = client_for(url)
    head, direct, got = client.head_object("bkt", "k"), client.head_object("bkt", "k"), client.get_object("bkt", "k")
    assert (head.size, direct.size, got.size) == (1234, 77, 5)
    for info in (head, direct, got):
        assert (info.etag, info.content_type, info.version_id, info.last_modified) == (
            '"e1"',
            "text/plain",
            "v1",
            "Wed, 21 Oct 2026 07:28:00 GMT",
        )
        assert info.metadata == {"owner": "Ann", "lang": "fi"}
        assert (info.headers["x-amz-meta-Owner"], info.headers["ETag"]) == ("Ann", '"e1"')


def test_every_call_is_sent_as_s3_expects_and_signed_as_sent(scripted):
    script, url = scripted
    xmlns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
    script.actions = [
        (
            200,
            f"<ListAllMyBucketsResult {xmlns}><Buckets><Bucket><Name>a-bucket</Name><CreationDate>"
            f"2026-01-02T03:04:05.000Z</CreationDate></Bucket><Bucket><Name>b-bucket</Name></Bucket></Buckets>"
            "</ListAllMyBucketsResult>".encode(),
            {},
        ),
        "ok",
        "ok",
        (204, b"", {}),
        (204, b"", {}),
        (206, b"56789", {"Content-Range": "bytes 5-9/10", "Content-Type": "text/plain"}),
        (
            200,
            f'<ListPartsResult {xmlns}><Part><PartNumber>1</PartNumber><ETag>"e1"</ETag><Size>5242880</Size>'
            '</Part><Part><PartNumber>2</PartNumber><ETag>"e2"</ETag><Size>7</Size></Part></ListPartsResult>'.encode(),
            {},
        ),
        (200, b"", {"x-amzn-Remapped-Content-Length": "1234", "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT"}),
    ]
    client = client_for(url)
    assert client.list_buckets() == [Bucket("a-bucket", "2026-01-02T03:04:05.000Z"), Bucket("b-bucket", None)]
    client.create_bucket("new-bucket", region="eu-west-1")
    client.create_bucket("east-bucket")  # the API's region, us-east-1: no LocationConstraint
    client.delete_bucket("new-bucket")
    client.delete_object("bkt", "a b")
    got = client.get_object("bkt", "k", range=(5, None), if_match='"e1"', if_none_match='"e0"')
    assert (got.bucket, got.key, got.status, got.body, got.size) == ("bkt", "k", 206, b"56789", 10)
    assert (got.content_range, got.content_type, got.etag) == ("bytes 5-9/10", "text/plain", '"e1"')
    assert client.list_parts("bkt", "k", "up-1") == [(1, '"e1"', 5242880), (2, '"e2"', 7)]
    info = client.head_object("bkt", "k", if_match='"e1"')
    assert (info.bucket, info.key, info.size, info.last_modified) == ("bkt", "k", 1234, "Wed, 21 Oct 2026 07:28:00 GMT")

    base = "/restapis/abc/dev/_user_request_"
    sent = [(method, path.removeprefix(base), body) for method, path, _, body in script.received]
    configuration = f"<CreateBucketConfiguration {xmlns}>"
    assert sent == [
        ("GET", "/", b""),
        (
            "PUT",
            "/new-bucket",
            f"{configuration}<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>".encode(),
        ),
        ("PUT", "/east-bucket", f"{configuration}</CreateBucketConfiguration>".encode()),
        ("DELETE", "/new-bucket", b""),
        ("DELETE", "/bkt/a%20b", b""),
        ("GET", "/bkt/k", b""),
        ("GET", "/bkt/k?uploadId=up-1", b""),
        ("HEAD", "/bkt/k", b""),
    ]
    assert script.signed == [True] * 8
    headers = [entry[2] for entry in script.received]
    assert headers[1]["Content-Type"] == headers[2]["Content-Type"] == "application/xml"
    assert (headers[5]["Range"], headers[5]["If-Match"], headers[5]["If-None-Match"]) == ("bytes=5-", '"e1"', '"e0"')
    assert headers[7]["If-Match"] == '"e1"' and "If-Match" not in headers[6]


def test_listing_sends_s3s_query_decodes_every_field_and_follows_tokens(scripted):
    script, url = scripted
    xmlns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'

    def page(body: str, truncated: str) -> tuple[int, bytes, dict[str, str]]:
        return (
            200,
            f"<ListBucketResult {xmlns}>{body}<IsTruncated>{truncated}</IsTruncated></ListBucketResult>".encode(),
            {},
        )

    entry = (
        "<Contents><Key>a%2Fb+c%3F</Key><Size>42</Size><ETag>&quot;e42&quot;</ETag>"
        "<LastModified>2026-01-02T03:04:05.000Z</LastModified><StorageClass>STANDARD</StorageClass></Contents>"
    )
    script.actions = [
        page(f"<EncodingType>url</EncodingType>{entry}<NextContinuationToken>t/1+</NextContinuationToken>", "true"),
        page("<EncodingType>url</EncodingType><CommonPrefixes><Prefix>d%2F</Prefix></CommonPrefixes>", "false"),
    ]
    client = client_for(url)
    listed = list(client.list_objects("bkt", "a", delimiter="/", start_after="a0", page_size=7))
    assert listed == [
        ObjectEntry("a/b c?", 42, '"e42"', "2026-01-02T03:04:05.000Z", "STANDARD"),
        ObjectEntry("d/", is_prefix=True),
    ]
    base = "/restapis/abc/dev/_user_request_/bkt?list-type=2&encoding-type=url&prefix=a&delimiter=%2F&start-after=a0"
    assert [path for _, path, _, _ in script.received] == [
        f"{base}&max-keys=7",
        f"{base}&max-keys=7&continuation-token=t%2F1%2B",
    ]
    script.actions = [page("<Contents><Key>a+b</Key></Contents>", "false")]  # not URL-encoded: kept as it is
    assert [(e.key, e.size, e.etag) for e in client.list_objects("bkt")] == [("a+b", 0, None)]
    assert script.received[-1][1].endswith("/bkt?list-type=2&encoding-type=url")
    script.actions = [page(entry, "true")]
    with pytest.raises(S3ProxyError) as raised:
        list(client.list_objects("bkt"))
    assert (raised.value.code, raised.value.message) == (
        "MalformedResponse",
        "a truncated listing came without a continuation token",
    )


def test_answers_missing_optional_fields_read_as_s3_means_them(scripted):
    """A range of unknown total (`bytes 0-4/*`): the size is the body's; a part listed without ETag or Size;
    upper-case hex ETags are md5s too."""
    script, url = scripted
    script.actions = [
        (206, b"01234", {"Content-Range": "bytes 0-4/*"}),
        (200, b"<ListPartsResult><Part><PartNumber>3</PartNumber></Part></ListPartsResult>", {}),
    ]
    client = client_for(url)
    assert client.get_object("bkt", "k", range=(0, 4)).size == 5
    assert client.list_parts("bkt", "k", "up-1") == [(3, "", 0)]
    upper = hashlib.md5(b"1").hexdigest().upper()
    assert multipart_etag([f'"{upper}"']) == f'"{hashlib.md5(hashlib.md5(b"1").digest()).hexdigest()}-1"'
    assert multipart_etag([f'"X{"0" * 32}"']) is None  # 33 characters: not an md5, whatever they end with


def test_xml_that_cannot_be_parsed_is_a_malformed_answer(scripted):
    script, url = scripted
    script.actions = [(200, b"<ListAllMyBucketsResult><Buckets>", {})]
    with pytest.raises(S3ProxyError) as raised:
        client_for(url).list_buckets()
    assert (raised.value.status, raised.value.code) == (None, "MalformedResponse")
    assert raised.value.message.startswith("the API answered XML that cannot be parsed: no element found")


def test_metadata_names_get_s3s_prefix_once_whatever_their_case(scripted):
    script, url = scripted
    client_for(url).put_object("bkt", "k", b"x", metadata={"Owner": "a", "X-Amz-Meta-Team": "b", "x-amz-meta-c": "d"})
    headers = script.received[0][2]
    assert {name: value for name, value in headers.items() if name.lower().startswith("x-amz-meta-")} == {
        "x-amz-meta-Owner": "a",
        "X-Amz-Meta-Team": "b",
        "x-amz-meta-c": "d",
    }


def test_an_object_that_looks_like_an_s3_error_is_read_as_it_is(scripted):
    """Only CompleteMultipartUpload may fail inside a 200: a stored XML file shaped like `<Error>` is data."""
    script, url = scripted
    script.actions = [(200, xml_error("InternalError"), {})]
    assert client_for(url).get_object("bkt", "error.xml").body == xml_error("InternalError")
    assert len(script.received) == 1


def test_object_and_bucket_calls(moto):
    client, s3, bucket = moto
    client.create_bucket(f"{bucket}-2")
    assert f"{bucket}-2" in [b.name for b in client.list_buckets()]
    client.delete_bucket(f"{bucket}-2")
    keys = ["a/1", "a/2 x", "b/ü%", "c"]
    for key in keys:
        client.put_object(bucket, key, key, content_type="text/plain")
    assert [e.key for e in client.list_objects(bucket, page_size=2)] == keys  # two pages and a bit
    assert [(e.key, e.is_prefix) for e in client.list_objects(bucket, delimiter="/")] == [
        ("a/", True),
        ("b/", True),
        ("c", False),
    ]
    ranged = client.get_object(bucket, "b/ü%", range=(1, 2))
    assert (ranged.body, ranged.size, ranged.content_range) == ("b/ü%".encode()[1:3], 5, "bytes 1-2/5")
    info = client.head_object(bucket, "a/1")
    assert (info.size, info.content_type) == (3, "text/plain")
    with pytest.raises(NotModifiedError):
        client.get_object(bucket, "a/1", if_none_match=info.etag)
    with pytest.raises(PreconditionFailedError):
        client.put_object(bucket, "a/1", b"new", if_match='"0123"')
    with pytest.raises(InvalidRangeError):
        client.get_object(bucket, "c", range=(100, 200))
    with pytest.raises(NotFoundError):
        client.get_object(bucket, "missing")
    with pytest.raises(ConflictError):
        client.delete_bucket(bucket)
    with pytest.raises(ValueError, match="upload_file"):
        client.put_object(bucket, "big", b"0" * API_GATEWAY_PAYLOAD_LIMIT)
    client.delete_object(bucket, "c")
    assert "c" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]


def test_object_versions_are_read_and_deleted_by_their_id(moto):
    client, s3, bucket = moto
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="v.txt", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="v.txt", Body=b"three")["VersionId"]
    got = client.get_object(bucket, "v.txt", version_id=first)
    assert (got.body, got.version_id) == (b"one", first)
    assert client.get_object(bucket, "v.txt").body == b"three"
    assert client.head_object(bucket, "v.txt", version_id=first).size == 3
    assert client.delete_object(bucket, "v.txt", version_id=first) == first  # that version only
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == [second]
    marker = client.delete_object(bucket, "v.txt")  # the current object: S3 puts a delete marker on top
    (deleted,) = s3.list_object_versions(Bucket=bucket)["DeleteMarkers"]
    assert marker == deleted["VersionId"] != second


def test_a_put_sends_its_type_metadata_and_conditions(moto):
    client, s3, bucket = moto
    client.put_object(bucket, "m.bin", b"x", metadata={"owner": "files"})
    head = s3.head_object(Bucket=bucket, Key="m.bin")
    assert (head["ContentType"], head["Metadata"]) == ("application/octet-stream", {"owner": "files"})
    with pytest.raises(PreconditionFailedError):
        client.put_object(bucket, "m.bin", b"y", if_none_match="*")  # exists: not overwritten
    assert s3.get_object(Bucket=bucket, Key="m.bin")["Body"].read() == b"x"
    client.put_object(bucket, "new.bin", b"n", if_none_match="*")
    assert s3.get_object(Bucket=bucket, Key="new.bin")["Body"].read() == b"n"


def test_a_put_of_10_mb_or_more_is_refused_pointing_at_upload_file(moto):
    client, _, bucket = moto
    with pytest.raises(ValueError) as refused:
        client.put_object(bucket, "big", b"\0" * 10_000_000)
    assert str(refused.value) == (
        "a body of 10,000,000 bytes exceeds API Gateway's 10 MB payload limit: use upload_file, which sends it "
        "as a multipart upload"
    )


@pytest.mark.parametrize(
    ("method", "positional"),
    [
        (S3ProxyClient.upload_file, ["self", "path", "bucket", "key"]),
        (S3ProxyClient.download_file, ["self", "bucket", "key", "path"]),
        (S3ProxyClient.create_multipart_upload, ["self", "bucket", "key"]),
        (S3ProxyClient.upload_part, ["self", "bucket", "key", "upload_id", "number", "data"]),
        (S3ProxyClient.put_object, ["self", "bucket", "key", "body"]),
        (S3ProxyClient.get_object, ["self", "bucket", "key"]),
    ],
)
def test_what_follows_the_object_is_passed_by_name(method, positional):
    parameters = inspect.signature(method).parameters.values()
    assert [p.name for p in parameters if p.kind is not inspect.Parameter.KEYWORD_ONLY] == positional


def test_fields_an_answer_leaves_out_read_as_empty_or_zero(scripted):
    """A bucket without a Name, a listed object without a Key (URL-encoded listing or not), a part without a
    PartNumber: "" and 0, never a made-up value."""
    script, url = scripted
    xmlns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
    script.actions = [
        (200, f"<ListAllMyBucketsResult {xmlns}><Buckets><Bucket/></Buckets></ListAllMyBucketsResult>".encode(), {}),
        (
            200,
            f"<ListBucketResult {xmlns}><EncodingType>url</EncodingType><Contents><Size>1</Size></Contents>"
            "<IsTruncated>false</IsTruncated></ListBucketResult>".encode(),
            {},
        ),
        (
            200,
            f"<ListBucketResult {xmlns}><Contents><Size>2</Size></Contents><IsTruncated>false</IsTruncated>"
            "</ListBucketResult>".encode(),
            {},
        ),
        (200, b'<ListPartsResult><Part><ETag>"e7"</ETag><Size>7</Size></Part></ListPartsResult>', {}),
    ]
    client = client_for(url)
    assert client.list_buckets() == [Bucket("", None)]
    assert [(e.key, e.size) for e in client.list_objects("bkt")] == [("", 1)]
    assert [(e.key, e.size) for e in client.list_objects("bkt")] == [("", 2)]
    assert client.list_parts("bkt", "k", "up-1") == [(0, '"e7"', 7)]


def test_an_answer_without_a_length_is_of_size_zero():
    from requests.structures import CaseInsensitiveDict

    from s3proxy_client.answers import object_info

    assert object_info("bkt", "k", CaseInsensitiveDict({"ETag": '"e1"'}), head=True).size == 0
    assert object_info("bkt", "k", CaseInsensitiveDict({"ETag": '"e1"'})).size == 0
