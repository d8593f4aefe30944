"""`S3ProxyApi`: an API Gateway REST API that proxies Amazon S3, least-privilege and tested.

Deliberately thin: inputs are validated by `config`, the API is the document `openapi` renders and
the role's permissions are what `policy` renders; this module only wires them into resources.
"""

import json
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import NotRequired, TypedDict, TypeVar

import pulumi
import pulumi_aws as aws

from .alarms import NAMESPACE, alarm_specs, alarm_threshold, dashboard_body, describe_alarm
from .caller_policy import render_caller_policy
from .catalogue import partition_of
from .config import ProxyConfig, Throttle, check_certificate_region, validate_args, with_stand_ins
from .openapi import digest, render_openapi, to_json
from .policy import render_deployer_policy, render_policy, render_trust_policy
from .policy_split import plan_managed_policies, split_policy

TYPE_TOKEN = "s3proxy:index:S3ProxyApi"
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


def caller_policy_json(config: ProxyConfig, region: str, account_id: str, execution_arn: str) -> str | None:
    """The `caller_policy` output: the caller's identity policy as JSON, None when callers are not IAM principals."""
    policy = render_caller_policy(
        config, partition=partition_of(region), region=region, account_id=account_id, execution_arn=execution_arn
    )
    return json.dumps(policy, indent=2) if policy else None


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


class ApiKeySettings(TypedDict):
    """API keys, one per consumer, under one usage plan bound to the stage. Every method then requires
    the `x-api-key` header, in addition to SigV4 signatures when `authorization` is `AWS_IAM`."""

    names: Sequence[str]
    """Consumer names, one key each: 1-64 letters, digits, `.`, `_` or `-`. The `api_keys` output holds
    the key values by name. Plain: each name is an `ApiKey` resource."""
    quota_limit: NotRequired[pulumi.Input[int]]
    """Requests each key may make per `quota_period`. Default: no quota."""
    quota_period: NotRequired[pulumi.Input[str]]
    """`DAY`, `WEEK` or `MONTH` (default)."""
    rate_limit: NotRequired[pulumi.Input[float]]
    """Steady-state requests per second of each key. Default: no per-key limit."""
    burst_limit: NotRequired[pulumi.Input[int]]
    """Burst of requests of each key. Default: no per-key limit."""


class CorsSettings(TypedDict):
    """CORS for browsers on another origin: an unauthenticated `OPTIONS` preflight on every path, and
    the CORS headers on every response. Whether it is set is plain (it adds the preflight methods)."""

    allow_origin: pulumi.Input[str]
    """`*` or one origin such as `https://app.example.com`."""
    allow_headers: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Request headers browsers may send besides those always allowed: `Authorization`, `Content-Type`,
    the SigV4 `X-Amz-*` headers, `X-Api-Key` and every request header the routes pass to S3 (metadata
    headers included). Default: none."""
    expose_headers: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Response headers scripts may read besides those always exposed: every header a response passes
    back from S3 (ETag, version id, checksums, metadata...) that is not CORS-safelisted. Default: none."""
    max_age: NotRequired[pulumi.Input[int]]
    """Seconds browsers may cache a preflight answer. Default 600."""


class AccessLogSettings(TypedDict):
    """JSON access logs of the stage, one line per request, in a CloudWatch Logs group. Whether it is set is plain
    (it adds the log group).

    API Gateway writes them with the account's CloudWatch role, set once per account and region and left to you: on
    an account without it the stage is created and then its update with the log settings fails ("CloudWatch Logs
    role ARN must be set in account settings to enable logging"). The one-time setup: a role trusted by
    `apigateway.amazonaws.com` with the managed policy `AmazonAPIGatewayPushToCloudWatchLogs`, and
    `aws.apigateway.Account("account", cloudwatch_role_arn=role.arn)` (API Gateway Developer Guide,
    set-up-logging)."""

    retention_days: NotRequired[pulumi.Input[int]]
    """Days the logs are kept: one of CloudWatch Logs' retention periods. Default 30."""


class MethodThrottle(TypedDict):
    """Throttling limits of one method."""

    rate_limit: NotRequired[pulumi.Input[float]]
    """Steady-state requests per second."""
    burst_limit: NotRequired[pulumi.Input[int]]
    """Burst of requests."""


