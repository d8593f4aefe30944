"""Production buckets and callers (issue 11): SSE-KMS keys, metadata headers, object versions and the Cognito
and Lambda authorizers, in the rendered documents and the registered resources."""

import json

import pytest
from conftest import build

from components import S3ProxyConfigError
from components.config import validate_args
from components.openapi import render_openapi
from components.policy import render_deployer_policy, render_policy

ROLE = "arn:aws:iam::123456789012:role/api-role-0a1b2c3"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:authorize"
ITEM = "/{folder}/{item+}"


def config(**args):
    return validate_args({"allowed_actions": ["s3:*"]} | args)


def document(**args):
    return render_openapi(config(**args), title="t", region="us-east-1", role_arn=ROLE)


def integration(doc, path, verb):
    return doc["paths"][path][verb]["x-amazon-apigateway-integration"]


def kms_statements(policy):
    return [s for s in policy["Statement"] if any(a.startswith("kms:") for a in s["Action"])]


# --- KMS ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actions, kms_actions",
    [
        (["s3:GetObject"], ["kms:Decrypt"]),
        (["s3:PutObject"], ["kms:Decrypt", "kms:GenerateDataKey"]),  # multipart uploads need Decrypt too
        (["s3:GetObject", "s3:PutObject"], ["kms:Decrypt", "kms:GenerateDataKey"]),
        (["s3:GetObjectVersion"], ["kms:Decrypt"]),
    ],
)
def test_the_role_may_use_exactly_the_buckets_keys_through_s3(actions, kms_actions):
    policy = render_policy(
        validate_args({"allowed_actions": actions, "kms_key_arns": [KEY, OTHER_KEY]}), "aws", "us-east-1"
    )
    assert kms_statements(policy) == [
        {
            "Sid": "KmsThroughS3",
            "Effect": "Allow",
            "Action": kms_actions,
            "Resource": [KEY, OTHER_KEY],
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
        }
    ]


def test_no_kms_grant_without_an_object_route_or_a_key():
    no_objects = validate_args({"allowed_actions": ["s3:ListBucket", "s3:DeleteObject"], "kms_key_arns": [KEY]})
    assert kms_statements(render_policy(no_objects, "aws", "us-east-1")) == []
    assert kms_statements(render_policy(config(), "aws", "us-east-1")) == []


def test_kms_via_service_follows_the_partitions_dns_suffix():
    (statement,) = kms_statements(
        render_policy(
            config(kms_key_arns=["arn:aws-cn:kms:cn-north-1:123456789012:key/" + "a" * 36]), "aws-cn", "cn-north-1"
        )
    )
    assert statement["Condition"] == {"StringEquals": {"kms:ViaService": "s3.cn-north-1.amazonaws.com.cn"}}


def test_objects_written_are_encrypted_with_the_sse_key_clients_cannot_override():
    doc = document(sse_kms_key_arn=KEY)
    put = integration(doc, ITEM, "put")
    assert put["requestParameters"]["integration.request.header.x-amz-server-side-encryption"] == "'aws:kms'"
    assert put["requestParameters"]["integration.request.header.x-amz-server-side-encryption-aws-kms-key-id"] == (
        f"'{KEY}'"
    )
    parameters = {p["name"].lower() for p in doc["paths"][ITEM]["put"]["parameters"]}
    assert not {p for p in parameters if p.startswith("x-amz-server-side-encryption")}  # not a method parameter
    # S3 refuses the SSE headers on UploadPart and CompleteMultipartUpload, which would share these methods.
    assert "post" not in doc["paths"][ITEM]
    assert not any("uploadId" in p["name"] for p in doc["paths"][ITEM]["put"]["parameters"])
    (statement,) = kms_statements(render_policy(config(sse_kms_key_arn=KEY), "aws", "us-east-1"))
    assert statement["Resource"] == [KEY]


def test_without_an_sse_key_no_encryption_header_is_sent():
    assert "server-side-encryption" not in json.dumps(document())


