"""CloudWatch: MetricAlarm and Dashboard, as terraform-provider-aws v6 makes them
(`internal/service/cloudwatch/metric_alarm.go`, `internal/service/cloudwatch/dashboard.go`).

PutMetricAlarm and PutDashboard create the resource or replace it whole; delete is DeleteAlarms / DeleteDashboards.
An alarm's tags change before the rest of an update (the provider's tagging interceptor), by TagResource and
UntagResource: PutMetricAlarm ignores the tags of an alarm that exists.
"""

from __future__ import annotations

from typing import Any

from ..state import Properties, Resource
from . import localstack_fixups as fixups
from .base import (
    Context,
    Provisioner,
    auto_name,
    equivalent_policies,
    field_of,
    held,
    keys_of,
    normalize_json,
    retag,
    tag_list,
)

# MetricAlarm property -> PutMetricAlarm parameter, each sent when set (expandPutMetricAlarmInput's GetOk).
ALARM_TEXT = {
    "alarmDescription": "AlarmDescription",
    "comparisonOperator": "ComparisonOperator",
    "evaluateLowSampleCountPercentiles": "EvaluateLowSampleCountPercentile",
    "extendedStatistic": "ExtendedStatistic",
    "metricName": "MetricName",
    "namespace": "Namespace",
    "statistic": "Statistic",
    "thresholdMetricId": "ThresholdMetricId",
    "unit": "Unit",
}
ALARM_WHOLE = {"datapointsToAlarm": "DatapointsToAlarm", "evaluationPeriods": "EvaluationPeriods", "period": "Period"}
ALARM_ACTIONS = {
    "alarmActions": "AlarmActions",
    "insufficientDataActions": "InsufficientDataActions",
    "okActions": "OKActions",
}
ALARM_INPUTS = {
    *ALARM_TEXT,
    *ALARM_WHOLE,
    *ALARM_ACTIONS,
    "actionsEnabled",
    "dimensions",
    "threshold",
    "treatMissingData",
}


def metric_alarm_request(name: str, inputs: Properties) -> Properties:
    """expandPutMetricAlarmInput: what is set (GetOk: no empty string or list, no 0), the tags when there are any,
    `ActionsEnabled` always, the threshold (0 when unset) unless a threshold metric is given, the missing-data
    treatment always."""
    request: Properties = {"AlarmName": name, "ActionsEnabled": bool(inputs.get("actionsEnabled"))}
    if inputs.get("tags"):
        request["Tags"] = tag_list(inputs["tags"])
    request |= {parameter: list(inputs[key]) for key, parameter in ALARM_ACTIONS.items() if inputs.get(key)}
    request |= {parameter: inputs[key] for key, parameter in ALARM_TEXT.items() if inputs.get(key)}
    request |= {parameter: int(inputs[key]) for key, parameter in ALARM_WHOLE.items() if inputs.get(key)}
    if inputs.get("dimensions"):
        request["Dimensions"] = tag_list(inputs["dimensions"], "Name", "Value")
    if not inputs.get("thresholdMetricId"):
        request["Threshold"] = float(inputs.get("threshold") or 0)
    request["TreatMissingData"] = inputs["treatMissingData"]
    return request


