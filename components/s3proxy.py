"""`S3ProxyApi`: an API Gateway REST API that proxies Amazon S3, least-privilege and tested.

Deliberately thin: inputs are validated by `config`, the API is the document `openapi` renders and
the role's permissions are what `policy` renders; this module only wires them into resources.
"""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from . import children
from .children import Context
from .config import Shape, check_certificate_region, validate_args
from .inputs import with_stand_ins
from .policy_split import plan_managed_policies

TYPE_TOKEN = "s3proxy:index:S3ProxyApi"


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
        planned = validate_args(with_stand_ins(args, is_output))
        domain: Mapping[str, object] = args.get("custom_domain") or {}
        if planned.region and not is_output(domain.get("certificate_arn")):
            check_certificate_region(planned, planned.region)
        # How many managed policies the role's policy is split over, if any (no role in caller mode).
        managed = plan_managed_policies(planned, args, is_output) if planned.integration_credentials == "role" else 0
        super().__init__(TYPE_TOKEN, name, None, opts)
        c = self._context(name, Shape.of(planned), args, opts)

        # The role and its policies (none in caller mode), the API and its stage; then the stage's features.
        role = children.execution_role(c, managed)
        api, document = children.rest_api(c, role.arn)
        stage = children.stage(c, api, document, role.grants)
        children.throttling(c, api, stage)
        children.authorizer_permission(c, api)
        api_key_values = children.api_keys(c, api, stage)
        domain_target = children.custom_domain(c, api, stage)
        children.web_acl(c, stage)
        dashboard_name = children.alarms(c, api, stage)
        # The outputs.
        self.url = stage.invoke_url
        self.rest_api_id = api.id
        self.stage_name = stage.stage_name
        self.execution_arn = stage.execution_arn
        self.role_arn = role.arn
        self.policy = role.policy
        self.openapi = document
        self.routes = c.setting(lambda config: [route.describe() for route in config.routes])
        self.api_keys = api_key_values
        self.domain_target = domain_target
        self.dashboard_name = dashboard_name
        self.deployer_policy = children.deployer_policy(c, managed)
        self.caller_policy = children.caller_policy(c, stage)
        self.register_outputs({output: getattr(self, output) for output in OUTPUTS})

    def _context(self, name: str, shape: Shape, args: S3ProxyApiArgs, opts: pulumi.ResourceOptions | None) -> Context:
        """Outputs among the inputs are checked by the same validators when they resolve: everything the children
        and outputs take is derived from this one validated configuration."""
        lookup = pulumi.InvokeOutputOptions(parent=self)  # inherits the provider passed in opts
        config = pulumi.Output.from_input(dict(args)).apply(validate_args)
        return Context(
            name=name,
            shape=shape,
            config=config,
            region=pulumi.Output.from_input(shape.region)
            if shape.region
            else aws.get_region_output(opts=lookup).region,
            account_id=aws.get_caller_identity_output(opts=lookup).account_id,
            tags=config.apply(lambda c: dict(c.tags) or None),
            # protect flows to children by itself; retain_on_delete does not, so it is passed on.
            child=pulumi.ResourceOptions(parent=self, retain_on_delete=(opts.retain_on_delete if opts else None)),
        )


def is_output(value: object) -> bool:
    return isinstance(value, pulumi.Output)


OUTPUTS = (
    "url",
    "rest_api_id",
    "stage_name",
    "execution_arn",
    "role_arn",
    "policy",
    "openapi",
    "routes",
    "api_keys",
    "domain_target",
    "dashboard_name",
    "deployer_policy",
    "caller_policy",
)
