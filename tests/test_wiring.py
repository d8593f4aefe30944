"""How the component's resources are wired, as the engine sees it: what each registration depends on (the
order `pulumi up` creates them in), which children carry the tags, and where the custom domain points."""

import json
from typing import Any

import pulumi_aws as aws
import pytest
from conftest import OUTPUT_NAMES, build

ALL = {"allowed_actions": ["s3:*"]}
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/files/0a1b2c3d-0000-1111-2222-333344445555"
TAGS = {"team": "platform", "cost-center": "42"}
EVERYTHING = ALL | {
    "tags": TAGS,
    "throttling_rate_limit": 10,
    "method_throttling": {"GET /{folder}/{item+}": {"rate_limit": 5, "burst_limit": 10}},
    "api_keys": {"names": ["web"]},
    "access_logs": {"retention_days": 7},
    "custom_domain": {"domain_name": "files.example.com", "certificate_arn": CERT},
    "web_acl_arn": ACL,
    "alarms": {
        "client_error_rate": 0.2,
        "integration_latency_p99_ms": 1000,
        "topic_arn": "arn:aws:sns:us-east-1:123456789012:ops",
    },
}

# Every resource type the component can register, by whether AWS lets it carry tags (checked against
# pulumi_aws below): a new child type must be put in one of the two.
TAGGABLE = {
    "aws:iam/role:Role",
    "aws:apigateway/restApi:RestApi",
    "aws:apigateway/stage:Stage",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:apigateway/usagePlan:UsagePlan",
    "aws:apigateway/apiKey:ApiKey",
    "aws:apigateway/domainName:DomainName",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
}
UNTAGGABLE = {
    "aws:iam/rolePolicy:RolePolicy",
    "aws:apigateway/deployment:Deployment",
    "aws:apigateway/methodSettings:MethodSettings",
    "aws:apigateway/usagePlanKey:UsagePlanKey",
    "aws:apigateway/basePathMapping:BasePathMapping",
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "aws:cloudwatch/dashboard:Dashboard",
}
CLASSES: dict[str, Any] = {
    "aws:iam/role:Role": aws.iam.Role,
    "aws:apigateway/restApi:RestApi": aws.apigateway.RestApi,
    "aws:apigateway/stage:Stage": aws.apigateway.Stage,
    "aws:cloudwatch/logGroup:LogGroup": aws.cloudwatch.LogGroup,
    "aws:apigateway/usagePlan:UsagePlan": aws.apigateway.UsagePlan,
    "aws:apigateway/apiKey:ApiKey": aws.apigateway.ApiKey,
    "aws:apigateway/domainName:DomainName": aws.apigateway.DomainName,
    "aws:iam/rolePolicy:RolePolicy": aws.iam.RolePolicy,
    "aws:apigateway/deployment:Deployment": aws.apigateway.Deployment,
    "aws:apigateway/methodSettings:MethodSettings": aws.apigateway.MethodSettings,
    "aws:apigateway/usagePlanKey:UsagePlanKey": aws.apigateway.UsagePlanKey,
    "aws:apigateway/basePathMapping:BasePathMapping": aws.apigateway.BasePathMapping,
    "aws:wafv2/webAclAssociation:WebAclAssociation": aws.wafv2.WebAclAssociation,
    "aws:cloudwatch/metricAlarm:MetricAlarm": aws.cloudwatch.MetricAlarm,
    "aws:cloudwatch/dashboard:Dashboard": aws.cloudwatch.Dashboard,
}


@pytest.fixture(scope="module")
def everything() -> Any:
    return build(EVERYTHING)


def test_the_taggable_table_is_pulumi_aws_own():
    for token, cls in CLASSES.items():
        assert (token in TAGGABLE) == ("tags" in cls._internal_init.__code__.co_varnames), token
    assert set(CLASSES) == TAGGABLE | UNTAGGABLE


