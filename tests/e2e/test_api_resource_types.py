"""API Gateway's deployment, method settings, keys, usage plan, domain and mapping, and CloudWatch's alarm and
dashboard, registered by a program of their own: created, read back, updated where terraform-provider-aws v6 updates
them in place (`internal/service/apigateway/`, `internal/service/cloudwatch/`), planned as no change, deleted."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tooling.deploy import down, record_path, up
from tooling.harness.inventory import inventory

from .conftest import REGION, client
from .test_fidelity import bare_project, planned_changes, preview

PROGRAM = """
import json
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
owner, path, description = config.get("owner") or "a", config.get("path") or "v1", config.get("description") or "first"
integration = {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
    "responses": {"default": {"statusCode": "200"}}}
get = {"x-amazon-apigateway-integration": integration, "responses": {"200": {"description": "ok"}}}
body = {"openapi": "3.0.1", "info": {"title": "types", "version": "1"}, "paths": {"/": {"get": get}}}
api = aws.apigateway.RestApi("api", name="types-api", body=json.dumps(body))
deployment = aws.apigateway.Deployment("deployment", rest_api=api.id, description=description, triggers={"body": "1"})
stage = aws.apigateway.Stage("stage", rest_api=api.id, deployment=deployment.id, stage_name="dev")
aws.apigateway.MethodSettings("throttling", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
    settings=aws.apigateway.MethodSettingsSettingsArgs(throttling_rate_limit=5))
plan = aws.apigateway.UsagePlan("plan", api_stages=[aws.apigateway.UsagePlanApiStageArgs(api_id=api.id,
    stage=stage.stage_name)], quota_settings=aws.apigateway.UsagePlanQuotaSettingsArgs(limit=100, period="MONTH"),
    tags={"owner": owner})
key = aws.apigateway.ApiKey("key", tags={"owner": owner})
aws.apigateway.UsagePlanKey("plan-key", key_id=key.id, key_type="API_KEY", usage_plan_id=plan.id)
domain = aws.apigateway.DomainName("domain", domain_name="types.example.com",
    endpoint_configuration={"types": "REGIONAL"},
    regional_certificate_arn="arn:aws:acm:us-east-1:000000000000:certificate/0f0e0d0c")
aws.apigateway.BasePathMapping("mapping", rest_api=api.id, stage_name=stage.stage_name, domain_name=domain.domain_name,
    base_path=path)
alarm = aws.cloudwatch.MetricAlarm("latency", namespace="AWS/ApiGateway", metric_name="Latency", statistic="Average",
    comparison_operator="GreaterThanThreshold", threshold=1000, period=300, evaluation_periods=1, tags={"owner": owner})
aws.cloudwatch.Dashboard("dashboard", dashboard_name="types-dev", dashboard_body=json.dumps({"widgets": []}, indent=2))
pulumi.export("api_id", api.id)
pulumi.export("deployment_id", deployment.id)
pulumi.export("plan_id", plan.id)
pulumi.export("plan_name", plan.name)
pulumi.export("key_id", key.id)
pulumi.export("key_name", key.name)
pulumi.export("alarm_arn", alarm.arn)
"""


def recorded_ids(project: Path) -> dict[str, str]:
    resources = json.loads(record_path("dev", project).read_text())["resources"]
    return {r["name"]: r["id"] for r in resources}


def test_api_types_are_read_back_updated_in_place_and_planned_as_no_change(tmp_path, endpoint):
    before = inventory(endpoint)
    apigateway, cloudwatch = client("apigateway", endpoint), client("cloudwatch", endpoint)
    project = bare_project(tmp_path, PROGRAM, "types", {})
    try:
        first = up("dev", project, endpoint)
        # pulumi-aws auto-names the provider's Required `name` of API keys and usage plans.
        assert re.fullmatch(r"plan-[0-9a-f]{7}", first["plan_name"]) and re.fullmatch(
            r"key-[0-9a-f]{7}", first["key_name"]
        )
        settings = apigateway.get_stage(restApiId=first["api_id"], stageName="dev")["methodSettings"]["*/*"]
        assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"]) == (5.0, -1)  # its Default -1
        assert planned_changes(preview(project)) == []
        ids = recorded_ids(project)

        bare_project(tmp_path, PROGRAM, "types", {"owner": "b", "path": "v2", "description": "second"})
        second = up("dev", project, endpoint)
        # The deployment's description, the mapping's base path, the tags: updated in place, nothing replaced.
        assert recorded_ids(project) == ids and second == first
        deployment = apigateway.get_deployment(restApiId=first["api_id"], deploymentId=first["deployment_id"])
        assert deployment["description"] == "second"
        mappings = apigateway.get_base_path_mappings(domainName="types.example.com")["items"]
        assert [(m["basePath"], m["stage"]) for m in mappings] == [("v2", "dev")]
        plan_arn = f"arn:aws:apigateway:{REGION}::/usageplans/{first['plan_id']}"
        assert apigateway.get_tags(resourceArn=plan_arn)["tags"] == {"owner": "b"}
        tags = cloudwatch.list_tags_for_resource(ResourceARN=first["alarm_arn"])["Tags"]
        assert tags == [{"Key": "owner", "Value": "b"}]
        assert planned_changes(preview(project)) == []
    finally:
        down("dev", project, endpoint)
    assert inventory(endpoint) == before
