import json

import pulumi
import pulumi_aws as aws
import pytest
from conftest import RecordingMocks, build

from components import S3ProxyApi, S3ProxyConfigError
from components.openapi import digest
from tooling.program import run_with_mocks

ALL = {"allowed_actions": ["s3:*"]}
API = "aws:apigateway/restApi:RestApi"
STAGE = "aws:apigateway/stage:Stage"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/rolePolicy:RolePolicy"


def test_children_are_named_after_the_component_and_parented_to_it():
    built = build(ALL, name="files")
    assert built.types == {
        "files": "s3proxy:index:S3ProxyApi",
        "files-role": ROLE,
        "files-policy": POLICY,
        "files-api": API,
        "files-deployment": DEPLOYMENT,
        "files-stage": STAGE,
    }
    children = [urn for urn in built.urns if not urn.endswith("::files")]
    assert all("::s3proxy:index:S3ProxyApi$" in urn for urn in children)


def test_outputs_are_registered_and_resolved():
    built = build(ALL)
    api, stage, role = built.one(API), built.one(STAGE), built.one(ROLE)
    assert built.outputs["url"] == stage["invokeUrl"]
    assert built.outputs["stage_name"] == "dev"
    assert built.outputs["execution_arn"] == stage["executionArn"]
    assert built.outputs["role_arn"] == role["arn"]
    assert built.outputs["openapi"] == api["body"]
    assert built.outputs["policy"] == built.one(POLICY)["policy"]
    assert "GET /{folder}/{item+} -> s3:GetObject" in built.outputs["routes"]
    assert len(built.outputs["routes"]) == 20


def test_rest_api_is_the_document_regional_and_overwritten():
    built = build(ALL, name="files")
    api = built.one(API)
    assert api["name"] == "files"
    assert api["endpointConfiguration"] == {"types": "REGIONAL"}
    assert api["putRestApiMode"] == "overwrite"
    assert api["failOnWarnings"] is True
    document = json.loads(api["body"])
    credentials = {
        op["x-amazon-apigateway-integration"]["credentials"]
        for verbs in document["paths"].values()
        for op in verbs.values()
    }
    assert credentials == {built.one(ROLE)["arn"]}