@pytest.mark.parametrize(
    "args, field",
    [
        ({"kms_key_arns": ["alias/aws/s3"]}, "kms_key_arns"),
        ({"kms_key_arns": ["arn:aws:kms:us-east-1:123456789012:alias/mine"]}, "kms_key_arns"),
        ({"kms_key_arns": ["*"]}, "kms_key_arns"),
        ({"kms_key_arns": []}, "kms_key_arns"),
        ({"sse_kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/*"}, "sse_kms_key_arn"),
        ({"metadata_headers": ["x-amz-meta-"]}, "metadata_headers"),
        ({"metadata_headers": ["Content-Type"]}, "metadata_headers"),
        ({"metadata_headers": ["x-amz-meta-a b"]}, "metadata_headers"),
    ],
)
def test_bad_kms_and_metadata_inputs_are_refused_naming_the_field(args, field):
    with pytest.raises(S3ProxyConfigError) as error:
        config(**args)
    assert error.value.field == field


# --- metadata headers --------------------------------------------------------------------------------------


def test_metadata_headers_pass_on_writes_and_come_back_on_reads():
    doc = document(metadata_headers=["x-amz-meta-Owner", "x-amz-meta-trace-id"])
    for verb in ("put", "post"):
        mapped = integration(doc, ITEM, verb)["requestParameters"]
        assert mapped["integration.request.header.x-amz-meta-owner"] == "method.request.header.x-amz-meta-owner"
        assert mapped["integration.request.header.x-amz-meta-trace-id"] == "method.request.header.x-amz-meta-trace-id"
    for verb in ("get", "head"):
        returned = integration(doc, ITEM, verb)["responses"]["default"]["responseParameters"]
        assert returned["method.response.header.x-amz-meta-owner"] == "integration.response.header.x-amz-meta-owner"
    assert "x-amz-meta-owner" not in json.dumps(doc["paths"]["/{folder}"])


# --- object versions ---------------------------------------------------------------------------------------


def query_strings(doc, path, verb):
    return {k.rpartition(".")[2] for k in integration(doc, path, verb)["requestParameters"] if ".querystring." in k}


def test_version_id_is_mapped_only_with_the_version_actions():
    plain = document(allowed_actions=["s3:GetObject", "s3:DeleteObject", "s3:ListBucket"])
    assert "versionId" not in json.dumps(plain) and "versions" not in query_strings(plain, "/{folder}", "get")
    versioned = document(allowed_actions=["s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObjectVersion"])
    assert "versionId" in query_strings(versioned, ITEM, "get")
    assert "versionId" in query_strings(versioned, ITEM, "head")
    assert "versionId" in query_strings(versioned, ITEM, "delete")
    listing = document(allowed_actions=["s3:ListBucketVersions"])
    assert {"versions", "key-marker", "version-id-marker"} <= query_strings(listing, "/{folder}", "get")


def test_version_ids_come_back_on_put_get_head_and_delete():
    doc = document()
    for verb in ("put", "get", "head", "delete"):
        returned = integration(doc, ITEM, verb)["responses"]["default"]["responseParameters"]
        assert returned["method.response.header.x-amz-version-id"] == "integration.response.header.x-amz-version-id"


def test_version_routes_in_the_routes_output():
    routes = build({"allowed_actions": ["s3:GetObjectVersion", "s3:DeleteObjectVersion", "s3:ListBucketVersions"]})
    assert routes.outputs["routes"] == [
        "GET /{folder}?versions -> s3:ListBucketVersions",
        "GET /{folder}/{item+}?versionId -> s3:GetObjectVersion",
        "HEAD /{folder}/{item+}?versionId -> s3:GetObjectVersion",
        "DELETE /{folder}/{item+}?versionId -> s3:DeleteObjectVersion",
    ]


# --- authorizers -------------------------------------------------------------------------------------------


def test_cognito_user_pools_authorize_every_method_but_the_preflight():
    doc = document(
        authorization="COGNITO_USER_POOLS",
        authorizer={"user_pool_arns": [POOL], "scopes": ["files/read"]},
        cors={"allow_origin": "https://app.example.com"},
    )
    assert doc["securityDefinitions"] == {
        "cognito": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": [POOL]},
        }
    }
    for path, verbs in doc["paths"].items():
        for verb, operation in verbs.items():
            if verb == "options":
                assert "security" not in operation, path
            else:
                assert operation["security"] == [{"cognito": ["files/read"]}], (path, verb)


