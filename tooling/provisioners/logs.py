"""CloudWatch Logs: LogGroup, as terraform-provider-aws v6 makes it (`internal/service/logs/group.go`). Its Read
sets no tags, so the provider lists them after each create, update and read, and changes them before the
resource's own update calls (`internal/provider/sdkv2/tags_interceptor.go`)."""

from __future__ import annotations

from typing import Any

from ..state import Properties, Resource
from .base import Context, Provisioner, auto_name, differs, given, held, keys_of, retag

DELIVERY = "DELIVERY"  # the log group class that has no retention to set


def create_log_group(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceGroupCreate: CreateLogGroup (class, deletion protection, KMS key and tags only when given), then
    PutRetentionPolicy when a retention is given, except for the DELIVERY class; then resourceGroupRead."""
    logs = ctx.client("logs", region)
    logs.create_log_group(
        logGroupName=keys["id"],
        **given(
            logGroupClass=inputs.get("logGroupClass"),
            deletionProtectionEnabled=inputs.get("deletionProtectionEnabled") or None,
            kmsKeyId=inputs.get("kmsKeyId"),
            tags=inputs.get("tags") or None,
        ),
    )
    if inputs.get("retentionInDays") and inputs.get("logGroupClass") != DELIVERY:
        logs.put_retention_policy(logGroupName=keys["id"], retentionInDays=int(inputs["retentionInDays"]))
    return keys["id"], read_log_group(logs, keys["id"], inputs)


def described(logs: Any, name: str) -> Properties:
    """findLogGroupByName: DescribeLogGroups by prefix, the group of exactly that name."""
    for group in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]:
        if group["logGroupName"] == name:
            return dict(group)
    raise LookupError(f"CloudWatch Logs log group {name} is not found")


def read_log_group(logs: Any, name: str, inputs: Properties) -> Properties:
    """resourceGroupRead (resourceGroupFlatten), then ListTagsForResource of its ARN (the ARN without `:*`)."""
    group = described(logs, name)
    arn = group["arn"].removesuffix(":*")
    tags = logs.list_tags_for_resource(resourceArn=arn)["tags"]
    return {
        "arn": arn,
        "deletionProtectionEnabled": group.get("deletionProtectionEnabled"),
        "kmsKeyId": group.get("kmsKeyId"),
        "logGroupClass": group.get("logGroupClass"),
        "name": group["logGroupName"],
        "retentionInDays": group.get("retentionInDays", 0),
        "skipDestroy": bool(inputs.get("skipDestroy")),
        "tags": tags,
        "tagsAll": tags,
    }


def update_log_group(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceGroupUpdate, after the tags (UntagResource, TagResource): PutRetentionPolicy or
    DeleteRetentionPolicy; PutLogGroupDeletionProtection (after DescribeLogGroups); AssociateKmsKey or
    DisassociateKmsKey; then resourceGroupRead."""
    logs, name = ctx.client("logs", region), entry.id
    arn = olds["arn"]
    retag(
        olds,
        news,
        lambda tags: logs.tag_resource(resourceArn=arn, tags=tags),
        lambda gone: logs.untag_resource(resourceArn=arn, tagKeys=gone),
    )
    if differs(olds, news, "retentionInDays"):
        if news["retentionInDays"]:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(news["retentionInDays"]))
        else:
            logs.delete_retention_policy(logGroupName=name)
    if differs(olds, news, "deletionProtectionEnabled"):
        logs.put_log_group_deletion_protection(
            logGroupIdentifier=described(logs, name)["logGroupArn"],
            deletionProtectionEnabled=bool(news.get("deletionProtectionEnabled")),
        )
    if differs(olds, news, "kmsKeyId"):
        if news.get("kmsKeyId"):
            logs.associate_kms_key(logGroupName=name, kmsKeyId=news["kmsKeyId"])
        else:
            logs.disassociate_kms_key(logGroupName=name)
    return read_log_group(logs, name, news)


def delete_log_group(ctx: Context, region: str, entry: Resource) -> None:
    """resourceGroupDelete: DeleteLogGroup, unless `skipDestroy` keeps it."""
    if not (entry.inputs or {}).get("skipDestroy"):
        ctx.client("logs", region).delete_log_group(logGroupName=entry.id)


def group_exists(ctx: Context, region: str, entry: Resource) -> bool:
    groups = ctx.client("logs", region).describe_log_groups(logGroupNamePrefix=entry.id)["logGroups"]
    return entry.id in [g["logGroupName"] for g in groups]


LOG_GROUP = Provisioner(
    service="logs",
    identity=keys_of(id=lambda name, inputs: auto_name(name, inputs)),
    create=create_log_group,
    update=update_log_group,
    delete=delete_log_group,
    exists=held(group_exists),
    # `kmsKeyId` is changed in place (AssociateKmsKey); the class and the name replace the group.
    force_new=frozenset({"name", "namePrefix", "logGroupClass"}),
    computed=frozenset({"name", "namePrefix", "logGroupClass", "deletionProtectionEnabled"}),
    # Optional, set by Read: a value AWS holds that the program leaves out is a change.
    read=frozenset({"kmsKeyId"}),
    defaults={"retentionInDays": 0, "skipDestroy": False},
)

PROVISIONERS = {"aws:cloudwatch/logGroup:LogGroup": LOG_GROUP}
