"""Rules real AWS enforces that LocalStack and moto do not check: each test cites where the rule is written.

Every test here failed on the code before these rules were applied (the trust policy's condition, the
preflight under a network policy, the PRIVATE endpoint's place, Content-MD5, stage variable values, greedy
method paths, the missing partitions).
"""

import fnmatch
import ipaddress
import json

import pytest
from conftest import build
from moto.iam.access_control import IAMPolicy, PermissionResult

from components import S3ProxyConfigError
from components.catalogue import integration_uri, partition_for
from components.children import method_path_of
from components.config import validate_args
from components.openapi import render_openapi
from components.policy import render_deployer_policy, render_policy, render_trust_policy

ALL = {"allowed_actions": ["s3:*"]}
ROLE = "arn:aws:iam::123456789012:role/api-role-0a1b2c3"
ACCOUNT = "123456789012"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:authorize"
ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/files/0a1b2c3d-0000-1111-2222-333344445555"


def document(**args):
    return render_openapi(validate_args(ALL | args), title="t", region="us-east-1", role_arn=ROLE)


# --- 1. The execution role's trust policy -------------------------------------------------------------
# API Gateway sets neither aws:SourceAccount nor aws:SourceArn when it assumes an integration's
# credentials role: with either condition every request fails with 500 "API Gateway does not have
# permission to assume the provided role". Sources: the merged fix in
# aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws PR 479 (verified with
# test-invoke-method on a live S3 proxy) and prowler-cloud/prowler issue 2810.


def test_trust_policy_has_no_condition_api_gateway_cannot_satisfy():
    assert render_trust_policy() == {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }


def test_the_role_the_component_creates_trusts_without_condition():
    trust = json.loads(build(ALL).one("aws:iam/role:Role")["assumeRolePolicy"])
    assert all("Condition" not in statement for statement in trust["Statement"])