def create_metric_alarm(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceMetricAlarmCreate: PutMetricAlarm (tags included); then resourceMetricAlarmRead."""
    ctx.client("cloudwatch", region).put_metric_alarm(**metric_alarm_request(keys["id"], inputs))
    return keys["id"], read_metric_alarm(ctx, region, keys["id"])


def update_metric_alarm(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceMetricAlarmUpdate: the tags first, then PutMetricAlarm when anything but the tags changed; then
    resourceMetricAlarmRead."""
    cloudwatch = ctx.client("cloudwatch", region)
    arn = f"arn:aws:cloudwatch:{region}:{ctx.account(region)}:alarm:{entry.id}"
    retag(
        olds,
        news,
        lambda tags: cloudwatch.tag_resource(ResourceARN=arn, Tags=tag_list(tags)),
        lambda gone: cloudwatch.untag_resource(ResourceARN=arn, TagKeys=gone),
    )
    if any(not METRIC_ALARM.same(key, olds.get(key), news.get(key)) for key in ALARM_INPUTS):
        cloudwatch.put_metric_alarm(**metric_alarm_request(entry.id, news))
    return read_metric_alarm(ctx, region, entry.id)


def read_metric_alarm(ctx: Context, region: str, name: str) -> Properties:
    """resourceMetricAlarmRead: DescribeAlarms of the one metric alarm (findMetricAlarmByName), as
    resourceMetricAlarmFlatten sets it; then ListTagsForResource (the tagging interceptor reads the tags a Read
    leaves unset)."""
    cloudwatch = ctx.client("cloudwatch", region)
    found = cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm"])["MetricAlarms"]
    if len(found) != 1:
        raise LookupError(f"CloudWatch holds {len(found)} metric alarms named {name}")
    alarm = found[0]
    tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    outputs = {key: alarm.get(parameter) for key, parameter in (ALARM_TEXT | ALARM_WHOLE | ALARM_ACTIONS).items()}
    return outputs | {
        "actionsEnabled": alarm.get("ActionsEnabled"),
        "arn": alarm["AlarmArn"],
        "dimensions": {d["Name"]: d["Value"] for d in alarm.get("Dimensions") or []},
        "name": alarm["AlarmName"],
        "tags": {t["Key"]: t["Value"] for t in tags},
        "threshold": alarm.get("Threshold"),
        "treatMissingData": alarm.get("TreatMissingData") or "missing",
    }


def same_set(old: Any, new: Any) -> bool:
    """The action lists are sets in the provider's schema: their order is no change."""
    return sorted(old or []) == sorted(new or [])


def alarm_exists(ctx: Context, region: str, entry: Resource) -> bool:
    found = ctx.client("cloudwatch", region).describe_alarms(AlarmNames=[entry.id], AlarmTypes=["MetricAlarm"])
    return bool(found["MetricAlarms"])


METRIC_ALARM = Provisioner(
    service="cloudwatch",
    identity=keys_of(id=lambda name, inputs: auto_name(name, inputs)),
    create=create_metric_alarm,
    update=update_metric_alarm,
    delete=lambda ctx, region, entry: ctx.client("cloudwatch", region).delete_alarms(AlarmNames=[entry.id]),
    exists=held(alarm_exists),
    # resourceMetricAlarm's schema: `alarm_name` (pulumi-aws's auto-named `name`) replaces.
    force_new=frozenset({"name"}),
    computed=frozenset({"name", "evaluateLowSampleCountPercentiles"}),
    read=frozenset({*ALARM_TEXT, *ALARM_WHOLE, *ALARM_ACTIONS, "dimensions", "threshold"}),
    suppressed={key: same_set for key in ALARM_ACTIONS},
    defaults={"actionsEnabled": True, "treatMissingData": "missing"},
)


def put_dashboard(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceDashboardPut (create and update alike): PutDashboard of the name and the body, normalised as its
    StateFunc stores it (structure.NormalizeJsonString); then resourceDashboardRead."""
    cloudwatch = ctx.client("cloudwatch", region)
    cloudwatch.put_dashboard(DashboardName=keys["id"], DashboardBody=normalize_json(inputs["dashboardBody"]))
    dashboard = cloudwatch.get_dashboard(DashboardName=keys["id"])
    return keys["id"], {
        "dashboardArn": dashboard.get("DashboardArn"),
        "dashboardBody": dashboard.get("DashboardBody"),
        "dashboardName": dashboard.get("DashboardName"),
    }


def update_dashboard(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    return put_dashboard(ctx, region, news, {"id": entry.id})[1]


DASHBOARD = Provisioner(
    service="cloudwatch",
    identity=keys_of(id=field_of("dashboardName")),
    create=put_dashboard,
    update=update_dashboard,
    delete=lambda ctx, region, entry: ctx.client("cloudwatch", region).delete_dashboards(DashboardNames=[entry.id]),
    exists=lambda ctx, region, entry: fixups.dashboard_held(ctx.client("cloudwatch", region), entry.id),
    force_new=frozenset({"dashboardName"}),
    # verify.SuppressEquivalentJSONDiffs: an equal JSON document is no change.
    suppressed={"dashboardBody": equivalent_policies},
)

PROVISIONERS = {"aws:cloudwatch/metricAlarm:MetricAlarm": METRIC_ALARM, "aws:cloudwatch/dashboard:Dashboard": DASHBOARD}
