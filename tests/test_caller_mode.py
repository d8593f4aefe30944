"""Caller-credential mode (`integration_credentials` = caller): every integration calls S3 with the caller's own SigV4
identity, no execution role or policy exists, and `caller_policy` is what a caller needs.

API Gateway API reference, Integration `credentials`: "To require that the caller's identity be passed through from
the request, specify the string arn:aws:iam::*:user/*" (AWS CDK's `IntegrationCredentials.useCallerIdentity()`
writes the same string). Whether S3 then enforces each caller's policy is AWS's to do; `test_caller_folders.py`
evaluates the policy offline and `tests/e2e/test_caller_mode.py` deploys the mode into LocalStack.
"""

import json

import pytest
from conftest import build

from components import S3ProxyConfigError
from components.caller_policy import render_caller_policy
from components.config import validate_args
from components.openapi import render_openapi
from components.policy import render_deployer_policy, render_policy

ALL = {"allowed_actions": ["s3:*"]}
CALLER = ALL | {"integration_credentials": "caller"}
ACCOUNT = "123456789012"  # the preview mocks' account
STAGE_ARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/dev"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/" + "1" * 36


def credentials_of(document: dict) -> set[str]:
    return {
        op["x-amazon-apigateway-integration"]["credentials"]
        for verbs in document["paths"].values()
        for op in verbs.values()
        if op["x-amazon-apigateway-integration"]["type"] == "aws"
    }


@pytest.mark.parametrize("authorization", ["NONE", "COGNITO_USER_POOLS", "CUSTOM"])
def test_caller_mode_needs_signed_callers_and_the_error_names_both_fields(authorization):
    authorizers = {
        "NONE": {},
        "COGNITO_USER_POOLS": {
            "authorizer": {"user_pool_arns": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"]}
        },
        "CUSTOM": {"authorizer": {"function_arn": "arn:aws:lambda:us-east-1:123456789012:function:auth"}},
    }
    with pytest.raises(S3ProxyConfigError) as error:
        validate_args(CALLER | {"authorization": authorization} | authorizers[authorization])
    assert error.value.field == "authorization"
    assert str(error.value) == (
        f"S3ProxyApi: invalid `authorization`: must be AWS_IAM with `integration_credentials` = caller (S3 acts as "
        f"the SigV4 caller), not {authorization}; use `integration_credentials` = role for other authorization"
    )


def test_caller_folders_need_caller_mode():
    with pytest.raises(S3ProxyConfigError) as error:
        validate_args(ALL | {"caller_folders": "username"})
    assert str(error.value) == (
        "S3ProxyApi: invalid `caller_folders`: is only for `integration_credentials` = caller: "
        "the execution role has no folder"
    )


def test_role_is_the_default_and_values_are_case_insensitive():
    assert validate_args(ALL).integration_credentials == "role"
    assert validate_args(ALL).caller_folders is None
    config = validate_args(ALL | {"integration_credentials": "Caller", "caller_folders": "UserId"})
    assert (config.integration_credentials, config.caller_folders) == ("caller", "userid")


def test_every_integration_passes_the_caller_through_and_the_owner_rules_still_apply():
    config = validate_args(CALLER | {"allowed_source_cidrs": ["198.51.100.0/24"]})
    document = render_openapi(config, title="t", region="us-east-1", role_arn=f"arn:aws:iam::{ACCOUNT}:root")
    assert credentials_of(document) == {"arn:aws:iam::*:user/*"}
    get_object = document["paths"]["/{folder}/{item+}"]["get"]["x-amazon-apigateway-integration"]
    assert get_object["requestParameters"]["integration.request.header.x-amz-expected-bucket-owner"] == f"'{ACCOUNT}'"
    assert document["x-amazon-apigateway-policy"]["Statement"][0]["Principal"] == {
        "AWS": f"arn:aws:iam::{ACCOUNT}:root"
    }
    # The same in another partition: the documented string has no partition of its own.
    china = render_openapi(config, title="t", region="cn-north-1", role_arn=f"arn:aws-cn:iam::{ACCOUNT}:root")
    assert credentials_of(china) == {"arn:aws:iam::*:user/*"}


def test_caller_mode_builds_no_role_and_no_policy():
    built = build(CALLER, name="files")
    assert built.types == {
        "files": "s3proxy:index:S3ProxyApi",
        "files-api": "aws:apigateway/restApi:RestApi",
        "files-deployment": "aws:apigateway/deployment:Deployment",
        "files-stage": "aws:apigateway/stage:Stage",
    }
    assert built.outputs["role_arn"] is None
    assert built.outputs["policy"] is None
    assert credentials_of(json.loads(built.outputs["openapi"])) == {"arn:aws:iam::*:user/*"}
    assert built.dependencies["files-deployment"] == {"files-api"}


def test_caller_mode_with_more_buckets_than_a_role_holds_needs_no_managed_policy():
    # 2,000 names would need 21 managed policies on a role: an error naming `buckets` in role mode.
    buckets = [f"acme-tenant-{n:04}" for n in range(2000)]
    with pytest.raises(S3ProxyConfigError, match="`buckets`"):
        build(ALL | {"buckets": buckets})
    built = build(CALLER | {"buckets": buckets})
    assert not [t for t in built.types.values() if t.startswith("aws:iam/")]


def test_every_other_feature_builds_the_same_children_as_in_role_mode():
    features = {
        "api_keys": {"names": ["app"], "quota_limit": 1000},
        "cors": {"allow_origin": "https://app.example.com"},
        "access_logs": {"retention_days": 7},
        "throttling_rate_limit": 10,
        "method_throttling": {"GET /{folder}/{item+}": {"rate_limit": 5}},
        "custom_domain": {"domain_name": "files.example.com", "certificate_arn": CERT},
        "web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/acl/0000",
        "stage_variables": {"env": "prod"},
        "tracing_enabled": True,
    }
    role_mode, caller_mode = build(ALL | features), build(CALLER | features)
    assert set(role_mode.types) - set(caller_mode.types) == {"api-role", "api-policy"}
    assert set(caller_mode.types) <= set(role_mode.types)
    role_document, caller_document = (
        json.loads(role_mode.outputs["openapi"]),
        json.loads(caller_mode.outputs["openapi"]),
    )
    assert credentials_of(role_document) == {role_mode.outputs["role_arn"]}
    # Apart from the credentials, the two documents are the same API.
    assert json.dumps(caller_document).replace("arn:aws:iam::*:user/*", role_mode.outputs["role_arn"]) == json.dumps(
        role_document
    )


def test_the_deployer_needs_no_iam_permission_in_caller_mode():
    config = validate_args(CALLER)
    policy = render_deployer_policy(config, name="files", partition="aws", region="us-east-1", account_id=ACCOUNT)
    assert [s["Sid"] for s in policy["Statement"]] == ["ApiGateway", "ApiResourcePolicy"]
    role_mode = render_deployer_policy(
        validate_args(ALL), name="files", partition="aws", region="us-east-1", account_id=ACCOUNT
    )
    assert [s["Sid"] for s in role_mode["Statement"][:2]] == ["ExecutionRole", "PassExecutionRoleToApiGateway"]


def test_caller_policy_in_role_mode_is_invoking_the_api_methods_only():
    config = validate_args({"allowed_actions": ["s3:GetObject", "s3:ListBucket", "s3:ListAllMyBuckets"]})
    policy = render_caller_policy(
        config, partition="aws", region="us-east-1", account_id=ACCOUNT, execution_arn=STAGE_ARN
    )
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeApi",
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": [
                    f"{STAGE_ARN}/GET/",
                    f"{STAGE_ARN}/GET/*",
                    f"{STAGE_ARN}/HEAD/*",
                    f"{STAGE_ARN}/GET/*/*",
                    f"{STAGE_ARN}/HEAD/*/*",
                ],
            }
        ],
    }


