"""IAM engine, enforced: the generated execution role, assumed for real, against an IAM-enforcing S3.

`test_policy.py` evaluates the rendered policy document offline. This module runs it: a moto server
(in-process, loopback, free port) with IAM enforcement on; the role is created with the rendered trust
and permissions policies, assumed through STS, and every catalogue route's S3 call is made with the
role's temporary credentials on buckets and keys inside and outside the configured scope. Allowed
calls must succeed with the right result, every other call must be refused with 403 AccessDenied,
and S3 (every bucket, key and body, every multipart upload and its parts, every version and delete
marker of the versioned buckets, read as admin) must end exactly as the allowed calls alone leave it.
What each configuration must permit is written out here (`CONFIGURATIONS`, `aws_allows`), independently
of `render_policy`.

What moto 5.2.5 enforces, read from `moto/core/authorization.py` and `moto/iam/access_control.py`:
  * Enforcement starts once `POST /moto-api/reset-auth` sets `INITIAL_NO_AUTH_ACTION_COUNT` (default
    infinity) to 0: from then on every request's SigV4 signature is checked against a known access key
    (an IAM user's `AKIA...` key, or an `sts:AssumeRole` key plus its session token) and the action is
    evaluated against that identity's policies (for an assumed role: the role's inline and attached
    policies). The setting is process-global, so the fixture restores it.
  * Action and Resource (with `*` wildcards) are evaluated; an Allow on the request's ARN permits.
  * Conditions are not: only `StringEquals` is implemented, and identity policies are evaluated with
    no request context, so every condition passes (`s3:prefix` is not enforced, whatever operator).
    The test evaluates the listing statements' `s3:prefix` condition itself (`listing_condition_allows`).
  * S3 authorizes HeadBucket as `s3:HeadBucket`, not as `s3:ListBucket` like AWS: no policy here grants
    it, so moto refuses HeadBucket in every configuration (`moto_allows` records this divergence).
  * HeadObject with a `versionId` is authorized as `s3:GetObject` (moto's ACTION_MAP has no `versionId`
    entry for HEAD), where AWS asks for `s3:GetObjectVersion`; GET and DELETE with a `versionId` are
    authorized with the version actions, as on AWS (`moto_allows` records the HEAD divergence).
  * Trust policies are evaluated on `sts:AssumeRole`, but only `AWS` principals and `sts:ExternalId`
    are understood (conditions are never checked), and a statement whose Principal is only
    `{"Service": ...}` makes moto fail with HTTP 500 (TypeError). See `create_execution_role`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from components.catalogue import ROUTES
from components.config import validate_args
from components.policy import render_policy, render_trust_policy

REGION = "us-east-1"
ROLE_NAME = "s3-proxy-execution-role"
ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

# --- What each configuration should permit, written from the specification, not from render_policy ---

# AWS's documented IAM action for each S3 operation probed (ListObjects V1 and V2 are one route).
ACTION_OF = {
    "ListBuckets": "s3:ListAllMyBuckets",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "ListObjectVersions": "s3:ListBucketVersions",
    "HeadBucket": "s3:ListBucket",
    "CreateBucket": "s3:CreateBucket",
    "DeleteBucket": "s3:DeleteBucket",
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "DeleteObject": "s3:DeleteObject",
    # With a versionId, S3 asks for the version actions and not GetObject/DeleteObject (GetObject, HeadObject
    # and DeleteObject API references, "versionId": https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
    "GetObjectVersion": "s3:GetObjectVersion",
    "HeadObjectVersion": "s3:GetObjectVersion",
    "DeleteObjectVersion": "s3:DeleteObjectVersion",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "ListParts": "s3:ListMultipartUploadParts",
}
EVERY_ACTION = frozenset(ACTION_OF.values())
# moto 5.2.5 authorizes an S3 request by its method and path alone (moto/s3/responses.py, ACTION_MAP and
# `_set_action`): a copy as PutObject on its target, never s3:GetObject on its source, and `POST /bucket?delete`
# never per key. These two are proven on the ARNs S3 authorizes them on in test_server_side_iam.py.
PROVEN_BY_POLICY_EVALUATION = frozenset({"CopyObject", "DeleteObjects"})
LISTING_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions")  # narrowed by `s3:prefix` under a key prefix


@dataclass(frozen=True)
class Grant:
    """What a configuration must permit: these actions, on these buckets (None: all), under this prefix."""

    actions: frozenset[str]
    buckets: frozenset[str] | None = None
    key_prefix: str | None = None
    listing_below_prefix: bool = True
    """With a key prefix, whether listing may also name a longer prefix (`uploads/x`, as `StringLike s3:prefix
    "uploads/*"` allows) or only the key prefix itself (as `StringEquals s3:prefix "uploads/"` allows)."""


CONFIGURATIONS = {
    "all-buckets": ({"allowed_actions": ["s3:*"]}, Grant(EVERY_ACTION)),
    "read-two-buckets": (
        {"allowed_actions": ["s3:GetObject", "s3:ListBucket"], "buckets": ["alpha-bucket", "beta-bucket"]},
        Grant(frozenset({"s3:GetObject", "s3:ListBucket"}), frozenset({"alpha-bucket", "beta-bucket"})),
    ),
    "write-one-bucket": (
        {"allowed_actions": ["s3:PutObject", "s3:DeleteObject", "s3:ListAllMyBuckets"], "buckets": ["alpha-bucket"]},
        Grant(frozenset({"s3:PutObject", "s3:DeleteObject", "s3:ListAllMyBuckets"}), frozenset({"alpha-bucket"})),
    ),
    "uploads-prefix": (
        {"allowed_actions": ["s3:*"], "buckets": ["alpha-bucket"], "key_prefix": "uploads/"},
        # Listing exactly `uploads/` only: the API pins listing's prefix to the key prefix, so the
        # component grants `StringEquals s3:prefix "uploads/"` (commit ee8d354), not `StringLike "uploads/*"`.
        Grant(EVERY_ACTION, frozenset({"alpha-bucket"}), "uploads/", listing_below_prefix=False),
    ),
    "versions-under-prefix": (
        {
            "allowed_actions": ["s3:ListBucketVersions", "s3:GetObjectVersion", "s3:DeleteObjectVersion"],
            "buckets": ["versions-bucket", "alpha-bucket"],
            "key_prefix": "uploads/",
        },
        Grant(
            frozenset({"s3:ListBucketVersions", "s3:GetObjectVersion", "s3:DeleteObjectVersion"}),
            frozenset({"versions-bucket", "alpha-bucket"}),
            "uploads/",
            listing_below_prefix=False,
        ),
    ),
}


@dataclass(frozen=True)
class Probe:
    """One S3 call the role makes."""

    operation: str
    bucket: str | None = None
    key: str | None = None
    prefix: str | None = None  # ListObjects' Prefix; None: no prefix parameter at all
    upload: str | None = None  # which of the admin's uploads a multipart call continues
    version: int | None = None  # which of the admin's versions of the key (0: the first) a version call names

    def __str__(self) -> str:
        target = "/".join(part for part in (self.bucket, self.key) if part)
        prefix = f" prefix={self.prefix!r}" if self.prefix is not None else ""
        upload = f" ({self.upload} upload)" if self.upload else ""
        version = f" (version {self.version + 1})" if self.version is not None else ""
        return f"{self.operation}({target}{prefix}{upload}{version})"


def aws_allows(grant: Grant, probe: Probe) -> bool:
    """Whether AWS IAM must allow `probe` under the policy `grant` describes."""
    action = ACTION_OF[probe.operation]
    if action not in grant.actions:
        return False
    if action == "s3:ListAllMyBuckets":
        return True  # no resource-level permissions
    if grant.buckets is not None and probe.bucket not in grant.buckets:
        return False
    if grant.key_prefix is None:
        return True
    if probe.key is not None:
        return probe.key.startswith(grant.key_prefix)  # object ARNs bucket/<prefix>*
    if action in LISTING_ACTIONS:  # only with an s3:prefix condition: HeadBucket sends none, so it is refused
        if probe.prefix is None:
            return False
        return (
            probe.prefix.startswith(grant.key_prefix)
            if grant.listing_below_prefix
            else probe.prefix == grant.key_prefix
        )
    return True  # CreateBucket, DeleteBucket: bucket-level, not narrowed by the key prefix


def moto_allows(grant: Grant, probe: Probe) -> bool:
    """What moto 5.2.5 decides for `probe`: AWS's answer, less what moto does not implement."""
    if probe.operation == "HeadBucket":
        return False  # moto authorizes HeadBucket as `s3:HeadBucket`, an action no policy here grants
    if probe.operation == "HeadObjectVersion":
        return aws_allows(grant, replace(probe, operation="HeadObject"))  # moto: `s3:GetObject`, versionId or not
    if ACTION_OF[probe.operation] in LISTING_ACTIONS:
        return aws_allows(replace(grant, key_prefix=None), probe)  # moto ignores the s3:prefix condition
    return aws_allows(grant, probe)