def test_role_trusts_api_gateway_and_carries_the_policy():
    built = build(ALL)
    assert json.loads(built.one(ROLE)["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    policy = built.one(POLICY)
    assert policy["role"] == "api-role"  # the role's id
    actions = {a for s in json.loads(policy["policy"])["Statement"] for a in s["Action"]}
    assert actions == {
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
        "s3:ListAllMyBuckets",
        "s3:ListBucket",
        "s3:CreateBucket",
        "s3:DeleteBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucketVersions",
        "s3:GetObjectVersion",
        "s3:DeleteObjectVersion",
    }


def test_deployment_is_keyed_by_the_document_and_served_by_the_stage():
    built = build(ALL | {"stage_name": "v1", "tracing_enabled": True})
    deployment, stage = built.one(DEPLOYMENT), built.one(STAGE)
    assert deployment["triggers"] == {"openapi-sha256": digest(built.outputs["openapi"])}
    assert deployment["restApi"] == stage["restApi"] == built.outputs["rest_api_id"]
    assert stage["deployment"] == built.ids["api-deployment"]
    assert stage["stageName"] == "v1" and stage["xrayTracingEnabled"] is True


def test_identical_inputs_give_identical_deployments_and_any_api_change_a_new_one():
    def trigger(args):
        return build(args).one(DEPLOYMENT)["triggers"]["openapi-sha256"]

    base = trigger(ALL)
    assert trigger(ALL) == base
    assert trigger(ALL | {"stage_name": "other", "tags": {"a": "b"}}) == base  # not part of the API
    changed = [
        {"allowed_actions": ["s3:GetObject"]},
        ALL | {"status_mapping": "tutorial"},
        ALL | {"binary_media_types": ["image/png"]},
        ALL | {"authorization": "NONE"},
        ALL | {"region": "eu-west-1"},
    ]
    assert len({trigger(args) for args in changed} | {base}) == len(changed) + 1


def test_throttling_adds_method_settings_only_when_set():
    assert build(ALL).of_type(SETTINGS) == []
    settings = build(ALL | {"throttling_rate_limit": 50, "throttling_burst_limit": 100}).one(SETTINGS)
    assert settings["methodPath"] == "*/*"
    assert settings["stageName"] == "dev"
    assert settings["settings"] == {"throttlingRateLimit": 50.0, "throttlingBurstLimit": 100}
    burst_only = build(ALL | {"throttling_burst_limit": 5}).one(SETTINGS)
    assert burst_only["settings"] == {"throttlingBurstLimit": 5}


def test_explicit_region_goes_into_every_regional_resource_and_uri():
    built = build(ALL | {"region": "eu-west-1"}, provider_region="us-east-1")
    for token in (API, DEPLOYMENT, STAGE):
        assert built.one(token)["region"] == "eu-west-1"
    uris = {
        op["x-amazon-apigateway-integration"]["uri"]
        for verbs in json.loads(built.outputs["openapi"])["paths"].values()
        for op in verbs.values()
    }
    assert all(uri.startswith("arn:aws:apigateway:eu-west-1:s3:path/") for uri in uris)
    assert not [c for c in built.calls if c.token == "aws:index/getRegion:getRegion"]


def test_default_region_is_the_providers():
    built = build(ALL, provider_region="ap-southeast-2")
    assert "region" not in built.one(API)  # the provider's own region applies
    assert "arn:aws:apigateway:ap-southeast-2:s3:path/" in built.outputs["openapi"]


def test_explicit_provider_reaches_every_child_and_sets_the_default_region():
    built = build(
        ALL,
        provider_region="us-east-1",
        opts=lambda: pulumi.ResourceOptions(provider=aws.Provider("frankfurt", region="eu-central-1")),
    )
    assert "arn:aws:apigateway:eu-central-1:s3:path/" in built.outputs["openapi"]
    assert "us-east-1" not in built.outputs["openapi"]
    for child in ("api-role", "api-policy", "api-api", "api-deployment", "api-stage"):
        assert "::frankfurt::" in built.providers[child], child
    assert all("::frankfurt::" in call.provider for call in built.calls)


def test_partition_follows_the_region():
    built = build(ALL | {"region": "cn-north-1"})
    assert "arn:aws-cn:apigateway:cn-north-1:s3:path/" in built.outputs["openapi"]
    assert "arn:aws-cn:s3:::*" in built.outputs["policy"]


def test_tags_reach_role_api_and_stage():
    built = build(ALL | {"tags": {"team": "platform"}})
    for token in (ROLE, API, STAGE):
        assert built.one(token)["tags"] == {"team": "platform"}


def test_scoped_buckets_reach_the_policy():
    statements = json.loads(
        build({"allowed_actions": ["s3:GetObject"], "buckets": ["reports-bucket"]}).outputs["policy"]
    )["Statement"]
    assert statements == [
        {
            "Sid": "ObjectActions",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::reports-bucket/*"],
            # the mocks' account (conftest): buckets of other accounts are out of reach
            "Condition": {"StringEquals": {"s3:ResourceAccount": ["123456789012"]}},
        }
    ]


@pytest.mark.parametrize(
    "bad",
    [
        {"allowed_actions": []},
        {"allowed_actions": ["s3:*"], "stage_name": "a b"},
        {"allowed_actions": ["s3:*"], "buckets": ["UPPER"]},
    ],
)
def test_bad_input_registers_nothing(bad):
    mocks = RecordingMocks("us-east-1")

    def program():
        with pytest.raises(S3ProxyConfigError):
            S3ProxyApi("api", bad)
        return {}

    _, monitor = run_with_mocks(program, mocks, project="test", stack="test", config={})
    assert monitor.resources == {} and mocks.registrations == []


def test_key_prefix_and_networks_reach_the_document_and_the_policy():
    built = build({"allowed_actions": ["s3:*"], "key_prefix": "uploads/", "allowed_source_cidrs": ["203.0.113.0/24"]})
    document = json.loads(built.one(API)["body"])
    assert "head" not in document["paths"]["/{folder}"]
    assert document["x-amazon-apigateway-policy"]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws:iam::123456789012:root"  # the account of the execution role
    }
    statements = {s["Sid"]: s for s in json.loads(built.outputs["policy"])["Statement"]}
    assert statements["ObjectActions"]["Resource"] == ["arn:aws:s3:::*/uploads/*"]
    assert statements["ListingUnderPrefix"]["Condition"] == {
        "StringEquals": {"s3:prefix": "uploads/", "s3:ResourceAccount": ["123456789012"]}
    }
    assert "HEAD /{folder} -> s3:ListBucket" not in built.outputs["routes"]
