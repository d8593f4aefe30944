"""Server-side copy, batch delete and download names through the deployed API in LocalStack, checked against S3.

LocalStack enforces no IAM: what the role may copy or delete outside its scope is proven offline
(tests/test_server_side_iam.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from s3proxy_client import PreconditionFailedError, RouteNotAllowedError, S3ProxyClient
from s3proxy_client.cli import main

HELLO = b"Hello, World!"
HELLO_ETAG = '"65a8e27d8879283831b664bd8b7f0ad4"'  # the seed walkthrough's 13-byte Readme.txt


@pytest.fixture(scope="module")
def client(dev: Any) -> Iterator[S3ProxyClient]:
    with S3ProxyClient.from_outputs(dev.outputs) as api:
        yield api


def test_copy_is_done_by_s3_and_keeps_or_replaces_the_metadata(client, s3, bucket):
    s3.put_object(Bucket=bucket, Key="docs/Readme.txt", Body=HELLO, ContentType="text/plain", Metadata={"owner": "ann"})
    kept = client.copy(bucket, "docs/Readme.txt", bucket, "archive/Readme.txt")
    assert kept.etag == HELLO_ETAG  # S3's CopyObjectResult: same bytes, same md5
    copied = s3.get_object(Bucket=bucket, Key="archive/Readme.txt")
    assert (copied["Body"].read(), copied["ContentType"], copied["Metadata"]) == (HELLO, "text/plain", {"owner": "ann"})

    client.copy(bucket, "docs/Readme.txt", bucket, "replaced.txt", metadata={"owner": "bob"}, content_type="text/x")
    replaced = s3.head_object(Bucket=bucket, Key="replaced.txt")
    assert (replaced["ContentType"], replaced["Metadata"]) == ("text/x", {})  # dev passes no x-amz-meta-* header


def test_copy_conditions_and_a_key_with_every_kind_of_character(client, s3, bucket):
    key = "unicode/ü 日本 50%+plus.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=HELLO)
    with pytest.raises(PreconditionFailedError):
        client.copy(bucket, key, bucket, "never.txt", if_match='"00000000000000000000000000000000"')
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="never")
    client.copy(bucket, key, bucket, "copy of it.txt", if_match=HELLO_ETAG)
    assert s3.get_object(Bucket=bucket, Key="copy of it.txt")["Body"].read() == HELLO


def test_batch_delete_of_2500_keys_takes_three_requests(client, s3, bucket):
    keys = [f"many/{n:04}.txt" for n in range(2500)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket=bucket, Key=key, Body=b"x"), keys))
    s3.put_object(Bucket=bucket, Key="kept.txt", Body=b"x")
    result = client.delete_objects(bucket, keys)
    assert (result.requests, sorted(result.deleted), result.errors) == (3, keys, [])
    remaining = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert remaining == ["kept.txt"]


@pytest.fixture
def outputs_file(dev: Any, tmp_path: Any) -> str:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(dev.outputs))
    return str(path)


def test_cli_cp_between_keys_mv_and_rm_recursive(outputs_file, s3, bucket, capsys):
    s3.put_object(Bucket=bucket, Key="in/a.txt", Body=HELLO)
    assert main(["--outputs", outputs_file, "cp", f"s3p://{bucket}/in/a.txt", f"s3p://{bucket}/out/"]) == 0
    assert main(["--outputs", outputs_file, "mv", f"s3p://{bucket}/out/a.txt", f"s3p://{bucket}/moved/b.txt"]) == 0
    stored = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert stored == ["in/a.txt", "moved/b.txt"]
    assert s3.get_object(Bucket=bucket, Key="moved/b.txt")["Body"].read() == HELLO
    for n in range(1005):
        s3.put_object(Bucket=bucket, Key=f"tree/{n}", Body=b"")
    capsys.readouterr()
    assert main(["--outputs", outputs_file, "rm", "--recursive", f"s3p://{bucket}/tree/"]) == 0
    *deleted, summary = capsys.readouterr().out.splitlines()
    assert sorted(deleted) == sorted(f"delete: s3p://{bucket}/tree/{n}" for n in range(1005))
    assert summary.startswith("delete: 1005 of 1005 objects in ")
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == ["in/a.txt", "moved/b.txt"]


def test_a_download_name_reaches_the_response_headers(client, s3, bucket):
    s3.put_object(Bucket=bucket, Key="reports/2026/q4.bin", Body=HELLO, ContentType="application/octet-stream")
    got = client.get_object(
        bucket, "reports/2026/q4.bin", download_name="Q4 résumé.txt", response_content_type="text/plain"
    )
    assert got.body == HELLO
    assert got.headers["Content-Disposition"] == (
        "attachment; filename=\"Q4 r_sum_.txt\"; filename*=UTF-8''Q4%20r%C3%A9sum%C3%A9.txt"
    )
    assert got.headers["Content-Type"] == "text/plain"

    link = client.download_link(bucket, "reports/2026/q4.bin", download_name="q4.txt", expires_in=600)
    assert "X-Amz-Signature=" in link and "X-Amz-Expires=600" in link
    fetched = requests.get(link, timeout=30)  # a plain GET: no header added, what a browser does with the link
    assert (fetched.status_code, fetched.content) == (200, HELLO)
    assert fetched.headers["Content-Disposition"] == "attachment; filename=\"q4.txt\"; filename*=UTF-8''q4.txt"


def test_under_a_key_prefix_copy_and_batch_delete_are_not_offered(prefixed, s3, bucket):
    """The integration puts a path's key under the prefix, but not a header's or a body's: those routes are left
    out, and the client says so before sending anything."""
    assert not [route for route in prefixed.outputs["routes"] if "copy-source" in route or "?delete" in route]
    s3.put_object(Bucket=bucket, Key="uploads/a.txt", Body=HELLO)
    with S3ProxyClient.from_outputs(prefixed.outputs) as api:
        with pytest.raises(RouteNotAllowedError, match="a server-side copy needs PUT"):
            api.copy(bucket, "uploads/a.txt", bucket, "b.txt")
        with pytest.raises(RouteNotAllowedError, match=r"a batch delete needs POST /\{folder\}\?delete"):
            api.delete_objects(bucket, ["uploads/a.txt"])
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["uploads/a.txt"]


def test_the_deployed_copy_integration_names_the_source_buckets_owner(dev, apigateway):
    """Read back from API Gateway: PUT on an object passes the copy headers and sends the static
    `x-amz-source-expected-bucket-owner` (the API's account), so S3 refuses a source bucket of another account
    (CopyObject API reference) even where that account's bucket policy would let the role read it."""
    api_id = dev.outputs["rest_api_id"]
    (item,) = [r for r in apigateway.get_resources(restApiId=api_id)["items"] if r["path"] == "/{folder}/{item+}"]
    parameters = apigateway.get_integration(restApiId=api_id, resourceId=item["id"], httpMethod="PUT")[
        "requestParameters"
    ]
    owner = dev.outputs["role_arn"].split(":")[4]
    assert parameters["integration.request.header.x-amz-source-expected-bucket-owner"] == f"'{owner}'"
    assert parameters["integration.request.header.x-amz-copy-source"] == "method.request.header.x-amz-copy-source"
