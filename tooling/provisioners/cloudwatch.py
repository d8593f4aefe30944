"""CloudWatch: MetricAlarm and Dashboard, as terraform-provider-aws v6 makes them
(`internal/service/cloudwatch/metric_alarm.go`, `internal/service/cloudwatch/dashboard.go`).

PutMetricAlarm and PutDashboard create the resource or replace it whole, so each is the provider's create and
update alike (resourceMetricAlarmCreate/Update, resourceDashboardPut); delete is DeleteAlarms / DeleteDashboards.
"""

from __future__ import annotations

from ..state import Properties, Resource
from .base import Context, Provisioner, auto_name, field_of, given, held, keys_of, tag_list


def put_metric_alarm(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceMetricAlarmCreate (and Update): PutMetricAlarm of every argument."""
    request: Properties = given(
        AlarmName=keys["id"],
        AlarmDescription=inputs.get("alarmDescription"),
        Namespace=inputs.get("namespace"),
        MetricName=inputs.get("metricName"),
        Statistic=inputs.get("statistic"),
        ExtendedStatistic=inputs.get("extendedStatistic"),
        ComparisonOperator=inputs.get("comparisonOperator"),
        TreatMissingData=inputs.get("treatMissingData"),
    )
    request |= {
        "Dimensions": [{"Name": name, "Value": value} for name, value in (inputs.get("dimensions") or {}).items()],
        "Threshold": float(inputs["threshold"]),
        "Period": int(inputs["period"]),
        "EvaluationPeriods": int(inputs["evaluationPeriods"]),
        "AlarmActions": inputs.get("alarmActions") or [],
        "OKActions": inputs.get("okActions") or [],
        "Tags": tag_list(inputs.get("tags")),
    }
    ctx.client("cloudwatch", region).put_metric_alarm(**request)
    return keys["id"], {"arn": f"arn:aws:cloudwatch:{region}:{ctx.account(region)}:alarm:{keys['id']}"}


def update_metric_alarm(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    return put_metric_alarm(ctx, region, news, {"id": entry.id})[1]


def put_dashboard(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceDashboardPut: PutDashboard of its name and body."""
    ctx.client("cloudwatch", region).put_dashboard(DashboardName=keys["id"], DashboardBody=inputs["dashboardBody"])
    return keys["id"], {"dashboardArn": f"arn:aws:cloudwatch::{ctx.account(region)}:dashboard/{keys['id']}"}


def update_dashboard(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    return put_dashboard(ctx, region, news, {"id": entry.id})[1]


def alarm_exists(ctx: Context, region: str, entry: Resource) -> bool:
    return bool(ctx.client("cloudwatch", region).describe_alarms(AlarmNames=[entry.id])["MetricAlarms"])


def dashboard_exists(ctx: Context, region: str, entry: Resource) -> bool:
    ctx.client("cloudwatch", region).get_dashboard(DashboardName=entry.id)  # ResourceNotFound when gone
    return True


METRIC_ALARM = Provisioner(
    service="cloudwatch",
    identity=keys_of(id=lambda name, inputs: auto_name(name, inputs)),
    create=put_metric_alarm,
    update=update_metric_alarm,
    delete=lambda ctx, region, entry: ctx.client("cloudwatch", region).delete_alarms(AlarmNames=[entry.id]),
    exists=held(alarm_exists),
    force_new=frozenset({"name"}),
    computed=frozenset({"name"}),
)
DASHBOARD = Provisioner(
    service="cloudwatch",
    identity=keys_of(id=field_of("dashboardName")),
    create=put_dashboard,
    update=update_dashboard,
    delete=lambda ctx, region, entry: ctx.client("cloudwatch", region).delete_dashboards(DashboardNames=[entry.id]),
    exists=held(dashboard_exists),
    force_new=frozenset({"dashboardName"}),
)

PROVISIONERS = {"aws:cloudwatch/metricAlarm:MetricAlarm": METRIC_ALARM, "aws:cloudwatch/dashboard:Dashboard": DASHBOARD}
