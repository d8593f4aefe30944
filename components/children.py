"""The children of `S3ProxyApi`, one function per part of the architecture: the execution role and its policies,
the API and its stage, and the stage's features. Each takes the `Context` of the component being built.

Which children exist is decided by the `Shape` (plain inputs, and whether optional ones are set); what they hold
comes from the `config` Output, validated again when the inputs resolve, so a bad resolved value fails every
child that uses it, naming the input.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import pulumi
import pulumi_aws as aws

from .alarms import NAMESPACE, alarm_specs, alarm_threshold, dashboard_body
from .caller_policy import render_caller_policy
from .catalogue import partition_of
from .config import ProxyConfig, Shape, Throttle, check_certificate_region
from .openapi import digest, render_openapi, to_json
from .policy import render_deployer_policy, render_policy, render_trust_policy
from .policy_split import split_policy

T = TypeVar("T")
# One JSON object per request in the access log (API Gateway's $context variables), with why a request failed:
# API Gateway's own error, the integration's (S3 unreachable, the role not assumable) and the authorizer's.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "user": "$context.identity.userArn",
    "apiKeyId": "$context.identity.apiKeyId",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "status": "$context.status",
    "integrationStatus": "$context.integration.status",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "error": "$context.error.message",
    "integrationError": "$context.integration.error",
    "authorizerError": "$context.authorizer.error",
}


def access_log_format(web_acl: bool) -> str:
    """The access log line; with a web ACL, also WAF's verdict (`WAF_ALLOW` or `WAF_BLOCK`)."""
    fields = ACCESS_LOG_FIELDS | ({"wafResponse": "$context.wafResponseCode"} if web_acl else {})
    return json.dumps(fields, separators=(",", ":"))


def split_function_arn(arn: str) -> tuple[str, str | None]:
    """A Lambda function ARN as (unqualified ARN, qualifier or None): `...:function:auth:live` -> `...:function:auth`
    and `live`. The provider's Read records a Permission's function and qualifier apart, both ForceNew
    (terraform-provider-aws internal/service/lambda/permission.go, resourcePermissionRead), so a qualified ARN
    given whole would replace the Permission on every update."""
    parts = arn.split(":")
    return (":".join(parts[:7]), parts[7]) if len(parts) == 8 else (arn, None)


def present(setting: T | None) -> T:
    """A nested setting of the resolved configuration: set, as in the shape (whether it is set is plain)."""
    assert setting is not None
    return setting


def slug(method: str) -> str:
    """`GET /{folder}/{item+}` -> `get-folder-item`, for resource names."""
    return "-".join(filter(None, re.split(r"[^a-z0-9]+", method.lower())))


def method_path_of(method: str) -> str:
    """`GET /{folder}/{item+}` -> `~1{folder}~1{item+}/GET`, MethodSettings' `resource_path/VERB`.

    The resource path's slashes are escaped as `~1` (JSON pointer, as UpdateStage's patch paths
    and GetStage's `methodSettings` keys write them): unescaped, `{folder}/{item+}/GET` is read as
    the wrong path and AWS answers "Invalid method setting path"."""
    verb, path = method.split(" ", 1)
    return f"{path.replace('/', '~1')}/{verb}"


@dataclass(frozen=True)
class Context:
    """What every step takes: the component's name, its shape, its configuration (resolved at deployment), the
    region and account it is deployed in, the tags of its children and their resource options."""

    name: str
    shape: Shape
    config: pulumi.Output[ProxyConfig]
    region: pulumi.Output[str]
    account_id: pulumi.Output[str]
    tags: pulumi.Output[dict[str, str] | None]
    child: pulumi.ResourceOptions

    def setting(self, pick: Callable[[ProxyConfig], T]) -> pulumi.Output[T]:
        return self.config.apply(pick)

    def waiting_for(self, resources: list) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions.merge(self.child, pulumi.ResourceOptions(depends_on=resources))


@dataclass(frozen=True)
class Role:
    """The execution role's ARN; its policy (JSON), whole; and its grants (inline policy and attachments), which the
    deployment waits for. In caller mode there is no role: ARN and policy are None, and there are no grants."""

    arn: pulumi.Output[str | None]
    policy: pulumi.Output[str | None]
    grants: list[pulumi.Resource]