def test_every_taggable_child_carries_the_tags(everything):
    children = {name: token for name, token in everything.types.items() if token != "s3proxy:index:S3ProxyApi"}
    assert set(children.values()) == TAGGABLE | UNTAGGABLE  # every feature on: every child type registered
    for name, token in children.items():
        if token in TAGGABLE:
            assert everything.states[name].get("tags") == TAGS, name
        else:
            assert "tags" not in everything.states[name], name


def test_no_tags_means_no_tags_input(everything):
    built = build(ALL | {k: v for k, v in EVERYTHING.items() if k != "tags"})
    assert not any("tags" in state for state in built.states.values())


def test_the_deployment_waits_for_the_role_policy_and_the_api(everything):
    """Deployed before its policy exists, the first requests would fail: API Gateway assumes the role to call S3."""
    assert {"api-policy", "api-api"} <= everything.dependencies["api-deployment"]
    assert everything.property_dependencies["api-deployment"]["restApi"] == {"api-api"}


def test_the_stage_follows_its_deployment_and_the_method_settings_follow_the_stage(everything):
    assert everything.property_dependencies["api-stage"]["deployment"] == {"api-deployment"}
    for settings in ("api-throttling", "api-throttling-get-folder-item"):
        # The stage's own name output: MethodSettings on a stage that does not exist yet would fail (NotFound).
        assert everything.property_dependencies[settings]["stageName"] == {"api-stage"}, settings
        assert everything.states[settings]["stageName"] == "dev"
        assert everything.property_dependencies[settings]["restApi"] == {"api-api"}


def test_keys_plans_domains_and_the_waf_hang_off_the_stage(everything):
    assert everything.property_dependencies["api-usage-plan"]["apiStages"] == {"api-api", "api-stage"}
    assert everything.property_dependencies["api-key-web-plan"]["keyId"] == {"api-key-web"}
    assert everything.property_dependencies["api-key-web-plan"]["usagePlanId"] == {"api-usage-plan"}
    assert everything.property_dependencies["api-base-path"]["stageName"] == {"api-stage"}
    assert everything.property_dependencies["api-base-path"]["domainName"] == {"api-domain"}
    assert everything.property_dependencies["api-waf"]["resourceArn"] == {"api-stage"}
    assert everything.property_dependencies["api-stage"]["accessLogSettings"] == {"api-access-logs"}


def test_the_role_policy_belongs_to_the_role_and_the_api_document_names_it(everything):
    assert everything.property_dependencies["api-policy"]["role"] == {"api-role"}
    assert "api-role" in everything.property_dependencies["api-api"]["body"]


@pytest.mark.parametrize(
    ("endpoint_type", "target_output"), [("REGIONAL", "regionalDomainName"), ("EDGE", "cloudfrontDomainName")]
)
def test_the_domain_target_is_the_name_of_the_endpoint_type(endpoint_type, target_output):
    """An EDGE domain is served by CloudFront: its DNS record points at the distribution's name."""
    built = build(
        ALL
        | {
            "endpoint_type": endpoint_type,
            "custom_domain": {"domain_name": "files.example.com", "certificate_arn": CERT},
        }
    )
    domain = built.one("aws:apigateway/domainName:DomainName")
    suffix = {"REGIONAL": ".execute-api.us-east-1.amazonaws.com", "EDGE": ".cloudfront.net"}[endpoint_type]
    assert built.outputs["domain_target"] == domain[target_output]
    assert built.outputs["domain_target"].endswith(suffix)


def test_every_regional_child_lives_in_the_components_region_not_the_providers():
    # pulumi-aws 7 lets each resource name its region: a component given `region` puts all of its regional
    # children there, whatever region the provider (the stack's aws:region) defaults to. IAM is global.
    elsewhere = {
        key: value.replace("us-east-1", "eu-west-1") if isinstance(value, str) else value
        for key, value in EVERYTHING.items()
    } | {
        "custom_domain": {"domain_name": "files.example.com", "certificate_arn": CERT.replace("us-east-1", "eu-west-1")}
    }
    built = build(elsewhere | {"region": "eu-west-1"}, provider_region="us-east-1")
    children = {name: token for name, token in built.types.items() if token != "s3proxy:index:S3ProxyApi"}
    assert set(children.values()) == TAGGABLE | UNTAGGABLE
    for name, token in children.items():
        expected = None if token.startswith("aws:iam/") else "eu-west-1"
        assert built.states[name].get("region") == expected, name


