"""What the AWS provider and AWS do on update and in production that LocalStack and moto never check.

Each test cites where the rule is written: terraform-provider-aws (the source pulumi-aws bridges), AWS's
documentation, or the issue trackers where users met it. Every test here failed on the component before the rule
was applied.
"""

import json

import pytest
from conftest import build
from moto.iam.access_control import IAMPolicy, PermissionResult

from components import S3ProxyConfigError
from components.config import validate_args
from components.policy import render_deployer_policy, render_policy

ALL = {"allowed_actions": ["s3:*"]}
ACCOUNT = "123456789012"  # the mocks' account (conftest)
OTHER_ACCOUNT = "999988887777"
API = "aws:apigateway/restApi:RestApi"
CERT_US_EAST_1 = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
CERT_EU_WEST_1 = "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"


# --- 1. Settings the body holds are also the RestApi's own inputs ----------------------------------------------
# After PutRestApi(overwrite) the provider PATCHes the Optional+Computed settings back from its inputs or, where they
# are unset, from the prior state (terraform-provider-aws internal/service/apigateway/rest_api.go,
# resourceRestAPIWithBodyUpdateOperations, called by resourceRestAPICreate and resourceRestAPIUpdate;
# pulumi/pulumi-aws#2321; hashicorp/terraform-provider-aws#38515). A setting only in the body is thus reverted on
# every update: a CIDR removed from `allowed_source_cidrs` would stay in the live resource policy.


def rest_api(args):
    api = build(ALL | args).one(API)
    return api, json.loads(api["body"])


@pytest.mark.parametrize("cidrs", [["203.0.113.0/24", "198.51.100.0/24"], ["203.0.113.0/24"]])
def test_the_resource_policy_is_the_rest_apis_input_equal_to_the_bodys(cidrs):
    api, body = rest_api({"allowed_source_cidrs": cidrs})
    policy = json.loads(api["policy"])
    assert policy == body["x-amazon-apigateway-policy"]
    assert policy["Statement"][-1]["Condition"] == {"NotIpAddress": {"aws:SourceIp": cidrs}}


def test_without_network_restrictions_the_policy_input_is_empty_so_the_provider_removes_an_earlier_one():
    # "" is what the provider's rest_api_policy.go sends to remove a policy (UpdateRestApi replace /policy ""), and
    # what its update sends when the input changes to "": unset, the prior state's policy would be PATCHed back.
    api, body = rest_api({})
    assert api["policy"] == ""
    assert "x-amazon-apigateway-policy" not in body


@pytest.mark.parametrize("types", [["*/*"], ["image/png", "application/octet-stream"]])
def test_binary_media_types_are_the_rest_apis_input_equal_to_the_bodys(types):
    api, body = rest_api({"binary_media_types": types})
    assert api["binaryMediaTypes"] == types == body["x-amazon-apigateway-binary-media-types"]


def test_a_private_apis_vpc_endpoints_are_the_rest_apis_input_equal_to_the_bodys():
    api, body = rest_api({"endpoint_type": "PRIVATE", "vpc_endpoint_ids": ["vpce-0a1b2c3d4", "vpce-0f0e0d0c0"]})
    assert api["endpointConfiguration"]["vpcEndpointIds"] == ["vpce-0a1b2c3d4", "vpce-0f0e0d0c0"]
    assert body["x-amazon-apigateway-endpoint-configuration"]["vpcEndpointIds"] == ["vpce-0a1b2c3d4", "vpce-0f0e0d0c0"]


# --- 2. and 3. What the deployer needs to change the resource policy and an edge domain ----------------------


def deployer(**args):
    return render_deployer_policy(
        validate_args(ALL | args), name="api", partition="aws", region="us-east-1", account_id=ACCOUNT
    )


def permitted(policy, action, arn="*"):
    return IAMPolicy(json.dumps(policy)).is_action_permitted(action, arn) is PermissionResult.PERMITTED


def test_the_deployer_may_update_the_apis_resource_policy():
    # "To update an API Gateway resource policy, you'll need the apigateway:UpdateRestApiPolicy permission and the
    # apigateway:PATCH permission" (API Gateway Developer Guide, apigateway-resource-policies-create-attach).
    api = "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5"
    assert permitted(deployer(), "apigateway:UpdateRestApiPolicy", api)
    assert permitted(deployer(), "apigateway:PATCH", api)
    assert not permitted(deployer(), "apigateway:UpdateRestApiPolicy", "arn:aws:apigateway:eu-west-1::/restapis/x")


