"""`up` on a changed stack behaves like the engine: in place where AWS updates in place, replaced
where the provider replaces (the Deployment on its trigger: the new one first, the stage switched,
then the old one deleted), deleted when no longer registered; `preview` shows that plan first."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import yaml

from tooling.deploy import down, record_path, up
from tooling.program import ROOT

from .conftest import REGION, client, project_copy

BASE = {
    "aws:region": REGION,
    "s3proxy:allowedActions": ["s3:GetObject", "s3:ListBucket"],
    "s3proxy:tags": {"env": "a"},
    "s3proxy:apiKeyNames": ["web", "batch"],
}
CHANGED = BASE | {
    "s3proxy:allowedActions": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
    "s3proxy:tags": {"env": "b", "team": "storage"},
    "s3proxy:apiKeyNames": ["web"],
    # Whole numbers: the engine hands them over as floats (9.0), UpdateStage wants an int for the burst.
    "s3proxy:throttlingBurstLimit": 9,
    "s3proxy:throttlingRateLimit": 5,
    "s3proxy:stageVariables": {"color": "blue"},
}


def ids(project: Any, stack: str) -> dict[str, str]:
    return {r["name"]: r["id"] for r in json.loads(record_path(stack, project).read_text())["resources"]}


def configure(project: Any, stack: str, config: dict[str, Any]) -> None:
    (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))


def preview(project: Any, stack: str) -> str:
    command = [sys.executable, "-m", "tooling.deploy", "preview", "--stack", stack, "--cwd", str(project)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout


def plan_of(output: str) -> dict[str, str]:
    """name -> the plan's symbol, from preview's resource lines."""
    plan = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in ("+", "~", "+-", "-") and parts[1].startswith("aws:"):
            plan[parts[2]] = parts[0]
    return plan


def test_changed_inputs_update_in_place_replace_the_deployment_and_delete_what_is_gone(tmp_path, endpoint):
    project = project_copy(tmp_path, "life", BASE)
    try:
        assert set(plan_of(preview(project, "life")).values()) == {"+"}  # no state yet: all to create
        first = up("life", project, endpoint)
        before = ids(project, "life")
        assert plan_of(preview(project, "life")) == {}  # recorded and unchanged: nothing to do

        configure(project, "life", CHANGED)
        planned = plan_of(preview(project, "life"))
        assert planned == {
            "s3proxy-role": "~",
            "s3proxy-policy": "~",
            "s3proxy-api": "~",
            "s3proxy-deployment": "+-",
            "s3proxy-stage": "~",
            "s3proxy-usage-plan": "~",
            "s3proxy-key-web": "~",
            "s3proxy-throttling": "+",
            "s3proxy-key-batch": "-",
            "s3proxy-key-batch-plan": "-",
        }
        second = up("life", project, endpoint)
        after = ids(project, "life")
    finally:
        down("life", project, endpoint)

    api_id = first["rest_api_id"]
    # In place: same ids, same URL.
    assert (second["rest_api_id"], second["url"], second["role_arn"]) == (api_id, first["url"], first["role_arn"])
    for name in ("s3proxy-role", "s3proxy-policy", "s3proxy-api", "s3proxy-stage", "s3proxy-usage-plan"):
        assert after[name] == before[name], name
    # Replaced: a new deployment, and the old one is gone.
    assert after["s3proxy-deployment"] != before["s3proxy-deployment"]
    assert "s3proxy-key-batch" not in after and "s3proxy-throttling" in after
    assert first["routes"] != second["routes"]


def test_what_localstack_holds_after_an_update(tmp_path, endpoint):
    project = project_copy(tmp_path, "held", BASE)
    apigateway, iam = client("apigateway", endpoint), client("iam", endpoint)
    try:
        up("held", project, endpoint)
        before = ids(project, "held")
        configure(project, "held", CHANGED)
        outputs = up("held", project, endpoint)
        after = ids(project, "held")
        api_id = outputs["rest_api_id"]
        stage = apigateway.get_stage(restApiId=api_id, stageName="dev")
        deployments = {d["id"] for d in apigateway.get_deployments(restApiId=api_id)["items"]}
        role = after["s3proxy-role"]
        policy_name = after["s3proxy-policy"].split(":", 1)[1]
        policy = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
        role_tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role)["Tags"]}
        stage_arn = f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/dev"
        stage_tags = apigateway.get_tags(resourceArn=stage_arn)["tags"]
        keys = {k["id"] for k in apigateway.get_api_keys()["items"]}
        resources = {r["path"] for r in apigateway.get_resources(restApiId=api_id)["items"]}
        put_methods = apigateway.get_resource(restApiId=api_id, resourceId=resource_id(apigateway, api_id))
    finally:
        down("held", project, endpoint)
    # The stage serves the new deployment; only that one exists.
    assert stage["deploymentId"] == after["s3proxy-deployment"] and deployments == {after["s3proxy-deployment"]}
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 9
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 5.0
    assert stage["variables"] == {"color": "blue"}
    # The role's policy and the API's body were updated in place.
    document = policy if isinstance(policy, dict) else json.loads(policy)
    assert "s3:PutObject" in json.dumps(document)
    assert "PUT" in put_methods["resourceMethods"] and "/{folder}/{item+}" in resources
    assert role_tags == {"env": "b", "team": "storage"} and stage_tags == {"env": "b", "team": "storage"}
    assert before["s3proxy-key-batch"] not in keys


def resource_id(apigateway: Any, api_id: str) -> str:
    return next(
        r["id"] for r in apigateway.get_resources(restApiId=api_id)["items"] if r["path"] == "/{folder}/{item+}"
    )


def test_up_makes_again_what_localstack_forgot_under_the_same_id_and_url(tmp_path, endpoint):
    """LocalStack keeps nothing across a restart; `up` then sees the recorded resources are gone and
    makes them again, the REST API under its recorded id (LocalStack's `_custom_id_`): apps keep the URL."""
    project = project_copy(tmp_path, "forgot", {"aws:region": REGION, "s3proxy:allowedActions": ["s3:GetObject"]})
    apigateway, iam = client("apigateway", endpoint), client("iam", endpoint)
    first = up("forgot", project, endpoint)
    try:
        recorded = ids(project, "forgot")
        apigateway.delete_rest_api(restApiId=first["rest_api_id"])  # with its deployment and stage
        iam.delete_role_policy(RoleName=recorded["s3proxy-role"], PolicyName=recorded["s3proxy-policy"].split(":")[1])
        iam.delete_role(RoleName=recorded["s3proxy-role"])
        again = up("forgot", project, endpoint)
        assert (again["rest_api_id"], again["url"], again["role_arn"]) == (
            first["rest_api_id"],
            first["url"],
            first["role_arn"],
        )
        stage = apigateway.get_stage(restApiId=again["rest_api_id"], stageName="dev")
        assert stage["deploymentId"] == ids(project, "forgot")["s3proxy-deployment"]
        assert iam.get_role(RoleName=recorded["s3proxy-role"])["Role"]["Arn"] == first["role_arn"]
    finally:
        down("forgot", project, endpoint)