def execution_role(c: Context, managed: int) -> Role:
    """The role API Gateway assumes, with its policy inline and, beyond what that holds, in `managed` policies; none
    in caller mode, where API Gateway calls S3 as each caller."""
    if c.shape.integration_credentials != "role":
        return Role(pulumi.Output.from_input(None), pulumi.Output.from_input(None), [])
    role = aws.iam.Role(
        f"{c.name}-role",
        description=f"Assumed by API Gateway for the S3 proxy API {c.name}",
        assume_role_policy=json.dumps(render_trust_policy()),
        tags=c.tags,
        opts=c.child,
    )
    whole_policy = pulumi.Output.all(c.config, c.region, c.account_id).apply(
        lambda values: render_policy(values[0], partition_of(values[1]), values[1], values[2])
    )
    parts = whole_policy.apply(lambda document: [json.dumps(p, indent=2) for p in split_policy(document, managed)])
    attachments = managed_policies(c, managed, parts, role)
    # IAM is eventually consistent: when the split moves grants into managed policies, they are attached
    # before the inline policy gives them up (removed parts are deleted last, after every update).
    inline = aws.iam.RolePolicy(f"{c.name}-policy", role=role.id, policy=parts[0], opts=c.waiting_for(attachments))
    policy = whole_policy.apply(lambda document: json.dumps(document, indent=2))
    return Role(role.arn, policy, [inline, *attachments])


def managed_policies(
    c: Context, managed: int, parts: pulumi.Output[list[str]], role: aws.iam.Role
) -> list[aws.iam.RolePolicyAttachment]:
    """The parts of the policy beyond the inline one (`parts[0]`), each a customer-managed policy attached
    to the role; returns the attachments, which the inline policy and the deployment wait for. Each part waits
    for the parts after it: when buckets are added, the split moves grants towards later parts, which thus
    take them before the earlier ones give them up."""
    attachments: list[aws.iam.RolePolicyAttachment] = []
    for i in range(managed, 0, -1):
        part = aws.iam.Policy(
            f"{c.name}-policy-{i}",
            description=f"Part {i} of the permissions of the S3 proxy API {c.name}'s role",
            policy=parts[i],
            tags=c.tags,
            opts=c.waiting_for(attachments[:1]),
        )
        attachments.insert(
            0,
            aws.iam.RolePolicyAttachment(
                f"{c.name}-policy-{i}-attachment", role=role.name, policy_arn=part.arn, opts=c.child
            ),
        )
    return attachments


def rest_api(c: Context, role_arn: pulumi.Output[str | None]) -> tuple[aws.apigateway.RestApi, pulumi.Output[str]]:
    """The REST API, the OpenAPI document (JSON) rendered for the role; returns both."""
    # The document takes the API's partition and account from the role's ARN, or from the account's root.
    account_root = pulumi.Output.all(c.region, c.account_id).apply(
        lambda v: f"arn:{partition_of(v[0])}:iam::{v[1]}:root"
    )
    rendered = pulumi.Output.all(c.config, c.region, role_arn, account_root).apply(
        lambda values: render_openapi(values[0], title=c.name, region=values[1], role_arn=values[2] or values[3])
    )
    document = rendered.apply(to_json)
    api = aws.apigateway.RestApi(
        f"{c.name}-api",
        name=c.name,
        body=document,
        # The body's resource policy, binary media types and VPC endpoints are also given as the RestApi's own
        # inputs. After PutRestApi the provider PATCHes these Optional+Computed settings back from its inputs,
        # or, where they are unset, from the prior state, so a setting only in the body would be reverted on
        # update: a removed CIDR would stay (terraform-provider-aws internal/service/apigateway/rest_api.go,
        # resourceRestAPIWithBodyUpdateOperations; pulumi/pulumi-aws#2321, hashicorp/terraform-provider-aws#38515).
        # No policy is "": the provider then PATCHes `/policy` to empty, which removes an earlier one.
        policy=rendered.apply(
            lambda d: to_json(d["x-amazon-apigateway-policy"]) if "x-amazon-apigateway-policy" in d else ""
        ),
        binary_media_types=c.setting(lambda config: list(config.binary_media_types)),
        endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(
            types=c.shape.endpoint_type,
            vpc_endpoint_ids=c.setting(lambda config: list(config.vpc_endpoint_ids))
            if c.shape.endpoint_type == "PRIVATE"
            else None,
        ),
        # The API's own settings, also inputs for the same reason. An unset compression size is "-1", which the
        # provider PATCHes to none (rest_api.go, as above): without it, the prior state's size would come back.
        description=c.setting(lambda config: config.description),
        minimum_compression_size=c.setting(
            lambda config: "-1" if config.minimum_compression_size is None else str(config.minimum_compression_size)
        ),
        disable_execute_api_endpoint=c.setting(lambda config: config.disable_execute_api_endpoint),
        put_rest_api_mode="overwrite",  # routes removed from the document disappear from the API
        fail_on_warnings=True,
        region=c.shape.region,
        tags=c.tags,
        opts=c.child,
    )
    return api, document


