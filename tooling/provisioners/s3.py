"""S3: Bucket (and BucketV2, its deprecated alias in pulumi-aws 7), as terraform-provider-aws v6
makes it (`internal/service/s3/bucket.go`)."""

from __future__ import annotations

from ..state import Properties, Resource
from .base import Context, Provisioner, auto_name, call_with_keys, differs, held, keys_of, tag_list


def create_bucket(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceBucketCreate: CreateBucket (a location constraint outside us-east-1), then the tags."""
    s3, bucket = ctx.client("s3", region), keys["id"]
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **location)
    if inputs.get("tags"):
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list(inputs["tags"])})
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com",
        "region": region,
    }


def update_bucket(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> None:
    """resourceBucketUpdate: S3 replaces the whole tag set (`forceDestroy` needs no call)."""
    if differs(olds, news, "tags"):
        s3, tags = ctx.client("s3", region), news.get("tags")
        if tags:
            s3.put_bucket_tagging(Bucket=entry.id, Tagging={"TagSet": tag_list(tags)})
        else:
            s3.delete_bucket_tagging(Bucket=entry.id)


def delete_bucket(ctx: Context, region: str, entry: Resource) -> None:
    """resourceBucketDelete: with `forceDestroy`, its objects (every version) go first."""
    s3 = ctx.client("s3", region)
    if (entry.inputs or {}).get("forceDestroy"):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=entry.id):
            versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
            if versions:
                objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
                s3.delete_objects(Bucket=entry.id, Delete={"Objects": objects})
    s3.delete_bucket(Bucket=entry.id)


BUCKET = Provisioner(
    service="s3",
    identity=keys_of(id=lambda name, inputs: auto_name(name, inputs, "bucket", "bucketPrefix")),
    create=create_bucket,
    update=update_bucket,
    delete=delete_bucket,
    exists=held(call_with_keys("s3", "head_bucket", Bucket="id")),
    force_new=frozenset({"bucket", "bucketPrefix"}),
    computed=frozenset({"bucket", "bucketPrefix"}),
)

PROVISIONERS = {"aws:s3/bucket:Bucket": BUCKET, "aws:s3/bucketV2:BucketV2": BUCKET}