@pytest.mark.parametrize(
    "authorizer, expected",
    [
        (
            {"function_arn": FUNCTION},
            {
                "type": "token",
                "identitySource": "method.request.header.Authorization",
                "authorizerResultTtlInSeconds": 300,
            },
        ),
        (
            {
                "function_arn": FUNCTION,
                "type": "REQUEST",
                "identity_source": "method.request.header.X-Token, method.request.querystring.tenant",
                "result_ttl_seconds": 0,
            },
            {
                "type": "request",
                "identitySource": "method.request.header.X-Token, method.request.querystring.tenant",
                "authorizerResultTtlInSeconds": 0,
            },
        ),
    ],
)
def test_a_lambda_authorizer_invokes_the_function(authorizer, expected):
    doc = document(authorization="CUSTOM", authorizer=authorizer)
    # A TOKEN authorizer's scheme names the header it reads; a REQUEST one reads its identity sources instead.
    assert doc["securityDefinitions"] == {
        "lambda": {
            "type": "apiKey",
            "name": "Authorization" if expected["type"] == "token" else "Unused",
            "in": "header",
            "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": expected
            | {
                "authorizerUri": f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION}/invocations"
            },
        }
    }
    assert all(op["security"] == [{"lambda": []}] for verbs in doc["paths"].values() for op in verbs.values())


def test_a_lambda_authorizer_gets_an_invoke_permission_for_this_apis_authorizers_only():
    built = build(
        {"allowed_actions": ["s3:GetObject"], "authorization": "CUSTOM", "authorizer": {"function_arn": FUNCTION}}
    )
    permission = built.one("aws:lambda/permission:Permission")
    api = built.one("aws:apigateway/restApi:RestApi")
    assert permission["function"] == FUNCTION
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["sourceArn"] == f"{api['executionArn']}/authorizers/*"
    assert not build({"allowed_actions": ["s3:GetObject"]}).of_type("aws:lambda/permission:Permission")
    deployer = render_deployer_policy(
        config(authorization="CUSTOM", authorizer={"function_arn": FUNCTION}),
        name="api",
        partition="aws",
        region="us-east-1",
        account_id="123456789012",
    )
    (statement,) = [s for s in deployer["Statement"] if s["Resource"] == FUNCTION]
    assert statement["Action"] == ["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"]


def test_non_iam_callers_are_anonymous_to_a_network_policy():
    doc = document(
        authorization="COGNITO_USER_POOLS", authorizer={"user_pool_arns": [POOL]}, allowed_source_cidrs=["10.0.0.0/8"]
    )
    allow = doc["x-amazon-apigateway-policy"]["Statement"][0]
    assert allow == {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}


COGNITO_NEEDS = "COGNITO_USER_POOLS needs `authorizer` = {user_pool_arns, scopes?} (no function_arn)"
CUSTOM_NEEDS = "CUSTOM needs `authorizer` = {function_arn, type?, identity_source?, result_ttl_seconds?}"
IDENTITY_SOURCE_LIKE = "must be like 'method.request.header.Authorization' (comma-separated for REQUEST)"


