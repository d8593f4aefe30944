"""The validated configuration: one immutable, normalised `ProxyConfig` from the component's inputs, and the checks
of inputs valid alone but not together.

Runs before any resource is registered, so a bad input never leaves a half-built stack. Every error is an
`S3ProxyConfigError` naming the offending field and what is allowed. Each input is declared in `inputs.INPUTS`
(its validator, stand-in and stack key); single inputs are checked by `validators`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .alarms import Alarms, AlarmSpec, alarm_specs
from .catalogue import Route, routes_for
from .inputs import BY_NAME, Record
from .validators import S3ProxyConfigError

# Every payload is binary for API Gateway: bytes pass through untouched whatever their type.
DEFAULT_BINARY_MEDIA_TYPES = ("*/*",)
DEFAULT_STAGE_NAME = "dev"

# An edge-optimized custom domain is served by CloudFront, which takes certificates from us-east-1 only
# (API Gateway Developer Guide, how-to-edge-optimized-custom-domain-name).
EDGE_CERTIFICATE_REGION = "us-east-1"


@dataclass(frozen=True)
class Throttle:
    rate_limit: float | None = None
    burst_limit: int | None = None


@dataclass(frozen=True)
class ApiKeys:
    """API keys, one per consumer, under one usage plan."""

    names: tuple[str, ...]
    quota_limit: int | None = None
    quota_period: str = "MONTH"
    rate_limit: float | None = None
    burst_limit: int | None = None


@dataclass(frozen=True)
class Cors:
    """The request and response headers are derived from the routes; these headers are added to them."""

    allow_origin: str
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int = 600


@dataclass(frozen=True)
class AccessLogs:
    retention_days: int = 30


@dataclass(frozen=True)
class CustomDomain:
    domain_name: str
    certificate_arn: str
    base_path: str | None = None


@dataclass(frozen=True)
class Authorizer:
    """Who authenticates callers for `COGNITO_USER_POOLS` (user pools) or `CUSTOM` (a Lambda function)."""

    user_pool_arns: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    function_arn: str | None = None
    type: str = "TOKEN"
    identity_source: str = "method.request.header.Authorization"
    result_ttl_seconds: int = 300


@dataclass(frozen=True)
class ProxyConfig:
    """The validated, normalised inputs. Defaults are the safe ones."""

    allowed_actions: tuple[str, ...]
    region: str | None = None
    binary_media_types: tuple[str, ...] = DEFAULT_BINARY_MEDIA_TYPES
    buckets: tuple[str, ...] | None = None
    bucket_patterns: tuple[str, ...] | None = None
    stage_name: str = DEFAULT_STAGE_NAME
    authorization: str = "AWS_IAM"
    status_mapping: str = "faithful"
    throttling_rate_limit: float | None = None
    throttling_burst_limit: int | None = None
    tracing_enabled: bool = False
    tags: tuple[tuple[str, str], ...] = ()
    key_prefix: str | None = None
    allowed_source_cidrs: tuple[str, ...] = ()
    vpc_endpoint_ids: tuple[str, ...] = ()
    endpoint_type: str = "REGIONAL"
    api_keys: ApiKeys | None = None
    cors: Cors | None = None
    access_logs: AccessLogs | None = None
    method_throttling: tuple[tuple[str, Throttle], ...] = ()
    custom_domain: CustomDomain | None = None
    web_acl_arn: str | None = None
    stage_variables: tuple[tuple[str, str], ...] = ()
    kms_key_arns: tuple[str, ...] = ()
    sse_kms_key_arn: str | None = None
    metadata_headers: tuple[str, ...] = ()
    authorizer: Authorizer | None = None
    bucket_accounts: tuple[str, ...] = ()
    integration_credentials: str = "role"
    caller_folders: str | None = None
    description: str | None = None
    minimum_compression_size: int | None = None
    disable_execute_api_endpoint: bool = False
    alarms: Alarms | None = None

    @property
    def kms_keys(self) -> tuple[str, ...]:
        """Every KMS key the role may use through S3: the buckets' keys and the key objects are written with."""
        return tuple(dict.fromkeys((*self.kms_key_arns, *filter(None, [self.sse_kms_key_arn]))))

    @property
    def routes(self) -> tuple[Route, ...]:
        """The API's routes: those of the allowed actions that work under the key prefix, if any."""
        return routes_for(
            self.allowed_actions, prefixed=self.key_prefix is not None, encrypted=self.sse_kms_key_arn is not None
        )

    @property
    def bucket_scope(self) -> tuple[str, ...] | None:
        """The bucket names and name patterns the role may touch, in that order; None for every bucket."""
        if self.buckets is None and self.bucket_patterns is None:
            return None
        return (self.buckets or ()) + (self.bucket_patterns or ())