def test_only_an_edge_domains_deployer_may_update_cloudfront_distributions():
    # An edge-optimized custom domain needs cloudfront:UpdateDistribution, on "*": the distribution belongs to an
    # account of API Gateway's (API Gateway Developer Guide, how-to-edge-optimized-custom-domain-name).
    edge = {"domain_name": "files.example.com", "certificate_arn": CERT_US_EAST_1}
    assert permitted(deployer(endpoint_type="EDGE", custom_domain=edge), "cloudfront:UpdateDistribution")
    assert not permitted(deployer(custom_domain=edge), "cloudfront:UpdateDistribution")
    assert not permitted(deployer(), "cloudfront:UpdateDistribution")
    statements = deployer(endpoint_type="EDGE", custom_domain=edge)["Statement"]
    (edge_grant,) = [statement for statement in statements if "cloudfront" in str(statement)]
    assert edge_grant == {
        "Sid": "EdgeDomainDistribution",
        "Effect": "Allow",
        "Action": "cloudfront:UpdateDistribution",
        "Resource": "*",
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (
            {"region": "eu-west-1", "endpoint_type": "EDGE", "certificate_arn": CERT_EU_WEST_1},
            "is in eu-west-1; an EDGE endpoint takes its ACM certificate from us-east-1",
        ),
        (
            {"region": "eu-west-1", "certificate_arn": CERT_US_EAST_1},
            "is in us-east-1; an REGIONAL endpoint takes its ACM certificate from eu-west-1",
        ),
    ],
)
def test_a_literal_certificate_in_the_wrong_region_is_refused_at_construction(args, message):
    # EDGE: "You must request or import a certificate for your edge-optimized custom domain name in the US East
    # (N. Virginia) - us-east-1 Region"; REGIONAL: the certificate must be in the same Region as the API (API
    # Gateway Developer Guide, how-to-edge-optimized-custom-domain-name, how-to-custom-domains-prerequisites).
    certificate = args.pop("certificate_arn")
    domain = {"domain_name": "files.example.com", "certificate_arn": certificate}
    with pytest.raises(S3ProxyConfigError, match=f"invalid `custom_domain.certificate_arn`: {message}"):
        build(ALL | args | {"custom_domain": domain})


def test_certificates_in_their_regions_are_accepted():
    edge = build(
        ALL
        | {
            "region": "eu-west-1",
            "endpoint_type": "EDGE",
            "custom_domain": {"domain_name": "files.example.com", "certificate_arn": CERT_US_EAST_1},
        }
    )
    regional = build(
        ALL
        | {
            "region": "eu-west-1",
            "custom_domain": {"domain_name": "files.example.com", "certificate_arn": CERT_EU_WEST_1},
        }
    )
    assert edge.one("aws:apigateway/domainName:DomainName")["certificateArn"] == CERT_US_EAST_1
    assert regional.one("aws:apigateway/domainName:DomainName")["regionalCertificateArn"] == CERT_EU_WEST_1


# --- 5. and 8. A Lambda authorizer in its own region, qualified or not -----------------------------------------

LIVE = "arn:aws:lambda:us-west-2:123456789012:function:authorize:live"


def custom(function_arn):
    return build(ALL | {"authorization": "CUSTOM", "authorizer": {"function_arn": function_arn}})


def test_a_qualified_function_arn_is_split_into_function_and_qualifier():
    # The provider's Read records function_name and qualifier apart, both ForceNew (terraform-provider-aws
    # internal/service/lambda/permission.go, resourcePermissionRead): given whole, the Permission would differ
    # from what Read recorded and be replaced on every update.
    permission = custom(LIVE).one("aws:lambda/permission:Permission")
    assert permission["function"] == "arn:aws:lambda:us-west-2:123456789012:function:authorize"
    assert permission["qualifier"] == "live"


def test_an_unqualified_function_arn_has_no_qualifier():
    permission = custom("arn:aws:lambda:us-west-2:123456789012:function:authorize").one(
        "aws:lambda/permission:Permission"
    )
    assert permission["function"] == "arn:aws:lambda:us-west-2:123456789012:function:authorize"
    assert "qualifier" not in permission or permission["qualifier"] is None