class CustomDomainSettings(TypedDict):
    """A custom domain name mapped to the stage. Whether it is set is plain (it adds the domain and its
    mapping)."""

    domain_name: pulumi.Input[str]
    """Lowercase DNS name, e.g. `files.example.com`."""
    certificate_arn: pulumi.Input[str]
    """ARN of the ACM certificate for it: in us-east-1 for an `EDGE` endpoint (CloudFront's), in the API's region
    for a `REGIONAL` one; any other region is refused."""
    base_path: NotRequired[pulumi.Input[str]]
    """Path under the domain where the stage is mapped. Default: the root."""


class AuthorizerSettings(TypedDict):
    """Who authenticates callers when `authorization` is `COGNITO_USER_POOLS` (`user_pool_arns`,
    `scopes`) or `CUSTOM` (a Lambda authorizer: `function_arn`, `type`, `identity_source`,
    `result_ttl_seconds`). The CORS preflight stays unauthenticated."""

    user_pool_arns: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Cognito user pool ARNs whose tokens are accepted (`COGNITO_USER_POOLS`)."""
    scopes: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """OAuth scopes an access token must hold (`COGNITO_USER_POOLS`). Default: an ID token suffices."""
    function_arn: NotRequired[pulumi.Input[str]]
    """ARN of the Lambda authorizer function (`CUSTOM`); API Gateway is permitted to invoke it for this
    API's authorizers only."""
    type: NotRequired[str]
    """`TOKEN` (default: one header holds the caller's token) or `REQUEST` (headers, query strings and
    stage variables). Plain."""
    identity_source: NotRequired[pulumi.Input[str]]
    """Where the identity is, e.g. `method.request.header.Authorization` (default); comma-separated for
    `REQUEST`."""
    result_ttl_seconds: NotRequired[pulumi.Input[int]]
    """Seconds API Gateway caches the authorizer's answer, 0-3600. Default 300."""


class AlarmSettings(TypedDict):
    """CloudWatch alarms on the stage's API Gateway metrics (dimensions `ApiName` and `Stage`), and a dashboard of
    them. Whether it is set, and which optional alarms are, is plain (it adds the alarms and the dashboard)."""

    server_error_rate: NotRequired[pulumi.Input[float]]
    """Alarm when more than this share of requests fail with a 5XX (`5XXError` Average) in a period. Default 0.05."""
    latency_p99_ms: NotRequired[pulumi.Input[float]]
    """Alarm when the p99 `Latency` exceeds this many milliseconds in a period. Default 3000."""
    client_error_rate: NotRequired[pulumi.Input[float]]
    """Also alarm when more than this share of requests get a 4XX (`4XXError` Average). Default: no such alarm."""
    integration_latency_p99_ms: NotRequired[pulumi.Input[float]]
    """Also alarm when S3's p99 `IntegrationLatency` exceeds this many milliseconds. Default: no such alarm."""
    period_seconds: NotRequired[pulumi.Input[int]]
    """Seconds per evaluated period: a multiple of 60, up to 86400. Default 300."""
    evaluation_periods: NotRequired[pulumi.Input[int]]
    """Consecutive breaching periods before an alarm fires. Default 1."""
    topic_arn: NotRequired[pulumi.Input[str]]
    """An SNS topic notified when an alarm fires and when it is OK again. Default: none (the alarms only show)."""