# --- The S3 estate and the calls made on it ---

ALPHA, BETA, GAMMA = "alpha-bucket", "beta-bucket", "gamma-bucket"
EMPTY_BUCKET = "empty-bucket"  # empty, so that an allowed DeleteBucket really deletes it
NEW_BUCKET = "new-bucket"  # never seeded: the target of CreateBucket
READ_KEYS = ("readme.txt", "uploads/report.csv", "private/notes.txt")  # read, then overwritten
DOOMED_KEYS = ("trash.txt", "uploads/trash.txt", "private/trash.txt")  # deleted
BIG_KEYS = ("big.bin", "uploads/big.bin")  # multipart uploads: one to complete, one to abort, each
LIST_PREFIXES = (None, "uploads/", "uploads/r", "private/", "uploads")
# Versioned buckets (one in the scope of `versions-under-prefix`, one outside), each key with two versions.
VERSIONS, OTHER_VERSIONS = "versions-bucket", "other-versions-bucket"
VERSIONED_KEYS = ("uploads/versioned.txt", "private/versioned.txt")


def etag(body: bytes) -> str:
    return f'"{hashlib.md5(body).hexdigest()}"'


def part_body(bucket: str, key: str, upload: str, number: int) -> bytes:
    return f"part {number} of the {upload} upload of {bucket}/{key}".encode()


