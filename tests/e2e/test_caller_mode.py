"""Caller-credential mode deployed into LocalStack: no role, and every route works signed with a caller's own keys.

What this can and cannot show. LocalStack enforces no IAM: S3 serves a caller whatever its policy says, so the
per-user folders are proven offline (`tests/test_caller_folders.py`), not here. LocalStack cannot pass the caller's
identity through either: it assumes an integration's credentials as a role, and `arn:aws:iam::*:user/*` fails every
request with 500 ("'*' is not a valid AWS account ID"), so the local deploy leaves the integrations' credentials
unset (`tooling.provisioners.localstack_fixups.reapply_dropped_settings`) and LocalStack calls S3 as itself. What
is proven: the mode deploys with no IAM resource at all, the deployed document passes the caller through on every
integration, and every route of the catalogue answers through the API signed with an IAM user's own access keys.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.credentials import Credentials
from expected import EVERY_ROUTE

from tooling.signed import SignedApi

from .conftest import REGION, Deployed, client, deploy

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"


@pytest.fixture(scope="module")
def caller(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[Deployed]:
    config = {
        "s3proxy:allowedActions": ["s3:*"],
        "s3proxy:integrationCredentials": "caller",
        "s3proxy:callerFolders": "username",
        "s3proxy:stageName": "caller",
    }
    yield from deploy(tmp_path_factory, endpoint, "caller", config)


@pytest.fixture(scope="module")
def alice(caller: Deployed, endpoint: str) -> Iterator[SignedApi]:
    """The API signed with the access keys of an IAM user of LocalStack's IAM."""
    iam = client("iam", endpoint)
    name = f"alice-{os.urandom(4).hex()}"
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    yield SignedApi(caller.outputs["url"], REGION, Credentials(key["AccessKeyId"], key["SecretAccessKey"]))
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=name)


def test_caller_mode_deploys_without_any_iam_resource(caller: Deployed) -> None:
    assert caller.outputs["role_arn"] is None and caller.outputs["policy"] is None
    recorded = json.loads((caller.project / ".local" / caller.stack / "deployment.json").read_text())
    types = {resource["type"] for resource in recorded["resources"]}
    assert types == {
        "aws:apigateway/restApi:RestApi",
        "aws:apigateway/deployment:Deployment",
        "aws:apigateway/stage:Stage",
    }
    document = json.loads(caller.outputs["openapi"])
    credentials = {
        op["x-amazon-apigateway-integration"]["credentials"] for p in document["paths"].values() for op in p.values()
    }
    assert credentials == {CALLER_CREDENTIALS}
    policy = json.loads(caller.outputs["caller_policy"])
    assert policy["Statement"][2]["Resource"] == ["arn:aws:s3:::*/${aws:username}/*"]


