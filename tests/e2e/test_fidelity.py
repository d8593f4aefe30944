"""`make up` calls AWS the way pulumi-aws 7 (terraform-provider-aws v6) does, above all on update: what
LocalStack holds after an update, and what `make preview` plans right after it, are what `pulumi up`
would leave and plan."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from tooling.deploy import down, up
from tooling.engine import UnsupportedResourceError, decide, plan_lines
from tooling.harness.inventory import inventory
from tooling.program import ROOT
from tooling.provisioners import REGISTRY
from tooling.state import Resource

from .conftest import REGION, client

BODY_ONLY_PROGRAM = """
import json
import pulumi
import pulumi_aws as aws

types = pulumi.Config().require_object("types")
body = {
    "openapi": "3.0.1",
    "info": {"title": "bare", "version": "1"},
    "paths": {},
    "x-amazon-apigateway-binary-media-types": types,
}
api = aws.apigateway.RestApi("bare", name="bare", body=json.dumps(body), put_rest_api_mode="overwrite")
pulumi.export("api_id", api.id)
"""


def bare_project(directory: Path, program: str, name: str, config: dict[str, Any]) -> Path:
    (directory / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (directory / "__main__.py").write_text(program)
    values = {"aws:region": REGION} | {f"{name}:{key}": value for key, value in config.items()}
    (directory / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": values}))
    return directory


def preview(project: Path, stack: str = "dev") -> str:
    command = [sys.executable, "-m", "tooling.preview", "--stack", stack, "--cwd", str(project)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout


def planned_changes(output: str) -> list[str]:
    """The resource lines of a preview that plan anything but `same`."""
    return [line for line in output.splitlines() if re.match(r"^ (\+|~|\+-|-)\s+\S+:", line)]


def test_a_body_only_binary_media_type_change_is_reverted_as_pulumi_aws_does(tmp_path, endpoint):
    """terraform-provider-aws internal/service/apigateway/rest_api.go, resourceRestAPIUpdate: after
    PutRestApi, resourceRestAPIWithBodyUpdateOperations PATCHes `binary_media_types` back to
    `d.GetOk`'s value, which for an Optional+Computed attribute the configuration leaves unset is the
    prior state's: the body's new types are undone, the old ones stay."""
    project = bare_project(tmp_path, BODY_ONLY_PROGRAM, "bare", {"types": ["image/png"]})
    apigateway = client("apigateway", endpoint)
    try:
        api_id = up("dev", project, endpoint)["api_id"]
        assert apigateway.get_rest_api(restApiId=api_id)["binaryMediaTypes"] == ["image/png"]
        bare_project(tmp_path, BODY_ONLY_PROGRAM, "bare", {"types": ["image/gif"]})
        assert up("dev", project, endpoint)["api_id"] == api_id
        assert apigateway.get_rest_api(restApiId=api_id)["binaryMediaTypes"] == ["image/png"]
        assert planned_changes(preview(project)) == []  # the state records what Read returned
    finally:
        down("dev", project, endpoint)


PERMISSION_PROGRAM = """
import pulumi
import pulumi_aws as aws

