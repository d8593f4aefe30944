"""The CloudWatch Logs LogGroup provisioner's calls, call by call, against terraform-provider-aws v6
(`internal/service/logs/group.go`; the function named per test). The expected calls are written from the
provider's source."""

from __future__ import annotations

from fakes import RecordingAws, recorded, update

from tooling.engine import decide
from tooling.provisioners import REGISTRY

LOG_GROUP = REGISTRY["aws:cloudwatch/logGroup:LogGroup"]
ARN = "arn:aws:logs:us-east-1:123456789012:log-group:audit-1234567"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def answers() -> dict:
    group = {"logGroupName": "audit-1234567", "arn": f"{ARN}:*", "logGroupArn": ARN, "logGroupClass": "STANDARD"}
    return {
        "describe_log_groups": {"logGroups": [group | {"retentionInDays": 7}]},
        "list_tags_for_resource": {"tags": {"owner": "a"}},
    }


def test_a_log_group_is_created_without_the_fields_not_given_then_read_and_its_tags_listed():
    """resourceGroupCreate: CreateLogGroup with tags only when some (getTagsIn's nil), PutRetentionPolicy; then
    resourceGroupRead (DescribeLogGroups) and, Read setting no tags, ListTagsForResource of the ARN without `:*`
    (tags_interceptor.go)."""
    aws = RecordingAws(answers())
    group, outputs = LOG_GROUP.create(aws, "us-east-1", {"retentionInDays": 7.0, "tags": {}}, {"id": "audit-1234567"})
    assert aws.calls == [
        ("logs", "create_log_group", {"logGroupName": "audit-1234567"}),
        ("logs", "put_retention_policy", {"logGroupName": "audit-1234567", "retentionInDays": 7}),
        ("logs", "describe_log_groups", {"logGroupNamePrefix": "audit-1234567"}),
        ("logs", "list_tags_for_resource", {"resourceArn": ARN}),
    ]
    assert (group, outputs["arn"], outputs["retentionInDays"], outputs["tags"]) == (
        "audit-1234567",
        ARN,
        7,
        {"owner": "a"},
    )


def test_a_delivery_log_group_gets_no_retention_policy():
    """resourceGroupCreate: PutRetentionPolicy only when `input.LogGroupClass != awstypes.LogGroupClassDelivery`."""
    aws = RecordingAws(answers())
    LOG_GROUP.create(aws, "us-east-1", {"retentionInDays": 7.0, "logGroupClass": "DELIVERY"}, {"id": "audit-1234567"})
    assert aws.calls[0] == (
        "logs",
        "create_log_group",
        {"logGroupName": "audit-1234567", "logGroupClass": "DELIVERY"},
    )
    assert "put_retention_policy" not in aws.operations()


def test_a_new_kms_key_is_associated_in_place_after_the_tags():
    """group.go: kms_key_id is Optional, not ForceNew; resourceGroupUpdate: AssociateKmsKey (after the retention),
    the tags changed before it (tags_interceptor.go); then resourceGroupRead."""
    entry = recorded(
        {"retentionInDays": 7.0, "tags": {"owner": "a"}}, {"arn": ARN, "retentionInDays": 7}, "audit-1234567"
    )
    inputs = {"retentionInDays": 30.0, "kmsKeyId": KEY, "tags": {"owner": "b"}}
    step = decide(LOG_GROUP, entry, "aws:cloudwatch/logGroup:LogGroup", "audit", inputs)
    assert (step.op, step.changed) == ("~", ("kmsKeyId", "retentionInDays", "tags"))
    aws = RecordingAws(answers())
    update(aws, LOG_GROUP, entry, inputs)
    assert aws.calls[:3] == [
        ("logs", "tag_resource", {"resourceArn": ARN, "tags": {"owner": "b"}}),
        ("logs", "put_retention_policy", {"logGroupName": "audit-1234567", "retentionInDays": 30}),
        ("logs", "associate_kms_key", {"logGroupName": "audit-1234567", "kmsKeyId": KEY}),
    ]
    assert aws.operations()[3:] == ["describe_log_groups", "list_tags_for_resource"]


def test_no_retention_asked_and_none_held_is_no_change():
    """group.go: retention_in_days has Default 0; Read records AWS's none as 0."""
    entry = recorded({}, {"arn": ARN, "retentionInDays": 0, "logGroupClass": "STANDARD"}, "audit-1234567")
    assert decide(LOG_GROUP, entry, "aws:cloudwatch/logGroup:LogGroup", "audit", {}).op == " "
