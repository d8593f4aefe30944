"""The S3 Bucket provisioner, call by call against terraform-provider-aws v6 (`internal/service/s3/bucket.go`,
`tags.go`, `delete.go`; the function named in each test): the expected calls are written from the provider's source
and checked by a botocore Stubber."""

from __future__ import annotations

import re

from stubbed_aws import StubbedAws, recorded

from tooling.provisioners import REGISTRY

BUCKET = REGISTRY["aws:s3/bucket:Bucket"]
NAME = {"Bucket": "reports-1a2b3c4"}


def expect_read(aws: StubbedAws, tags: list | None = None) -> None:
    """resourceBucketRead's calls, in its order, for a bucket with none of the deprecated configurations (as a new
    bucket answers: each absent one by its NotFound code), then the tagging interceptor's GetBucketTagging."""
    aws.expect("s3", "head_bucket", NAME)
    aws.refuse("s3", "get_bucket_policy", NAME, "NoSuchBucketPolicy", status=404)
    aws.expect("s3", "get_bucket_acl", NAME, {"Grants": []})
    aws.refuse("s3", "get_bucket_cors", NAME, "NoSuchCORSConfiguration", status=404)
    aws.refuse("s3", "get_bucket_website", NAME, "NoSuchWebsiteConfiguration", status=404)
    aws.expect("s3", "get_bucket_versioning", NAME)
    aws.expect("s3", "get_bucket_accelerate_configuration", NAME)
    aws.expect("s3", "get_bucket_request_payment", NAME, {"Payer": "BucketOwner"})
    aws.expect("s3", "get_bucket_logging", NAME)
    aws.refuse("s3", "get_bucket_lifecycle_configuration", NAME, "NoSuchLifecycleConfiguration", status=404)
    aws.refuse("s3", "get_bucket_replication", NAME, "ReplicationConfigurationNotFoundError", status=404)
    sse = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]}
    aws.expect("s3", "get_bucket_encryption", NAME, {"ServerSideEncryptionConfiguration": sse})
    aws.refuse("s3", "get_object_lock_configuration", NAME, "ObjectLockConfigurationNotFoundError", status=404)
    aws.expect("s3", "head_bucket", NAME, {"BucketRegion": "us-east-1"})  # manager.GetBucketRegion
    if tags:
        aws.expect("s3", "get_bucket_tagging", NAME, {"TagSet": tags})
    else:
        aws.refuse("s3", "get_bucket_tagging", NAME, "NoSuchTagSet", status=404)


def test_a_bucket_is_created_as_the_provider_does_in_us_east_1_then_read(aws):
    # resourceBucketCreate: in us-east-1 HeadBucket first (it does not refuse a bucket the account owns); CreateBucket
    # with ACL "private" (the v3 default it keeps) and no location constraint; HeadBucket until it is there;
    # bucketCreateTags -> bucketUpdateTags: GetBucketTagging, PutBucketTagging; then resourceBucketRead.
    aws.refuse("s3", "head_bucket", NAME, "404", status=404)
    aws.expect("s3", "create_bucket", NAME | {"ACL": "private"})
    aws.expect("s3", "head_bucket", NAME)
    aws.refuse("s3", "get_bucket_tagging", NAME, "NoSuchTagSet", status=404)
    aws.expect("s3", "put_bucket_tagging", NAME | {"Tagging": {"TagSet": [{"Key": "app", "Value": "reports"}]}})
    expect_read(aws, tags=[{"Key": "app", "Value": "reports"}])
    bucket, outputs = BUCKET.create(aws, "us-east-1", {"tags": {"app": "reports"}}, {"id": "reports-1a2b3c4"})
    assert bucket == "reports-1a2b3c4"
    assert outputs["tags"] == {"app": "reports"} and outputs["bucketPrefix"] is None
    assert outputs["serverSideEncryptionConfiguration"] == {
        "rule": {
            "applyServerSideEncryptionByDefault": {"kmsMasterKeyId": None, "sseAlgorithm": "AES256"},
            "bucketKeyEnabled": False,
        }
    }
    assert outputs["versioning"] == {"enabled": False, "mfaDelete": False}
    held = recorded({"tags": {"app": "reports"}}, outputs, bucket)
    assert BUCKET.changed(held, {"tags": {"app": "reports"}}) == set()


