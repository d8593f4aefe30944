"""S3: Bucket (and BucketV2, its deprecated alias in pulumi-aws 7), as terraform-provider-aws v6 makes it
(`internal/service/s3/bucket.go`; its tags as `tags.go`'s bucketUpdateTags, its emptying as `delete.go`'s
emptyBucket). The deprecated inline configurations (policy, CORS, website, ACL grants, logging, lifecycle,
replication, encryption, object lock rules) are read back, not provisioned here."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from ..state import Properties, Resource
from .base import Context, Provisioner, auto_name, differs, held, keys_of, prior_state, tag_list

# What S3 answers for a configuration the bucket does not have, or one the partition does not serve: none.
ABSENT = frozenset(
    {
        "NoSuchBucketPolicy",
        "NoSuchCORSConfiguration",
        "NoSuchWebsiteConfiguration",
        "NoSuchLifecycleConfiguration",
        "ReplicationConfigurationNotFoundError",
        "ServerSideEncryptionConfigurationNotFoundError",
        "ObjectLockConfigurationNotFoundError",
        "NoSuchTagSet",
        "NoSuchTagSetError",
        "MethodNotAllowed",
        "NotImplemented",
        "XNotImplemented",
        "UnsupportedArgument",
        "UnsupportedOperation",
    }
)
# resourceBucketRead's calls after HeadBucket, in its order.
READS = (
    "get_bucket_policy",
    "get_bucket_acl",
    "get_bucket_cors",
    "get_bucket_website",
    "get_bucket_versioning",
    "get_bucket_accelerate_configuration",
    "get_bucket_request_payment",
    "get_bucket_logging",
    "get_bucket_lifecycle_configuration",
    "get_bucket_replication",
    "get_bucket_encryption",
    "get_object_lock_configuration",
)
UNIQUE_ID_LENGTH = 26  # id.UniqueIDSuffixLength
COUNTER = itertools.count(1)


def bucket_name(name: str, inputs: Properties) -> str:
    """`bucket`; else, with `bucketPrefix`, the provider's create.Name: the prefix and id.PrefixedUniqueId's 26
    characters (the UTC time to 1/10000 s, a counter in 8 hex digits); else Pulumi's auto-name."""
    if inputs.get("bucket") or not inputs.get("bucketPrefix"):
        return auto_name(name, inputs, "bucket", "bucketPrefix")
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")[:18]
    return f"{inputs['bucketPrefix']}{stamp}{next(COUNTER):08x}"


def create_bucket(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceBucketCreate: in us-east-1 (which does not refuse a bucket the account owns already) HeadBucket
    first, refusing one that exists; CreateBucket with the canned ACL (`private` when unset), outside us-east-1 the
    location constraint, object lock when asked; HeadBucket until it is there (LocalStack's is at once);
    the tags (bucketCreateTags); then resourceBucketRead."""
    s3, bucket = ctx.client("s3", region), keys["id"]
    if region == "us-east-1" and bucket_found(s3, bucket):
        raise FileExistsError(f"creating S3 Bucket ({bucket}): BucketAlreadyExists")
    request: Properties = {"Bucket": bucket, "ACL": inputs.get("acl") or "private"}
    if region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    if inputs.get("objectLockEnabled"):
        request["ObjectLockEnabledForBucket"] = True
    s3.create_bucket(**request)
    s3.head_bucket(Bucket=bucket)
    if inputs.get("tags"):
        update_bucket_tags(s3, bucket, {}, inputs["tags"])
    return bucket, read_bucket(ctx, region, bucket)


def bucket_found(s3: Any, bucket: str) -> bool:
    """findBucket: HeadBucket, a 404 meaning none."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchBucket"):
            return False
        raise
    return True


def update_bucket_tags(s3: Any, bucket: str, old: dict[str, str], new: dict[str, str]) -> None:
    """bucketUpdateTags: S3 replaces the whole tag set, so the tags neither the old nor the new set names (set
    outside the program since) are kept: GetBucketTagging, then PutBucketTagging of the new ones and those, or
    DeleteBucketTagging when none are left."""
    ignored = {k: v for k, v in bucket_tags(s3, bucket).items() if k not in old and k not in new}
    if new or ignored:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list(new | ignored)})
    elif old:
        s3.delete_bucket_tagging(Bucket=bucket)


def bucket_tags(s3: Any, bucket: str) -> dict[str, str]:
    """bucketListTags: GetBucketTagging, no tag set being none."""
    tags = absent_as_none(lambda: s3.get_bucket_tagging(Bucket=bucket)) or {}
    return {t["Key"]: t["Value"] for t in tags.get("TagSet", [])}


def absent_as_none(call: Any) -> Any:
    try:
        return call()
    except ClientError as error:
        if error.response["Error"]["Code"] in ABSENT:
            return None
        raise


