"""CloudWatch Logs: LogGroup, as terraform-provider-aws v6 makes it
(`internal/service/logs/group.go`)."""

from __future__ import annotations

from ..state import Properties, Resource
from .base import Context, Provisioner, auto_name, call_with_keys, differs, held, keys_of, retag


def log_group_arn(ctx: Context, region: str, name: str) -> str:
    return f"arn:aws:logs:{region}:{ctx.account(region)}:log-group:{name}"


def create_log_group(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceGroupCreate: CreateLogGroup (name, KMS key, tags), then PutRetentionPolicy."""
    request: Properties = {"logGroupName": keys["id"], "tags": inputs.get("tags") or {}}
    if inputs.get("kmsKeyId"):
        request["kmsKeyId"] = inputs["kmsKeyId"]
    logs = ctx.client("logs", region)
    logs.create_log_group(**request)
    if inputs.get("retentionInDays"):
        logs.put_retention_policy(logGroupName=keys["id"], retentionInDays=int(inputs["retentionInDays"]))
    return keys["id"], {"arn": log_group_arn(ctx, region, keys["id"]), "name": keys["id"]}


def update_log_group(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> None:
    """resourceGroupUpdate: PutRetentionPolicy or DeleteRetentionPolicy; tags."""
    logs, name = ctx.client("logs", region), entry.id
    if differs(olds, news, "retentionInDays"):
        if news.get("retentionInDays"):
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(news["retentionInDays"]))
        else:
            logs.delete_retention_policy(logGroupName=name)
    arn = log_group_arn(ctx, region, name)
    retag(
        olds,
        news,
        lambda tags: logs.tag_resource(resourceArn=arn, tags=tags),
        lambda gone: logs.untag_resource(resourceArn=arn, tagKeys=gone),
    )


def group_exists(ctx: Context, region: str, entry: Resource) -> bool:
    groups = ctx.client("logs", region).describe_log_groups(logGroupNamePrefix=entry.id)["logGroups"]
    return entry.id in [g["logGroupName"] for g in groups]


LOG_GROUP = Provisioner(
    service="logs",
    identity=keys_of(id=lambda name, inputs: auto_name(name, inputs)),
    create=create_log_group,
    update=update_log_group,
    delete=call_with_keys("logs", "delete_log_group", logGroupName="id"),
    exists=held(group_exists),
    force_new=frozenset({"name", "namePrefix", "kmsKeyId", "logGroupClass"}),
    computed=frozenset({"name", "namePrefix"}),
)

PROVISIONERS = {"aws:cloudwatch/logGroup:LogGroup": LOG_GROUP}
