"""The LocalStack tooling itself: `up` / `down` of the unchanged program, and what LocalStack holds afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import Any

import pytest
import yaml
from conftest import OUTPUT_NAMES

from tooling.deploy import down, record_path, up
from tooling.engine import UnsupportedResourceError
from tooling.harness.inventory import inventory
from tooling.program import ROOT
from tooling.provisioners.localstack_fixups import TOP_LEVEL_MEDIA_TYPES
from tooling.signed import SignedApi

from .conftest import REGION, client, project_copy

OUTPUT_KEYS = set(OUTPUT_NAMES)


def api_ids(apigateway: Any) -> set[str]:
    return {api["id"] for api in apigateway.get_rest_apis(limit=500)["items"]}


def role_names(iam: Any) -> set[str]:
    return {role["RoleName"] for role in iam.list_roles()["Roles"]}


@pytest.fixture(scope="module")
def iam(endpoint: str) -> Any:
    return client("iam", endpoint)


def test_cli_up_prints_the_stack_outputs_last_and_down_deletes_everything(tmp_path, endpoint, apigateway, iam):
    project = project_copy(tmp_path, "cli", {"aws:region": REGION, "s3proxy:allowedActions": ["s3:GetObject"]})
    before_apis, before_roles = api_ids(apigateway), role_names(iam)
    command = [sys.executable, "-m", "tooling.deploy"]
    env_args = {"cwd": ROOT, "capture_output": True, "text": True, "check": True}
    done = subprocess.run([*command, "up", "--stack", "cli", "--cwd", str(project)], **env_args)
    outputs = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(outputs) == OUTPUT_KEYS
    assert outputs["url"] == f"{endpoint}/restapis/{outputs['rest_api_id']}/dev/_user_request_"
    assert outputs["rest_api_id"] in api_ids(apigateway) - before_apis
    record = json.loads(record_path("cli", project).read_text())
    assert [r["type"].split(":")[-1] for r in record["resources"]] == [
        "Role",
        "RolePolicy",
        "RestApi",
        "Deployment",
        "Stage",
    ]

    role = record["resources"][0]["id"]
    assert role in role_names(iam) - before_roles

    subprocess.run([*command, "down", "--stack", "cli", "--cwd", str(project)], **env_args)
    assert outputs["rest_api_id"] not in api_ids(apigateway) and role not in role_names(iam)
    assert not record_path("cli", project).exists()


def test_up_again_with_nothing_changed_keeps_every_id_and_the_url(tmp_path, endpoint, apigateway):
    """Like `pulumi up` on an unchanged stack: nothing is recreated, apps keep their URL."""
    project = project_copy(tmp_path, "again", {"aws:region": REGION, "s3proxy:allowedActions": ["s3:GetObject"]})
    first = up("again", project, endpoint)
    recorded = json.loads(record_path("again", project).read_text())["resources"]
    try:
        second = up("again", project, endpoint)
        assert (second["rest_api_id"], second["url"], second["role_arn"]) == (
            first["rest_api_id"],
            first["url"],
            first["role_arn"],
        )
        again = json.loads(record_path("again", project).read_text())["resources"]
        assert [(r["urn"], r["id"]) for r in again] == [(r["urn"], r["id"]) for r in recorded]
        assert len([a for a in api_ids(apigateway) if a == first["rest_api_id"]]) == 1
    finally:
        down("again", project)


def test_unsupported_types_are_refused_before_anything_is_created_naming_each(tmp_path, endpoint):
    project = project_copy(tmp_path, "bad", {"aws:region": REGION, "s3proxy:allowedActions": ["s3:GetObject"]})
    program = (project / "__main__.py").read_text()
    # Registered once the API exists (they depend on its id): a run that provisioned as it went
    # would have created the role, its policy and the API first.
    (project / "__main__.py").write_text(
        program
        + "\nimport pulumi_aws\n"
        + 'pulumi_aws.sns.Topic("alerts", name=api.rest_api_id)\n'
        + 'pulumi_aws.wafv2.WebAclAssociation("waf", resource_arn=api.execution_arn, web_acl_arn="arn:x")\n'
    )
    before = inventory(endpoint)
    with pytest.raises(UnsupportedResourceError) as refused:
        up("bad", project, endpoint)
    message = str(refused.value)
    assert "aws:sns/topic:Topic" in message and "aws:wafv2/webAclAssociation:WebAclAssociation" in message
    assert "alerts" in message and "waf" in message and "nothing was created" in message
    assert inventory(endpoint) == before

    command = [sys.executable, "-m", "tooling.deploy", "up", "--stack", "bad", "--cwd", str(project)]
    skipped = subprocess.run(
        [*command, "--skip-unsupported"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ | {"LOCALSTACK_ENDPOINT": endpoint},
    )
    try:
        assert skipped.returncode == 0, skipped.stderr
        lines = [line for line in skipped.stderr.splitlines() if "skipped" in line]
        assert sorted(line.split()[1] for line in lines) == [
            "aws:sns/topic:Topic",
            "aws:wafv2/webAclAssociation:WebAclAssociation",
        ]
        assert json.loads(skipped.stdout.splitlines()[-1])["rest_api_id"] in api_ids_of(endpoint)
    finally:
        down("bad", project, endpoint)
    assert inventory(endpoint) == before


def api_ids_of(endpoint: str) -> set[str]:
    return api_ids(client("apigateway", endpoint))


def test_localstack_holds_the_document_we_deployed(dev, apigateway):
    """LocalStack's own view of the deployed API: its export and its integrations equal our document."""
    api_id = dev.outputs["rest_api_id"]
    ours = json.loads(dev.outputs["openapi"])
    export = json.loads(apigateway.get_export(restApiId=api_id, stageName="dev", exportType="swagger")["body"].read())
    assert {p: set(v) for p, v in export["paths"].items()} == {p: set(v) for p, v in ours["paths"].items()}
    resources = {r["path"]: r["id"] for r in apigateway.get_resources(restApiId=api_id, limit=500)["items"]}
    for path, verbs in ours["paths"].items():
        for verb, operation in verbs.items():
            expected = operation["x-amazon-apigateway-integration"]
            actual = apigateway.get_integration(restApiId=api_id, resourceId=resources[path], httpMethod=verb.upper())
            assert actual["uri"] == expected["uri"]
            assert actual["httpMethod"] == expected["httpMethod"]
            assert actual["credentials"] == expected["credentials"] == dev.outputs["role_arn"]
            assert actual["requestParameters"] == expected["requestParameters"]
            deployed = {
                r.get("selectionPattern", "default"): (
                    r["statusCode"],
                    r.get("responseParameters", {}),
                    r.get("contentHandling"),
                )
                for r in actual["integrationResponses"].values()
            }
            assert deployed == {
                pattern: (r["statusCode"], r.get("responseParameters", {}), r.get("contentHandling"))
                for pattern, r in expected["responses"].items()
            }
    # `*/*` is sent as every top-level type: LocalStack's matcher skips `*/...` entries. In any order: after the
    # import the provider PATCHes the RestApi's own `binary_media_types` back (remove each, add each).
    assert sorted(apigateway.get_rest_api(restApiId=api_id)["binaryMediaTypes"]) == sorted(TOP_LEVEL_MEDIA_TYPES)


