"""The CloudWatch Logs LogGroup provisioner's calls, call by call, against terraform-provider-aws v6
(`internal/service/logs/group.go`; the function named per test): the expected calls are written from the provider's
source and checked by a botocore Stubber."""

from __future__ import annotations

from stubbed_aws import StubbedAws, recorded, update

from tooling.engine import decide
from tooling.provisioners import REGISTRY

LOG_GROUP = REGISTRY["aws:cloudwatch/logGroup:LogGroup"]
ARN = "arn:aws:logs:us-east-1:123456789012:log-group:audit-1234567"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NAME = {"logGroupName": "audit-1234567"}


def expect_read(aws: StubbedAws, held: dict, tags: dict) -> None:
    """resourceGroupRead (findLogGroupByName: DescribeLogGroups by prefix), then, Read setting no tags,
    ListTagsForResource of the ARN without `:*` (tags_interceptor.go)."""
    group = NAME | {"arn": f"{ARN}:*", "logGroupArn": ARN, "logGroupClass": "STANDARD"} | held
    aws.expect("logs", "describe_log_groups", {"logGroupNamePrefix": "audit-1234567"}, {"logGroups": [group]})
    aws.expect("logs", "list_tags_for_resource", {"resourceArn": ARN}, {"tags": tags})


def test_a_log_group_is_created_without_the_fields_not_given_then_read_and_its_tags_listed(aws):
    """resourceGroupCreate: CreateLogGroup with tags only when some (getTagsIn's nil), PutRetentionPolicy; then
    resourceGroupRead (DescribeLogGroups) and, Read setting no tags, ListTagsForResource of the ARN without `:*`
    (tags_interceptor.go)."""
    aws.expect("logs", "create_log_group", NAME)
    aws.expect("logs", "put_retention_policy", NAME | {"retentionInDays": 7})
    expect_read(aws, {"retentionInDays": 7}, {"owner": "a"})
    group, outputs = LOG_GROUP.create(aws, "us-east-1", {"retentionInDays": 7.0, "tags": {}}, {"id": "audit-1234567"})
    assert (group, outputs["arn"], outputs["retentionInDays"], outputs["tags"]) == (
        "audit-1234567",
        ARN,
        7,
        {"owner": "a"},
    )


def test_a_delivery_log_group_gets_no_retention_policy(aws):
    """resourceGroupCreate: PutRetentionPolicy only when `input.LogGroupClass != awstypes.LogGroupClassDelivery`;
    then resourceGroupRead."""
    aws.expect("logs", "create_log_group", NAME | {"logGroupClass": "DELIVERY"})
    expect_read(aws, {"logGroupClass": "DELIVERY"}, {})
    LOG_GROUP.create(aws, "us-east-1", {"retentionInDays": 7.0, "logGroupClass": "DELIVERY"}, {"id": "audit-1234567"})


def test_a_new_kms_key_is_associated_in_place_after_the_tags(aws):
    """group.go: kms_key_id is Optional, not ForceNew; resourceGroupUpdate: AssociateKmsKey (after the retention),
    the tags changed before it (tags_interceptor.go); then resourceGroupRead."""
    entry = recorded(
        {"retentionInDays": 7.0, "tags": {"owner": "a"}}, {"arn": ARN, "retentionInDays": 7}, "audit-1234567"
    )
    inputs = {"retentionInDays": 30.0, "kmsKeyId": KEY, "tags": {"owner": "b"}}
    step = decide(LOG_GROUP, entry, "aws:cloudwatch/logGroup:LogGroup", "audit", inputs)
    assert (step.op, step.changed) == ("~", ("kmsKeyId", "retentionInDays", "tags"))
    aws.expect("logs", "tag_resource", {"resourceArn": ARN, "tags": {"owner": "b"}})
    aws.expect("logs", "put_retention_policy", NAME | {"retentionInDays": 30})
    aws.expect("logs", "associate_kms_key", NAME | {"kmsKeyId": KEY})
    expect_read(aws, {"retentionInDays": 30, "kmsKeyId": KEY}, {"owner": "b"})
    update(aws, LOG_GROUP, entry, inputs)


def test_no_retention_asked_and_none_held_is_no_change():
    """group.go: retention_in_days has Default 0; Read records AWS's none as 0."""
    entry = recorded({}, {"arn": ARN, "retentionInDays": 0, "logGroupClass": "STANDARD"}, "audit-1234567")
    assert decide(LOG_GROUP, entry, "aws:cloudwatch/logGroup:LogGroup", "audit", {}).op == " "
