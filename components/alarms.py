"""CloudWatch alarms and a dashboard on the stage's API Gateway metrics: what they watch, pure of Pulumi.

API Gateway publishes, per API and stage (dimensions `ApiName` and `Stage`, namespace `AWS/ApiGateway`), `Count`,
`5XXError` and `4XXError` (per request 0 or 1: their Average is the error rate), `Latency` and `IntegrationLatency`
in milliseconds (API Gateway Developer Guide, api-gateway-metrics-and-dimensions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NAMESPACE = "AWS/ApiGateway"


@dataclass(frozen=True)
class Alarms:
    """Thresholds of the stage's alarms; None leaves an optional alarm out."""

    server_error_rate: float = 0.05
    """5XXError: alarm above this share of requests (Average) in a period."""
    latency_p99_ms: float = 3000.0
    """Latency p99 (request in to response out, milliseconds)."""
    client_error_rate: float | None = None
    """4XXError share: optional, since clients' mistakes (a missing key, a refused signature) are not outages."""
    integration_latency_p99_ms: float | None = None
    """IntegrationLatency p99 (S3's own time): optional."""
    period_seconds: int = 300
    evaluation_periods: int = 1
    topic_arn: str | None = None
    """An SNS topic told when an alarm fires and when it is OK again."""


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: its resource suffix, metric, statistic and threshold."""

    suffix: str
    metric: str
    threshold: float
    statistic: str | None = None
    extended_statistic: str | None = None

    def describe(self, api_name: str, stage: str) -> str:
        what = self.extended_statistic or self.statistic
        return f"{self.metric} ({what}) of API {api_name}, stage {stage}, above {self.threshold:g}"


def alarm_specs(alarms: Alarms) -> list[AlarmSpec]:
    """The alarms `alarms` asks for, the two always-on ones first."""
    specs = [
        AlarmSpec("5xx-errors", "5XXError", alarms.server_error_rate, statistic="Average"),
        AlarmSpec("latency-p99", "Latency", alarms.latency_p99_ms, extended_statistic="p99"),
    ]
    if alarms.client_error_rate is not None:
        specs.append(AlarmSpec("4xx-errors", "4XXError", alarms.client_error_rate, statistic="Average"))
    if alarms.integration_latency_p99_ms is not None:
        specs.append(
            AlarmSpec(
                "integration-latency-p99",
                "IntegrationLatency",
                alarms.integration_latency_p99_ms,
                extended_statistic="p99",
            )
        )
    return specs


def alarm_threshold(index: int, alarms: Alarms) -> float:
    """The threshold of the `index`th of `alarm_specs(alarms)`."""
    return alarm_specs(alarms)[index].threshold


def dashboard_body(api_name: str, stage: str, region: str, alarms: Alarms) -> dict[str, Any]:
    """Requests, error rates and p99 latencies of the stage, with each alarm's threshold drawn on its graph."""
    dimensions = ["ApiName", api_name, "Stage", stage]
    thresholds = {spec.metric: spec.threshold for spec in alarm_specs(alarms)}

    def widget(title: str, metrics: list[tuple[str, str]], x: int, y: int) -> dict[str, Any]:
        # One line per alarmed metric, however many of its statistics the graph shows.
        shown = [
            thresholds[metric] for metric in dict.fromkeys(metric for metric, _ in metrics) if metric in thresholds
        ]
        properties: dict[str, Any] = {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "period": alarms.period_seconds,
            "metrics": [
                [NAMESPACE, metric, *dimensions, {"stat": stat, "label": f"{metric} {stat}"}]
                for metric, stat in metrics
            ],
        }
        if shown:
            properties["annotations"] = {"horizontal": [{"label": "alarm", "value": value} for value in shown]}
        return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6, "properties": properties}

    return {
        "widgets": [
            widget("Requests", [("Count", "Sum")], 0, 0),
            widget("Error rates", [("5XXError", "Average"), ("4XXError", "Average")], 12, 0),
            widget("Latency", [("Latency", "p99"), ("Latency", "p50")], 0, 6),
            widget("S3 (integration) latency", [("IntegrationLatency", "p99"), ("IntegrationLatency", "p50")], 12, 6),
        ]
    }


def deployer_statements(partition: str, region: str, account_id: str, name: str) -> list[dict[str, Any]]:
    """What deploying the alarms and the dashboard needs: the alarms `<name>-*` (auto-named after their resources)
    and the dashboard `<name>-*` (Service Authorization Reference, Amazon CloudWatch: alarm and dashboard ARNs)."""
    return [
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
            "Resource": f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:{name}-*",
        },
        {
            "Sid": "StageDashboard",
            "Effect": "Allow",
            "Action": ["cloudwatch:DeleteDashboards", "cloudwatch:GetDashboard", "cloudwatch:PutDashboard"],
            "Resource": f"arn:{partition}:cloudwatch::{account_id}:dashboard/{name}-*",
        },
    ]