aws.lambda_.Permission(
    "invoke",
    action="lambda:InvokeFunction",
    function=pulumi.Config().require("function"),
    principal="apigateway.amazonaws.com",
)
"""


def test_a_lambda_permission_is_refused_before_anything_is_created_where_localstack_runs_no_lambda(tmp_path, endpoint):
    """This LocalStack runs without Lambda (localstack.sh's SERVICES): `up` names the type and creates nothing."""
    function = f"arn:aws:lambda:{REGION}:000000000000:function:authorizer:live"
    project = bare_project(tmp_path, PERMISSION_PROGRAM, "perm", {"function": function})
    before = inventory(endpoint)
    with pytest.raises(UnsupportedResourceError, match=re.escape("invoke (aws:lambda/permission:Permission)")):
        up("dev", project, endpoint)
    assert inventory(endpoint) == before


class MotoLambda:
    """The provisioners' context with moto's Lambda behind it (LocalStack here runs none)."""

    endpoint = "moto"

    def client(self, service: str, region: str) -> Any:
        return boto3.client(service, region_name=region)

    def account(self, region: str) -> str:
        return "123456789012"


def test_a_permission_given_a_qualified_function_arn_is_replaced_on_every_plan(monkeypatch):
    """terraform-provider-aws internal/service/lambda/permission.go: resourcePermissionRead records
    `function_name` stripped of the qualifier (and `qualifier` from the statement's Resource), both
    ForceNew, so a qualified ARN in the configuration differs from the state on every plan. Moto's
    Lambda stands in (LocalStack here runs none); like LocalStack's, its statement Resource drops the
    alias, and the plan is a replacement all the same."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        ctx = MotoLambda()
        iam, lambda_ = ctx.client("iam", REGION), ctx.client("lambda", REGION)
        trust = {"Version": "2012-10-17", "Statement": []}
        role = iam.create_role(RoleName="authorizer", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("index.py", "def handler(event, context):\n    return {}\n")
        lambda_.create_function(
            FunctionName="authorizer",
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": archive.getvalue()},
        )
        version = lambda_.publish_version(FunctionName="authorizer")["Version"]
        alias = lambda_.create_alias(FunctionName="authorizer", Name="live", FunctionVersion=version)["AliasArn"]
        assert alias == f"arn:aws:lambda:{REGION}:123456789012:function:authorizer:live"
        inputs = {"action": "lambda:InvokeFunction", "function": alias, "principal": "apigateway.amazonaws.com"}
        provisioner = REGISTRY["aws:lambda/permission:Permission"]
        keys = provisioner.identity("invoke", inputs)
        statement_id, outputs = provisioner.create(ctx, REGION, inputs, keys)
        recorded = Resource(
            urn="urn:invoke",
            type="aws:lambda/permission:Permission",
            name="invoke",
            id=statement_id,
            region=REGION,
            keys=keys,
            inputs=inputs,
            outputs=outputs,
        )
        assert outputs["function"] == f"arn:aws:lambda:{REGION}:123456789012:function:authorizer"
        step = decide(provisioner, recorded, recorded.type, "invoke", inputs)
        provisioner.delete(ctx, REGION, recorded)
    assert step.op == "+-" and "function" in step.changed
    lines = plan_lines([step])
    assert f"       +- function: {outputs['function']} => {alias}" in lines


def test_every_shipped_stack_and_example_plans_no_change_right_after_up(tmp_path, endpoint):
    """`up`, then `preview` shows no changes: what the state records (Read's outputs) matches the
    inputs on the provider's terms, for every stack file and example this project ships."""
    projects = []
    for stack in ("dev", "prod"):
        project = tmp_path / stack
        project.mkdir()
        for name in ("__main__.py", "Pulumi.yaml", f"Pulumi.{stack}.yaml"):
            shutil.copy(ROOT / name, project)
        projects.append((project, stack, stack == "prod"))  # prod's WAF association: LocalStack cannot hold it
    for example in ("embedded", "consumer"):
        shutil.copytree(ROOT / "examples" / example, tmp_path / example)
        projects.append((tmp_path / example, "dev", False))
    embedded = tmp_path / "embedded" / "__main__.py"  # run from its copy: the checkout's components
    embedded.write_text(embedded.read_text().replace("parents[2]", f"parents[0] / {str(ROOT)!r}"))
    deployed = []
    try:
        for project, stack, skip in projects:
            up(stack, project, endpoint, skip_unsupported=skip)
            deployed.append((project, stack))
            assert planned_changes(preview(project, stack)) == [], (project.name, preview(project, stack))
    finally:
        for project, stack in reversed(deployed):
            down(stack, project, endpoint)


MATRIX_BASE: dict[str, Any] = {
    "aws:region": REGION,
    "s3proxy:allowedActions": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
    "s3proxy:tags": {"env": "a"},
}
MANY_BUCKETS = [f"matrix-bucket-number-{i:03d}-of-the-tenants" for i in range(250)]  # past the inline policy's size
PUT_PATH = "~1{folder}~1{item+}/PUT"
# (what changes, the config's changed keys, what LocalStack must then hold: a reading -> expected value)
MATRIX: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("CIDRs added", {"s3proxy:allowedSourceCidrs": ["10.0.0.0/8"]}, {"denied_outside": ["10.0.0.0/8"]}),
    ("CIDRs changed", {"s3proxy:allowedSourceCidrs": ["192.168.0.0/16"]}, {"denied_outside": ["192.168.0.0/16"]}),
    ("CIDRs removed", {"s3proxy:allowedSourceCidrs": []}, {"denied_outside": []}),
    ("binary types", {"s3proxy:binaryMediaTypes": ["image/png"]}, {"binary_types": ["image/png"]}),
    (
        "stage throttling",
        {"s3proxy:throttlingRateLimit": 5, "s3proxy:throttlingBurstLimit": 9},
        {"throttling": {"*/*": (5.0, 9)}},
    ),
    (
        "method throttling",
        {"s3proxy:methodThrottling": {"PUT /{folder}/{item+}": {"rate_limit": 2, "burst_limit": 4}}},
        {"throttling": {"*/*": (5.0, 9), PUT_PATH: (2.0, 4)}},
    ),
    ("stage variables", {"s3proxy:stageVariables": {"color": "blue"}}, {"variables": {"color": "blue"}}),
    (
        "tags",
        {"s3proxy:tags": {"env": "b", "team": "storage"}},
        {"stage_tags": {"env": "b", "team": "storage"}, "role_tags": {"env": "b", "team": "storage"}},
    ),
    ("CORS origin", {"s3proxy:corsAllowOrigin": "https://app.example.com"}, {"cors": "'https://app.example.com'"}),
    ("API keys added", {"s3proxy:apiKeyNames": ["web", "batch"]}, {"api_keys": ["s3proxy-batch", "s3proxy-web"]}),
    ("API keys removed", {"s3proxy:apiKeyNames": ["web"]}, {"api_keys": ["s3proxy-web"]}),
    ("metadata headers", {"s3proxy:metadataHeaders": ["x-amz-meta-owner"]}, {"metadata": ["x-amz-meta-owner"]}),
    (
        "actions added",
        {"s3proxy:allowedActions": ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject"]},
        {"actions": ["s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]},
    ),
    (
        "actions removed",
        {"s3proxy:allowedActions": ["s3:GetObject", "s3:PutObject"]},
        {"actions": ["s3:GetObject", "s3:PutObject"]},
    ),
    ("buckets past the inline policy", {"s3proxy:buckets": MANY_BUCKETS}, {"managed_policies": 1}),
    ("buckets removed again", {"s3proxy:buckets": []}, {"managed_policies": 0}),
]


def reading(name: str, endpoint: str, outputs: dict[str, Any], role: str) -> Any:
    """One aspect of the deployment, read back from LocalStack."""
    apigateway, iam = client("apigateway", endpoint), client("iam", endpoint)
    api_id = outputs["rest_api_id"]
    stage = apigateway.get_stage(restApiId=api_id, stageName="dev")
    resources = {r["path"]: r["id"] for r in apigateway.get_resources(restApiId=api_id, limit=500)["items"]}
    item = resources["/{folder}/{item+}"]
    if name == "denied_outside":
        # API Gateway returns the policy as the inside of a JSON string (quotes escaped).
        escaped = apigateway.get_rest_api(restApiId=api_id).get("policy") or "{}"
        policy = json.loads(json.loads(f'"{escaped}"'))
        return [
            cidr
            for statement in policy.get("Statement", [])
            for cidr in statement.get("Condition", {}).get("NotIpAddress", {}).get("aws:SourceIp", [])
        ]
    if name == "binary_types":
        return apigateway.get_rest_api(restApiId=api_id)["binaryMediaTypes"]
    if name == "throttling":
        return {
            path: (settings["throttlingRateLimit"], settings["throttlingBurstLimit"])
            for path, settings in stage.get("methodSettings", {}).items()
        }
    if name == "variables":
        return stage.get("variables", {})
    if name == "stage_tags":
        return apigateway.get_tags(resourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/dev")["tags"]
    if name == "role_tags":
        return {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role)["Tags"]}
    if name == "cors":
        integration = apigateway.get_integration(restApiId=api_id, resourceId=item, httpMethod="OPTIONS")
        return integration["integrationResponses"]["200"]["responseParameters"][
            "method.response.header.Access-Control-Allow-Origin"
        ]
    if name == "api_keys":
        (plan,) = [p for p in apigateway.get_usage_plans()["items"] if p["apiStages"][0]["apiId"] == api_id]
        keys = apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
        return sorted(key["name"] for key in keys)
    if name == "metadata":
        integration = apigateway.get_integration(restApiId=api_id, resourceId=item, httpMethod="PUT")
        prefix = "integration.request.header.x-amz-meta-"
        return [
            key.removeprefix("integration.request.header.")
            for key in integration["requestParameters"]
            if key.startswith(prefix)
        ]
    documents = [
        iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    ]
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    if name == "managed_policies":
        return len(attached)
    for policy in attached:
        version = iam.get_policy(PolicyArn=policy["PolicyArn"])["Policy"]["DefaultVersionId"]
        documents.append(
            iam.get_policy_version(PolicyArn=policy["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
        )
    parsed = [document if isinstance(document, dict) else json.loads(document) for document in documents]
    actions = {
        a
        for d in parsed
        for s in d["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert name == "actions", name
    return sorted(actions)


def test_the_component_update_matrix_leaves_localstack_as_configured_and_plans_no_change(tmp_path, endpoint):
    """For each kind of change, `up`, then every aspect read back from LocalStack equals the new
    configuration, and a preview right after plans no change. Every case runs; the failing ones are
    listed together."""
    config = dict(MATRIX_BASE)
    project = bare_project(tmp_path, (ROOT / "__main__.py").read_text(), "s3proxy", {})
    shutil.copy(ROOT / "Pulumi.yaml", project)
    failures = []
    try:
        for case, change, expected in MATRIX:
            config |= change
            (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
            outputs = up("dev", project, endpoint)
            role = outputs["role_arn"].rsplit("/", 1)[1]
            held = {name: reading(name, endpoint, outputs, role) for name in expected}
            if held != expected:
                failures.append(f"{case}: LocalStack holds {held}, the configuration says {expected}")
            if changes := planned_changes(preview(project)):
                failures.append(f"{case}: the preview after `up` plans {changes}")
    finally:
        down("dev", project, endpoint)
    assert not failures, "\n".join(failures)