def new_body(bucket: str, key: str) -> bytes:
    return f"overwritten {bucket}/{key}".encode()


def version_body(bucket: str, key: str, version: int) -> bytes:
    return (f"version {version + 1} of {bucket}/{key}" + " and the current one" * version).encode()  # sizes differ


@dataclass
class Estate:
    """What S3 holds: objects, multipart uploads in progress with their parts' ETags, and versions."""

    objects: dict[str, dict[str, bytes]] = field(default_factory=dict)  # bucket -> key -> body
    uploads: dict[str, dict[tuple[str, str], dict[int, str]]] = field(default_factory=dict)
    """bucket -> (key, upload id) -> part number -> ETag"""
    versions: dict[str, dict[str, dict[str, bytes]]] = field(default_factory=dict)
    """versioned bucket -> key -> version id -> body"""
    delete_markers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """versioned bucket -> (key, version id) of its delete markers, where it has any"""
    version_ids: dict[tuple[str, str], list[str]] = field(default_factory=dict, compare=False)
    """(bucket, key) -> ids of the versions the admin wrote, first one first"""
    upload_ids: dict[tuple[str, str, str], str] = field(default_factory=dict, compare=False)
    """(bucket, key, "complete" or "abort") -> id of the upload the admin started for the role to finish"""


