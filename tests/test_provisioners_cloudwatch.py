"""CloudWatch's MetricAlarm and Dashboard provisioners, call by call against terraform-provider-aws v6
(`internal/service/cloudwatch/metric_alarm.go`, `dashboard.go`; the function named in each test): the expected calls
are written from the provider's source and checked by botocore Stubbers."""

from __future__ import annotations

import json

from stubbed_aws import ACCOUNT, StubbedAws

from tooling.engine import decide
from tooling.provisioners import REGISTRY
from tooling.provisioners.localstack_fixups import dashboard_held
from tooling.state import Resource

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
ALARM_ARN = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:s3proxy-latency-p99-1a2b3c4"
INPUTS = {
    "alarmDescription": "p99 latency",
    "namespace": "AWS/ApiGateway",
    "metricName": "Latency",
    "dimensions": {"ApiName": "s3proxy", "Stage": "dev"},
    "extendedStatistic": "p99",
    "threshold": 1500.0,
    "comparisonOperator": "GreaterThanThreshold",
    "period": 300.0,
    "evaluationPeriods": 1.0,
}
# What DescribeAlarms answers for INPUTS (the provider's defaults applied).
HELD = {
    "AlarmName": "s3proxy-latency-p99-1a2b3c4",
    "AlarmArn": ALARM_ARN,
    "AlarmDescription": "p99 latency",
    "ActionsEnabled": True,
    "OKActions": [],
    "AlarmActions": [],
    "InsufficientDataActions": [],
    "MetricName": "Latency",
    "Namespace": "AWS/ApiGateway",
    "ExtendedStatistic": "p99",
    "Dimensions": [{"Name": "ApiName", "Value": "s3proxy"}, {"Name": "Stage", "Value": "dev"}],
    "Period": 300,
    "EvaluationPeriods": 1,
    "Threshold": 1500.0,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "missing",
}
NAME = {"AlarmNames": ["s3proxy-latency-p99-1a2b3c4"], "AlarmTypes": ["MetricAlarm"]}


def expect_alarm_read(aws: StubbedAws, held: dict = HELD, tags: list | None = None) -> None:
    # resourceMetricAlarmRead (findMetricAlarmByName), then the tagging interceptor's ListTagsForResource.
    aws.expect("cloudwatch", "describe_alarms", NAME, {"MetricAlarms": [held]})
    aws.expect("cloudwatch", "list_tags_for_resource", {"ResourceARN": ALARM_ARN}, {"Tags": tags or []})


def created_alarm(aws: StubbedAws) -> Resource:
    provisioner = REGISTRY[ALARM]
    alarm_id, outputs = provisioner.create(aws, "us-east-1", provisioner.planned({}, INPUTS), {"id": HELD["AlarmName"]})
    return Resource(
        urn="u", type=ALARM, name="n", id=alarm_id, region="us-east-1", keys={}, inputs=INPUTS, outputs=outputs
    )


def test_an_alarm_is_put_with_what_is_set_actions_enabled_and_its_missing_data_default_then_read(aws):
    # expandPutMetricAlarmInput: empty lists and maps and an unset tag set are not sent (GetOk, getTagsIn);
    # ActionsEnabled is always sent (Default true), so is TreatMissingData (Default "missing").
    request = {
        "AlarmName": "s3proxy-latency-p99-1a2b3c4",
        "ActionsEnabled": True,
        "AlarmDescription": "p99 latency",
        "ComparisonOperator": "GreaterThanThreshold",
        "ExtendedStatistic": "p99",
        "MetricName": "Latency",
        "Namespace": "AWS/ApiGateway",
        "EvaluationPeriods": 1,
        "Period": 300,
        "Dimensions": [{"Name": "ApiName", "Value": "s3proxy"}, {"Name": "Stage", "Value": "dev"}],
        "Threshold": 1500.0,
        "TreatMissingData": "missing",
    }
    aws.expect("cloudwatch", "put_metric_alarm", request)
    expect_alarm_read(aws)
    alarm = created_alarm(aws)
    assert alarm.outputs["arn"] == ALARM_ARN
    assert alarm.outputs["dimensions"] == {"ApiName": "s3proxy", "Stage": "dev"}
    # What Read recorded is no change for the same program.
    assert REGISTRY[ALARM].changed(alarm, INPUTS) == set()