def test_the_embedded_example_deploys_with_its_bucket_and_serves_it(tmp_path, endpoint, s3):
    project = tmp_path / "embedded"
    shutil.copytree(ROOT / "examples" / "embedded", project)
    outputs = up("dev", project, endpoint)
    try:
        bucket = outputs["bucket"]
        assert bucket.startswith("reports-")  # auto-named, passed to the component as an Output
        assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        api = SignedApi(outputs["url"], REGION)
        put = api.request("PUT", f"{bucket}/report.csv", body=b"a,b\n", headers={"Content-Type": "text/csv"})
        assert put.status_code == 200
        assert s3.get_object(Bucket=bucket, Key="incoming/report.csv")["Body"].read() == b"a,b\n"
        s3.delete_object(Bucket=bucket, Key="incoming/report.csv")
    finally:
        down("dev", project)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_the_consumer_example_deploys_against_the_deployed_platform(tmp_path, endpoint, iam):
    """Both example stacks, as shipped: the consumer's StackReference reads the platform's recorded outputs."""
    platform, consumer = tmp_path / "embedded", tmp_path / "consumer"
    shutil.copytree(ROOT / "examples" / "embedded", platform)
    shutil.copytree(ROOT / "examples" / "consumer", consumer)
    (platform / "__main__.py").write_text(
        (platform / "__main__.py").read_text().replace("parents[2]", f"parents[0] / {str(ROOT)!r}")
    )
    platform_outputs = up("dev", platform, endpoint)
    try:
        outputs = up("dev", consumer, endpoint)
        try:
            assert outputs["api_url"] == platform_outputs["url"]
            role = outputs["app_role_arn"].rsplit("/", 1)[1]
            (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
            document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
            text = document if isinstance(document, str) else json.dumps(document)
            assert f"{platform_outputs['execution_arn']}/GET/*/*" in text
        finally:
            down("dev", consumer, endpoint)
    finally:
        down("dev", platform, endpoint)


def test_the_prod_stack_file_deploys_without_its_waf_association_only_when_asked(tmp_path, endpoint):
    """Pulumi.prod.yaml as shipped: LocalStack cannot hold the WAF association, so `up` refuses
    before creating anything; skipping it deploys everything else, number settings included."""
    config = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    project = project_copy(tmp_path, "prod", config)
    before = inventory(endpoint)
    with pytest.raises(UnsupportedResourceError, match="aws:wafv2/webAclAssociation:WebAclAssociation"):
        up("prod", project, endpoint)
    assert inventory(endpoint) == before
    region = config["aws:region"]
    apigateway, logs = (client_in(service, endpoint, region) for service in ("apigateway", "logs"))
    outputs = up("prod", project, endpoint, skip_unsupported=True)
    try:
        api_id = outputs["rest_api_id"]
        stage = apigateway.get_stage(restApiId=api_id, stageName="prod")
        group = stage["accessLogSettings"]["destinationArn"].rsplit(":", 1)[1]
        retention = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"]
        mappings = apigateway.get_base_path_mappings(domainName=config["s3proxy:customDomainName"])["items"]
        (plan,) = [p for p in apigateway.get_usage_plans()["items"] if p["apiStages"][0]["apiId"] == api_id]
        plan_keys = apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    finally:
        down("prod", project, endpoint)
    assert retention == config["s3proxy:accessLogRetentionDays"]
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == config["s3proxy:throttlingBurstLimit"]
    assert stage["methodSettings"]["~1{folder}~1{item+}/PUT"]["throttlingBurstLimit"] == 40
    assert stage["tracingEnabled"] is True and stage["variables"] == config["s3proxy:stageVariables"]
    assert mappings == [{"basePath": "(none)", "restApiId": api_id, "stage": "prod"}]
    assert outputs["domain_target"]
    assert plan["quota"]["limit"] == 100000 and plan["throttle"]["burstLimit"] == 100
    assert len(plan_keys) == 2 and set(outputs["api_keys"]) == {"web-app", "reporting"}
    assert inventory(endpoint) == before


def test_a_custom_domain_with_an_acm_certificate_made_in_localstack(tmp_path, endpoint):
    acm = client("acm", endpoint)
    certificate = acm.request_certificate(DomainName="files.example.test", ValidationMethod="DNS")["CertificateArn"]
    config = {
        "aws:region": REGION,
        "s3proxy:allowedActions": ["s3:GetObject"],
        "s3proxy:customDomainName": "files.example.test",
        "s3proxy:customDomainCertificateArn": certificate,
        "s3proxy:customDomainBasePath": "v1",
    }
    project = project_copy(tmp_path, "domain", config)
    outputs = up("domain", project, endpoint)
    try:
        domain = client("apigateway", endpoint).get_domain_name(domainName="files.example.test")
        mappings = client("apigateway", endpoint).get_base_path_mappings(domainName="files.example.test")["items"]
    finally:
        down("domain", project, endpoint)
        acm.delete_certificate(CertificateArn=certificate)
    assert domain["regionalCertificateArn"] == certificate
    assert outputs["domain_target"] == domain["regionalDomainName"]
    assert mappings == [{"basePath": "v1", "restApiId": outputs["rest_api_id"], "stage": "dev"}]


def client_in(service: str, endpoint: str, region: str) -> Any:
    import boto3

    return boto3.client(
        service, endpoint_url=endpoint, region_name=region, aws_access_key_id="test", aws_secret_access_key="test"
    )


def test_make_up_of_another_project_keeps_its_state_and_outputs_in_that_directory(tmp_path, endpoint):
    """`make up PROJECT=dir` like `pulumi up --cwd dir`: dir's stack, recorded under dir; this
    checkout's own outputs file is left as it was."""
    project = project_copy(tmp_path, "dev", {"aws:region": REGION, "s3proxy:allowedActions": ["s3:GetObject"]})
    own = ROOT / ".local" / "dev" / "outputs.json"
    before = own.read_bytes() if own.is_file() else None
    make = ["make", "--no-print-directory", f"PROJECT={project}", "STACK=dev"]
    environment = os.environ | {"LOCALSTACK_ENDPOINT": endpoint}
    done = subprocess.run([*make, "up"], cwd=ROOT, capture_output=True, text=True, env=environment)
    try:
        assert done.returncode == 0, done.stderr
        outputs = json.loads((project / ".local" / "dev" / "outputs.json").read_text())
        assert outputs["rest_api_id"] in api_ids_of(endpoint)
        assert record_path("dev", project).is_file()
        assert (own.read_bytes() if own.is_file() else None) == before
    finally:
        subprocess.run([*make, "down"], cwd=ROOT, capture_output=True, text=True, env=environment, check=True)
    assert not record_path("dev", project).exists()