class S3ProxyApiArgs(TypedDict):
    """Inputs of `S3ProxyApi`. What only flows into the rendered document, the policies or child
    properties is a `pulumi.Input` (another resource's output, a secret, unknown in preview): literal values
    are validated when the component is constructed, Outputs by the same rules when they resolve, failing
    the deployment with the same message. What decides which routes or child resources exist is plain."""

    allowed_actions: Sequence[str]
    """S3 IAM actions the API may perform, e.g. `s3:GetObject`; case-insensitive; wildcards such as
    `s3:Get*` expand to the supported actions they match. Only routes of allowed actions exist, so it is
    plain."""
    region: NotRequired[str]
    """Region of the API and its S3 integrations. Default: the region of the AWS provider in effect.
    Plain: it selects where every child is created and its partition, like a provider setting; to deploy
    elsewhere, pass a provider of that region."""
    binary_media_types: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Media types API Gateway passes as raw bytes. Default `["*/*"]`: every payload, byte-exact."""
    buckets: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Bucket names the API may touch; the policy is scoped to them, e.g. `[bucket.bucket]` of a bucket
    of your stack. Default: all buckets (unless `bucket_patterns` is given). Beyond what the role's inline
    policy holds (about 150 names), the grants are split over customer-managed policies attached to the role,
    within IAM's quota of 10 (about 1,000 names of 16 characters); more is an error. Give a list (its items may
    be Outputs): one whole Output has an unknown length, so only the inline policy is planned for it."""
    bucket_patterns: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Bucket name patterns the API may touch, as well as `buckets`: a prefix of at least 3 characters and
    one `*` at the end, e.g. `acme-tenant-*`, rendered as IAM ARN wildcards (`arn:aws:s3:::acme-tenant-*` and
    `arn:aws:s3:::acme-tenant-*/*`): every bucket whose name starts with the prefix, in any account, today's
    and future ones. Opt-in; not with `key_prefix` (IAM's `*` also matches `/`). Default: none."""
    stage_name: NotRequired[pulumi.Input[str]]
    """Name of the stage, part of the URL. Default `dev`."""
    authorization: NotRequired[str]
    """`AWS_IAM` (default: callers sign requests with SigV4), `COGNITO_USER_POOLS` or `CUSTOM` (a Lambda
    authorizer; both configured by `authorizer`), or `NONE` (anyone can call the API). Plain: it decides
    the methods' security and whether the Lambda permission exists."""
    status_mapping: NotRequired[pulumi.Input[str]]
    """`faithful` (default: S3's own status codes) or `tutorial` (the AWS tutorial's 200/400/500)."""
    throttling_rate_limit: NotRequired[pulumi.Input[float]]
    """Steady-state requests per second allowed on every method of the stage. Default: account limit.
    Whether either stage-wide limit is set is plain (it adds a MethodSettings resource)."""
    throttling_burst_limit: NotRequired[pulumi.Input[int]]
    """Burst of requests allowed on every method of the stage. Default: account limit."""
    tracing_enabled: NotRequired[pulumi.Input[bool]]
    """Enable AWS X-Ray tracing on the stage. Default false."""
    tags: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Tags applied to every resource of the component that takes tags (the values may be Outputs)."""
    key_prefix: NotRequired[pulumi.Input[str]]
    """Scope objects to keys under this prefix (e.g. `uploads/`): the API maps every key under it,
    lists only under it, and the role may touch nothing else. `HEAD /{folder}` is then not offered."""
    allowed_source_cidrs: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Only requests from these CIDR blocks may invoke the API (a resource policy): public addresses
    (`aws:SourceIp`), or for a PRIVATE API the callers' addresses in their VPC (`aws:VpcSourceIp`)."""
    vpc_endpoint_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Only requests through these VPC endpoints may invoke the API (with `allowed_source_cidrs`:
    either suffices). Only with `endpoint_type` PRIVATE, the one type reached through VPC endpoints."""
    endpoint_type: NotRequired[str]
    """`REGIONAL` (default), `EDGE` or `PRIVATE` (reachable only through `vpc_endpoint_ids`). Plain: it
    decides the custom domain's kind and `domain_target`."""
    api_keys: NotRequired[ApiKeySettings]
    """API keys for the API's consumers, under one usage plan. Default: none."""
    cors: NotRequired[CorsSettings]
    """Let browsers on another origin call the API. Default: no CORS."""
    access_logs: NotRequired[AccessLogSettings]
    """JSON access logs of the stage in CloudWatch Logs. Default: none."""
    method_throttling: NotRequired[Mapping[str, MethodThrottle]]
    """Limits of single methods, by `VERB /path` as in `routes` (e.g. `GET /{folder}/{item+}`), in
    place of the stage-wide ones for those methods. The methods are plain (one MethodSettings each)."""
    custom_domain: NotRequired[CustomDomainSettings]
    """Serve the stage under a custom domain (not with `PRIVATE`); `domain_target` is then where its
    DNS record must point."""
    web_acl_arn: NotRequired[pulumi.Input[str]]
    """ARN of a regional WAFv2 web ACL to associate with the stage. Whether it is set is plain."""
    stage_variables: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Stage variables (names of letters, digits and `_`; values of letters, digits and `-._~:/?#&=,`)."""
    kms_key_arns: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """KMS keys the buckets' objects are encrypted with (SSE-KMS). The role may use exactly these keys,
    only through S3 of the API's region: `kms:Decrypt` with a read route, `kms:GenerateDataKey` and
    `kms:Decrypt` with a write route."""
    sse_kms_key_arn: NotRequired[pulumi.Input[str]]
    """Every object written through the API is encrypted with this KMS key: PutObject sends it as static
    headers clients cannot set or override, and the role may use it as above. Multipart uploads are then
    not offered (S3 refuses the encryption headers on UploadPart and CompleteMultipartUpload, which share
    those methods): objects up to API Gateway's 10 MB; for larger ones, use the bucket's default
    encryption and `kms_key_arns`. Whether it is set is plain."""
    metadata_headers: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """User metadata headers (`x-amz-meta-*`) passed through on PutObject and CreateMultipartUpload and
    returned by GetObject and HeadObject (API Gateway maps only headers it is given by name)."""
    authorizer: NotRequired[AuthorizerSettings]
    """The user pools or Lambda function of `COGNITO_USER_POOLS` or `CUSTOM` authorization."""
    bucket_accounts: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Account ids (12 digits) whose buckets the API may touch. Default: the API's own account. Every bucket and
    object grant holds only for buckets of these accounts (`s3:ResourceAccount`), and with one account S3 is also
    sent `x-amz-expected-bucket-owner`, so a bucket of another account, or a deleted bucket's name registered again
    elsewhere, is refused. Name the other accounts of cross-account buckets here."""
    integration_credentials: NotRequired[str]
    """Who S3 sees: `role` (default: the execution role, one identity for every caller) or `caller` (each caller
    itself: the integrations pass the caller's own SigV4 identity through, so S3 authorizes every request against the
    caller's policies, see `caller_policy`; no role or policy of the API is created). `caller` needs `authorization`
    AWS_IAM. Plain: it decides whether the role exists."""
    caller_folders: NotRequired[pulumi.Input[str]]
    """With `integration_credentials` = caller: `caller_policy` confines each caller to its own folder,
    `<key_prefix><variable>/`, named by the IAM policy variable of `username` (`${aws:username}`, IAM users),
    `userid` (`${aws:userid}`) or `cognito_identity` (`${cognito-identity.amazonaws.com:sub}`, a Cognito identity
    pool's identities). Default: none (the callers' policy spans the buckets, as the role's would)."""
    description: NotRequired[pulumi.Input[str]]
    """The REST API's description (its console and `GetRestApi`). Default: none."""
    minimum_compression_size: NotRequired[pulumi.Input[int]]
    """Compress responses of at least this many bytes (0 to 10,485,760) for clients that send `Accept-Encoding`.
    Default: no compression."""
    disable_execute_api_endpoint: NotRequired[bool]
    """Turn off the default `execute-api` endpoint, so that only `custom_domain` serves the API (required with it).
    Plain: checked against `custom_domain` at construction. Default false."""
    alarms: NotRequired[AlarmSettings]
    """CloudWatch alarms on the stage's 5XX error rate and p99 latency (optionally 4XX rate and S3's p99 latency),
    and a dashboard of the stage's metrics (the `dashboard_name` output). Default: none."""


class S3ProxyApi(pulumi.ComponentResource):
    """A REST API in front of Amazon S3: `GET /` lists buckets, `/{folder}` is a bucket and
    `/{folder}/{item+}` an object, each route backed by the least-privilege execution role (or, in caller mode, by
    each caller's own credentials)."""

    url: pulumi.Output[str]
    """Invoke URL of the stage."""
    rest_api_id: pulumi.Output[str]
    """ID of the REST API."""
    stage_name: pulumi.Output[str]
    """Name of the stage."""
    execution_arn: pulumi.Output[str]
    """Execution ARN of the stage, for `execute-api:Invoke` permissions of callers."""
    role_arn: pulumi.Output[str | None]
    """ARN of the role API Gateway assumes to call S3; none in caller mode (`integration_credentials` = caller)."""
    policy: pulumi.Output[str | None]
    """The role's permissions policy (JSON), whole: when it is too large for the role's inline policy, it
    is split over that and customer-managed policies attached to the role (`<name>-policy-<i>`). None in caller
    mode: each caller's own policies are what S3 authorizes (see `caller_policy`)."""
    openapi: pulumi.Output[str]
    """The OpenAPI document deployed as the API (JSON)."""
    routes: pulumi.Output[list[str]]
    """The API's routes, e.g. `GET /{folder}/{item+} -> s3:GetObject`."""
    api_keys: pulumi.Output[dict[str, str]]
    """API key values by consumer name (a secret); empty without `api_keys`."""
    domain_target: pulumi.Output[str | None]
    """The name the custom domain's DNS record must point at (alias/CNAME); none without one."""
    dashboard_name: pulumi.Output[str | None]
    """The CloudWatch dashboard of the stage's metrics; none without `alarms`."""
    deployer_policy: pulumi.Output[str]
    """The least-privilege IAM policy (JSON) the identity deploying this component needs, e.g. CI's
    role; it includes `iam:PassRole` of the execution role to API Gateway (in caller mode: no IAM action at all)."""
    caller_policy: pulumi.Output[str | None]
    """The least-privilege identity policy (JSON) a caller needs for the API's routes: `execute-api:Invoke` on its
    methods, and in caller mode the S3 (and KMS) permissions S3 checks the caller's own requests against, confined
    to the caller's folder with `caller_folders`. None unless `authorization` is AWS_IAM."""

    def __init__(self, name: str, args: S3ProxyApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # Before registering anything, every literal input is checked (a bad one builds nothing), and so is
        # the shape of the API: which routes and children exist, decided by the plain inputs alone.
        def is_output(value: object) -> bool:
            return isinstance(value, pulumi.Output)

        shape = validate_args(with_stand_ins(args, is_output))
        domain_args: Mapping[str, object] = args.get("custom_domain") or {}
        if shape.region and not is_output(domain_args.get("certificate_arn")):
            check_certificate_region(shape, shape.region)
        # How many managed policies the role's policy is split over, if any (no role in caller mode).
        managed = plan_managed_policies(shape, args, is_output) if shape.integration_credentials == "role" else 0
        super().__init__(TYPE_TOKEN, name, None, opts)
        # Outputs among the inputs are checked by the same validators when they resolve. Everything the
        # children and outputs take is derived from this one validated configuration, so a bad resolved
        # value fails every child that uses it, naming the input: it is never lost in an unused apply.
        config = pulumi.Output.from_input(dict(args)).apply(validate_args)
        # protect flows to children by itself; retain_on_delete does not, so it is passed on.
        self._child = pulumi.ResourceOptions(parent=self, retain_on_delete=(opts.retain_on_delete if opts else None))
        child = self._child
        lookup = pulumi.InvokeOutputOptions(parent=self)  # inherits the provider passed in opts
        region = pulumi.Output.from_input(shape.region) if shape.region else aws.get_region_output(opts=lookup).region
        account_id = aws.get_caller_identity_output(opts=lookup).account_id
        tags = config.apply(lambda c: dict(c.tags) or None)

        # In caller mode API Gateway calls S3 as each caller: there is no execution role and no policy of the API.
        role_arn: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        policy_json: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        permissions: list[pulumi.Resource] = []  # what the deployment waits for: the role's policies
        if shape.integration_credentials == "role":
            role = aws.iam.Role(
                f"{name}-role",
                description=f"Assumed by API Gateway for the S3 proxy API {name}",
                assume_role_policy=json.dumps(render_trust_policy()),
                tags=tags,
                opts=child,
            )
            whole_policy = pulumi.Output.all(config, region, account_id).apply(
                lambda values: render_policy(values[0], partition_of(values[1]), values[1], values[2])
            )
            policy_json = whole_policy.apply(lambda document: json.dumps(document, indent=2))
            parts = whole_policy.apply(
                lambda document: [json.dumps(p, indent=2) for p in split_policy(document, managed)]
            )
            grants = self._managed_policies(name, managed, parts, role, tags)
            # IAM is eventually consistent: when the split moves grants into managed policies, they are attached
            # before the inline policy gives them up (removed parts are deleted last, after every update).
            policy = aws.iam.RolePolicy(
                f"{name}-policy",
                role=role.id,
                policy=parts[0],
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=grants)),
            )
            role_arn, permissions = role.arn, [policy, *grants]
        # The document takes the API's partition and account from the role's ARN, or from the account's root.
        account_root = pulumi.Output.all(region, account_id).apply(
            lambda v: f"arn:{partition_of(v[0])}:iam::{v[1]}:root"
        )
        rendered = pulumi.Output.all(config, region, role_arn, account_root).apply(
            lambda values: render_openapi(values[0], title=name, region=values[1], role_arn=values[2] or values[3])
        )
        document = rendered.apply(to_json)
        api = aws.apigateway.RestApi(
            f"{name}-api",
            name=name,
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
            binary_media_types=config.apply(lambda c: list(c.binary_media_types)),
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(
                types=shape.endpoint_type,
                vpc_endpoint_ids=config.apply(lambda c: list(c.vpc_endpoint_ids))
                if shape.endpoint_type == "PRIVATE"
                else None,
            ),
            # The API's own settings, also inputs for the same reason. An unset compression size is "-1", which the
            # provider PATCHes to none (rest_api.go, as above): without it, the prior state's size would come back.
            description=config.apply(lambda c: c.description),
            minimum_compression_size=config.apply(
                lambda c: "-1" if c.minimum_compression_size is None else str(c.minimum_compression_size)
            ),
            disable_execute_api_endpoint=config.apply(lambda c: c.disable_execute_api_endpoint),
            put_rest_api_mode="overwrite",  # routes removed from the document disappear from the API
            fail_on_warnings=True,
            region=shape.region,
            tags=tags,
            opts=child,
        )
        # Replaced (created before the old one is deleted) exactly when the document changes, so the
        # stage always serves the latest document and identical inputs keep the same deployment.
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=api.id,
            triggers={"openapi-sha256": document.apply(digest)},
            region=shape.region,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=permissions)),
        )
        stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=api.id,
            deployment=deployment.id,
            stage_name=config.apply(lambda c: c.stage_name),
            xray_tracing_enabled=config.apply(lambda c: c.tracing_enabled),
            variables=config.apply(lambda c: dict(c.stage_variables) or None),
            access_log_settings=self._access_logs(name, shape, config, tags),
            region=shape.region,
            tags=tags,
            opts=child,
        )
        self._throttling(name, shape, config, api, stage)
        if shape.authorization == "CUSTOM":
            # API Gateway may invoke the authorizer function for this API's authorizers, nothing else. The
            # permission lives in the function's region, which may not be the API's.
            function = config.apply(lambda c: split_function_arn(present(present(c.authorizer).function_arn)))
            aws.lambda_.Permission(
                f"{name}-authorizer-permission",
                action="lambda:InvokeFunction",
                function=function.apply(lambda f: f[0]),
                qualifier=function.apply(lambda f: f[1]),
                principal="apigateway.amazonaws.com",
                source_arn=api.execution_arn.apply(lambda arn: f"{arn}/authorizers/*"),
                region=function.apply(lambda f: f[0].split(":")[3]),
                opts=child,
            )
        api_key_values = self._api_keys(name, shape, config, api, stage, tags)
        domain_target = self._custom_domain(name, shape, config, region, api, stage, tags)
        if shape.web_acl_arn:
            aws.wafv2.WebAclAssociation(
                f"{name}-waf",
                resource_arn=stage.arn,
                web_acl_arn=config.apply(lambda c: c.web_acl_arn),
                region=shape.region,
                opts=child,
            )

        dashboard_name = self._alarms(name, shape, config, region, api, stage, tags)

        self.url = stage.invoke_url
        self.rest_api_id = api.id
        self.stage_name = stage.stage_name
        self.execution_arn = stage.execution_arn
        self.role_arn = role_arn
        self.policy = policy_json
        self.openapi = document
        self.routes = config.apply(lambda c: [route.describe() for route in c.routes])
        self.api_keys = api_key_values
        self.domain_target = domain_target
        self.dashboard_name = dashboard_name
        self.deployer_policy = pulumi.Output.all(config, region, account_id).apply(
            lambda values: json.dumps(
                render_deployer_policy(
                    values[0],
                    name=name,
                    partition=partition_of(values[1]),
                    region=values[1],
                    account_id=values[2],
                    managed_policies=managed,
                ),
                indent=2,
            )
        )
        self.caller_policy = pulumi.Output.all(config, region, account_id, stage.execution_arn).apply(
            lambda values: caller_policy_json(values[0], values[1], values[2], values[3])
        )
        self.register_outputs(
            {
                "url": self.url,
                "rest_api_id": self.rest_api_id,
                "stage_name": self.stage_name,
                "execution_arn": self.execution_arn,
                "role_arn": self.role_arn,
                "policy": self.policy,
                "openapi": self.openapi,
                "routes": self.routes,
                "api_keys": self.api_keys,
                "domain_target": self.domain_target,
                "dashboard_name": self.dashboard_name,
                "deployer_policy": self.deployer_policy,
                "caller_policy": self.caller_policy,
            }
        )

    def _alarms(
        self,
        name: str,
        shape: ProxyConfig,
        config: pulumi.Output[ProxyConfig],
        region: pulumi.Output[str],
        api: aws.apigateway.RestApi,
        stage: aws.apigateway.Stage,
        tags: pulumi.Output[dict[str, str] | None],
    ) -> pulumi.Output[str | None]:
        """The stage's alarms (see `alarms.alarm_specs`) and its dashboard; returns the dashboard's name."""
        if not shape.alarms:
            return pulumi.Output.from_input(None)
        alarms = config.apply(lambda c: present(c.alarms))
        dimensions = {"ApiName": api.name, "Stage": stage.stage_name}
        actions = alarms.apply(lambda a: [a.topic_arn] if a.topic_arn else [])
        for index, spec in enumerate(alarm_specs(present(shape.alarms))):
            aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.suffix}",
                alarm_description=pulumi.Output.all(api.name, stage.stage_name).apply(partial(describe_alarm, spec)),
                namespace=NAMESPACE,
                metric_name=spec.metric,
                dimensions=dimensions,
                statistic=spec.statistic,
                extended_statistic=spec.extended_statistic,
                # The threshold of the resolved input (the spec above is the stand-in's when it is an Output).
                threshold=alarms.apply(partial(alarm_threshold, index)),
                comparison_operator="GreaterThanThreshold",
                period=alarms.apply(lambda a: a.period_seconds),
                evaluation_periods=alarms.apply(lambda a: a.evaluation_periods),
                treat_missing_data="notBreaching",  # no requests is no outage
                alarm_actions=actions,
                ok_actions=actions,
                region=shape.region,
                tags=tags,
                opts=self._child,
            )
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=stage.stage_name.apply(lambda stage_name: f"{name}-{stage_name}"),
            dashboard_body=pulumi.Output.all(api.name, stage.stage_name, region, alarms).apply(
                lambda values: json.dumps(dashboard_body(*values))
            ),
            region=shape.region,
            opts=self._child,
        )
        return dashboard.dashboard_name

    def _managed_policies(
        self,
        name: str,
        managed: int,
        parts: pulumi.Output[list[str]],
        role: aws.iam.Role,
        tags: pulumi.Output[dict[str, str] | None],
    ) -> list[aws.iam.RolePolicyAttachment]:
        """The parts of the policy beyond the inline one (`parts[0]`), each a customer-managed policy attached
        to the role; returns the attachments, which the inline policy and the deployment wait for. Each part waits
        for the parts after it: when buckets are added, the split moves grants towards later parts, which thus
        take them before the earlier ones give them up."""
        attachments: list[aws.iam.RolePolicyAttachment] = []
        for i in range(managed, 0, -1):
            part = aws.iam.Policy(
                f"{name}-policy-{i}",
                description=f"Part {i} of the permissions of the S3 proxy API {name}'s role",
                policy=parts[i],
                tags=tags,
                opts=pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(depends_on=attachments[:1])),
            )
            attachments.insert(
                0,
                aws.iam.RolePolicyAttachment(
                    f"{name}-policy-{i}-attachment", role=role.name, policy_arn=part.arn, opts=self._child
                ),
            )
        return attachments

    def _throttling(
        self,
        name: str,
        shape: ProxyConfig,
        config: pulumi.Output[ProxyConfig],
        api: aws.apigateway.RestApi,
        stage: aws.apigateway.Stage,
    ) -> None:
        """Stage-wide limits (`*/*`) and those of single methods, one MethodSettings each."""

        def limits_of(method: str | None) -> Callable[[ProxyConfig], Throttle]:
            def limits(c: ProxyConfig) -> Throttle:
                if method is None:
                    return Throttle(c.throttling_rate_limit, c.throttling_burst_limit)
                return dict(c.method_throttling)[method]

            return limits

        for suffix, method_path, method in [("", "*/*", None)] + [
            (f"-{slug(method)}", method_path_of(method), method) for method, _ in shape.method_throttling
        ]:
            present = limits_of(method)(shape)  # which limits are set is part of the shape
            if present.rate_limit is None and present.burst_limit is None:
                continue
            limits = config.apply(limits_of(method))
            aws.apigateway.MethodSettings(
                f"{name}-throttling{suffix}",
                rest_api=api.id,
                stage_name=stage.stage_name,
                method_path=method_path,
                settings=aws.apigateway.MethodSettingsSettingsArgs(
                    throttling_rate_limit=limits.apply(lambda t: t.rate_limit),
                    throttling_burst_limit=limits.apply(lambda t: t.burst_limit),
                ),
                region=shape.region,
                opts=self._child,
            )

    def _access_logs(
        self,
        name: str,
        shape: ProxyConfig,
        config: pulumi.Output[ProxyConfig],
        tags: pulumi.Output[dict[str, str] | None],
    ) -> aws.apigateway.StageAccessLogSettingsArgs | None:
        """A log group the stage writes one JSON line per request to. API Gateway needs the
        account-level CloudWatch role (`aws.apigateway.Account`), an account singleton left to you: on an account
        without it, the stage is created and its update with the log settings then fails."""
        if not shape.access_logs:
            return None
        group = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            retention_in_days=config.apply(lambda c: present(c.access_logs).retention_days),
            region=shape.region,
            tags=tags,
            opts=self._child,
        )
        return aws.apigateway.StageAccessLogSettingsArgs(
            destination_arn=group.arn, format=access_log_format(bool(shape.web_acl_arn))
        )

    def _api_keys(
        self,
        name: str,
        shape: ProxyConfig,
        config: pulumi.Output[ProxyConfig],
        api: aws.apigateway.RestApi,
        stage: aws.apigateway.Stage,
        tags: pulumi.Output[dict[str, str] | None],
    ) -> pulumi.Output[dict[str, str]]:
        """One API key per consumer, all under one usage plan bound to the stage; returns their
        values by consumer name (a secret)."""
        if not shape.api_keys:
            return pulumi.Output.from_input({})
        keys = config.apply(lambda c: present(c.api_keys))
        child = self._child
        plan = aws.apigateway.UsagePlan(
            f"{name}-usage-plan",
            api_stages=[aws.apigateway.UsagePlanApiStageArgs(api_id=api.id, stage=stage.stage_name)],
            quota_settings=aws.apigateway.UsagePlanQuotaSettingsArgs(
                limit=keys.apply(lambda k: present(k.quota_limit)), period=keys.apply(lambda k: k.quota_period)
            )
            if shape.api_keys.quota_limit is not None
            else None,
            throttle_settings=aws.apigateway.UsagePlanThrottleSettingsArgs(
                rate_limit=keys.apply(lambda k: k.rate_limit), burst_limit=keys.apply(lambda k: k.burst_limit)
            )
            if shape.api_keys.rate_limit is not None or shape.api_keys.burst_limit is not None
            else None,
            region=shape.region,
            tags=tags,
            opts=child,
        )
        values: dict[str, pulumi.Output[str]] = {}
        for consumer in shape.api_keys.names:
            key = aws.apigateway.ApiKey(
                f"{name}-key-{consumer}", name=f"{name}-{consumer}", region=shape.region, tags=tags, opts=child
            )
            aws.apigateway.UsagePlanKey(
                f"{name}-key-{consumer}-plan",
                key_id=key.id,
                key_type="API_KEY",
                usage_plan_id=plan.id,
                region=shape.region,
                opts=child,
            )
            values[consumer] = key.value
        return pulumi.Output.secret(pulumi.Output.all(**values))

    def _custom_domain(
        self,
        name: str,
        shape: ProxyConfig,
        config: pulumi.Output[ProxyConfig],
        region: pulumi.Output[str],
        api: aws.apigateway.RestApi,
        stage: aws.apigateway.Stage,
        tags: pulumi.Output[dict[str, str] | None],
    ) -> pulumi.Output[str | None]:
        """The custom domain mapped to the stage; returns the name its DNS record must point at."""
        if not shape.custom_domain:
            return pulumi.Output.from_input(None)
        domain = config.apply(lambda c: present(c.custom_domain))

        def certificate_in_its_region(values: list) -> str:
            check_certificate_region(values[0], values[1])
            return present(values[0].custom_domain).certificate_arn

        certificate = pulumi.Output.all(config, region).apply(certificate_in_its_region)
        regional = shape.endpoint_type == "REGIONAL"
        child = self._child
        domain_name = aws.apigateway.DomainName(
            f"{name}-domain",
            domain_name=domain.apply(lambda d: d.domain_name),
            regional_certificate_arn=certificate if regional else None,
            certificate_arn=None if regional else certificate,
            endpoint_configuration={"types": shape.endpoint_type},
            security_policy="TLS_1_2",
            region=shape.region,
            tags=tags,
            opts=child,
        )
        aws.apigateway.BasePathMapping(
            f"{name}-base-path",
            rest_api=api.id,
            stage_name=stage.stage_name,
            domain_name=domain_name.domain_name,
            base_path=domain.apply(lambda d: d.base_path),
            region=shape.region,
            opts=child,
        )
        return domain_name.regional_domain_name if regional else domain_name.cloudfront_domain_name