@dataclass(frozen=True)
class Shape:
    """What decides which routes and children exist, known at construction: the plain inputs, and whether each
    optional input is set. Never a value that may be an Output (its stand-in): those are only in the `ProxyConfig`
    that resolves at deployment."""

    region: str | None
    authorization: str
    endpoint_type: str
    stage_throttled: bool
    throttled_methods: tuple[str, ...]
    api_key_names: tuple[str, ...]
    api_key_quota: bool
    api_key_throttled: bool
    access_logs: bool
    custom_domain: bool
    web_acl: bool
    integration_credentials: str
    alarms: tuple[AlarmSpec, ...]
    """The alarms that exist (the optional ones are set or not); their thresholds are read from the configuration
    resolved at deployment."""

    @classmethod
    def of(cls, config: ProxyConfig) -> Shape:
        """The shape of `config`, validated with stand-ins for the Outputs among the inputs."""
        keys = config.api_keys
        return cls(
            region=config.region,
            authorization=config.authorization,
            endpoint_type=config.endpoint_type,
            stage_throttled=_limited(Throttle(config.throttling_rate_limit, config.throttling_burst_limit)),
            throttled_methods=tuple(method for method, limits in config.method_throttling if _limited(limits)),
            api_key_names=keys.names if keys else (),
            api_key_quota=keys is not None and keys.quota_limit is not None,
            api_key_throttled=keys is not None and _limited(Throttle(keys.rate_limit, keys.burst_limit)),
            access_logs=config.access_logs is not None,
            custom_domain=config.custom_domain is not None,
            web_acl=config.web_acl_arn is not None,
            integration_credentials=config.integration_credentials,
            alarms=tuple(alarm_specs(config.alarms)) if config.alarms else (),
        )


def _limited(limits: Throttle) -> bool:
    return limits.rate_limit is not None or limits.burst_limit is not None


# The model of each nested input (`inputs.Record`), built from its validated fields.
MODELS: dict[str, type] = {
    "api_keys": ApiKeys,
    "cors": Cors,
    "access_logs": AccessLogs,
    "method_throttling": Throttle,
    "custom_domain": CustomDomain,
    "authorizer": Authorizer,
    "alarms": Alarms,
}


def validate_args(args: Mapping[str, Any]) -> ProxyConfig:
    """Check every input and return the normalised configuration; `None` means "use the default"."""
    if not isinstance(args, Mapping):
        raise S3ProxyConfigError("args", f"expected a mapping of S3ProxyApiArgs, got {type(args).__name__}")
    unknown = sorted(set(args) - set(BY_NAME))
    if unknown:
        raise S3ProxyConfigError(unknown[0], f"unknown input; allowed inputs: {', '.join(BY_NAME)}")
    if args.get("allowed_actions") is None:
        raise S3ProxyConfigError("allowed_actions", "is required: a list of S3 IAM actions such as 's3:GetObject'")
    values = {
        field: _modelled(field, BY_NAME[field].validate(field, value))
        for field, value in args.items()
        if value is not None
    }
    config = ProxyConfig(**values)
    _check_combination(config)
    return config


def _modelled(field: str, value: Any) -> Any:
    """A nested input's validated fields as its model: by name for a `Record` with `key`, else whole."""
    spec = BY_NAME[field]
    if not isinstance(spec, Record):
        return value
    if spec.key:
        return tuple((name, MODELS[field](**fields)) for name, fields in value)
    return MODELS[field](**value)


