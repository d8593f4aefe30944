"""Every route of the catalogue, driven over HTTP through the deployed API, checked against S3 itself."""

from __future__ import annotations

import hashlib
import os
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from expected import EVERY_ROUTE

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
HELLO = b"Hello, World!"
HELLO_ETAG = '"65a8e27d8879283831b664bd8b7f0ad4"'  # the seed walkthrough's ETag of its 13-byte Readme.txt


def keys_in(s3: Any, bucket: str) -> dict[str, bytes]:
    objects = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in objects}


def test_the_dev_stack_serves_every_route_of_the_catalogue(dev):
    assert dev.outputs["routes"] == EVERY_ROUTE


def test_seed_walkthrough(dev, s3, bucket):
    put = dev.api.request("PUT", f"{bucket}/Readme.txt", body=HELLO, headers={"Content-Type": "text/plain"})
    assert put.status_code == 200
    assert s3.get_object(Bucket=bucket, Key="Readme.txt")["Body"].read() == HELLO

    got = dev.api.request("GET", f"{bucket}/Readme.txt")
    assert (got.status_code, got.content, got.headers["ETag"]) == (200, HELLO, HELLO_ETAG)
    assert got.headers["Content-Type"] == "text/plain"
    assert got.headers["Content-Length"] == "13"
    assert got.headers["Timestamp"]  # the tutorial's Date -> Timestamp mapping

    listing = dev.api.request("GET", bucket)
    assert listing.status_code == 200 and listing.headers["Content-Type"] == "application/xml"
    root = ET.fromstring(listing.content)
    assert root.tag == f"{S3_NS}ListBucketResult"
    assert root.findtext(f"{S3_NS}Name") == bucket
    (contents,) = root.findall(f"{S3_NS}Contents")
    assert contents.findtext(f"{S3_NS}Key") == "Readme.txt"
    assert contents.findtext(f"{S3_NS}Size") == "13"
    assert contents.findtext(f"{S3_NS}ETag") == HELLO_ETAG
    assert root.find(f"{S3_NS}Marker") is not None  # ListObjects V1, as in the seed


def test_list_objects_v2_and_query_strings_pass_through(dev, s3, bucket):
    for key in ("a/1.txt", "a/2.txt", "b/3.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    v2 = ET.fromstring(
        dev.api.request("GET", bucket, params={"list-type": "2", "prefix": "a/", "max-keys": "1"}).content
    )
    assert v2.findtext(f"{S3_NS}KeyCount") == "1"
    assert v2.findtext(f"{S3_NS}IsTruncated") == "true"
    token = v2.findtext(f"{S3_NS}NextContinuationToken")
    rest = ET.fromstring(
        dev.api.request("GET", bucket, params={"list-type": "2", "prefix": "a/", "continuation-token": token}).content
    )
    assert [c.findtext(f"{S3_NS}Key") for c in rest.findall(f"{S3_NS}Contents")] == ["a/2.txt"]
    folders = ET.fromstring(dev.api.request("GET", bucket, params={"delimiter": "/"}).content)
    assert [p.findtext(f"{S3_NS}Prefix") for p in folders.findall(f"{S3_NS}CommonPrefixes")] == ["a/", "b/"]


def test_bucket_lifecycle_through_the_api(dev, s3):
    name = f"e2e-lifecycle-{os.urandom(3).hex()}"
    body = b'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></CreateBucketConfiguration>'
    assert dev.api.request("PUT", name, body=body, headers={"Content-Type": "application/xml"}).status_code == 200
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert dev.api.request("HEAD", name).status_code == 200
    listed = ET.fromstring(dev.api.request("GET", "").content)
    assert name in [b.text for b in listed.iter(f"{S3_NS}Name")]
    assert dev.api.request("DELETE", name).status_code == 204
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert dev.api.request("HEAD", name).status_code == 404


def test_head_and_delete_object(dev, s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=HELLO, ContentType="text/plain")
    head = dev.api.request("HEAD", f"{bucket}/doc.txt")
    assert head.status_code == 200 and head.headers["ETag"] == HELLO_ETAG and head.content == b""
    assert dev.api.request("DELETE", f"{bucket}/doc.txt").status_code == 204
    assert keys_in(s3, bucket) == {}


