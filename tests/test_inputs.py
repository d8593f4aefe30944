"""Other resources' Outputs as inputs, under the mock runtime: deployed (`preview=False`) and in a preview with
unknowns (`preview=True`). A literal input is still checked before anything is registered; an Output is checked
by the same validators when it resolves, and a bad one fails the deployment naming the input."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from conftest import RecordingMocks

from components import S3ProxyApi, S3ProxyConfigError
from tooling.program import run_with_mocks

CHILDREN = {"api", "api-role", "api-policy", "api-api", "api-deployment", "api-stage"}


class UnknownBucketMocks(RecordingMocks):
    """As the engine in a preview: a new bucket's outputs (its name included) are not known yet."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "aws:s3/bucket:Bucket":
            self.registrations.append(args)
            return "", {}
        return super().new_resource(args)


def run(program: Any, preview: bool = False, mocks: RecordingMocks | None = None) -> tuple[Any, RecordingMocks]:
    mocks = mocks or RecordingMocks("us-east-1")
    outputs, _ = run_with_mocks(
        program, mocks, project="test", stack="test", config={"aws:region": "us-east-1"}, preview=preview
    )
    return outputs, mocks


def registered(mocks: RecordingMocks) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in mocks.registrations}


def test_an_auto_named_buckets_output_reaches_the_policy_and_a_prefix_output_the_document() -> None:
    def program() -> dict[str, Any]:
        bucket = aws.s3.Bucket("data")  # auto-named: data-<7 hex digits>, known only once created
        prefix = bucket.id.apply(lambda _: "incoming/")  # an Output that depends on the bucket
        api = S3ProxyApi("api", {"allowed_actions": ["s3:GetObject"], "buckets": [bucket.bucket], "key_prefix": prefix})
        return {"bucket": bucket.bucket, "policy": api.policy, "openapi": api.openapi}

    outputs, mocks = run(program)
    bucket = outputs["bucket"]
    assert bucket.startswith("data-") and len(bucket) == len("data-") + 7
    (statement,) = json.loads(outputs["policy"])["Statement"]
    assert statement["Resource"] == [f"arn:aws:s3:::{bucket}/incoming/*"]
    document = json.loads(outputs["openapi"])
    uri = document["paths"]["/{folder}/{item+}"]["get"]["x-amazon-apigateway-integration"]["uri"]
    assert uri == "arn:aws:apigateway:us-east-1:s3:path/{bucket}/incoming/{object}"
    assert json.loads(registered(mocks)["api-policy"]["policy"]) == json.loads(outputs["policy"])


def test_a_preview_with_unknown_inputs_registers_every_resource() -> None:
    def program() -> dict[str, Any]:
        bucket = aws.s3.Bucket("data")
        api = S3ProxyApi(
            "api",
            {
                "allowed_actions": ["s3:GetObject", "s3:PutObject"],
                "buckets": [bucket.bucket],
                "tags": {"owner": bucket.id},
                "stage_variables": {"bucket": bucket.bucket},
                "throttling_rate_limit": 10,
            },
        )
        return {"policy": api.policy, "url": api.url}

    outputs, mocks = run(program, preview=True, mocks=UnknownBucketMocks("us-east-1"))
    assert set(registered(mocks)) == CHILDREN | {"data", "api-throttling"}
    assert isinstance(outputs["policy"], pulumi.output.Unknown)  # rendered once the bucket's name is known
    assert isinstance(registered(mocks)["api-policy"]["policy"], pulumi.output.Unknown)


def test_the_whole_list_may_be_one_output() -> None:
    def program() -> dict[str, Any]:
        names = pulumi.Output.from_input(["alpha-bucket", "beta-bucket"])
        return {"policy": S3ProxyApi("api", {"allowed_actions": ["s3:GetObject"], "buckets": names}).policy}

    outputs, _ = run(program)
    (statement,) = json.loads(outputs["policy"])["Statement"]
    assert statement["Resource"] == ["arn:aws:s3:::alpha-bucket/*", "arn:aws:s3:::beta-bucket/*"]


def later(value: Any) -> pulumi.Output[Any]:
    """An Output of `value` that, like another resource's output, is not a literal."""
    return pulumi.Output.from_input(value).apply(lambda resolved: resolved)