def test_every_route_works_signed_with_a_callers_own_keys(caller: Deployed, alice: SignedApi, s3: Any) -> None:
    assert caller.outputs["routes"] == EVERY_ROUTE
    bucket, key = f"e2e-caller-{os.urandom(4).hex()}", "alice/notes.txt"
    served: dict[str, int] = {}

    def call(route: str, method: str, path: str, **options: Any) -> Any:
        response = alice.request(method, path, **options)
        served[route] = response.status_code
        return response

    create = call("PUT /{folder} -> s3:CreateBucket", "PUT", bucket)
    assert create.status_code == 200 and s3.head_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})  # no route sets it
    call("HEAD /{folder} -> s3:ListBucket", "HEAD", bucket)
    put = call("PUT /{folder}/{item+} -> s3:PutObject", "PUT", f"{bucket}/{key}", body=b"alice's notes")
    version = put.headers["x-amz-version-id"]
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"alice's notes"
    got = call("GET /{folder}/{item+} -> s3:GetObject", "GET", f"{bucket}/{key}")
    assert got.content == b"alice's notes"
    call("HEAD /{folder}/{item+} -> s3:GetObject", "HEAD", f"{bucket}/{key}")
    listing = call("GET /{folder} -> s3:ListBucket", "GET", bucket, params={"prefix": "alice/"})
    assert ET.fromstring(listing.content).findtext(f"{S3_NS}Contents/{S3_NS}Key") == key
    versions = call("GET /{folder}?versions -> s3:ListBucketVersions", "GET", bucket, params={"versions": "1"})
    assert ET.fromstring(versions.content).findtext(f"{S3_NS}Version/{S3_NS}VersionId") == version
    by_version = {"versionId": version}
    old = call("GET /{folder}/{item+}?versionId -> s3:GetObjectVersion", "GET", f"{bucket}/{key}", params=by_version)
    assert old.content == b"alice's notes"
    call("HEAD /{folder}/{item+}?versionId -> s3:GetObjectVersion", "HEAD", f"{bucket}/{key}", params=by_version)

    big = "alice/big.bin"
    created = call("POST /{folder}/{item+}?uploads -> s3:PutObject", "POST", f"{bucket}/{big}", params={"uploads": "1"})
    upload_id = ET.fromstring(created.content).findtext(f"{S3_NS}UploadId")
    part = call(
        "PUT /{folder}/{item+}?partNumber&uploadId -> s3:PutObject",
        "PUT",
        f"{bucket}/{big}",
        body=b"part one",
        params={"partNumber": "1", "uploadId": upload_id},
    )
    parts = call(
        "GET /{folder}/{item+}?uploadId -> s3:ListMultipartUploadParts",
        "GET",
        f"{bucket}/{big}",
        params={"uploadId": upload_id},
    )
    assert ET.fromstring(parts.content).findtext(f"{S3_NS}Part/{S3_NS}ETag") == part.headers["ETag"]
    completion = (
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
        f"<ETag>{part.headers['ETag']}</ETag></Part></CompleteMultipartUpload>"
    )
    call(
        "POST /{folder}/{item+}?uploadId -> s3:PutObject",
        "POST",
        f"{bucket}/{big}",
        body=completion.encode(),
        headers={"Content-Type": "application/xml"},
        params={"uploadId": upload_id},
    )
    assert s3.get_object(Bucket=bucket, Key=big)["Body"].read() == b"part one"
    abandoned = alice.request("POST", f"{bucket}/alice/abandoned.bin", params={"uploads": "1"})
    abandoned_id = ET.fromstring(abandoned.content).findtext(f"{S3_NS}UploadId")
    call(
        "DELETE /{folder}/{item+}?uploadId -> s3:AbortMultipartUpload",
        "DELETE",
        f"{bucket}/alice/abandoned.bin",
        params={"uploadId": abandoned_id},
    )
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    copy_route = "PUT /{folder}/{item+} [x-amz-copy-source] -> s3:PutObject+s3:GetObject"
    call(copy_route, "PUT", f"{bucket}/alice/copy.txt", headers={"x-amz-copy-source": f"/{bucket}/{key}"})
    assert s3.get_object(Bucket=bucket, Key="alice/copy.txt")["Body"].read() == b"alice's notes"
    batch = b"<Delete><Object><Key>alice/copy.txt</Key></Object></Delete>"
    checksum = base64.b64encode(hashlib.sha256(batch).digest()).decode()
    headers = {"Content-Type": "application/xml", "x-amz-checksum-sha256": checksum}
    call(
        "POST /{folder}?delete -> s3:DeleteObject", "POST", bucket, body=batch, headers=headers, params={"delete": "1"}
    )
    assert "alice/copy.txt" not in {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    call("DELETE /{folder}/{item+} -> s3:DeleteObject", "DELETE", f"{bucket}/{big}")
    call("DELETE /{folder}/{item+}?versionId -> s3:DeleteObjectVersion", "DELETE", f"{bucket}/{key}", params=by_version)
    for leftover in s3.list_object_versions(Bucket=bucket).get("Versions", []) + s3.list_object_versions(
        Bucket=bucket
    ).get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=leftover["Key"], VersionId=leftover["VersionId"])
    call("DELETE /{folder} -> s3:DeleteBucket", "DELETE", bucket)
    assert bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    call("GET / -> s3:ListAllMyBuckets", "GET", "")

    assert sorted(served) == sorted(EVERY_ROUTE)
    assert {route: status for route, status in served.items() if status >= 300} == {}