def seed(admin_s3: Any) -> Estate:
    """Buckets, objects, and two multipart uploads (one part each) per big key, created as admin."""
    estate = Estate()
    for bucket in (ALPHA, BETA, GAMMA, EMPTY_BUCKET):
        admin_s3.create_bucket(Bucket=bucket)
        estate.objects[bucket], estate.uploads[bucket] = {}, {}
        if bucket == EMPTY_BUCKET:
            continue
        for key in READ_KEYS + DOOMED_KEYS:
            admin_s3.put_object(Bucket=bucket, Key=key, Body=f"{bucket}/{key}".encode())
            estate.objects[bucket][key] = f"{bucket}/{key}".encode()
        for key in BIG_KEYS:
            for upload in ("complete", "abort"):
                upload_id = admin_s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
                body = part_body(bucket, key, upload, 1)
                admin_s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=body)
                estate.uploads[bucket][key, upload_id] = {1: etag(body)}
                estate.upload_ids[bucket, key, upload] = upload_id
    for bucket in (VERSIONS, OTHER_VERSIONS):
        admin_s3.create_bucket(Bucket=bucket)
        admin_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        estate.objects[bucket], estate.uploads[bucket], estate.versions[bucket] = {}, {}, {}
        for key in VERSIONED_KEYS:
            estate.versions[bucket][key] = {}
            for version in (0, 1):
                body = version_body(bucket, key, version)
                version_id = admin_s3.put_object(Bucket=bucket, Key=key, Body=body)["VersionId"]
                estate.versions[bucket][key][version_id] = body
                estate.version_ids.setdefault((bucket, key), []).append(version_id)
            estate.objects[bucket][key] = body
    return estate


def snapshot(s3: Any) -> Estate:
    """Every bucket, key and body, every multipart upload and its parts, every version of a versioned bucket."""
    estate = Estate()
    for bucket in sorted(b["Name"] for b in s3.list_buckets()["Buckets"]):
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        estate.objects[bucket] = {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}
        estate.uploads[bucket] = {}
        for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            key, upload_id = upload["Key"], upload["UploadId"]
            parts = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id).get("Parts", [])
            estate.uploads[bucket][key, upload_id] = {p["PartNumber"]: p["ETag"] for p in parts}
        if s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled":
            listing = s3.list_object_versions(Bucket=bucket)
            estate.versions[bucket] = {}
            for version in listing.get("Versions", []):
                key, version_id = version["Key"], version["VersionId"]
                body = s3.get_object(Bucket=bucket, Key=key, VersionId=version_id)["Body"].read()
                estate.versions[bucket].setdefault(key, {})[version_id] = body
            if markers := listing.get("DeleteMarkers"):
                estate.delete_markers[bucket] = sorted((m["Key"], m["VersionId"]) for m in markers)
    return estate


def probes() -> list[Probe]:
    """Every catalogue route on in-scope and out-of-scope targets; reads first, bucket removal last."""
    calls = [Probe("ListBuckets")]
    for bucket in (ALPHA, BETA, GAMMA, EMPTY_BUCKET):
        calls += [Probe(op, bucket, prefix=p) for op in ("ListObjectsV2", "ListObjects") for p in LIST_PREFIXES]
        calls.append(Probe("HeadBucket", bucket))
    for bucket in (ALPHA, BETA, GAMMA, EMPTY_BUCKET, VERSIONS, OTHER_VERSIONS):  # of plain buckets: "null" versions
        calls += [Probe("ListObjectVersions", bucket, prefix=p) for p in LIST_PREFIXES]
    versioned = [(bucket, key) for bucket in (VERSIONS, OTHER_VERSIONS) for key in VERSIONED_KEYS]
    calls += [Probe(op, b, k, version=0) for op in ("GetObjectVersion", "HeadObjectVersion") for b, k in versioned]
    objects = [(bucket, key) for bucket in (ALPHA, BETA, GAMMA) for key in READ_KEYS]
    calls += [Probe(op, bucket, key) for op in ("GetObject", "HeadObject", "PutObject") for bucket, key in objects]
    calls += [Probe("DeleteObject", bucket, key) for bucket in (ALPHA, BETA, GAMMA) for key in DOOMED_KEYS]
    calls += [Probe("DeleteObjectVersion", bucket, key, version=0) for bucket, key in versioned]  # not the current one
    for bucket in (ALPHA, BETA, GAMMA):
        for key in BIG_KEYS:
            calls += [
                Probe("CreateMultipartUpload", bucket, key),
                Probe("UploadPart", bucket, key, upload="complete"),
                Probe("ListParts", bucket, key, upload="complete"),
                Probe("CompleteMultipartUpload", bucket, key, upload="complete"),
                Probe("AbortMultipartUpload", bucket, key, upload="abort"),
            ]
    calls += [Probe("CreateBucket", bucket) for bucket in (NEW_BUCKET, ALPHA)]
    calls += [Probe("DeleteBucket", bucket) for bucket in (EMPTY_BUCKET, ALPHA)]  # ALPHA is never empty
    return calls