# What limits who may attach the role to an API is iam:PassRole (IAM User Guide, "Grant a user permissions
# to pass a role to an AWS service"): the deployer needs it, for this role, towards API Gateway only.
# API Gateway's management API is authorized as apigateway:<VERB> on arn:aws:apigateway:<region>::<path>
# (API Gateway Developer Guide, "Control access for managing an API").
# The role calls are those of the AWS provider's aws_iam_role and aws_iam_role_policy: create, read (GetRole and
# the role's inline and attached policies), update (UpdateRole, the trust policy, tags) and delete (which
# first lists the role's instance profiles and policies and deletes the inline ones).
ROLE_CALLS = [
    "iam:CreateRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:PutRolePolicy",
    "iam:GetRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DeleteRole",
]
DEPLOYER_CALLS = [
    *((call, "arn:aws:iam::123456789012:role/api-role-0a1b2c3") for call in ROLE_CALLS),
    ("iam:PassRole", "arn:aws:iam::123456789012:role/api-role-0a1b2c3"),
    ("apigateway:POST", "arn:aws:apigateway:us-east-1::/restapis"),
    ("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5"),
    ("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/dev"),
    ("apigateway:PUT", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5"),
    ("apigateway:POST", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/deployments"),
    ("apigateway:PATCH", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/dev"),
    ("apigateway:DELETE", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5"),
    ("apigateway:PUT", "arn:aws:apigateway:us-east-1::/tags/arn%3Aaws%3Aapigateway%3A..."),
]
NOT_FOR_THE_DEPLOYER = [
    ("iam:PassRole", "arn:aws:iam::123456789012:role/admin"),
    ("iam:CreateRole", "arn:aws:iam::123456789012:role/other-role-0a1b2c3"),
    ("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/admin"),
    ("iam:AttachRolePolicy", "arn:aws:iam::123456789012:role/api-role-0a1b2c3"),
    ("apigateway:POST", "arn:aws:apigateway:eu-west-1::/restapis"),
    ("apigateway:POST", "arn:aws:apigateway:us-east-1::/apikeys"),
    ("apigateway:POST", "arn:aws:apigateway:us-east-1::/domainnames"),
    ("logs:CreateLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:api-access-logs-0a1b2c3"),
    ("s3:GetObject", "arn:aws:s3:::any/key"),
    ("iam:CreateUser", "arn:aws:iam::123456789012:user/x"),
]


def deployer(**args):
    config = validate_args(ALL | args)
    return render_deployer_policy(config, name="api", partition="aws", region="us-east-1", account_id=ACCOUNT)


def permitted(policy, action, arn):
    return IAMPolicy(json.dumps(policy)).is_action_permitted(action, arn) is PermissionResult.PERMITTED


@pytest.mark.parametrize("action, arn", DEPLOYER_CALLS)
def test_deployer_policy_allows_what_pulumi_up_calls(action, arn):
    assert permitted(deployer(), action, arn)


@pytest.mark.parametrize("action, arn", NOT_FOR_THE_DEPLOYER)
def test_deployer_policy_allows_nothing_else(action, arn):
    assert not permitted(deployer(), action, arn)


def test_the_deployer_policy_of_the_plainest_api_is_exactly_the_role_its_passing_and_the_api():
    role = "arn:aws:iam::123456789012:role/api-role-*"
    assert deployer() == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ExecutionRole", "Effect": "Allow", "Action": sorted(ROLE_CALLS), "Resource": role},
            {
                "Sid": "PassExecutionRoleToApiGateway",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": role,
                "Condition": {"StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}},
            },
            {
                "Sid": "ApiGateway",
                "Effect": "Allow",
                "Action": [
                    "apigateway:DELETE",
                    "apigateway:GET",
                    "apigateway:PATCH",
                    "apigateway:POST",
                    "apigateway:PUT",
                ],
                "Resource": [
                    "arn:aws:apigateway:us-east-1::/restapis",
                    "arn:aws:apigateway:us-east-1::/restapis/*",
                    "arn:aws:apigateway:us-east-1::/tags/*",
                ],
            },
            {
                "Sid": "ApiResourcePolicy",
                "Effect": "Allow",
                "Action": "apigateway:UpdateRestApiPolicy",
                "Resource": ["arn:aws:apigateway:us-east-1::/restapis", "arn:aws:apigateway:us-east-1::/restapis/*"],
            },
        ],
    }


def test_the_deployer_policy_with_every_feature_adds_exactly_their_grants():
    policy = render_deployer_policy(
        validate_args(
            ALL
            | {
                "api_keys": {"names": ["app"]},
                "custom_domain": {"domain_name": "files.example.com", "certificate_arn": CERT},
                "access_logs": {},
                "web_acl_arn": ACL,
                "authorization": "CUSTOM",
                "authorizer": {"function_arn": FUNCTION},
            }
        ),
        name="api",
        partition="aws",
        region="us-east-1",
        account_id=ACCOUNT,
        managed_policies=2,
    )
    role = "arn:aws:iam::123456789012:role/api-role-*"
    managed = "arn:aws:iam::123456789012:policy/api-policy-*"
    group = "arn:aws:logs:us-east-1:123456789012:log-group:api-access-logs-*"
    stages = "arn:aws:apigateway:us-east-1::/restapis/*/stages/*"
    base = deployer()["Statement"]
    assert policy["Statement"][:2] == base[:2]  # the role and passing it, as without features
    assert policy["Statement"][2:] == [
        {
            "Sid": "ApiGateway",
            "Effect": "Allow",
            "Action": base[2]["Action"],
            "Resource": [
                *base[2]["Resource"],
                "arn:aws:apigateway:us-east-1::/apikeys",
                "arn:aws:apigateway:us-east-1::/apikeys/*",
                "arn:aws:apigateway:us-east-1::/usageplans",
                "arn:aws:apigateway:us-east-1::/usageplans/*",
                "arn:aws:apigateway:us-east-1::/domainnames",
                "arn:aws:apigateway:us-east-1::/domainnames/files.example.com",
                "arn:aws:apigateway:us-east-1::/domainnames/files.example.com/*",
            ],
        },
        base[3],  # the API's resource policy, as without features
        {
            "Sid": "ManagedPolicies",
            "Effect": "Allow",
            "Action": [
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:GetPolicy",
                "iam:GetPolicyVersion",
                "iam:ListPolicyVersions",
                "iam:TagPolicy",
                "iam:UntagPolicy",
            ],
            "Resource": managed,
        },
        {
            "Sid": "AttachManagedPolicies",
            "Effect": "Allow",
            "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            "Resource": role,
            "Condition": {"ArnLike": {"iam:PolicyARN": managed}},
        },
        {
            "Sid": "AccessLogGroup",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:DeleteRetentionPolicy",
                "logs:ListTagsForResource",
                "logs:PutRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource",
            ],
            "Resource": [group, f"{group}:*"],
        },
        {
            "Sid": "FindLogGroups",
            "Effect": "Allow",
            "Action": "logs:DescribeLogGroups",
            "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:*",
        },
        {
            "Sid": "WebAclAssociation",
            "Effect": "Allow",
            "Action": ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "wafv2:GetWebACLForResource"],
            "Resource": [ACL, stages],
        },
        {"Sid": "StageWebAcl", "Effect": "Allow", "Action": "apigateway:SetWebACL", "Resource": stages},
        {
            "Sid": "AuthorizerInvokePermission",
            "Effect": "Allow",
            "Action": ["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"],
            "Resource": FUNCTION,
        },
    ]


def test_deployer_may_pass_the_role_to_api_gateway_only():
    (pass_role,) = [s for s in deployer()["Statement"] if s["Action"] == "iam:PassRole"]
    # moto ignores conditions: the condition is checked as written.
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}}
    assert pass_role["Resource"] == "arn:aws:iam::123456789012:role/api-role-*"