def test_the_authorizer_uri_and_permission_name_the_functions_region():
    # "{region} is the same as the region hosting the Lambda function" (API Gateway API reference, Authorizer,
    # authorizerUri); AddPermission is a call to Lambda in the function's region.
    built = custom(LIVE)
    authorizer = json.loads(built.outputs["openapi"])["securityDefinitions"]["lambda"]["x-amazon-apigateway-authorizer"]
    assert authorizer["authorizerUri"] == (
        f"arn:aws:apigateway:us-west-2:lambda:path/2015-03-31/functions/{LIVE}/invocations"
    )
    assert built.one("aws:lambda/permission:Permission")["region"] == "us-west-2"


# --- 9. Buckets of the API's own account only, unless named ------------------------------------------------------
# s3:ResourceAccount (Service Authorization Reference, Amazon S3 condition keys) and x-amz-expected-bucket-owner
# (S3 User Guide, "Verifying bucket ownership with bucket owner condition": S3 answers 403 when another account
# owns the bucket; every bucket and object operation but ListBuckets and CreateBucket takes it). LocalStack
# ignores both (a GetObject with another account's id as expected owner returns the object), so they are proven
# here: the policy with moto's evaluator, the header in the document.


def test_every_bucket_and_object_grant_holds_only_for_the_apis_own_account():
    policy = json.loads(build(ALL).outputs["policy"])
    assert permitted_in(policy, "s3:GetObject", "arn:aws:s3:::b/k", ACCOUNT)
    assert permitted_in(policy, "s3:ListBucket", "arn:aws:s3:::b", ACCOUNT)
    assert not permitted_in(policy, "s3:GetObject", "arn:aws:s3:::b/k", OTHER_ACCOUNT)
    assert not permitted_in(policy, "s3:PutObject", "arn:aws:s3:::b/k", OTHER_ACCOUNT)
    assert not permitted_in(policy, "s3:ListBucket", "arn:aws:s3:::b", OTHER_ACCOUNT)
    # ListAllMyBuckets names no bucket (it lists the role's own account's), so no s3:ResourceAccount is in its request
    # context and a StringEquals on it would refuse it: its statement has no condition.
    (service,) = [s for s in policy["Statement"] if s["Action"] == ["s3:ListAllMyBuckets"]]
    assert "Condition" not in service


def permitted_in(policy, action, arn, account):
    condition = {"s3:ResourceAccount": account}
    result = IAMPolicy(json.dumps(policy)).is_action_permitted(action, arn, incoming_condition_values=condition)
    return result is PermissionResult.PERMITTED


def test_named_bucket_accounts_replace_the_apis_own():
    config = validate_args(ALL | {"bucket_accounts": [OTHER_ACCOUNT, "111122223333"]})
    policy = render_policy(config, "aws", "us-east-1", ACCOUNT)
    assert permitted_in(policy, "s3:GetObject", "arn:aws:s3:::b/k", OTHER_ACCOUNT)
    assert permitted_in(policy, "s3:GetObject", "arn:aws:s3:::b/k", "111122223333")
    assert not permitted_in(policy, "s3:GetObject", "arn:aws:s3:::b/k", ACCOUNT)


def owner_headers(document):
    return {
        f"{verb.upper()} {path}": operation["x-amazon-apigateway-integration"]["requestParameters"].get(
            "integration.request.header.x-amz-expected-bucket-owner"
        )
        for path, operations in document["paths"].items()
        for verb, operation in operations.items()
    }


def test_s3_is_told_the_expected_bucket_owner_on_every_route_that_takes_it():
    headers = owner_headers(json.loads(build(ALL).outputs["openapi"]))
    assert headers == {
        "GET /": None,
        "GET /{folder}": "'123456789012'",
        "HEAD /{folder}": "'123456789012'",
        "PUT /{folder}": None,
        "DELETE /{folder}": "'123456789012'",
        "GET /{folder}/{item+}": "'123456789012'",
        "HEAD /{folder}/{item+}": "'123456789012'",
        "PUT /{folder}/{item+}": "'123456789012'",
        "DELETE /{folder}/{item+}": "'123456789012'",
        "POST /{folder}/{item+}": "'123456789012'",
        "POST /{folder}": "'123456789012'",  # DeleteObjects
    }