def call(s3: Any, probe: Probe, estate: Estate) -> Any:
    """Make the S3 call; return what it read or created (None when nothing)."""
    bucket, key = probe.bucket, probe.key
    prefix = {} if probe.prefix is None else {"Prefix": probe.prefix}
    upload = {"UploadId": estate.upload_ids[bucket, key, probe.upload]} if probe.upload else {}
    version = {} if probe.version is None else {"VersionId": estate.version_ids[bucket, key][probe.version]}
    match probe.operation:
        case "ListBuckets":
            return sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
        case "ListObjectsV2":
            return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, **prefix).get("Contents", []))
        case "ListObjects":
            return sorted(o["Key"] for o in s3.list_objects(Bucket=bucket, **prefix).get("Contents", []))
        case "ListObjectVersions":
            versions = s3.list_object_versions(Bucket=bucket, **prefix).get("Versions", [])
            return sorted((v["Key"], v["VersionId"]) for v in versions)
        case "HeadBucket":
            s3.head_bucket(Bucket=bucket)
        case "GetObjectVersion":
            return s3.get_object(Bucket=bucket, Key=key, **version)["Body"].read()
        case "HeadObjectVersion":
            head = s3.head_object(Bucket=bucket, Key=key, **version)
            return head["VersionId"], head["ContentLength"]
        case "DeleteObjectVersion":
            return s3.delete_object(Bucket=bucket, Key=key, **version)["VersionId"]
        case "GetObject":
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        case "HeadObject":
            return s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
        case "PutObject":
            s3.put_object(Bucket=bucket, Key=key, Body=new_body(bucket, key))
        case "DeleteObject":
            s3.delete_object(Bucket=bucket, Key=key)
        case "CreateMultipartUpload":
            return s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        case "UploadPart":
            body = part_body(bucket, key, probe.upload, 2)
            return s3.upload_part(Bucket=bucket, Key=key, PartNumber=2, Body=body, **upload)["ETag"]
        case "ListParts":
            return sorted(p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key=key, **upload).get("Parts", []))
        case "CompleteMultipartUpload":  # with the admin's part 1 only: it is the last part, so any size will do
            parts = {"Parts": [{"PartNumber": 1, "ETag": etag(part_body(bucket, key, probe.upload, 1))}]}
            return s3.complete_multipart_upload(Bucket=bucket, Key=key, MultipartUpload=parts, **upload)["Key"]
        case "AbortMultipartUpload":
            s3.abort_multipart_upload(Bucket=bucket, Key=key, **upload)
        case "CreateBucket":
            s3.create_bucket(Bucket=bucket)
        case "DeleteBucket":
            s3.delete_bucket(Bucket=bucket)
        case _:
            raise AssertionError(f"no call for {probe}")
    return None


NEW_UPLOAD_ID = object()  # CreateMultipartUpload returns an id moto makes up: any string will do