def test_deployer_policy_grows_with_the_features_configured():
    policy = deployer(
        api_keys={"names": ["app"]},
        custom_domain={"domain_name": "files.example.com", "certificate_arn": CERT},
        access_logs={},
        web_acl_arn=ACL,
    )
    for action, arn in [
        ("apigateway:POST", "arn:aws:apigateway:us-east-1::/apikeys"),
        ("apigateway:GET", "arn:aws:apigateway:us-east-1::/apikeys/k1"),
        ("apigateway:POST", "arn:aws:apigateway:us-east-1::/usageplans"),
        ("apigateway:POST", "arn:aws:apigateway:us-east-1::/usageplans/u1/keys"),
        ("apigateway:DELETE", "arn:aws:apigateway:us-east-1::/usageplans/u1"),
        ("apigateway:PATCH", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/dev"),
        ("apigateway:POST", "arn:aws:apigateway:us-east-1::/domainnames"),
        ("apigateway:POST", "arn:aws:apigateway:us-east-1::/domainnames/files.example.com/basepathmappings"),
        ("logs:CreateLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:api-access-logs-0a1b2c3"),
        ("logs:PutRetentionPolicy", "arn:aws:logs:us-east-1:123456789012:log-group:api-access-logs-0a1b2c3"),
        ("wafv2:AssociateWebACL", ACL),
        ("apigateway:SetWebACL", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/dev"),
    ]:
        assert permitted(policy, action, arn), (action, arn)
    assert not permitted(policy, "apigateway:DELETE", "arn:aws:apigateway:us-east-1::/domainnames/other.example.com")
    assert not permitted(policy, "logs:DeleteLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:prod-app")
    # What the features add comes on top of the plainest API's grants, never instead of them.
    for action, arn in DEPLOYER_CALLS:
        assert permitted(policy, action, arn), (action, arn)


def test_deployer_policy_never_holds_a_wildcard_action():
    policy = deployer(api_keys={"names": ["app"]}, access_logs={}, web_acl_arn=ACL)
    actions = [a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not [a for a in actions if "*" in a]


def test_the_program_exports_the_deployer_policy():
    outputs = build(ALL).outputs
    policy = json.loads(outputs["deployer_policy"])
    assert permitted(policy, "iam:PassRole", "arn:aws:iam::123456789012:role/api-role-0a1b2c3")


# --- 2. CORS preflight under a network resource policy -------------------------------------------------
# "API Gateway resource policy only" (Developer Guide, "How API Gateway resource policies affect
# authorization workflow"): a method without authentication, such as the OPTIONS preflight, needs an
# explicit Allow; an implicit denial or any explicit denial refuses the caller.


def statement_matches(statement, resource, source_ip):
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    if not any(fnmatch.fnmatchcase(resource, pattern) for pattern in resources):
        return False
    for operator, values in statement.get("Condition", {}).items():
        assert operator == "NotIpAddress", operator  # the only condition these documents use
        if any(ipaddress.ip_address(source_ip) in ipaddress.ip_network(c) for c in values["aws:SourceIp"]):
            return False
    return True


def anonymous_request_allowed(policy, resource, source_ip):
    """API Gateway's evaluation for an unauthenticated caller: an explicit Allow for `*`, and no Deny."""
    statements = [s for s in policy["Statement"] if s["Principal"] == "*" and statement_matches(s, resource, source_ip)]
    return any(s["Effect"] == "Allow" for s in statements) and not any(s["Effect"] == "Deny" for s in statements)


@pytest.mark.parametrize(
    "resource, source_ip, allowed",
    [
        ("execute-api:/dev/OPTIONS/", "10.1.2.3", True),
        ("execute-api:/dev/OPTIONS/bucket/a/b.txt", "10.1.2.3", True),
        ("execute-api:/dev/OPTIONS/bucket/a/b.txt", "203.0.113.9", False),  # the network Deny still applies
        ("execute-api:/dev/GET/bucket/a/b.txt", "10.1.2.3", False),  # only the preflight is anonymous
        ("execute-api:/dev/PUT/bucket", "10.1.2.3", False),
    ],
)
def test_preflight_is_allowed_anonymously_and_nothing_else(resource, source_ip, allowed):
    doc = document(cors={"allow_origin": "https://app.example.com"}, allowed_source_cidrs=["10.0.0.0/8"])
    assert anonymous_request_allowed(doc["x-amazon-apigateway-policy"], resource, source_ip) is allowed


def test_without_cors_nothing_is_anonymous():
    doc = document(allowed_source_cidrs=["10.0.0.0/8"])
    policy = doc["x-amazon-apigateway-policy"]
    assert not anonymous_request_allowed(policy, "execute-api:/dev/OPTIONS/bucket", "10.1.2.3")


# --- 3. PRIVATE endpoints -------------------------------------------------------------------------------
# put_rest_api_mode = overwrite replaces the API with the body; the body's
# x-amazon-apigateway-endpoint-configuration.vpcEndpointIds (Developer Guide, "x-amazon-apigateway-
# endpoint-configuration object") is where the association belongs, else the provider re-adds it on every
# document change (pulumi-aws RestApi docs: `endpoint_configuration.vpc_endpoint_ids`, "If importing an
# OpenAPI specification via the body argument, this corresponds to the ... vpcEndpointIds property").


def test_private_endpoints_are_in_the_document_and_on_the_rest_api_alike():
    # In the body, because `put_rest_api_mode = overwrite` removes what the body does not hold; on the RestApi too,
    # because after PutRestApi the provider PATCHes the VPC endpoints back from its inputs or, unset, from the prior
    # state (terraform-provider-aws rest_api.go, resourceRestAPIWithBodyUpdateOperations).
    built = build(ALL | {"endpoint_type": "PRIVATE", "vpc_endpoint_ids": ["vpce-0a1b2c3d4", "vpce-0f0e0d0c0"]})
    api = built.one("aws:apigateway/restApi:RestApi")
    assert json.loads(api["body"])["x-amazon-apigateway-endpoint-configuration"] == {
        "vpcEndpointIds": ["vpce-0a1b2c3d4", "vpce-0f0e0d0c0"]
    }
    assert api["endpointConfiguration"] == {"types": "PRIVATE", "vpcEndpointIds": ["vpce-0a1b2c3d4", "vpce-0f0e0d0c0"]}
    assert "x-amazon-apigateway-endpoint-configuration" not in document()


# --- 4. Content-MD5 is dropped --------------------------------------------------------------------------
# API Gateway drops Content-MD5 from integration requests (Developer Guide, "Amazon API Gateway important
# notes", the table of headers for REST APIs). S3's flexible checksums (S3 User Guide, "Checking object
# integrity"; PutObject and UploadPart API reference: x-amz-checksum-crc32/-crc32c/-sha1/-sha256 and
# x-amz-sdk-checksum-algorithm) are passed instead, so S3 verifies every byte. CRC64NVME is the checksum S3
# computes by default, and every answer carrying a checksum says its type, FULL_OBJECT or COMPOSITE (S3 API
# reference, "Checksum": ChecksumCRC64NVME, ChecksumType; PutObject's x-amz-checksum-crc64nvme request header
# and x-amz-checksum-type response header).
CHECKSUMS = [
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
]


def integration(doc, path, verb):
    return doc["paths"][path][verb]["x-amazon-apigateway-integration"]


def test_no_method_maps_content_md5():
    assert "content-md5" not in json.dumps(document()).lower()


@pytest.mark.parametrize("verb", ["put"])  # PutObject and UploadPart share the object PUT
def test_body_checksums_reach_s3_and_come_back(verb):
    operation = integration(document(), "/{folder}/{item+}", verb)
    for header in [*CHECKSUMS, "x-amz-sdk-checksum-algorithm"]:
        assert operation["requestParameters"][f"integration.request.header.{header}"] == (
            f"method.request.header.{header}"
        )
    returned = operation["responses"]["default"]["responseParameters"]
    for header in [*CHECKSUMS, "x-amz-checksum-type"]:
        assert returned[f"method.response.header.{header}"] == f"integration.response.header.{header}"


def test_crc64nvme_and_the_checksum_type_pass_wherever_checksums_do():
    """Without it, a client sending CRC64NVME gets a 400 from S3: its x-amz-sdk-checksum-algorithm arrives,
    its value does not. Checksums are sent with a body (PutObject, UploadPart: the object PUT) and come back
    from every object method (S3 API reference: PutObject, GetObject, HeadObject, DeleteObject responses)."""
    doc = document()
    put = integration(doc, "/{folder}/{item+}", "put")["requestParameters"]
    sent = "integration.request.header.x-amz-checksum-crc64nvme"
    assert put[sent] == "method.request.header.x-amz-checksum-crc64nvme"
    for verb in ("get", "head", "put", "post", "delete"):
        returned = integration(doc, "/{folder}/{item+}", verb)["responses"]["default"]["responseParameters"]
        for header in ("x-amz-checksum-crc64nvme", "x-amz-checksum-type"):
            assert returned[f"method.response.header.{header}"] == f"integration.response.header.{header}", verb
    # CreateMultipartUpload's x-amz-checksum-type: whether the upload's checksum is FULL_OBJECT or COMPOSITE.
    create = integration(doc, "/{folder}/{item+}", "post")["requestParameters"]
    assert create["integration.request.header.x-amz-checksum-type"] == "method.request.header.x-amz-checksum-type"


def test_multipart_create_declares_the_checksum_algorithm_and_reads_return_checksums():
    doc = document()
    create = integration(doc, "/{folder}/{item+}", "post")["requestParameters"]
    assert create["integration.request.header.x-amz-checksum-algorithm"] == (
        "method.request.header.x-amz-checksum-algorithm"
    )
    get = integration(doc, "/{folder}/{item+}", "get")
    assert get["requestParameters"]["integration.request.header.x-amz-checksum-mode"] == (
        "method.request.header.x-amz-checksum-mode"
    )
    assert "method.response.header.x-amz-checksum-sha256" in get["responses"]["default"]["responseParameters"]


# --- 5. Stage variable values ---------------------------------------------------------------------------
# CreateStage / CreateDeployment API reference: "the values must match [A-Za-z0-9-._~:/?#&=,]+".


@pytest.mark.parametrize("value", ["", "two words", "tab\there", "quote'", "ü", "a;b", "x" * 513])
def test_stage_variable_values_outside_api_gateways_pattern_are_refused(value):
    with pytest.raises(S3ProxyConfigError) as error:
        validate_args(ALL | {"stage_variables": {"env": value}})
    assert error.value.field == "stage_variables"
    assert "-._~:/?#&=," in str(error.value)


def test_every_character_api_gateway_allows_in_a_stage_variable_is_accepted():
    value = "AZaz09-._~:/?#&=,"
    assert validate_args(ALL | {"stage_variables": {"env": value}}).stage_variables == (("env", value),)


# --- 6. MethodSettings on greedy paths ------------------------------------------------------------------
# The method path is the resource path with `/` escaped as `~1`, then the verb: GetStage returns
# `~1some~1api~1endpoint/POST` and the provider passes method_path as is into UpdateStage's patch path
# (hashicorp/terraform-provider-aws#9738; unescaped nested paths give "Invalid method setting path",
# #15855; #37959 shows the unescaped form never reads back).


@pytest.mark.parametrize(
    "method, method_path",
    [
        ("GET /{folder}/{item+}", "~1{folder}~1{item+}/GET"),
        ("PUT /{folder}", "~1{folder}/PUT"),
        ("GET /", "~1/GET"),
    ],
)
def test_method_paths_escape_slashes(method, method_path):
    assert method_path_of(method) == method_path


# --- CORS on API Gateway's own errors ----------------------------------------------------------------------
# A 403 for a missing API key, a refused signature or a 429 is a gateway response, not an integration
# response: it carries CORS headers only when DEFAULT_4XX/DEFAULT_5XX set them (Developer Guide, "Enabling
# CORS for a REST API resource": "... you must also add CORS headers to gateway responses"). LocalStack
# stores them but does not apply them (tests/e2e/test_cors.py).


def test_gateway_errors_carry_the_cors_headers_a_browser_needs_to_read_them():
    doc = document(cors={"allow_origin": "https://app.example.com"})
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        headers = doc["x-amazon-apigateway-gateway-responses"][kind]["responseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == "'https://app.example.com'"
        # API Gateway's error type ("x-amzn-ErrorType: ForbiddenException"), not S3's headers: none come back
        assert headers["gatewayresponse.header.Access-Control-Expose-Headers"] == "'x-amzn-ErrorType'"
    assert "x-amazon-apigateway-gateway-responses" not in document()


# --- 8. Partitions --------------------------------------------------------------------------------------
# Every partition botocore knows (botocore/data/partitions.json), including those a hand-written table
# missed: aws-eusc (European Sovereign Cloud), aws-iso-e and aws-iso-f.


@pytest.mark.parametrize(
    "region, partition",
    [
        ("us-east-1", "aws"),
        ("il-central-1", "aws"),
        ("mx-central-1", "aws"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-east-1", "aws-us-gov"),
        ("us-iso-west-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_every_partition_reaches_the_arns(region, partition):
    assert partition_for(region) == partition
    config = validate_args(ALL | {"region": region, "buckets": ["alpha-bucket"]})
    route = config.routes[0]
    assert integration_uri(route, region).startswith(f"arn:{partition}:apigateway:{region}:s3:path/")
    resources = [r for s in render_policy(config, partition)["Statement"] for r in s["Resource"] if r != "*"]
    assert resources and all(r.startswith(f"arn:{partition}:s3:::alpha-bucket") for r in resources)


@pytest.mark.parametrize("region", ["xx-east-1", "mars-north-1"])
def test_a_region_of_no_partition_is_refused(region):
    with pytest.raises(S3ProxyConfigError) as error:
        validate_args(ALL | {"region": region})
    assert error.value.field == "region"