def stage(
    c: Context, api: aws.apigateway.RestApi, document: pulumi.Output[str], grants: list[pulumi.Resource]
) -> aws.apigateway.Stage:
    """The deployment of the document, once the role holds its grants, and the stage serving it."""
    # Replaced (created before the old one is deleted) exactly when the document changes, so the
    # stage always serves the latest document and identical inputs keep the same deployment.
    deployment = aws.apigateway.Deployment(
        f"{c.name}-deployment",
        rest_api=api.id,
        triggers={"openapi-sha256": document.apply(digest)},
        region=c.shape.region,
        opts=c.waiting_for(grants),
    )
    return aws.apigateway.Stage(
        f"{c.name}-stage",
        rest_api=api.id,
        deployment=deployment.id,
        stage_name=c.setting(lambda config: config.stage_name),
        xray_tracing_enabled=c.setting(lambda config: config.tracing_enabled),
        variables=c.setting(lambda config: dict(config.stage_variables) or None),
        access_log_settings=access_logs(c),
        region=c.shape.region,
        tags=c.tags,
        opts=c.child,
    )


def access_logs(c: Context) -> aws.apigateway.StageAccessLogSettingsArgs | None:
    """A log group the stage writes one JSON line per request to. API Gateway needs the
    account-level CloudWatch role (`aws.apigateway.Account`), an account singleton left to you: on an account
    without it, the stage is created and its update with the log settings then fails."""
    if not c.shape.access_logs:
        return None
    group = aws.cloudwatch.LogGroup(
        f"{c.name}-access-logs",
        retention_in_days=c.setting(lambda config: present(config.access_logs).retention_days),
        region=c.shape.region,
        tags=c.tags,
        opts=c.child,
    )
    return aws.apigateway.StageAccessLogSettingsArgs(
        destination_arn=group.arn, format=access_log_format(c.shape.web_acl)
    )


def throttling(c: Context, api: aws.apigateway.RestApi, stage: aws.apigateway.Stage) -> None:
    """Stage-wide limits (`*/*`) and those of single methods, one MethodSettings each."""

    def limits_of(method: str | None) -> Callable[[ProxyConfig], Throttle]:
        def limits(config: ProxyConfig) -> Throttle:
            if method is None:
                return Throttle(config.throttling_rate_limit, config.throttling_burst_limit)
            return dict(config.method_throttling)[method]

        return limits

    stage_wide = [("", "*/*", None)] if c.shape.stage_throttled else []
    for suffix, method_path, method in stage_wide + [
        (f"-{slug(method)}", method_path_of(method), method) for method in c.shape.throttled_methods
    ]:
        limits = c.setting(limits_of(method))
        aws.apigateway.MethodSettings(
            f"{c.name}-throttling{suffix}",
            rest_api=api.id,
            stage_name=stage.stage_name,
            method_path=method_path,
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                throttling_rate_limit=limits.apply(lambda t: t.rate_limit),
                throttling_burst_limit=limits.apply(lambda t: t.burst_limit),
            ),
            region=c.shape.region,
            opts=c.child,
        )