# What the integration sends to S3 for each awkward key. AWS documents ("Amazon API Gateway important
# notes") that REST APIs decode URL-encoded path parameters before the integration, pass UTF-8 as unicode
# and URL-encode only `%`: spaces, `%`, reserved characters and unicode arrive exactly. S3 then reads a raw
# `+` in the path as a space, so on AWS `plus+sign/a+b.txt` would be stored as `plus sign/a b.txt`;
# LocalStack keeps the `+` (a divergence), and the client refuses keys with `+` (`encode_key`).
@pytest.mark.parametrize(
    "key",
    [
        "a/b/c.txt",
        "with space/x y.txt",
        "plus+sign/a+b.txt",
        "percent/50%.txt",
        "percent/%41%2F.txt",
        "reserved/!$&'()*,;=@:.txt",
        "unicode/ü-日本-😀.txt",
        "trailing.dot.",
    ],
)
def test_keys_reach_s3_exactly(dev, s3, bucket, key):
    put = dev.api.request("PUT", f"{bucket}/{key}", body=key.encode(), headers={"Content-Type": "text/plain"})
    assert put.status_code == 200
    assert keys_in(s3, bucket) == {key: key.encode()}
    assert dev.api.request("GET", f"{bucket}/{key}").content == key.encode()


@pytest.mark.parametrize("size", [0, 1, 1024 * 1024, int(9.5 * 1024 * 1024)])
@pytest.mark.parametrize("content_type", ["application/octet-stream", "image/png", "text/plain", "application/json"])
def test_random_payloads_round_trip_byte_exact(dev, s3, bucket, size, content_type):
    payload = os.urandom(size)
    put = dev.api.request("PUT", f"{bucket}/blob", body=payload, headers={"Content-Type": content_type})
    assert put.status_code == 200
    assert s3.get_object(Bucket=bucket, Key="blob")["Body"].read() == payload  # stored exactly
    for accept in ("*/*", content_type, None):
        got = dev.api.request("GET", f"{bucket}/blob", headers={"Accept": accept} if accept else {})
        assert got.status_code == 200
        assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(payload).hexdigest(), accept
        assert got.headers["Content-Type"] == content_type


def test_missing_key_is_404_when_faithful_and_400_in_the_tutorial_mapping(dev, tutorial, bucket):
    missing = dev.api.request("GET", f"{bucket}/nope.txt")
    assert missing.status_code == 404
    assert b"NoSuchKey" in missing.content  # S3's own error body
    assert tutorial.api.request("GET", f"{bucket}/nope.txt").status_code == 400


def test_range_returns_206_with_content_range(dev, s3, bucket):
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789" * 10)
    got = dev.api.request("GET", f"{bucket}/digits", headers={"Range": "bytes=10-19"})
    assert (got.status_code, got.content) == (206, b"0123456789")
    assert got.headers["Content-Range"] == "bytes 10-19/100"


def test_if_none_match_with_the_etag_is_304(dev, s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="doc.txt", Body=HELLO)["ETag"]
    assert dev.api.request("GET", f"{bucket}/doc.txt", headers={"If-None-Match": etag}).status_code == 304


def test_conditional_put_does_not_overwrite(dev, s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=HELLO)
    put = dev.api.request(
        "PUT", f"{bucket}/doc.txt", body=b"overwritten", headers={"If-None-Match": "*", "Content-Type": "text/plain"}
    )
    assert put.status_code == 412
    assert keys_in(s3, bucket) == {"doc.txt": HELLO}


def test_deleting_a_non_empty_bucket_is_409_and_deletes_nothing(dev, s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep.txt", Body=HELLO)
    refused = dev.api.request("DELETE", bucket)
    assert refused.status_code == 409 and b"BucketNotEmpty" in refused.content
    assert keys_in(s3, bucket) == {"keep.txt": HELLO}


def test_routes_absent_from_the_read_only_variant_are_refused(readonly, s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=HELLO)
    assert readonly.api.request("GET", f"{bucket}/doc.txt").content == HELLO  # allowed
    refused = [
        readonly.api.request("PUT", f"{bucket}/doc.txt", body=b"changed", headers={"Content-Type": "text/plain"}),
        readonly.api.request("PUT", f"{bucket}/new.txt", body=b"new", headers={"Content-Type": "text/plain"}),
        readonly.api.request("DELETE", f"{bucket}/doc.txt"),
        readonly.api.request("DELETE", bucket),
        readonly.api.request("PUT", f"{bucket}-2"),
        readonly.api.request("GET", ""),
    ]
    assert all(400 <= r.status_code < 500 for r in refused), [r.status_code for r in refused]
    assert keys_in(s3, bucket) == {"doc.txt": HELLO}
    assert f"{bucket}-2" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
