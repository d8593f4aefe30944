"""The `alarms` input under the mock runtime: CloudWatch alarms on the stage's metrics, a dashboard of them, and
the deployer's grants for both (only when alarms are set).

API Gateway's metrics: namespace AWS/ApiGateway, dimensions ApiName and Stage; 5XXError and 4XXError are 0 or 1 per
request (their Average is the error rate), Latency and IntegrationLatency in milliseconds (API Gateway Developer
Guide, api-gateway-metrics-and-dimensions)."""

from __future__ import annotations

import json
import shutil

import pulumi
import yaml
from conftest import RecordingMocks, build
from moto.iam.access_control import IAMPolicy, PermissionResult

from tooling.program import ROOT, run_program

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
READ = {"allowed_actions": ["s3:GetObject"]}
TOPIC = "arn:aws:sns:us-east-1:123456789012:ops"
DIMENSIONS = {"ApiName": "files", "Stage": "dev"}


def alarms_of(built) -> dict[str, dict]:
    return {name: built.states[name] for name, token in built.types.items() if token == ALARM}


def test_without_alarms_there_is_no_alarm_no_dashboard_and_no_cloudwatch_grant():
    built = build(READ, name="files")
    assert alarms_of(built) == {} and built.of_type(DASHBOARD) == []
    assert built.outputs["dashboard_name"] is None
    assert "cloudwatch" not in built.outputs["deployer_policy"]


def test_the_defaults_watch_the_5xx_rate_and_the_p99_latency_of_the_stage():
    built = build(READ | {"alarms": {}}, name="files")
    common = {
        "namespace": "AWS/ApiGateway",
        "dimensions": DIMENSIONS,
        "comparisonOperator": "GreaterThanThreshold",
        "period": 300,
        "evaluationPeriods": 1,
        "treatMissingData": "notBreaching",
        "alarmActions": [],
        "okActions": [],
    }
    assert alarms_of(built) == {
        "files-5xx-errors": common
        | {
            "metricName": "5XXError",
            "statistic": "Average",
            "threshold": 0.05,
            "alarmDescription": "5XXError (Average) of API files, stage dev, above 0.05",
        },
        "files-latency-p99": common
        | {
            "metricName": "Latency",
            "extendedStatistic": "p99",
            "threshold": 3000,
            "alarmDescription": "Latency (p99) of API files, stage dev, above 3000",
        },
    }
    assert built.outputs["dashboard_name"] == "files-dev"


def test_optional_alarms_overrides_and_a_topic():
    settings = {
        "server_error_rate": 0.01,
        "latency_p99_ms": 800,
        "client_error_rate": 0.25,
        "integration_latency_p99_ms": 500,
        "period_seconds": 60,
        "evaluation_periods": 5,
        "topic_arn": TOPIC,
    }
    alarms = alarms_of(build(READ | {"alarms": settings}, name="files"))
    assert {
        name: (a["metricName"], a.get("statistic") or a["extendedStatistic"], a["threshold"])
        for name, a in alarms.items()
    } == {
        "files-5xx-errors": ("5XXError", "Average", 0.01),
        "files-latency-p99": ("Latency", "p99", 800),
        "files-4xx-errors": ("4XXError", "Average", 0.25),
        "files-integration-latency-p99": ("IntegrationLatency", "p99", 500),
    }
    for alarm in alarms.values():
        assert (alarm["period"], alarm["evaluationPeriods"]) == (60, 5)
        assert alarm["alarmActions"] == alarm["okActions"] == [TOPIC]
        assert alarm["dimensions"] == DIMENSIONS


def test_a_threshold_may_be_an_output_and_its_resolved_value_is_used():
    built = build(READ | {"alarms": {"server_error_rate": pulumi.Output.from_input(0.2)}}, name="files")
    assert alarms_of(built)["files-5xx-errors"]["threshold"] == 0.2


def test_the_dashboard_graphs_the_stages_metrics_with_the_alarm_thresholds():
    built = build(READ | {"alarms": {"client_error_rate": 0.25}, "stage_name": "prod"}, name="files")
    dashboard = built.one(DASHBOARD)
    assert dashboard["dashboardName"] == "files-prod"
    widgets = json.loads(dashboard["dashboardBody"])["widgets"]
    assert [w["properties"]["title"] for w in widgets] == [
        "Requests",
        "Error rates",
        "Latency",
        "S3 (integration) latency",
    ]
    errors = widgets[1]["properties"]
    assert errors["metrics"] == [
        [
            "AWS/ApiGateway",
            "5XXError",
            "ApiName",
            "files",
            "Stage",
            "prod",
            {"stat": "Average", "label": "5XXError Average"},
        ],
        [
            "AWS/ApiGateway",
            "4XXError",
            "ApiName",
            "files",
            "Stage",
            "prod",
            {"stat": "Average", "label": "4XXError Average"},
        ],
    ]
    assert errors["annotations"] == {
        "horizontal": [{"label": "alarm", "value": 0.05}, {"label": "alarm", "value": 0.25}]
    }
    assert (errors["region"], errors["period"]) == ("us-east-1", 300)
    assert "annotations" not in widgets[0]["properties"]  # no alarm on the request count


def metric(name: str, stat: str, stage: str = "dev") -> list:
    return ["AWS/ApiGateway", name, "ApiName", "files", "Stage", stage, {"stat": stat, "label": f"{name} {stat}"}]


