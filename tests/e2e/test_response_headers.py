"""The headers a client reads, per route and status, read back through the deployed dev stack.

tests/test_response_headers.py lists what each status maps; here each answer LocalStack's S3 gives is checked for
the headers a client reads of it (s3proxy_client, the CLI, Postman's tests, the browser app): the values are
S3's, hand-written or read from S3 directly. LocalStack's S3 answers a 304 with no validators (AWS sends them: RFC
9110 section 15.4.5), so the 304 shows only that nothing breaks.
"""

from __future__ import annotations

from typing import Any

from .conftest import Deployed

HELLO = b"Hello, World!"
HELLO_ETAG = '"65a8e27d8879283831b664bd8b7f0ad4"'  # the seed walkthrough's ETag of its 13-byte Readme.txt


def test_object_reads_and_writes_return_their_headers(dev: Deployed, s3: Any, bucket: str) -> None:
    put = dev.api.request(
        "PUT", f"{bucket}/Readme.txt", body=HELLO, headers={"Content-Type": "text/plain", "Cache-Control": "max-age=9"}
    )
    assert (put.status_code, put.headers["ETag"]) == (200, HELLO_ETAG)
    got = dev.api.request("GET", f"{bucket}/Readme.txt")
    assert got.status_code == 200
    assert (got.headers["ETag"], got.headers["Content-Type"], got.headers["Content-Length"]) == (
        HELLO_ETAG,
        "text/plain",
        "13",
    )
    assert got.headers["Cache-Control"] == "max-age=9"  # (Accept-Ranges: LocalStack's API Gateway drops it)
    assert (
        got.headers["Last-Modified"]
        == s3.head_object(Bucket=bucket, Key="Readme.txt")["ResponseMetadata"]["HTTPHeaders"]["last-modified"]
    )
    assert got.headers["Timestamp"]  # the tutorial's Date -> Timestamp
    ranged = dev.api.request("GET", f"{bucket}/Readme.txt", headers={"Range": "bytes=0-4"})
    assert (ranged.status_code, ranged.content) == (206, b"Hello")
    assert (ranged.headers["Content-Range"], ranged.headers["ETag"]) == ("bytes 0-4/13", HELLO_ETAG)
    head = dev.api.request("HEAD", f"{bucket}/Readme.txt")
    assert (head.status_code, head.headers["ETag"], head.headers["Content-Type"]) == (200, HELLO_ETAG, "text/plain")
    unchanged = dev.api.request("GET", f"{bucket}/Readme.txt", headers={"If-None-Match": HELLO_ETAG})
    assert (unchanged.status_code, unchanged.content) == (304, b"")


def test_errors_return_their_xml_type(dev: Deployed, bucket: str) -> None:
    dev.api.request("PUT", f"{bucket}/Readme.txt", body=HELLO, headers={"Content-Type": "text/plain"})
    answers = {
        404: dev.api.request("GET", f"{bucket}/missing.txt"),
        412: dev.api.request("GET", f"{bucket}/Readme.txt", headers={"If-Match": '"0000"'}),
        416: dev.api.request("GET", f"{bucket}/Readme.txt", headers={"Range": "bytes=100-200"}),
    }
    for status, answer in answers.items():
        assert answer.status_code == status
        assert answer.headers["Content-Type"] == "application/xml" and answer.content.startswith(b"<?xml")


def test_versions_and_delete_markers_return_their_version_ids(dev: Deployed, s3: Any, bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    put = dev.api.request("PUT", f"{bucket}/v.txt", body=HELLO)
    version = put.headers["x-amz-version-id"]
    assert version == s3.head_object(Bucket=bucket, Key="v.txt")["VersionId"]
    deleted = dev.api.request("DELETE", f"{bucket}/v.txt")
    assert deleted.status_code == 204
    marker = deleted.headers["x-amz-version-id"]
    assert marker != version
    gone = dev.api.request("GET", f"{bucket}/v.txt")  # S3: the current version is a delete marker
    assert (gone.status_code, gone.headers["x-amz-version-id"]) == (404, marker)
    old = dev.api.request("GET", f"{bucket}/v.txt", params={"versionId": version})
    assert (old.status_code, old.content, old.headers["x-amz-version-id"]) == (200, HELLO, version)
    for answer in (dev.api.request("DELETE", f"{bucket}/v.txt", params={"versionId": v}) for v in (marker, version)):
        assert answer.status_code == 204