def test_a_usage_plan_without_limits_has_no_throttle_or_quota(everything):
    # An empty throttle block would be sent as limits of 0 (no request ever allowed) or refused.
    plan = everything.one("aws:apigateway/usagePlan:UsagePlan")
    assert "throttleSettings" not in plan and "quotaSettings" not in plan
    limited = build(ALL | {"api_keys": {"names": ["web"], "rate_limit": 5, "quota_limit": 1000}})
    plan = limited.one("aws:apigateway/usagePlan:UsagePlan")
    assert plan["throttleSettings"] == {"rateLimit": 5}
    assert plan["quotaSettings"] == {"limit": 1000, "period": "MONTH"}


def test_the_authorizers_invoke_permission_is_a_child_in_the_components_region():
    function = "arn:aws:lambda:eu-west-1:123456789012:function:authorize"
    built = build(
        ALL | {"region": "eu-west-1", "authorization": "CUSTOM", "authorizer": {"function_arn": function}},
        provider_region="us-east-1",
    )
    (urn,) = [urn for urn in built.urns if urn.endswith("::api-authorizer-permission")]
    assert "::s3proxy:index:S3ProxyApi$aws:lambda/permission:Permission::" in urn  # parented by the component
    permission = built.one("aws:lambda/permission:Permission")
    assert (permission["region"], permission["function"]) == ("eu-west-1", function)


def test_the_component_registers_each_of_its_outputs_with_the_engine(everything):
    # What `pulumi stack export` shows under the component, and what a package host's caller reads back.
    assert set(everything.registered_outputs["api"]) == set(OUTPUT_NAMES)  # conftest's hand-written list


def test_the_policies_are_shown_indented_and_the_deployers_names_the_components_region():
    built = build(ALL | {"region": "eu-west-1"}, provider_region="us-east-1")
    for output in ("policy", "deployer_policy"):
        assert built.outputs[output].startswith('{\n  "Version": "2012-10-17",\n  "Statement": [\n'), output
    deployer = json.loads(built.outputs["deployer_policy"])
    (gateway,) = [s for s in deployer["Statement"] if s["Sid"] == "ApiGateway"]
    assert "arn:aws:apigateway:eu-west-1::/restapis" in gateway["Resource"]


def test_every_child_is_parented_by_the_component():
    """A URN's third part is its parent's type, `$`, its own type: a child the component forgot to parent
    hangs off the stack (`pulumi:pulumi:Stack$aws:...`). Built here, not by the module's fixture, so that a
    mutation tool sees this test reach the component's code (mutmut maps a test to what runs during it)."""
    everything = build(EVERYTHING)
    children = [urn.split("::")[2] for urn in everything.urns if not urn.endswith("::api")]
    assert len(children) == len(everything.types) - 1  # every child but the component itself
    assert all(chain.startswith("s3proxy:index:S3ProxyApi$") for chain in children), children


@pytest.mark.parametrize("endpoint_type", ["REGIONAL", "EDGE"])
def test_the_custom_domain_has_the_apis_endpoint_type_and_its_certificate_slot(endpoint_type):
    built = build(EVERYTHING | {"endpoint_type": endpoint_type})
    domain = built.one("aws:apigateway/domainName:DomainName")
    assert domain["endpointConfiguration"] == {"types": endpoint_type}
    # A regional domain takes a regional certificate; an edge one a certificate for CloudFront (us-east-1).
    slot = "regionalCertificateArn" if endpoint_type == "REGIONAL" else "certificateArn"
    other = "certificateArn" if endpoint_type == "REGIONAL" else "regionalCertificateArn"
    assert (domain.get(slot), domain.get(other)) == (CERT, None)
    assert built.one("aws:iam/role:Role")["description"] == "Assumed by API Gateway for the S3 proxy API api"