CERT = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
# (inputs holding an Output that resolves to a bad value, the input the error names)
BAD_OUTPUTS = [
    ({"buckets": [later("Bad_Bucket!")]}, "buckets"),
    ({"buckets": later(["ok-bucket", "Bad_Bucket!"])}, "buckets"),
    ({"key_prefix": later("../up")}, "key_prefix"),
    ({"tags": {"team": later("x" * 257)}}, "tags"),
    ({"allowed_source_cidrs": [later("10.0.0.0/33")]}, "allowed_source_cidrs"),
    ({"endpoint_type": "PRIVATE", "vpc_endpoint_ids": [later("vpc-123")]}, "vpc_endpoint_ids"),
    ({"stage_variables": {"env": later("two words")}}, "stage_variables"),
    ({"stage_name": later("a b")}, "stage_name"),
    ({"status_mapping": later("loose")}, "status_mapping"),
    ({"binary_media_types": [later("not a type")]}, "binary_media_types"),
    ({"web_acl_arn": later("arn:aws:waf::global")}, "web_acl_arn"),
    ({"custom_domain": {"domain_name": later("Not A Domain"), "certificate_arn": CERT}}, "custom_domain.domain_name"),
    (
        {"custom_domain": {"domain_name": "f.example.com", "certificate_arn": later("x")}},
        "custom_domain.certificate_arn",
    ),
    # An EDGE domain's certificate comes from us-east-1; a REGIONAL one's from the API's region, here the provider's
    # (us-east-1), known only once it resolves (API Gateway Developer Guide, how-to-edge-optimized-custom-domain-name,
    # how-to-custom-domains-prerequisites).
    (
        {
            "endpoint_type": "EDGE",
            "custom_domain": {
                "domain_name": "f.example.com",
                "certificate_arn": later(CERT.replace("us-east-1", "eu-west-1")),
            },
        },
        "custom_domain.certificate_arn",
    ),
    (
        {"custom_domain": {"domain_name": "f.example.com", "certificate_arn": CERT.replace("us-east-1", "eu-west-1")}},
        "custom_domain.certificate_arn",
    ),
    ({"cors": {"allow_origin": later("ftp://x")}}, "cors.allow_origin"),
    ({"access_logs": {"retention_days": later(2)}}, "access_logs.retention_days"),
    ({"api_keys": {"names": ["web"], "quota_limit": later(-1)}}, "api_keys.quota_limit"),
    ({"throttling_burst_limit": later(-5)}, "throttling_burst_limit"),
    ({"method_throttling": {"GET /{folder}/{item+}": {"rate_limit": later(-1.0)}}}, "method_throttling"),
    ({"kms_key_arns": [later("alias/aws/s3")]}, "kms_key_arns"),
    ({"sse_kms_key_arn": later("*")}, "sse_kms_key_arn"),
    ({"metadata_headers": later(["x-amz-meta-ok", "Content-Type"])}, "metadata_headers"),
    ({"authorization": "CUSTOM", "authorizer": {"function_arn": later("arn:aws:lambda:x")}}, "authorizer.function_arn"),
]


@pytest.mark.parametrize("inputs, field", BAD_OUTPUTS, ids=[field for _, field in BAD_OUTPUTS])
def test_an_output_that_resolves_to_a_bad_value_fails_the_deployment_naming_the_input(inputs, field) -> None:
    def program() -> dict[str, Any]:
        api = S3ProxyApi("api", {"allowed_actions": ["s3:*"], **inputs})
        return {"url": api.url, "policy": api.policy}

    with pytest.raises(Exception, match=rf"S3ProxyApi: invalid `{field}") as raised:
        run(program)
    assert "must be a plain value" not in str(raised.value)  # accepted as an Output, refused for its value


@pytest.mark.parametrize(
    "inputs, field",
    [
        ({"allowed_actions": later(["s3:GetObject"])}, "allowed_actions"),
        ({"allowed_actions": [later("s3:GetObject")]}, "allowed_actions"),
        ({"region": later("us-east-1")}, "region"),
        ({"authorization": later("NONE")}, "authorization"),
        ({"endpoint_type": later("EDGE")}, "endpoint_type"),
        ({"api_keys": {"names": [later("web")]}}, "api_keys.names"),
        ({"cors": later({"allow_origin": "*"})}, "cors"),
        ({"tags": later({"team": "x"})}, "tags"),
    ],
)
def test_an_output_where_a_plain_value_decides_the_shape_is_refused_before_registering(inputs, field) -> None:
    def program() -> dict[str, Any]:
        return {"url": S3ProxyApi("api", {"allowed_actions": ["s3:GetObject"], **inputs}).url}

    with pytest.raises(S3ProxyConfigError) as raised:
        run(program)
    assert raised.value.field == field
    assert str(raised.value) == (
        f"S3ProxyApi: invalid `{field}`: must be a plain value, not an Output: it decides which routes or "
        "resources exist"
    )