def test_caller_policy_in_caller_mode_holds_the_role_policy_s3_and_kms_grants():
    key = "arn:aws:kms:us-east-1:123456789012:key/" + "2" * 36
    config = validate_args(CALLER | {"buckets": ["acme-uploads"], "key_prefix": "uploads/", "kms_key_arns": [key]})
    policy = render_caller_policy(
        config, partition="aws", region="us-east-1", account_id=ACCOUNT, execution_arn=STAGE_ARN
    )
    assert policy is not None
    assert policy["Statement"][1:] == render_policy(config, "aws", "us-east-1", ACCOUNT)["Statement"]
    sids = [s["Sid"] for s in policy["Statement"]]
    assert sids == [
        "InvokeApi",
        "ServiceActions",
        "ListingUnderPrefix",
        "BucketActions",
        "ObjectActions",
        "KmsThroughS3",
    ]


def test_callers_that_are_not_iam_principals_have_no_caller_policy():
    config = validate_args(ALL | {"authorization": "NONE"})
    assert (
        render_caller_policy(config, partition="aws", region="us-east-1", account_id=ACCOUNT, execution_arn=STAGE_ARN)
        is None
    )
    assert build(ALL | {"authorization": "NONE"}).outputs["caller_policy"] is None


def test_the_component_exports_the_caller_policy_of_its_stage():
    built = build(CALLER | {"caller_folders": "username", "buckets": ["acme-uploads"]})
    policy = json.loads(built.outputs["caller_policy"])
    stage_arn = built.outputs["execution_arn"]
    assert policy["Statement"][0]["Resource"][0] == f"{stage_arn}/GET/*"  # ListObjects: no ListBuckets in a folder
    assert [s["Sid"] for s in policy["Statement"]] == ["InvokeApi", "ListingInCallerFolder", "ObjectsInCallerFolder"]
    assert policy["Statement"][2]["Resource"] == ["arn:aws:s3:::acme-uploads/${aws:username}/*"]


def test_the_exported_caller_policy_is_indented_json_pinned_to_the_account_and_its_kms_keys_via_s3_of_its_region():
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    args = CALLER | {"caller_folders": "username", "buckets": ["acme-uploads"], "kms_key_arns": [key]}
    shown = build(args).outputs["caller_policy"]
    policy = json.loads(shown)
    assert shown == json.dumps(policy, indent=2)  # shown as the other policies are: indented by two
    assert policy["Statement"][2]["Condition"]["StringEquals"]["s3:ResourceAccount"] == [ACCOUNT]
    # kms:ViaService names S3 in the API's region (AWS KMS Developer Guide, kms:ViaService).
    assert policy["Statement"][-1] == {
        "Sid": "KmsThroughS3",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": [key],
        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    }
