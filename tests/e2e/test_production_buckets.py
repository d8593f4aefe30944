"""Production buckets on LocalStack: SSE-KMS (a KMS key, a bucket encrypted with it by default), object
metadata, object versions, and the Cognito and Lambda authorizers of imported documents.

LocalStack's community edition has no Cognito and runs Lambda only in Docker (absent here): what it can show
of the authorizers is that the imported document creates them and that every method references its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from components.config import validate_args
from components.openapi import render_openapi, to_json
from s3proxy_client import S3ProxyClient

from .conftest import REGION, Deployed, client, deploy

METADATA = "x-amz-meta-owner"


@pytest.fixture(scope="module")
def key_arn(endpoint: str) -> str:
    return client("kms", endpoint).create_key(Description="s3proxy e2e")["KeyMetadata"]["Arn"]


@pytest.fixture(scope="module")
def default_key_arn(endpoint: str) -> str:
    """The buckets' default encryption key: another key than the API's, so the two can be told apart."""
    return client("kms", endpoint).create_key(Description="s3proxy e2e bucket default")["KeyMetadata"]["Arn"]


@pytest.fixture(scope="module")
def encrypted(
    tmp_path_factory: pytest.TempPathFactory, endpoint: str, key_arn: str, default_key_arn: str
) -> Iterator[Deployed]:
    config = {
        "s3proxy:allowedActions": [
            "s3:GetObject",
            "s3:PutObject",
            "s3:ListBucket",
            "s3:GetObjectVersion",
            "s3:DeleteObjectVersion",
            "s3:ListBucketVersions",
        ],
        "s3proxy:stageName": "kms",
        "s3proxy:kmsKeyArns": [default_key_arn],
        "s3proxy:sseKmsKeyArn": key_arn,
        "s3proxy:metadataHeaders": [METADATA],
    }
    yield from deploy(tmp_path_factory, endpoint, "encrypted", config)


@pytest.fixture
def kms_bucket(s3: Any, default_key_arn: str) -> Iterator[str]:
    """A bucket whose default encryption is SSE-KMS with its own key, versioned, emptied afterwards."""
    name = f"kms-{os.urandom(6).hex()}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": default_key_arn}}
            ]
        },
    )
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    yield name
    for version in s3.list_object_versions(Bucket=name).get("Versions", []):
        s3.delete_object(Bucket=name, Key=version["Key"], VersionId=version["VersionId"])
    for marker in s3.list_object_versions(Bucket=name).get("DeleteMarkers", []):
        s3.delete_object(Bucket=name, Key=marker["Key"], VersionId=marker["VersionId"])
    s3.delete_bucket(Bucket=name)


def test_objects_written_through_the_api_are_encrypted_with_the_key(
    encrypted: Deployed, s3: Any, kms_bucket: str, key_arn: str
) -> None:
    body = os.urandom(64 * 1024)
    put = encrypted.api.request(
        "PUT",
        f"{kms_bucket}/secret.bin",
        body=body,
        # A client asking for another encryption is not heard: the header is no method parameter.
        headers={"Content-Type": "application/octet-stream", "x-amz-server-side-encryption": "AES256"},
    )
    assert put.status_code == 200, put.text
    head = s3.head_object(Bucket=kms_bucket, Key="secret.bin")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key_arn  # the API's key, not the bucket's default
    direct = s3.put_object(Bucket=kms_bucket, Key="direct.bin", Body=b"x")
    assert direct["SSEKMSKeyId"] != key_arn  # what an object written past the API gets
    got = encrypted.api.request("GET", f"{kms_bucket}/secret.bin")
    assert got.status_code == 200 and got.content == body


def test_metadata_round_trip(encrypted: Deployed, s3: Any, kms_bucket: str) -> None:
    put = encrypted.api.request(
        "PUT", f"{kms_bucket}/doc.txt", body=b"hello", headers={"Content-Type": "text/plain", METADATA: "alice"}
    )
    assert put.status_code == 200, put.text
    assert s3.head_object(Bucket=kms_bucket, Key="doc.txt")["Metadata"] == {"owner": "alice"}
    for verb in ("GET", "HEAD"):
        assert encrypted.api.request(verb, f"{kms_bucket}/doc.txt").headers[METADATA] == "alice"


def test_versions_read_and_delete_one_version(encrypted: Deployed, s3: Any, kms_bucket: str) -> None:
    put = encrypted.api.request
    first = put("PUT", f"{kms_bucket}/v.txt", body=b"first", headers={"Content-Type": "text/plain"})
    second = put("PUT", f"{kms_bucket}/v.txt", body=b"second", headers={"Content-Type": "text/plain"})
    first_id, second_id = first.headers["x-amz-version-id"], second.headers["x-amz-version-id"]
    assert first_id != second_id
    old = encrypted.api.request("GET", f"{kms_bucket}/v.txt", params={"versionId": first_id})
    assert (old.status_code, old.content) == (200, b"first")
    assert encrypted.api.request("GET", f"{kms_bucket}/v.txt").content == b"second"
    listing = encrypted.api.request("GET", kms_bucket, params={"versions": "1"})
    assert listing.status_code == 200 and listing.text.count("<Version>") == 2, listing.text
    deleted = encrypted.api.request("DELETE", f"{kms_bucket}/v.txt", params={"versionId": first_id})
    assert deleted.status_code == 204
    remaining = [v["VersionId"] for v in s3.list_object_versions(Bucket=kms_bucket).get("Versions", [])]
    assert remaining == [second_id]  # only that version is gone


@pytest.mark.parametrize(
    "args, authorizer_type",
    [
        (
            {
                "authorization": "COGNITO_USER_POOLS",
                "authorizer": {
                    "user_pool_arns": ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_AbCdEf123"]
                },
            },
            "COGNITO_USER_POOLS",
        ),
        (
            {
                "authorization": "CUSTOM",
                "authorizer": {"function_arn": "arn:aws:lambda:us-east-1:000000000000:function:authorize"},
            },
            "TOKEN",
        ),
    ],
    ids=["cognito", "lambda"],
)
def test_imported_documents_create_the_authorizer_every_method_references(
    apigateway: Any, args: dict[str, Any], authorizer_type: str
) -> None:
    config = validate_args({"allowed_actions": ["s3:GetObject", "s3:ListBucket"]} | args)
    body = to_json(
        render_openapi(config, title="authorized", region=REGION, role_arn="arn:aws:iam::000000000000:role/r")
    )
    api_id = apigateway.import_rest_api(body=body.encode(), failOnWarnings=True)["id"]
    try:
        (authorizer,) = apigateway.get_authorizers(restApiId=api_id)["items"]
        assert authorizer["type"] == authorizer_type
        resources = apigateway.get_resources(restApiId=api_id)["items"]
        methods = [(r["id"], verb) for r in resources for verb in r.get("resourceMethods", {})]
        assert len(methods) == 4  # GET and HEAD on /{folder} and on /{folder}/{item+}
        for resource_id, verb in methods:
            method = apigateway.get_method(restApiId=api_id, resourceId=resource_id, httpMethod=verb)
            assert method["authorizationType"] == ("COGNITO_USER_POOLS" if authorizer_type != "TOKEN" else "CUSTOM")
            assert method["authorizerId"] == authorizer["id"]
    finally:
        apigateway.delete_rest_api(restApiId=api_id)


def test_the_client_writes_metadata_and_reads_and_deletes_versions(
    encrypted: Deployed, s3: Any, kms_bucket: str
) -> None:
    def versions() -> list[str]:  # as S3 reports them, read directly
        return [v["VersionId"] for v in s3.list_object_versions(Bucket=kms_bucket)["Versions"]]

    with S3ProxyClient.from_outputs(encrypted.outputs) as client:
        client.put_object(kms_bucket, "c.txt", "one", content_type="text/plain", metadata={"owner": "bob"})
        client.put_object(kms_bucket, "c.txt", "two", content_type="text/plain")
        latest = client.get_object(kms_bucket, "c.txt")
        assert latest.body == b"two" and latest.metadata == {}  # the second PUT set no metadata
        first = next(v for v in versions() if v != latest.version_id)
        old = client.get_object(kms_bucket, "c.txt", version_id=first)
        assert (old.body, old.metadata, old.version_id) == (b"one", {"owner": "bob"}, first)
        assert client.head_object(kms_bucket, "c.txt", version_id=first).metadata == {"owner": "bob"}
        client.delete_object(kms_bucket, "c.txt", version_id=first)
        assert versions() == [latest.version_id]