def test_a_bad_literal_still_fails_before_anything_is_registered_even_beside_outputs() -> None:
    mocks = RecordingMocks("us-east-1")

    def program() -> dict[str, Any]:
        api = S3ProxyApi("api", {"allowed_actions": ["s3:GetObject"], "buckets": [later("ok-bucket"), "Bad_Bucket!"]})
        return {"url": api.url}

    with pytest.raises(S3ProxyConfigError, match="invalid `buckets`: 'Bad_Bucket!'"):
        run(program, mocks=mocks)
    assert mocks.registrations == []


KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:authorize"
ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/files/0a1b2c3d-0000-1111-2222-333344445555"
# Every input that may be an Output, given one that resolves to a good value: accepted, and the value arrives.
GOOD_OUTPUTS = [
    ({"buckets": [later("alpha-bucket")]}, "api-policy", "policy", "arn:aws:s3:::alpha-bucket"),
    ({"key_prefix": later("in/")}, "api-api", "body", "{bucket}/in/{object}"),
    ({"binary_media_types": [later("image/png")]}, "api-api", "body", "image/png"),
    ({"status_mapping": later("tutorial")}, "api-api", "body", "5\\\\d{2}"),
    ({"allowed_source_cidrs": [later("10.0.0.0/8")]}, "api-api", "body", "10.0.0.0/8"),
    ({"endpoint_type": "PRIVATE", "vpc_endpoint_ids": [later("vpce-0a1b2c3d4")]}, "api-api", "body", "vpce-0a1b2c3d4"),
    ({"cors": {"allow_origin": later("https://app.example.com")}}, "api-api", "body", "https://app.example.com"),
    ({"cors": {"allow_origin": "*", "allow_headers": [later("X-Trace")]}}, "api-api", "body", "X-Trace"),
    ({"cors": {"allow_origin": "*", "max_age": later(77)}}, "api-api", "body", "'77'"),
    ({"stage_name": later("v2")}, "api-stage", "stageName", "v2"),
    ({"tracing_enabled": later(True)}, "api-stage", "xrayTracingEnabled", True),
    ({"stage_variables": {"env": later("prod")}}, "api-stage", "variables", {"env": "prod"}),
    ({"tags": {"team": later("storage")}}, "api-role", "tags", {"team": "storage"}),
    ({"throttling_rate_limit": later(7)}, "api-throttling", "settings", {"throttlingRateLimit": 7.0}),
    ({"access_logs": {"retention_days": later(7)}}, "api-access-logs", "retentionInDays", 7),
    (
        {"api_keys": {"names": ["web"], "quota_limit": later(9)}},
        "api-usage-plan",
        "quotaSettings",
        {"limit": 9, "period": "MONTH"},
    ),
    (
        {"method_throttling": {"GET /": {"burst_limit": later(3)}}},
        "api-throttling-get",
        "settings",
        {"throttlingBurstLimit": 3},
    ),
    (
        {"custom_domain": {"domain_name": later("f.example.com"), "certificate_arn": later(CERT)}},
        "api-domain",
        "domainName",
        "f.example.com",
    ),
    (
        {"custom_domain": {"domain_name": "f.example.com", "certificate_arn": later(CERT)}},
        "api-domain",
        "regionalCertificateArn",
        CERT,
    ),
    (
        {"custom_domain": {"domain_name": "f.example.com", "certificate_arn": CERT, "base_path": later("v1")}},
        "api-base-path",
        "basePath",
        "v1",
    ),
    ({"web_acl_arn": later(ACL)}, "api-waf", "webAclArn", ACL),
    ({"kms_key_arns": [later(KEY)]}, "api-policy", "policy", KEY),
    ({"sse_kms_key_arn": later(KEY)}, "api-api", "body", f"'{KEY}'"),
    ({"metadata_headers": [later("x-amz-meta-owner")]}, "api-api", "body", "method.request.header.x-amz-meta-owner"),
    (
        {"authorization": "COGNITO_USER_POOLS", "authorizer": {"user_pool_arns": [later(POOL)]}},
        "api-api",
        "body",
        POOL,
    ),
    (
        {"authorization": "CUSTOM", "authorizer": {"function_arn": later(FUNCTION)}},
        "api-authorizer-permission",
        "function",
        FUNCTION,
    ),
]


@pytest.mark.parametrize("inputs, resource, prop, expected", GOOD_OUTPUTS)
def test_every_input_may_be_an_output_and_its_value_arrives(inputs, resource, prop, expected) -> None:
    def program() -> dict[str, Any]:
        return {"url": S3ProxyApi("api", {"allowed_actions": ["s3:*"], **inputs}).url}

    _, mocks = run(program)
    value = registered(mocks)[resource][prop]
    if isinstance(expected, str) and isinstance(value, str):
        assert expected in value
    else:
        assert value == expected