def expected_result(probe: Probe, estate: Estate) -> Any:
    """What an allowed call must return, given the estate before it."""
    bucket, key = probe.bucket, probe.key
    match probe.operation:
        case "ListBuckets":
            return sorted(estate.objects)
        case "ListObjectsV2" | "ListObjects":
            return sorted(k for k in estate.objects[bucket] if k.startswith(probe.prefix or ""))
        case "ListObjectVersions":
            if bucket not in estate.versions:  # never versioned: each object is its "null" version
                return sorted((key, "null") for key in estate.objects[bucket] if key.startswith(probe.prefix or ""))
            versions = estate.versions[bucket].items()
            return sorted((key, id) for key, ids in versions if key.startswith(probe.prefix or "") for id in ids)
        case "GetObject":
            return estate.objects[bucket][key]
        case "HeadObject":
            return len(estate.objects[bucket][key])
        case "GetObjectVersion":
            return estate.versions[bucket][key][estate.version_ids[bucket, key][probe.version]]
        case "HeadObjectVersion":
            version_id = estate.version_ids[bucket, key][probe.version]
            return version_id, len(estate.versions[bucket][key][version_id])
        case "DeleteObjectVersion":
            return estate.version_ids[bucket, key][probe.version]
        case "CreateMultipartUpload":
            return NEW_UPLOAD_ID
        case "UploadPart":
            return etag(part_body(bucket, key, probe.upload, 2))
        case "ListParts":
            return sorted(estate.uploads[bucket][key, estate.upload_ids[bucket, key, probe.upload]])
        case "CompleteMultipartUpload":
            return key
    return None


def apply(probe: Probe, estate: Estate, result: Any) -> None:
    """The effect of an allowed call on the estate."""
    bucket, key = probe.bucket, probe.key
    upload_id = estate.upload_ids.get((bucket, key, probe.upload or ""))
    match probe.operation:
        case "PutObject":
            estate.objects[bucket][key] = new_body(bucket, key)
        case "DeleteObject":
            estate.objects[bucket].pop(key, None)
        case "DeleteObjectVersion":  # a version that is not the current one: the object stays as it is
            del estate.versions[bucket][key][result]
        case "CreateMultipartUpload":
            estate.uploads[bucket][key, result] = {}
        case "UploadPart":
            estate.uploads[bucket][key, upload_id][2] = result
        case "CompleteMultipartUpload":
            del estate.uploads[bucket][key, upload_id]
            estate.objects[bucket][key] = part_body(bucket, key, probe.upload, 1)
        case "AbortMultipartUpload":
            del estate.uploads[bucket][key, upload_id]
        case "CreateBucket":  # us-east-1: re-creating one's own bucket is a no-op
            estate.objects.setdefault(bucket, {})
            estate.uploads.setdefault(bucket, {})
        case "DeleteBucket":
            del estate.objects[bucket], estate.uploads[bucket]


def refused_when_allowed(probe: Probe, estate: Estate) -> str | None:
    """The S3 error an allowed call still gets (authorization passed, S3 refused it)."""
    if probe.operation == "DeleteBucket" and (estate.objects.get(probe.bucket) or estate.uploads.get(probe.bucket)):
        return "BucketNotEmpty"
    return None


def listing_condition_allows(policy: dict[str, Any], action: str, bucket: str, prefix: str | None) -> bool:
    """Whether some Allow statement grants the listing `action` on `bucket` with its conditions met for `prefix`.

    moto evaluates no condition on identity policies, so the `s3:prefix` condition of a key-prefix
    policy is checked here, with IAM's semantics for the operators it may use (an absent key never matches).
    """
    for statement in policy["Statement"]:
        actions, resources = statement["Action"], statement["Resource"]
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if statement["Effect"] != "Allow" or not any(fnmatchcase(action, a) for a in actions):
            continue
        if not any(fnmatchcase(f"arn:aws:s3:::{bucket}", r) for r in resources):
            continue
        met = True
        for operator, keys in statement.get("Condition", {}).items():
            for key, values in keys.items():
                assert key == "s3:prefix", f"condition key {key!r}: extend listing_condition_allows"
                values = [values] if isinstance(values, str) else values
                match operator:
                    case "StringEquals":
                        met &= prefix is not None and prefix in values
                    case "StringLike":
                        met &= prefix is not None and any(fnmatchcase(prefix, v) for v in values)
                    case _:
                        raise AssertionError(f"condition operator {operator!r}: extend listing_condition_allows")
        if met:
            return True
    return False


