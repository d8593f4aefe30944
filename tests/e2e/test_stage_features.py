"""Production stage features LocalStack implements, end to end: API key enforcement and CORS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from s3proxy_client import AccessDeniedError, S3ProxyClient

from .conftest import Deployed, deploy

ORIGIN = "https://app.example.com"


@pytest.fixture(scope="module")
def featured(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[Deployed]:
    config = {
        "s3proxy:allowedActions": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "s3proxy:apiKeyNames": ["web", "batch"],
        "s3proxy:apiKeyQuotaLimit": 1000,
        "s3proxy:corsAllowOrigin": ORIGIN,
    }
    yield from deploy(tmp_path_factory, endpoint, "featured", config)


def test_every_method_requires_a_valid_api_key(featured, s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello")
    keys = featured.outputs["api_keys"]
    assert set(keys) == {"web", "batch"} and keys["web"] != keys["batch"]
    assert featured.outputs.shown()["api_keys"] == "[secret]"
    get = featured.api.request
    assert get("GET", f"{bucket}/doc.txt").status_code == 403
    assert get("GET", f"{bucket}/doc.txt", headers={"x-api-key": "not-a-key"}).status_code == 403
    for key in keys.values():
        answer = get("GET", f"{bucket}/doc.txt", headers={"x-api-key": key})
        assert (answer.status_code, answer.content) == (200, b"hello")
    refused = get("PUT", f"{bucket}/new.txt", body=b"x", headers={"Content-Type": "text/plain"})
    assert refused.status_code == 403
    assert "new.txt" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.mark.parametrize("path", ["/some-bucket", "/some-bucket/a/b.txt"])
def test_cors_preflight_needs_no_credentials(featured, path):
    preflight = requests.options(
        featured.outputs["url"] + path,
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"},
        timeout=30,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Api-Key" in preflight.headers["Access-Control-Allow-Headers"].split(",")
    assert "OPTIONS" in preflight.headers["Access-Control-Allow-Methods"].split(",")


def test_responses_carry_the_cors_headers(featured, s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello")
    key = featured.outputs["api_keys"]["web"]
    for path in (f"{bucket}/doc.txt", f"{bucket}/missing.txt"):
        answer = featured.api.request("GET", path, headers={"x-api-key": key, "Origin": ORIGIN})
        assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    # Each answer exposes the headers it carries: an object's ETag, a 404's version id (of a delete marker).
    found = featured.api.request("GET", f"{bucket}/doc.txt", headers={"x-api-key": key, "Origin": ORIGIN})
    assert "ETag" in found.headers["Access-Control-Expose-Headers"].split(",")
    assert answer.status_code == 404 and answer.headers["Access-Control-Expose-Headers"] == "x-amz-version-id"


def test_the_client_sends_its_api_key(featured, s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello")
    with S3ProxyClient.from_outputs(dict(featured.outputs), api_key=featured.outputs["api_keys"]["batch"]) as client:
        assert client.get_object(bucket, "doc.txt").body == b"hello"
    with S3ProxyClient.from_outputs(dict(featured.outputs)) as keyless, pytest.raises(AccessDeniedError):
        keyless.get_object(bucket, "doc.txt")