def test_a_tag_change_keeps_the_tags_set_outside_the_program(aws):
    # bucketUpdateTags: allTags.Ignore(oldTags).Ignore(newTags) are merged into the new tag set.
    aws.expect(
        "s3", "get_bucket_tagging", NAME, {"TagSet": [{"Key": "app", "Value": "a"}, {"Key": "cost", "Value": "c"}]}
    )
    tag_set = [{"Key": "app", "Value": "b"}, {"Key": "cost", "Value": "c"}]
    aws.expect("s3", "put_bucket_tagging", NAME | {"Tagging": {"TagSet": tag_set}})
    expect_read(aws, tags=tag_set)
    held = recorded({"tags": {"app": "a"}}, {}, NAME["Bucket"])
    BUCKET.update(aws, "us-east-1", held, {"tags": {"app": "a"}}, {"tags": {"app": "b"}})


def test_a_bucket_not_empty_is_emptied_and_deleted_again_only_with_force_destroy(aws):
    # resourceBucketDelete: DeleteBucket; on BucketNotEmpty with force_destroy, emptyBucket (every version, then every
    # delete marker, by quiet DeleteObjects of each ListObjectVersions page, EncodingType url) and DeleteBucket again;
    # then HeadBucket until NotFound.
    aws.refuse("s3", "delete_bucket", NAME, "BucketNotEmpty", status=409)
    listed = {"Versions": [{"Key": "a%20b%2Bc", "VersionId": "v1"}], "DeleteMarkers": [{"Key": "d", "VersionId": "m1"}]}
    aws.expect("s3", "list_object_versions", NAME | {"EncodingType": "url"}, listed)
    aws.expect(
        "s3", "delete_objects", NAME | {"Delete": {"Objects": [{"Key": "a b+c", "VersionId": "v1"}], "Quiet": True}}
    )
    aws.expect(
        "s3",
        "list_object_versions",
        NAME | {"EncodingType": "url"},
        {"DeleteMarkers": [{"Key": "d", "VersionId": "m1"}]},
    )
    aws.expect("s3", "delete_objects", NAME | {"Delete": {"Objects": [{"Key": "d", "VersionId": "m1"}], "Quiet": True}})
    aws.expect("s3", "delete_bucket", NAME)
    aws.refuse("s3", "head_bucket", NAME, "404", status=404)
    BUCKET.delete(aws, "us-east-1", recorded({"forceDestroy": True}, {}, NAME["Bucket"]))


def test_an_empty_bucket_is_deleted_without_listing_it(aws):
    # resourceBucketDelete empties the bucket only when DeleteBucket answers BucketNotEmpty.
    aws.expect("s3", "delete_bucket", NAME)
    aws.refuse("s3", "head_bucket", NAME, "404", status=404)
    BUCKET.delete(aws, "us-east-1", recorded({"forceDestroy": True}, {}, NAME["Bucket"]))


def test_a_bucket_prefix_is_completed_by_the_providers_26_character_unique_id():
    # create.Name(bucket, bucket_prefix) -> id.PrefixedUniqueId: the UTC time to 1/10000 s and an 8-hex counter.
    bucket = BUCKET.identity("logs", {"bucketPrefix": "logs-"})["id"]
    assert re.fullmatch(r"logs-\d{18}[0-9a-f]{8}", bucket), bucket
    assert re.fullmatch(r"logs-[0-9a-f]{7}", BUCKET.identity("logs", {})["id"])  # Pulumi's auto-name otherwise