def authorizer_permission(c: Context, api: aws.apigateway.RestApi) -> None:
    """With a Lambda authorizer (`CUSTOM`), API Gateway may invoke its function for this API's authorizers, nothing
    else. The permission lives in the function's region, which may not be the API's."""
    if c.shape.authorization != "CUSTOM":
        return
    function = c.setting(lambda config: split_function_arn(present(present(config.authorizer).function_arn)))
    aws.lambda_.Permission(
        f"{c.name}-authorizer-permission",
        action="lambda:InvokeFunction",
        function=function.apply(lambda f: f[0]),
        qualifier=function.apply(lambda f: f[1]),
        principal="apigateway.amazonaws.com",
        source_arn=api.execution_arn.apply(lambda arn: f"{arn}/authorizers/*"),
        region=function.apply(lambda f: f[0].split(":")[3]),
        opts=c.child,
    )


def api_keys(c: Context, api: aws.apigateway.RestApi, stage: aws.apigateway.Stage) -> pulumi.Output[dict[str, str]]:
    """One API key per consumer, all under one usage plan bound to the stage; returns their
    values by consumer name (a secret)."""
    if not c.shape.api_key_names:
        return pulumi.Output.from_input({})
    keys = c.setting(lambda config: present(config.api_keys))
    plan = aws.apigateway.UsagePlan(
        f"{c.name}-usage-plan",
        api_stages=[aws.apigateway.UsagePlanApiStageArgs(api_id=api.id, stage=stage.stage_name)],
        quota_settings=aws.apigateway.UsagePlanQuotaSettingsArgs(
            limit=keys.apply(lambda k: present(k.quota_limit)), period=keys.apply(lambda k: k.quota_period)
        )
        if c.shape.api_key_quota
        else None,
        throttle_settings=aws.apigateway.UsagePlanThrottleSettingsArgs(
            rate_limit=keys.apply(lambda k: k.rate_limit), burst_limit=keys.apply(lambda k: k.burst_limit)
        )
        if c.shape.api_key_throttled
        else None,
        region=c.shape.region,
        tags=c.tags,
        opts=c.child,
    )
    values: dict[str, pulumi.Output[str]] = {}
    for consumer in c.shape.api_key_names:
        key = aws.apigateway.ApiKey(
            f"{c.name}-key-{consumer}", name=f"{c.name}-{consumer}", region=c.shape.region, tags=c.tags, opts=c.child
        )
        aws.apigateway.UsagePlanKey(
            f"{c.name}-key-{consumer}-plan",
            key_id=key.id,
            key_type="API_KEY",
            usage_plan_id=plan.id,
            region=c.shape.region,
            opts=c.child,
        )
        values[consumer] = key.value
    return pulumi.Output.secret(pulumi.Output.all(**values))


def custom_domain(c: Context, api: aws.apigateway.RestApi, stage: aws.apigateway.Stage) -> pulumi.Output[str | None]:
    """The custom domain mapped to the stage; returns the name its DNS record must point at."""
    if not c.shape.custom_domain:
        return pulumi.Output.from_input(None)
    domain = c.setting(lambda config: present(config.custom_domain))

    def certificate_in_its_region(values: list) -> str:
        check_certificate_region(values[0], values[1])
        return present(values[0].custom_domain).certificate_arn

    certificate = pulumi.Output.all(c.config, c.region).apply(certificate_in_its_region)
    regional = c.shape.endpoint_type == "REGIONAL"
    domain_name = aws.apigateway.DomainName(
        f"{c.name}-domain",
        domain_name=domain.apply(lambda d: d.domain_name),
        regional_certificate_arn=certificate if regional else None,
        certificate_arn=None if regional else certificate,
        endpoint_configuration={"types": c.shape.endpoint_type},
        security_policy="TLS_1_2",
        region=c.shape.region,
        tags=c.tags,
        opts=c.child,
    )
    aws.apigateway.BasePathMapping(
        f"{c.name}-base-path",
        rest_api=api.id,
        stage_name=stage.stage_name,
        domain_name=domain_name.domain_name,
        base_path=domain.apply(lambda d: d.base_path),
        region=c.shape.region,
        opts=c.child,
    )
    return domain_name.regional_domain_name if regional else domain_name.cloudfront_domain_name