def test_an_alarms_tags_change_by_tag_calls_without_putting_the_alarm_again(aws):
    # The tagging interceptor (Before Update): UntagResource/TagResource; resourceMetricAlarmUpdate puts the alarm
    # only `if d.HasChangesExcept(tags, tags_all)`: PutMetricAlarm ignores an existing alarm's tags.
    provisioner = REGISTRY[ALARM]
    outputs = {"arn": ALARM_ARN, "name": HELD["AlarmName"], "actionsEnabled": True, "treatMissingData": "missing"}
    alarm = Resource(
        urn="u",
        type=ALARM,
        name="n",
        id=HELD["AlarmName"],
        region="us-east-1",
        keys={},
        inputs=INPUTS | {"tags": {"a": "1"}},
        outputs=outputs,
    )
    news = INPUTS | {"tags": {"b": "2"}}
    aws.expect("cloudwatch", "untag_resource", {"ResourceARN": ALARM_ARN, "TagKeys": ["a"]})
    aws.expect("cloudwatch", "tag_resource", {"ResourceARN": ALARM_ARN, "Tags": [{"Key": "b", "Value": "2"}]})
    expect_alarm_read(aws, tags=[{"Key": "b", "Value": "2"}])
    prior = alarm.inputs | alarm.outputs
    assert provisioner.update(aws, "us-east-1", alarm, prior, provisioner.planned(prior, news))["tags"] == {"b": "2"}


def test_an_alarms_action_sets_in_another_order_are_no_change():
    # metric_alarm.go's schema: alarm_actions, ok_actions and insufficient_data_actions are TypeSet.
    topics = ["arn:aws:sns:us-east-1:1:a", "arn:aws:sns:us-east-1:1:b"]
    alarm = Resource(
        urn="u",
        type=ALARM,
        name="n",
        id="x",
        region="us-east-1",
        keys={},
        inputs=INPUTS | {"okActions": topics},
        outputs={"okActions": topics[::-1], "actionsEnabled": True, "treatMissingData": "missing"},
    )
    assert decide(REGISTRY[ALARM], alarm, ALARM, "n", INPUTS | {"okActions": topics}).op == " "


def test_a_dashboard_is_put_with_its_body_normalised_then_read(aws):
    # resourceDashboardPut: d.Get("dashboard_body") is its StateFunc's structure.NormalizeJsonString (Go's
    # json.Marshal: compact, keys sorted, whole floats as integers); then resourceDashboardRead (GetDashboard).
    body = json.dumps({"widgets": [{"width": 12.0, "type": "metric"}], "start": "-PT3H"}, indent=2)
    normalised = '{"start":"-PT3H","widgets":[{"type":"metric","width":12}]}'
    aws.expect("cloudwatch", "put_dashboard", {"DashboardName": "s3proxy-dev", "DashboardBody": normalised})
    arn = f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/s3proxy-dev"
    held = {"DashboardArn": arn, "DashboardName": "s3proxy-dev", "DashboardBody": normalised}
    aws.expect("cloudwatch", "get_dashboard", {"DashboardName": "s3proxy-dev"}, held)
    inputs = {"dashboardName": "s3proxy-dev", "dashboardBody": body}
    dashboard_id, outputs = REGISTRY[DASHBOARD].create(aws, "us-east-1", inputs, {"id": "s3proxy-dev"})
    assert outputs == {"dashboardArn": arn, "dashboardBody": normalised, "dashboardName": "s3proxy-dev"}
    # verify.SuppressEquivalentJSONDiffs: the body as written and as read back are no change.
    recorded = Resource(
        urn="u", type=DASHBOARD, name="n", id=dashboard_id, region="us-east-1", keys={}, inputs=inputs, outputs=outputs
    )
    assert REGISTRY[DASHBOARD].changed(recorded, inputs) == set()


def test_localstacks_answer_for_a_missing_dashboard_means_it_is_gone(aws):
    # LocalStack fix-up (measured): GetDashboard of a missing dashboard answers InvalidParameterValue "Dashboard <name>
    # does not exist.", where AWS answers ResourceNotFound (IsDashboardNotFoundErr).
    aws.refuse(
        "cloudwatch",
        "get_dashboard",
        {"DashboardName": "gone"},
        "InvalidParameterValue",
        "Dashboard gone does not exist.",
    )
    aws.refuse(
        "cloudwatch",
        "get_dashboard",
        {"DashboardName": "gone"},
        "ResourceNotFound",
        "Dashboard gone does not exist.",
        404,
    )
    aws.expect("cloudwatch", "get_dashboard", {"DashboardName": "here"}, {"DashboardName": "here"})
    cloudwatch = aws.client("cloudwatch")
    assert [
        dashboard_held(cloudwatch, "gone"),
        dashboard_held(cloudwatch, "gone"),
        dashboard_held(cloudwatch, "here"),
    ] == [False, False, True]