def _check_combination(config: ProxyConfig) -> None:
    """Inputs valid alone but not together."""
    _check_authorizer(config)
    _check_caller_credentials(config)
    if config.disable_execute_api_endpoint and not config.custom_domain:
        # Without its default endpoint the API is reached only through a custom domain name (API Gateway
        # Developer Guide, rest-api-disable-default-endpoint): without one it would be unreachable.
        raise S3ProxyConfigError(
            "disable_execute_api_endpoint", "needs `custom_domain`: without either endpoint the API is unreachable"
        )
    if config.endpoint_type == "PRIVATE" and not config.vpc_endpoint_ids:
        raise S3ProxyConfigError("endpoint_type", "PRIVATE needs `vpc_endpoint_ids`: the only way in is a VPC endpoint")
    if config.endpoint_type == "PRIVATE" and config.custom_domain:
        raise S3ProxyConfigError("custom_domain", "is supported for REGIONAL and EDGE endpoints, not PRIVATE")
    if config.vpc_endpoint_ids and config.endpoint_type != "PRIVATE":
        # Only a PRIVATE API is reached through VPC endpoints: on any other, aws:SourceVpce is absent from every
        # request, so the resource policy's Deny would refuse them all.
        raise S3ProxyConfigError(
            "vpc_endpoint_ids", f"is only for `endpoint_type` PRIVATE, not {config.endpoint_type}: leave it unset"
        )
    if config.bucket_patterns and config.key_prefix:
        # IAM's `*` also matches `/`: `acme-*/uploads/*` would match the key `x/uploads/y` of `acme-b`, outside it.
        raise S3ProxyConfigError("bucket_patterns", "cannot be combined with `key_prefix`: name the buckets instead")
    routes = {f"{route.verb} {route.path}" for route in config.routes}
    for method, _ in config.method_throttling:
        if method not in routes:
            raise S3ProxyConfigError(
                "method_throttling", f"{method!r} is not a method of this API: {', '.join(sorted(routes))}"
            )


def check_certificate_region(config: ProxyConfig, region: str) -> None:
    """The custom domain's certificate is in the region API Gateway takes it from: us-east-1 for EDGE (CloudFront),
    the API's own region for REGIONAL (API Gateway Developer Guide, how-to-edge-optimized-custom-domain-name and
    how-to-custom-domains-prerequisites). The component checks a literal certificate at construction when
    `region` is given, and every certificate once it and the region resolve."""
    if not config.custom_domain:
        return
    wanted = EDGE_CERTIFICATE_REGION if config.endpoint_type == "EDGE" else region
    certificate_region = config.custom_domain.certificate_arn.split(":")[3]
    if certificate_region != wanted:
        raise S3ProxyConfigError(
            "custom_domain.certificate_arn",
            f"is in {certificate_region}; an {config.endpoint_type} endpoint takes its ACM certificate from {wanted}",
        )


def _check_caller_credentials(config: ProxyConfig) -> None:
    """Callers' own credentials reach S3 only when they sign their requests (SigV4), and per-user folders are
    enforced by IAM only on those credentials."""
    caller = config.integration_credentials == "caller"
    if caller and config.authorization != "AWS_IAM":
        raise S3ProxyConfigError(
            "authorization",
            f"must be AWS_IAM with `integration_credentials` = caller (S3 acts as the SigV4 caller), not "
            f"{config.authorization}; use `integration_credentials` = role for other authorization",
        )
    if config.caller_folders and not caller:
        raise S3ProxyConfigError(
            "caller_folders", "is only for `integration_credentials` = caller: the execution role has no folder"
        )


def _check_authorizer(config: ProxyConfig) -> None:
    """`authorizer` configures exactly what `authorization` needs: user pools, or a Lambda function."""
    authorizer, authorization = config.authorizer, config.authorization
    if authorization == "COGNITO_USER_POOLS":
        if not authorizer or not authorizer.user_pool_arns or authorizer.function_arn:
            raise S3ProxyConfigError(
                "authorizer", "COGNITO_USER_POOLS needs `authorizer` = {user_pool_arns, scopes?} (no function_arn)"
            )
    elif authorization == "CUSTOM":
        if not authorizer or not authorizer.function_arn or authorizer.user_pool_arns or authorizer.scopes:
            raise S3ProxyConfigError(
                "authorizer",
                "CUSTOM needs `authorizer` = {function_arn, type?, identity_source?, result_ttl_seconds?}",
            )
        if authorizer.type == "TOKEN" and not authorizer.identity_source.startswith("method.request.header."):
            raise S3ProxyConfigError(
                "authorizer", "a TOKEN authorizer reads one header: 'method.request.header.<name>'"
            )
        if authorizer.type == "TOKEN" and "," in authorizer.identity_source:
            raise S3ProxyConfigError("authorizer", "a TOKEN authorizer reads one header, not a list")
    elif authorizer:
        raise S3ProxyConfigError(
            "authorizer", f"is only for COGNITO_USER_POOLS or CUSTOM authorization, not {authorization}"
        )