def web_acl(c: Context, stage: aws.apigateway.Stage) -> None:
    """The regional WAFv2 web ACL, associated with the stage."""
    if c.shape.web_acl:
        aws.wafv2.WebAclAssociation(
            f"{c.name}-waf",
            resource_arn=stage.arn,
            web_acl_arn=c.setting(lambda config: config.web_acl_arn),
            region=c.shape.region,
            opts=c.child,
        )


def alarms(c: Context, api: aws.apigateway.RestApi, stage: aws.apigateway.Stage) -> pulumi.Output[str | None]:
    """The stage's CloudWatch alarms (see `alarms.alarm_specs`) and a dashboard of its metrics; returns the
    dashboard's name."""
    if not c.shape.alarms:
        return pulumi.Output.from_input(None)
    settings = c.setting(lambda config: present(config.alarms))
    dimensions = {"ApiName": api.name, "Stage": stage.stage_name}
    actions = settings.apply(lambda a: [a.topic_arn] if a.topic_arn else [])
    for index, spec in enumerate(c.shape.alarms):
        aws.cloudwatch.MetricAlarm(
            f"{c.name}-{spec.suffix}",
            # The threshold and the description of the resolved input (the shape's spec is only which alarm it is).
            alarm_description=pulumi.Output.all(api.name, stage.stage_name, settings).apply(
                partial(_alarm_description, index)
            ),
            namespace=NAMESPACE,
            metric_name=spec.metric,
            dimensions=dimensions,
            statistic=spec.statistic,
            extended_statistic=spec.extended_statistic,
            threshold=settings.apply(partial(alarm_threshold, index)),
            comparison_operator="GreaterThanThreshold",
            period=settings.apply(lambda a: a.period_seconds),
            evaluation_periods=settings.apply(lambda a: a.evaluation_periods),
            treat_missing_data="notBreaching",  # no requests is no outage
            alarm_actions=actions,
            ok_actions=actions,
            region=c.shape.region,
            tags=c.tags,
            opts=c.child,
        )
    dashboard = aws.cloudwatch.Dashboard(
        f"{c.name}-dashboard",
        dashboard_name=stage.stage_name.apply(lambda stage_name: f"{c.name}-{stage_name}"),
        dashboard_body=pulumi.Output.all(api.name, stage.stage_name, c.region, settings).apply(
            lambda values: json.dumps(dashboard_body(*values))
        ),
        region=c.shape.region,
        opts=c.child,
    )
    return dashboard.dashboard_name


def _alarm_description(index: int, values: list) -> str:
    api_name, stage_name, settings = values
    return alarm_specs(settings)[index].describe(api_name, stage_name)


def caller_policy(c: Context, stage: aws.apigateway.Stage) -> pulumi.Output[str | None]:
    """The caller's identity policy (JSON), `caller_policy.render_caller_policy`; None when callers are not IAM
    principals."""

    def rendered(values: list) -> str | None:
        config, region, account_id, execution_arn = values
        policy = render_caller_policy(
            config, partition=partition_of(region), region=region, account_id=account_id, execution_arn=execution_arn
        )
        return json.dumps(policy, indent=2) if policy else None

    return pulumi.Output.all(c.config, c.region, c.account_id, stage.execution_arn).apply(rendered)


def deployer_policy(c: Context, managed: int) -> pulumi.Output[str]:
    """The policy (JSON) of the identity that deploys the component: `policy.render_deployer_policy`."""
    return pulumi.Output.all(c.config, c.region, c.account_id).apply(
        lambda values: json.dumps(
            render_deployer_policy(
                values[0],
                name=c.name,
                partition=partition_of(values[1]),
                region=values[1],
                account_id=values[2],
                managed_policies=managed,
            ),
            indent=2,
        )
    )
