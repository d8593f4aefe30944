"""The `alarms` input and the API's own settings, deployed to LocalStack and read back from CloudWatch and API
Gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import REGION, Deployed, client, deploy

TOPIC = "arn:aws:sns:us-east-1:000000000000:s3proxy-ops"


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[Deployed]:
    config = {
        "s3proxy:allowedActions": ["s3:GetObject"],
        "s3proxy:stageName": "watched",
        "s3proxy:apiDescription": "Reports, read-only",
        "s3proxy:minimumCompressionSize": 1024,
        "s3proxy:alarms": True,
        "s3proxy:alarmLatencyP99Ms": "1500",
        "s3proxy:alarmClientErrorRate": "0.25",
        "s3proxy:alarmTopicArn": TOPIC,
    }
    yield from deploy(tmp_path_factory, endpoint, "watched", config)


@pytest.fixture(scope="module")
def cloudwatch(endpoint: str) -> Any:
    return client("cloudwatch", endpoint)


def test_the_alarms_are_in_cloudwatch_on_the_stages_dimensions(watched, cloudwatch):
    alarms = cloudwatch.describe_alarms(AlarmNamePrefix="s3proxy-")["MetricAlarms"]
    found = {
        alarm["AlarmName"].rpartition("-")[0]: (
            alarm["MetricName"],
            alarm.get("Statistic") or alarm.get("ExtendedStatistic"),
            alarm["Threshold"],
            alarm["ComparisonOperator"],
            alarm["Period"],
            alarm["EvaluationPeriods"],
        )
        for alarm in alarms
    }
    assert found == {
        "s3proxy-5xx-errors": ("5XXError", "Average", 0.05, "GreaterThanThreshold", 300, 1),
        "s3proxy-latency-p99": ("Latency", "p99", 1500.0, "GreaterThanThreshold", 300, 1),
        "s3proxy-4xx-errors": ("4XXError", "Average", 0.25, "GreaterThanThreshold", 300, 1),
    }
    for alarm in alarms:
        assert alarm["Namespace"] == "AWS/ApiGateway"
        assert sorted((d["Name"], d["Value"]) for d in alarm["Dimensions"]) == [
            ("ApiName", "s3proxy"),
            ("Stage", "watched"),
        ]
        assert alarm["AlarmActions"] == alarm["OKActions"] == [TOPIC]
        assert alarm["TreatMissingData"] == "notBreaching"


def test_the_dashboard_is_in_cloudwatch_under_the_output_name(watched, cloudwatch):
    assert watched.outputs["dashboard_name"] == "s3proxy-watched"
    body = json.loads(cloudwatch.get_dashboard(DashboardName="s3proxy-watched")["DashboardBody"])
    requests = body["widgets"][0]["properties"]
    assert requests["metrics"] == [
        ["AWS/ApiGateway", "Count", "ApiName", "s3proxy", "Stage", "watched", {"stat": "Sum", "label": "Count Sum"}]
    ]
    assert requests["region"] == REGION


def test_the_apis_own_settings_are_on_the_rest_api(watched, apigateway):
    api = apigateway.get_rest_api(restApiId=watched.outputs["rest_api_id"])
    assert (api["description"], api.get("minimumCompressionSize")) == ("Reports, read-only", 1024)