def update_bucket(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceBucketUpdate: the tags by the tagging interceptor first (bucketUpdateTags); nothing else for what is
    provisioned here (`forceDestroy` needs no call); then resourceBucketRead."""
    if differs(olds, news, "tags"):
        update_bucket_tags(ctx.client("s3", region), entry.id, olds.get("tags") or {}, news.get("tags") or {})
    return read_bucket(ctx, region, entry.id)


def read_bucket(ctx: Context, region: str, bucket: str) -> Properties:
    """resourceBucketRead: HeadBucket (findBucket), each configuration in its order (an absent one is none), the
    bucket's region (manager.GetBucketRegion: a HeadBucket), then the tags (the interceptor's bucketListTags)."""
    s3 = ctx.client("s3", region)
    s3.head_bucket(Bucket=bucket)
    read = {call: absent_as_none(lambda call=call: getattr(s3, call)(Bucket=bucket)) or {} for call in READS}
    bucket_region = s3.head_bucket(Bucket=bucket).get("BucketRegion") or region
    lock = read["get_object_lock_configuration"].get("ObjectLockConfiguration")
    versioning = read["get_bucket_versioning"]
    prefixed = re.fullmatch(rf"(.+)[0-9A-Fa-f]{{{UNIQUE_ID_LENGTH}}}", bucket)  # create.NamePrefixFromName
    return {
        "accelerationStatus": read["get_bucket_accelerate_configuration"].get("Status"),
        "arn": f"arn:aws:s3:::{bucket}",
        "bucket": bucket,
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketPrefix": prefixed.group(1) if prefixed else None,
        "bucketRegion": bucket_region,
        "bucketRegionalDomainName": f"{bucket}.s3.{bucket_region}.amazonaws.com",
        "objectLockEnabled": lock.get("ObjectLockEnabled") == "Enabled" if lock else None,
        "policy": read["get_bucket_policy"].get("Policy"),
        "region": region,
        "requestPayer": read["get_bucket_request_payment"].get("Payer"),
        "serverSideEncryptionConfiguration": encryption(read["get_bucket_encryption"]),
        "tags": bucket_tags(s3, bucket),
        "versioning": {
            "enabled": versioning.get("Status") == "Enabled",
            "mfaDelete": versioning.get("MFADelete") == "Enabled",
        },
    }


def encryption(answer: Properties) -> Properties | None:
    """flattenBucketServerSideEncryptionConfiguration, its one rule."""
    rules = (answer.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    if not rules:
        return None
    default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
    return {
        "rule": {
            "applyServerSideEncryptionByDefault": {
                "kmsMasterKeyId": default.get("KMSMasterKeyID"),
                "sseAlgorithm": default.get("SSEAlgorithm"),
            },
            "bucketKeyEnabled": bool(rules[0].get("BucketKeyEnabled")),
        }
    }


def delete_bucket(ctx: Context, region: str, entry: Resource) -> None:
    """resourceBucketDelete: DeleteBucket; refused as not empty and with `forceDestroy`, the bucket emptied
    (emptyBucket) and deleted again; then HeadBucket until it is gone (LocalStack's is gone at once)."""
    s3, prior = ctx.client("s3", region), prior_state(entry)
    try:
        s3.delete_bucket(Bucket=entry.id)
    except ClientError as error:
        if error.response["Error"]["Code"] != "BucketNotEmpty" or not prior.get("forceDestroy"):
            raise
        empty_bucket(s3, entry.id, bool(prior.get("objectLockEnabled")))
        delete_bucket(ctx, region, entry)
        return
    if bucket_found(s3, entry.id):
        raise RuntimeError(f"S3 Bucket ({entry.id}) is still there after its deletion")


def empty_bucket(s3: Any, bucket: str, force: bool) -> None:
    """emptyBucket: every object version deleted, then every delete marker, a page (ListObjectVersions, keys URL
    encoded) at a time by a quiet DeleteObjects, bypassing governance retention for versions under object lock."""
    for entries in ("Versions", "DeleteMarkers"):
        bypass = {"BypassGovernanceRetention": True} if force and entries == "Versions" else {}
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, EncodingType="url"):
            objects = [{"Key": unquote_plus(v["Key"]), "VersionId": v["VersionId"]} for v in page.get(entries, [])]
            if objects:
                answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True}, **bypass)
                if errors := [e for e in answer.get("Errors", []) if e.get("Code") != "NoSuchKey"]:
                    raise RuntimeError(f"deleting S3 bucket ({bucket}) object versions: {errors}")


BUCKET = Provisioner(
    service="s3",
    identity=keys_of(id=bucket_name),
    create=create_bucket,
    update=update_bucket,
    delete=delete_bucket,
    exists=held(lambda ctx, region, entry: ctx.client("s3", region).head_bucket(Bucket=entry.id)),
    # resourceBucket's schema: the name, its prefix and object lock replace; they and the read-back
    # configurations are Optional+Computed.
    force_new=frozenset({"bucket", "bucketPrefix", "objectLockEnabled"}),
    computed=frozenset(
        {
            "bucket",
            "bucketPrefix",
            "accelerationStatus",
            "objectLockEnabled",
            "policy",
            "requestPayer",
            "serverSideEncryptionConfiguration",
            "versioning",
        }
    ),
)

PROVISIONERS = {"aws:s3/bucket:Bucket": BUCKET, "aws:s3/bucketV2:BucketV2": BUCKET}