@pytest.mark.parametrize(
    "args, field, message",
    [
        ({"authorization": "COGNITO_USER_POOLS"}, "authorizer", COGNITO_NEEDS),
        (
            {"authorization": "COGNITO_USER_POOLS", "authorizer": {"function_arn": FUNCTION}},
            "authorizer",
            COGNITO_NEEDS,
        ),
        (
            {"authorization": "COGNITO_USER_POOLS", "authorizer": {"user_pool_arns": [POOL], "function_arn": FUNCTION}},
            "authorizer",
            COGNITO_NEEDS,
        ),
        ({"authorization": "CUSTOM"}, "authorizer", CUSTOM_NEEDS),
        ({"authorization": "CUSTOM", "authorizer": {"user_pool_arns": [POOL]}}, "authorizer", CUSTOM_NEEDS),
        (
            {
                "authorization": "CUSTOM",
                "authorizer": {"function_arn": FUNCTION, "identity_source": "stageVariables.x-y"},
            },
            "authorizer.identity_source",
            f"'stageVariables.x-y' {IDENTITY_SOURCE_LIKE}",
        ),
        (
            {"authorization": "CUSTOM", "authorizer": {"function_arn": FUNCTION, "identity_source": 3}},
            "authorizer.identity_source",
            f"3 {IDENTITY_SOURCE_LIKE}",
        ),
        (
            {
                "authorization": "CUSTOM",
                "authorizer": {"function_arn": FUNCTION, "identity_source": "stageVariables.x"},
            },
            "authorizer",
            "a TOKEN authorizer reads one header: 'method.request.header.<name>'",
        ),
        (
            {"authorization": "CUSTOM", "authorizer": {"function_arn": FUNCTION, "type": "COOKIE"}},
            "authorizer.type",
            "'COOKIE' is not one of TOKEN, REQUEST",
        ),
        (
            {"authorization": "CUSTOM", "authorizer": {"function_arn": FUNCTION, "result_ttl_seconds": 3601}},
            "authorizer.result_ttl_seconds",
            "3601 must be 0-3600 seconds",
        ),
        (
            {"authorization": "CUSTOM", "authorizer": {"function_arn": FUNCTION, "result_ttl_seconds": -1}},
            "authorizer.result_ttl_seconds",
            "-1 must be a non-negative int",
        ),
        (
            {"authorization": "CUSTOM", "authorizer": {"function_arn": "arn:aws:lambda:us-east-1:1:function:x"}},
            "authorizer.function_arn",
            "'arn:aws:lambda:us-east-1:1:function:x' is not a Lambda function ARN",
        ),
        (
            {"authorization": "AWS_IAM", "authorizer": {"user_pool_arns": [POOL]}},
            "authorizer",
            "is only for COGNITO_USER_POOLS or CUSTOM authorization, not AWS_IAM",
        ),
        (
            {
                "authorization": "COGNITO_USER_POOLS",
                "authorizer": {"user_pool_arns": ["arn:aws:cognito-idp:us-east-1:123456789012:identitypool/x"]},
            },
            "authorizer.user_pool_arns",
            "'arn:aws:cognito-idp:us-east-1:123456789012:identitypool/x' is not a Cognito user pool ARN",
        ),
        (
            {"authorization": "COGNITO_USER_POOLS", "authorizer": {"user_pool_arns": POOL}},
            "authorizer.user_pool_arns",
            f"expected a list of strings, got {POOL!r}",
        ),
        (
            {"authorization": "COGNITO_USER_POOLS", "authorizer": {"user_pool_arns": [POOL], "scopes": "files/read"}},
            "authorizer.scopes",
            "expected a list of strings, got 'files/read'",
        ),
        (
            {"authorization": "COGNITO_USER_POOLS", "authorizer": {"user_pool_arns": [POOL], "scopes": ["files read"]}},
            "authorizer.scopes",
            "'files read' is not an OAuth scope",
        ),
    ],
)
def test_a_missing_or_mismatched_authorizer_is_refused_naming_it(args, field, message):
    with pytest.raises(S3ProxyConfigError) as error:
        config(**args)
    assert error.value.field == field
    assert str(error.value) == f"S3ProxyApi: invalid `{field}`: {message}"


def test_authorizer_inputs_at_their_limits_are_accepted():
    lambda_config = config(
        authorization="CUSTOM",
        # Function names and aliases may hold upper case; the cache may last the full hour API Gateway allows.
        authorizer={
            "function_arn": "arn:aws:lambda:us-east-1:123456789012:function:Authorize-Files:Live",
            "type": "request",
            "identity_source": "stageVariables.Tenant_Id",
            "result_ttl_seconds": 3600,
        },
    )
    assert lambda_config.authorizer is not None
    assert (lambda_config.authorizer.type, lambda_config.authorizer.result_ttl_seconds) == ("REQUEST", 3600)
    assert lambda_config.authorizer.identity_source == "stageVariables.Tenant_Id"
    cognito = config(
        authorization="COGNITO_USER_POOLS", authorizer={"user_pool_arns": [POOL, POOL], "scopes": ["Files/Read.All"]}
    )
    assert cognito.authorizer is not None
    assert (cognito.authorizer.user_pool_arns, cognito.authorizer.scopes) == ((POOL,), ("Files/Read.All",))