# --- The moto server, IAM enforcement, and the assumed role ---


@dataclass
class Moto:
    url: str
    http: requests.Session
    boto: boto3.session.Session  # one session: creating clients from a fresh one costs ~100 ms each

    def post(self, path: str, body: str = "") -> dict[str, Any]:
        response = self.http.post(f"{self.url}/moto-api/{path}", data=body.encode())
        response.raise_for_status()
        return response.json()

    def client(self, service: str, credentials: dict[str, str]) -> Any:
        config = Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        return self.boto.client(service, endpoint_url=self.url, region_name=REGION, config=config, **credentials)


def keys_of(access_key: dict[str, str]) -> dict[str, str]:
    credentials = {
        "aws_access_key_id": access_key["AccessKeyId"],
        "aws_secret_access_key": access_key["SecretAccessKey"],
    }
    if "SessionToken" in access_key:
        credentials["aws_session_token"] = access_key["SessionToken"]
    return credentials


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    requests_log = logging.getLogger("werkzeug")  # one INFO line per request would bury a failure's report
    log_level = requests_log.level
    requests_log.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    http = requests.Session()
    http.trust_env = False  # loopback: never through a proxy
    endpoint = Moto(f"http://{host}:{port}", http, boto3.session.Session())
    # The enforcement setting is global to this process (the server runs in it): restore it after.
    previous = endpoint.post("reset-auth", "inf")["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]
    try:
        yield endpoint
    finally:
        endpoint.post("reset")
        endpoint.post("reset-auth", previous)
        http.close()
        server.stop()
        requests_log.setLevel(log_level)


def enforce_iam_as_admin(moto: Moto) -> dict[str, str]:
    """Fresh state, an all-powerful IAM user, then enforcement on; returns the admin's credentials."""
    moto.post("reset-auth", "inf")  # unauthenticated requests are accepted until enforcement is on
    moto.post("reset")
    bootstrap = moto.client("iam", {"aws_access_key_id": "bootstrap", "aws_secret_access_key": "bootstrap"})
    bootstrap.create_user(UserName="admin")
    bootstrap.put_user_policy(UserName="admin", PolicyName="admin", PolicyDocument=json.dumps(ADMIN_POLICY))
    admin = keys_of(bootstrap.create_access_key(UserName="admin")["AccessKey"])
    moto.post("reset-auth", "0")
    with pytest.raises(ClientError) as refused:  # proof that enforcement is on: unknown keys are refused
        moto.client("s3", {"aws_access_key_id": "bootstrap", "aws_secret_access_key": "bootstrap"}).list_buckets()
    assert refused.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    return admin


def create_execution_role(iam: Any, admin_arn: str, policy: dict[str, Any]) -> str:
    trust = render_trust_policy()
    # moto evaluates the trust policy on sts:AssumeRole but only understands `AWS` principals: a statement
    # whose Principal is only `{"Service": "apigateway.amazonaws.com"}` crashes its evaluator (HTTP 500),
    # and an extra statement does not help since every statement is evaluated. So the generated statement
    # also names the test's admin as an `AWS` principal (a test-only addition; nothing else is changed).
    for statement in trust["Statement"]:
        statement["Principal"] = {**statement["Principal"], "AWS": admin_arn}
    role_arn = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="s3-proxy", PolicyDocument=json.dumps(policy))
    return role_arn