def test_only_a_copy_tells_s3_the_expected_owner_of_its_source_bucket():
    # CopyObject takes x-amz-source-expected-bucket-owner for the source bucket (S3 API reference, CopyObject); the
    # object PUT carries the copy when GetObject and PutObject are both allowed.
    def source_owners(args):
        document = json.loads(build(args).outputs["openapi"])
        return {
            f"{verb.upper()} {path}": parameters["integration.request.header.x-amz-source-expected-bucket-owner"]
            for path, operations in document["paths"].items()
            for verb, operation in operations.items()
            if "integration.request.header.x-amz-source-expected-bucket-owner"
            in (parameters := operation["x-amazon-apigateway-integration"]["requestParameters"])
        }

    assert source_owners(ALL) == {"PUT /{folder}/{item+}": "'123456789012'"}
    assert source_owners({"allowed_actions": ["s3:PutObject"]}) == {}


def test_one_named_account_is_the_expected_owner_and_several_only_pin_the_policy():
    one = owner_headers(json.loads(build(ALL | {"bucket_accounts": [OTHER_ACCOUNT]}).outputs["openapi"]))
    assert one["GET /{folder}/{item+}"] == f"'{OTHER_ACCOUNT}'"
    several = owner_headers(
        json.loads(build(ALL | {"bucket_accounts": [OTHER_ACCOUNT, "111122223333"]}).outputs["openapi"])
    )
    assert set(several.values()) == {None}


# --- 10. Access logs say why a request failed --------------------------------------------------------------------
# $context.error.message, $context.integration.error, $context.authorizer.error and, with AWS WAF,
# $context.wafResponseCode (API Gateway Developer Guide, api-gateway-mapping-template-reference, "$context
# variables for access logging").


def access_log_format(args):
    return json.loads(
        build(ALL | {"access_logs": {}} | args).one("aws:apigateway/stage:Stage")["accessLogSettings"]["format"]
    )


def test_access_logs_carry_the_errors_of_api_gateway_the_integration_and_the_authorizer():
    fields = access_log_format({})
    assert fields["error"] == "$context.error.message"
    assert fields["integrationError"] == "$context.integration.error"
    assert fields["authorizerError"] == "$context.authorizer.error"
    assert "wafResponse" not in fields


def test_with_a_web_acl_access_logs_carry_wafs_verdict():
    acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/files/0a1b2c3d-0000-1111-2222-333344445555"
    assert access_log_format({"web_acl_arn": acl})["wafResponse"] == "$context.wafResponseCode"


# --- 11. IAM is eventually consistent: grants move before they are given up ---------------------------------------
# A change to a role's policies takes time to reach every endpoint (IAM User Guide, troubleshoot_general, "Changes
# that I make are not always immediately visible"). When the split over managed policies moves grants, the receiving
# policy must be in place before the giving one shrinks, and the Deployment must come after all of them.

MANY_BUCKETS = [f"acme-tenant-bucket-{n:04}" for n in range(400)]


def test_managed_parts_are_attached_before_the_inline_policy_and_later_parts_before_earlier_ones():
    built = build(ALL | {"buckets": MANY_BUCKETS})
    parts = sorted(name for name, typ in built.types.items() if typ == "aws:iam/policy:Policy")
    assert len(parts) >= 2, parts
    attachments = [f"{part}-attachment" for part in parts]
    assert set(attachments) <= built.dependencies["api-policy"]  # the inline policy waits for every part
    for earlier, later_attachment in zip(parts, attachments[1:], strict=False):
        assert later_attachment in built.dependencies[earlier]  # part i waits for part i+1 to be attached
    assert {"api-policy", *attachments} <= built.dependencies["api-deployment"]


# --- 12. Access logs need the account's CloudWatch role ---------------------------------------------------------


def test_the_access_logs_input_says_the_account_needs_api_gateways_cloudwatch_role():
    from components.s3proxy import AccessLogSettings

    # Without it "CloudWatch Logs role ARN must be set in account settings to enable logging" (API Gateway Developer
    # Guide, set-up-logging): the stage is created, then its update with the log settings fails.
    doc = " ".join((AccessLogSettings.__doc__ or "").split())
    assert "its update with the log settings fails" in doc
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in doc
    assert 'aws.apigateway.Account("account", cloudwatch_role_arn=role.arn)' in doc