def test_the_whole_dashboard_each_alarm_threshold_drawn_once_on_its_metrics_graph():
    # CloudWatch dashboard body structure (CloudWatch API reference, Dashboard Body Structure and Syntax): metric
    # widgets on a 24-column grid, `annotations.horizontal` lines at a value.
    settings = {"client_error_rate": 0.25, "integration_latency_p99_ms": 800, "period_seconds": 60}
    built = build(READ | {"alarms": settings}, name="files")
    graph = {"region": "us-east-1", "view": "timeSeries", "period": 60}
    assert json.loads(built.one(DASHBOARD)["dashboardBody"]) == {
        "widgets": [
            {
                "type": "metric",
                "x": 0,
                "y": 0,
                "width": 12,
                "height": 6,
                "properties": {"title": "Requests", **graph, "metrics": [metric("Count", "Sum")]},
            },
            {
                "type": "metric",
                "x": 12,
                "y": 0,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": "Error rates",
                    **graph,
                    "metrics": [metric("5XXError", "Average"), metric("4XXError", "Average")],
                    "annotations": {
                        "horizontal": [{"label": "alarm", "value": 0.05}, {"label": "alarm", "value": 0.25}]
                    },
                },
            },
            {
                "type": "metric",
                "x": 0,
                "y": 6,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": "Latency",
                    **graph,
                    "metrics": [metric("Latency", "p99"), metric("Latency", "p50")],
                    "annotations": {"horizontal": [{"label": "alarm", "value": 3000}]},
                },
            },
            {
                "type": "metric",
                "x": 12,
                "y": 6,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": "S3 (integration) latency",
                    **graph,
                    "metrics": [metric("IntegrationLatency", "p99"), metric("IntegrationLatency", "p50")],
                    "annotations": {"horizontal": [{"label": "alarm", "value": 800}]},
                },
            },
        ]
    }


def test_the_deployers_cloudwatch_grants_written_out():
    statements = json.loads(build(READ | {"alarms": {}}, name="files").outputs["deployer_policy"])["Statement"]
    assert [s for s in statements if s["Sid"] in ("StageAlarms", "StageDashboard")] == [
        {
            "Sid": "StageAlarms",
            "Effect": "Allow",
            "Action": [
                "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:ListTagsForResource",
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
            ],
            "Resource": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:files-*",
        },
        {
            "Sid": "StageDashboard",
            "Effect": "Allow",
            "Action": ["cloudwatch:DeleteDashboards", "cloudwatch:GetDashboard", "cloudwatch:PutDashboard"],
            "Resource": "arn:aws:cloudwatch::123456789012:dashboard/files-*",
        },
    ]


def permitted(policy: dict, action: str, arn: str) -> bool:
    return IAMPolicy(json.dumps(policy)).is_action_permitted(action, arn) is PermissionResult.PERMITTED


def test_the_deployer_may_manage_these_alarms_and_this_dashboard_only():
    """Alarm ARNs arn:aws:cloudwatch:<region>:<account>:alarm:<name>; dashboards arn:aws:cloudwatch::<account>:
    dashboard/<name> (Service Authorization Reference, Amazon CloudWatch, resource types)."""
    deployer = json.loads(build(READ | {"alarms": {}}, name="files").outputs["deployer_policy"])
    own_alarm = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:files-5xx-errors-1a2b3c4"
    for action in ("cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"):
        assert permitted(deployer, action, own_alarm), action
        assert not permitted(deployer, action, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:billing-alarm"), action
        assert not permitted(deployer, action, "arn:aws:cloudwatch:us-east-1:999988887777:alarm:files-x"), action
    own_dashboard = "arn:aws:cloudwatch::123456789012:dashboard/files-dev"
    for action in ("cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"):
        assert permitted(deployer, action, own_dashboard), action
        assert not permitted(deployer, action, "arn:aws:cloudwatch::123456789012:dashboard/finance"), action
    assert not permitted(deployer, "cloudwatch:PutMetricData", "*")


def test_the_stack_keys_turn_the_alarms_on_and_set_them(tmp_path):
    shutil.copy(ROOT / "__main__.py", tmp_path)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    config = {
        "aws:region": "us-east-1",
        "s3proxy:allowedActions": ["s3:GetObject"],
        "s3proxy:alarms": True,
        "s3proxy:alarmServerErrorRate": "0.1",
        "s3proxy:alarmPeriodSeconds": 120,
        "s3proxy:alarmTopicArn": TOPIC,
    }
    (tmp_path / "Pulumi.alarmed.yaml").write_text(yaml.safe_dump({"config": config}))
    outputs, monitor = run_program("alarmed", RecordingMocks("us-east-1"), tmp_path)
    alarms = {urn.rpartition("::")[2]: r.state for urn, r in monitor.resources.items() if f"${ALARM}::" in urn}
    assert sorted(alarms) == ["s3proxy-5xx-errors", "s3proxy-latency-p99"]
    assert (alarms["s3proxy-5xx-errors"]["threshold"], alarms["s3proxy-5xx-errors"]["period"]) == (0.1, 120)
    assert alarms["s3proxy-latency-p99"]["alarmActions"] == [TOPIC]
    assert outputs["dashboard_name"] == "s3proxy-dev"