def test_every_catalogue_route_is_probed_with_the_action_aws_authorizes_it_with():
    probed = {probe.operation.removesuffix("V2") for probe in probes()}
    for route in ROUTES:
        if route.operation in PROVEN_BY_POLICY_EVALUATION:
            continue
        assert route.operation in probed, route
        assert ACTION_OF.get(route.operation) == route.action, route


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_assumed_role_can_do_exactly_what_the_configuration_allows(moto: Moto, name: str):
    args, grant = CONFIGURATIONS[name]
    policy = render_policy(validate_args(args), "aws")
    started = time.perf_counter()

    admin = enforce_iam_as_admin(moto)
    admin_identity = moto.client("sts", admin).get_caller_identity()
    account_id = admin_identity["Account"]
    role_arn = create_execution_role(moto.client("iam", admin), admin_identity["Arn"], policy)

    admin_s3 = moto.client("s3", admin)
    state = seed(admin_s3)
    assert snapshot(admin_s3) == state

    session = moto.client("sts", admin).assume_role(RoleArn=role_arn, RoleSessionName="s3-proxy-test")
    role = keys_of(session["Credentials"])
    caller = moto.client("sts", role).get_caller_identity()["Arn"]
    assert caller == f"arn:aws:sts::{account_id}:assumed-role/{ROLE_NAME}/s3-proxy-test"
    role_s3 = moto.client("s3", role)

    failures: list[str] = []
    counts = {"allowed": 0, "refused": 0, "moto differs from AWS": 0, "s3:prefix checked by the test": 0}
    for probe in probes():
        allowed = moto_allows(grant, probe)
        counts["allowed" if allowed else "refused"] += 1
        if allowed != aws_allows(grant, probe):
            counts["moto differs from AWS"] += 1
        if allowed and grant.key_prefix and ACTION_OF[probe.operation] in LISTING_ACTIONS:
            # moto let it through without looking at the condition: AWS would decide on the condition.
            counts["s3:prefix checked by the test"] += 1
            listing = listing_condition_allows(policy, ACTION_OF[probe.operation], probe.bucket, probe.prefix)
            if listing != aws_allows(grant, probe):
                verdict = "allow" if aws_allows(grant, probe) else "refuse"
                failures.append(f"{probe}: the policy's s3:prefix condition must {verdict} it (moto ignores it)")

        expected = expected_result(probe, state) if allowed else None
        s3_error = refused_when_allowed(probe, state) if allowed else None
        refusal = (403, "403" if probe.operation.startswith("Head") else "AccessDenied")  # HEAD: no error body
        try:
            result = call(role_s3, probe, state)
        except ClientError as error:
            code = error.response["Error"].get("Code")
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            if allowed and code != s3_error:
                failures.append(f"{probe}: expected to be allowed, got {status} {code}")
            elif not allowed and (status, code) != refusal:
                failures.append(f"{probe}: expected 403 AccessDenied, got {status} {code}")
            continue
        if not allowed:
            failures.append(f"{probe}: expected 403 AccessDenied, but it was allowed")
        elif s3_error:
            failures.append(f"{probe}: expected S3 to refuse it with {s3_error}")
        elif expected is NEW_UPLOAD_ID and not (isinstance(result, str) and result):
            failures.append(f"{probe}: returned {result!r}, expected an upload id")
        elif expected is not NEW_UPLOAD_ID and result != expected:
            failures.append(f"{probe}: returned {result!r}, expected {expected!r}")
        else:
            apply(probe, state, result)

    after = snapshot(admin_s3)  # only the allowed calls changed anything
    assert not failures, f"{name}: {len(failures)} unexpected outcomes:\n" + "\n".join(failures)
    assert after == state, f"{name}: S3 state differs from what the allowed calls alone would leave"
    total = counts["allowed"] + counts["refused"]
    print(f"{name}: {total} (call, expectation) cases {counts} in {time.perf_counter() - started:.2f}s")
    # Both outcomes were exercised (a grant that allowed, or refused, every probe would prove little), and the
    # listing condition of a key prefix was decided by the test itself, where moto does not look at it.
    assert counts["allowed"] and counts["refused"], counts
    assert bool(counts["s3:prefix checked by the test"]) == bool(grant.key_prefix), counts
