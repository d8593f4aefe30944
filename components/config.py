"""Validation of the component's inputs into one immutable, normalised `ProxyConfig`.

Runs before any resource is registered, so a bad input never leaves a half-built stack. Every
error is an `S3ProxyConfigError` naming the offending field and what is allowed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .alarms import Alarms
from .catalogue import Route, partition_for, resolve_actions, routes_for

AUTHORIZATION_TYPES = ("AWS_IAM", "NONE", "COGNITO_USER_POOLS", "CUSTOM")
LAMBDA_AUTHORIZER_TYPES = ("TOKEN", "REQUEST")
STATUS_MAPPINGS = ("faithful", "tutorial")
# Every payload is binary for API Gateway: bytes pass through untouched whatever their type.
DEFAULT_BINARY_MEDIA_TYPES = ("*/*",)
DEFAULT_STAGE_NAME = "dev"
ENDPOINT_TYPES = ("REGIONAL", "EDGE", "PRIVATE")
# Who S3 sees: the execution role, or each caller as itself (its own SigV4 identity, passed through).
INTEGRATION_CREDENTIALS = ("role", "caller")
# The IAM policy variable each kind of per-user folder is named by (see `caller_policy.FOLDER_VARIABLES`).
CALLER_FOLDERS = ("username", "userid", "cognito_identity")
QUOTA_PERIODS = ("DAY", "WEEK", "MONTH")
# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
_STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_MEDIA_TYPE = re.compile(r"^(\*|[A-Za-z0-9][\w!#$&^.+-]*)/(\*|[\w!#$&^.+-]+)$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# A pattern ends in its only `*`: IAM's `*` also matches `/`, so a `*` inside (`a*b/*`) would match object ARNs of
# other buckets (`axx/yyb/key`), and `?` or `${...}` would widen it too. Three literal characters at least: never `*`.
_BUCKET_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{2,61}\*$")
_RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# A key prefix lands in IAM ARNs and conditions and in the integration URI: only S3's "safe"
# characters, never IAM's `*`/`?` wildcards or `${...}` policy variables, which would widen it.
_KEY_PREFIX = re.compile(r"^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*/$")
_VPC_ENDPOINT_ID = re.compile(r"^vpce-[0-9a-f]{8,17}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
# An edge-optimized custom domain is served by CloudFront, which takes certificates from us-east-1 only
# (API Gateway Developer Guide, how-to-edge-optimized-custom-domain-name).
EDGE_CERTIFICATE_REGION = "us-east-1"


class S3ProxyConfigError(ValueError):
    """An input of `S3ProxyApi` is invalid. `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"S3ProxyApi: invalid `{field}`: {message}")
        self.field = field


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


def _string_list(field: str, value: Any) -> list[str]:
    # A bare string is iterable too; reject it rather than treat "s3:GetObject" as 12 characters.
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise S3ProxyConfigError(field, f"expected a list of strings, got {value!r}")
    if not value:
        raise S3ProxyConfigError(field, "must not be empty")
    return list(value)


def _allowed_actions(value: Any) -> tuple[str, ...]:
    patterns = _string_list("allowed_actions", value)
    try:
        return resolve_actions(patterns)
    except ValueError as error:
        raise S3ProxyConfigError("allowed_actions", str(error)) from None


def _region(value: Any) -> str:
    if not isinstance(value, str) or not _REGION.match(value) or partition_for(value) is None:
        raise S3ProxyConfigError(
            "region", f"{value!r} is not an AWS region name such as 'us-east-1' of a partition botocore knows"
        )
    return value


def _binary_media_types(value: Any) -> tuple[str, ...]:
    types = _string_list("binary_media_types", value)
    for media_type in types:
        if not _MEDIA_TYPE.match(media_type):
            raise S3ProxyConfigError(
                "binary_media_types", f"{media_type!r} is not a `type/subtype` media type (`*` wildcards allowed)"
            )
    return tuple(dict.fromkeys(types))


def bucket_name_problem(name: str) -> str | None:
    """Why `name` breaks S3's general purpose bucket naming rules, or None if it follows them."""
    if not _BUCKET_NAME.match(name):
        return "3-63 characters of lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"
    if ".." in name or ".-" in name or "-." in name:
        return "no adjacent periods, and no period next to a hyphen"
    try:
        ipaddress.IPv4Address(name)
        return "must not be formatted as an IP address"
    except ValueError:
        pass
    if name.startswith(_RESERVED_BUCKET_PREFIXES) or name.endswith(_RESERVED_BUCKET_SUFFIXES):
        return f"reserved prefix {_RESERVED_BUCKET_PREFIXES} or suffix {_RESERVED_BUCKET_SUFFIXES}"
    return None


def _buckets(value: Any) -> tuple[str, ...]:
    names = _string_list("buckets", value)
    for name in names:
        problem = bucket_name_problem(name)
        if problem:
            raise S3ProxyConfigError("buckets", f"{name!r} is not a valid S3 bucket name: {problem}")
    return tuple(dict.fromkeys(names))


def _bucket_patterns(value: Any) -> tuple[str, ...]:
    patterns = _string_list("bucket_patterns", value)
    for pattern in patterns:
        if not _BUCKET_PATTERN.match(pattern):
            raise S3ProxyConfigError(
                "bucket_patterns",
                f"{pattern!r} must be a bucket name prefix followed by one '*', e.g. 'acme-tenant-*': at least 3 "
                "lowercase letters, digits, '.' or '-' (the first a letter or digit), at most 63 characters in all; "
                "'*' is the only wildcard and only at the end",
            )
    return tuple(dict.fromkeys(patterns))


def _stage_name(value: Any) -> str:
    if not isinstance(value, str) or not _STAGE_NAME.match(value):
        raise S3ProxyConfigError("stage_name", f"{value!r} must be 1-128 characters of letters, digits, '-' and '_'")
    return value


def _one_of(field: str, allowed: tuple[str, ...], normalise: Callable[[str], str]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if isinstance(value, str) and normalise(value) in allowed:
            return normalise(value)
        raise S3ProxyConfigError(field, f"{value!r} is not one of {', '.join(allowed)}")

    return check


def _non_negative(field: str, kind: type) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        # Numbers cross Pulumi's wire as doubles: through the package host an integer input arrives as 200.0.
        if kind is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        # bool is an int subclass; `True` as a rate limit is a mistake, not 1 request a second.
        numeric = isinstance(value, (int, float) if kind is float else int) and not isinstance(value, bool)
        if not numeric or value < 0 or value != value:
            raise S3ProxyConfigError(field, f"{value!r} must be a non-negative {kind.__name__}")
        return kind(value)

    return check


def _tracing_enabled(value: Any) -> bool:
    if not isinstance(value, bool):
        raise S3ProxyConfigError("tracing_enabled", f"{value!r} must be true or false")
    return value


def _string_map(field: str, value: Any) -> Mapping[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise S3ProxyConfigError(field, f"expected a mapping of strings to strings, got {value!r}")
    return value


def _tags(value: Any) -> tuple[tuple[str, str], ...]:
    for key, tag_value in _string_map("tags", value).items():
        if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            raise S3ProxyConfigError("tags", f"key {key!r} must be 1-128 characters and not start with 'aws:'")
        if len(tag_value) > 256:
            raise S3ProxyConfigError("tags", f"value of {key!r} is longer than 256 characters")
    return tuple(sorted(value.items()))


def _key_prefix(value: Any) -> str:
    if not isinstance(value, str) or not _KEY_PREFIX.match(value) or len(value) > 512:
        raise S3ProxyConfigError(
            "key_prefix",
            f"{value!r} must be up to 512 characters of letters, digits and !_.'()- in '/'-separated "
            "non-empty segments, ending with '/' (e.g. 'uploads/'); no '..' segments, '*', '?' or '$'",
        )
    if any(segment in (".", "..") for segment in value.split("/")):
        raise S3ProxyConfigError("key_prefix", f"{value!r} must not contain '.' or '..' segments")
    return value


def _bucket_accounts(value: Any) -> tuple[str, ...]:
    accounts = _string_list("bucket_accounts", value)
    for account in accounts:
        if not _ACCOUNT_ID.match(account):
            raise S3ProxyConfigError("bucket_accounts", f"{account!r} is not an AWS account id of 12 digits")
    return tuple(dict.fromkeys(accounts))


def _cidrs(value: Any) -> tuple[str, ...]:
    blocks = _string_list("allowed_source_cidrs", value)
    for block in blocks:
        try:
            ipaddress.ip_network(block)
        except ValueError as error:
            raise S3ProxyConfigError("allowed_source_cidrs", f"{block!r} is not a CIDR block: {error}") from None
    return tuple(dict.fromkeys(blocks))


def _vpc_endpoint_ids(value: Any) -> tuple[str, ...]:
    ids = _string_list("vpc_endpoint_ids", value)
    for endpoint_id in ids:
        if not _VPC_ENDPOINT_ID.match(endpoint_id):
            raise S3ProxyConfigError(
                "vpc_endpoint_ids", f"{endpoint_id!r} is not a VPC endpoint id like 'vpce-0a1b2c3d'"
            )
    return tuple(dict.fromkeys(ids))


def _record(
    field: str, value: Any, validators: dict[str, Callable[[str, Any], Any]], required: set[str]
) -> dict[str, Any]:
    """Validate a nested input (a mapping); errors name the nested field, e.g. `cors.allow_origin`."""
    if not isinstance(value, Mapping):
        raise S3ProxyConfigError(field, f"expected a mapping with {', '.join(validators)}, got {value!r}")
    unknown = sorted(set(value) - set(validators))
    if unknown:
        raise S3ProxyConfigError(f"{field}.{unknown[0]}", f"unknown input; allowed: {', '.join(validators)}")
    missing = sorted(required - {k for k, v in value.items() if v is not None})
    if missing:
        raise S3ProxyConfigError(f"{field}.{missing[0]}", "is required")
    return {key: validators[key](f"{field}.{key}", v) for key, v in value.items() if v is not None}


def _token(field: str, value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", value):
        raise S3ProxyConfigError(field, f"{value!r} must be 1-64 letters, digits, '.', '_' or '-'")
    return value


def _api_keys(value: Any) -> ApiKeys:
    def names(field: str, names: Any) -> tuple[str, ...]:
        listed = _string_list(field, names)
        return tuple(dict.fromkeys(_token(field, name) for name in listed))

    fields = _record(
        "api_keys",
        value,
        {
            "names": names,
            "quota_limit": lambda f, v: _non_negative(f, int)(v),
            "quota_period": lambda f, v: _one_of(f, QUOTA_PERIODS, str.upper)(v),
            "rate_limit": lambda f, v: _non_negative(f, float)(v),
            "burst_limit": lambda f, v: _non_negative(f, int)(v),
        },
        {"names"},
    )
    return ApiKeys(**fields)


def _origin(field: str, value: Any) -> str:
    # A static header holds one origin: API Gateway cannot choose among several without templates.
    if value == "*" or (isinstance(value, str) and re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", value)):
        return str(value)
    raise S3ProxyConfigError(field, f"{value!r} must be '*' or one origin such as 'https://app.example.com'")


def _header_names(field: str, value: Any) -> tuple[str, ...]:
    names = _string_list(field, value)
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", name):
            raise S3ProxyConfigError(field, f"{name!r} is not an HTTP header name")
    return tuple(dict.fromkeys(names))


def _cors(value: Any) -> Cors:
    fields = _record(
        "cors",
        value,
        {
            "allow_origin": _origin,
            "allow_headers": _header_names,
            "expose_headers": _header_names,
            "max_age": lambda f, v: _non_negative(f, int)(v),
        },
        {"allow_origin"},
    )
    return Cors(**fields)


def _access_logs(value: Any) -> AccessLogs:
    def retention(field: str, days: Any) -> int:
        if days not in LOG_RETENTION_DAYS or isinstance(days, bool):
            raise S3ProxyConfigError(field, f"{days!r} is not a CloudWatch Logs retention; one of {LOG_RETENTION_DAYS}")
        return int(days)

    return AccessLogs(**_record("access_logs", value, {"retention_days": retention}, set()))


def _method_throttling(value: Any) -> tuple[tuple[str, Throttle], ...]:
    if not isinstance(value, Mapping) or not value:
        raise S3ProxyConfigError(
            "method_throttling", f"expected a non-empty mapping of 'VERB /path' to limits, got {value!r}"
        )
    methods = []
    for method, limits in value.items():
        if not isinstance(method, str) or not re.fullmatch(r"(GET|HEAD|PUT|POST|DELETE) /\S*", method):
            raise S3ProxyConfigError(
                "method_throttling", f"{method!r} must be 'VERB /path', e.g. 'GET /{{folder}}/{{item+}}'"
            )
        fields = _record(
            f"method_throttling.{method}",
            limits,
            {
                "rate_limit": lambda f, v: _non_negative(f, float)(v),
                "burst_limit": lambda f, v: _non_negative(f, int)(v),
            },
            set(),
        )
        methods.append((method, Throttle(**fields)))
    return tuple(sorted(methods))


def _custom_domain(value: Any) -> CustomDomain:
    def domain(field: str, name: Any) -> str:
        pattern = r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
        return _matching(field, name, pattern, "a lowercase DNS name such as 'files.example.com'")

    def certificate(field: str, arn: Any) -> str:
        pattern = r"arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}"
        return _matching(field, arn, pattern, "an ACM certificate ARN")

    def base_path(field: str, path: Any) -> str:
        if not isinstance(path, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,128}", path):
            raise S3ProxyConfigError(field, f"{path!r} must be 1-128 letters, digits, '.', '_' or '-' (no '/')")
        return path

    fields = _record(
        "custom_domain",
        value,
        {"domain_name": domain, "certificate_arn": certificate, "base_path": base_path},
        {"domain_name", "certificate_arn"},
    )
    return CustomDomain(**fields)


def _matching(field: str, value: Any, pattern: str, what: str) -> str:
    """`value`, a string matching `pattern` whole; else an error naming `field` and saying it is not `what`."""
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise S3ProxyConfigError(field, f"{value!r} is not {what}")
    return value


def _web_acl_arn(value: Any) -> str:
    pattern = r"arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/\S+"
    return _matching("web_acl_arn", value, pattern, "a regional WAFv2 web ACL ARN")


def _kms_key_arn(field: str, value: Any) -> str:
    # A key ARN, not an alias: IAM grants kms:* actions on keys; an alias ARN would grant nothing.
    pattern = r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/(mrk-)?[0-9a-f-]{32,36}"
    return _matching(field, value, pattern, "a KMS key ARN such as 'arn:aws:kms:us-east-1:111122223333:key/<key id>'")


def _kms_key_arns(value: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_kms_key_arn("kms_key_arns", arn) for arn in _string_list("kms_key_arns", value)))


def _metadata_headers(value: Any) -> tuple[str, ...]:
    names = _string_list("metadata_headers", value)
    for name in names:
        if not re.fullmatch(r"x-amz-meta-[A-Za-z0-9-]{1,100}", name):
            raise S3ProxyConfigError(
                "metadata_headers", f"{name!r} is not a user metadata header: 'x-amz-meta-' and letters, digits, '-'"
            )
    return tuple(dict.fromkeys(name.lower() for name in names))


def _authorizer(value: Any) -> Authorizer:
    def arns(field: str, listed: Any) -> tuple[str, ...]:
        pools = _string_list(field, listed)
        for arn in pools:
            if not re.fullmatch(r"arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/[\w-]+_[0-9A-Za-z]+", arn):
                raise S3ProxyConfigError(field, f"{arn!r} is not a Cognito user pool ARN")
        return tuple(dict.fromkeys(pools))

    def scopes(field: str, listed: Any) -> tuple[str, ...]:
        names = _string_list(field, listed)
        for scope in names:
            if not re.fullmatch(r"[\x21\x23-\x5b\x5d-\x7e]{1,256}", scope):
                raise S3ProxyConfigError(field, f"{scope!r} is not an OAuth scope")
        return tuple(names)

    def function(field: str, arn: Any) -> str:
        pattern = r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?"
        return _matching(field, arn, pattern, "a Lambda function ARN")

    def identity_source(field: str, source: Any) -> str:
        # A header, query string or stage variable; REQUEST authorizers may list several, comma-separated.
        part = r"(method\.request\.(header|querystring)\.[A-Za-z0-9._~-]+|stageVariables\.[A-Za-z0-9_]+)"
        if not isinstance(source, str) or not re.fullmatch(rf"{part}(, ?{part})*", source):
            raise S3ProxyConfigError(
                field, f"{source!r} must be like 'method.request.header.Authorization' (comma-separated for REQUEST)"
            )
        return source

    def ttl(field: str, seconds: Any) -> int:
        checked = _non_negative(field, int)(seconds)
        if checked > 3600:
            raise S3ProxyConfigError(field, f"{seconds!r} must be 0-3600 seconds")
        return int(checked)

    fields = _record(
        "authorizer",
        value,
        {
            "user_pool_arns": arns,
            "scopes": scopes,
            "function_arn": function,
            "type": lambda f, v: _one_of(f, LAMBDA_AUTHORIZER_TYPES, str.upper)(v),
            "identity_source": identity_source,
            "result_ttl_seconds": ttl,
        },
        set(),
    )
    return Authorizer(**fields)


def _stage_variables(value: Any) -> tuple[tuple[str, str], ...]:
    for key, variable in _string_map("stage_variables", value).items():
        if not re.fullmatch(r"[A-Za-z0-9_]{1,64}", key):
            raise S3ProxyConfigError("stage_variables", f"name {key!r} must be 1-64 letters, digits or '_'")
        # CreateStage/CreateDeployment: values must match [A-Za-z0-9-._~:/?#&=,]+ (no space, not empty).
        if not re.fullmatch(r"[A-Za-z0-9\-._~:/?#&=,]{1,512}", variable):
            raise S3ProxyConfigError(
                "stage_variables",
                f"value {variable!r} of {key!r} must be 1-512 of letters, digits and -._~:/?#&=, (API Gateway's rule)",
            )
    return tuple(sorted(value.items()))


# The REST API's own settings (API Gateway's RestApi: description, minimumCompressionSize, disableExecuteApiEndpoint).
MAX_COMPRESSION_SIZE = 10 * 1024 * 1024  # 10,485,760 bytes: API Gateway's largest minimumCompressionSize


def _description(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise S3ProxyConfigError("description", f"{value!r} must be a non-empty string")
    return value


def _minimum_compression_size(value: Any) -> int:
    size = _non_negative("minimum_compression_size", int)(value)
    if size > MAX_COMPRESSION_SIZE:
        raise S3ProxyConfigError(
            "minimum_compression_size", f"{value!r} must be 0 to {MAX_COMPRESSION_SIZE:,} bytes (API Gateway's range)"
        )
    return int(size)


def _disable_execute_api_endpoint(value: Any) -> bool:
    if not isinstance(value, bool):
        raise S3ProxyConfigError("disable_execute_api_endpoint", f"{value!r} must be true or false")
    return value


def _alarms(value: Any) -> Alarms:
    def rate(field: str, share: Any) -> float:
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
            raise S3ProxyConfigError(field, f"{share!r} must be a share of requests above 0, at most 1 (0.05 is 5%)")
        return float(share)

    def milliseconds(field: str, duration: Any) -> float:
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not duration > 0:
            raise S3ProxyConfigError(field, f"{duration!r} must be a number of milliseconds above 0")
        return float(duration)

    def period(field: str, seconds: Any) -> int:
        # API Gateway's metrics have 1-minute resolution: a multiple of 60 (CloudWatch API reference,
        # PutMetricAlarm `Period`), and at most a day.
        checked = int(_non_negative(field, int)(seconds))
        if checked % 60 or not 60 <= checked <= 86400:
            raise S3ProxyConfigError(field, f"{seconds!r} must be a multiple of 60 seconds, 60 to 86400")
        return checked

    def periods(field: str, count: Any) -> int:
        checked = int(_non_negative(field, int)(count))
        if checked < 1:
            raise S3ProxyConfigError(field, f"{count!r} must be at least 1 period")
        return checked

    def topic(field: str, arn: Any) -> str:
        pattern = r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?"
        return _matching(field, arn, pattern, "an SNS topic ARN such as 'arn:aws:sns:us-east-1:111122223333:alerts'")

    validators: dict[str, Callable[[str, Any], Any]] = {
        "server_error_rate": rate,
        "latency_p99_ms": milliseconds,
        "client_error_rate": rate,
        "integration_latency_p99_ms": milliseconds,
        "period_seconds": period,
        "evaluation_periods": periods,
        "topic_arn": topic,
    }
    return Alarms(**_record("alarms", value, validators, set()))


_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "allowed_actions": _allowed_actions,
    "region": _region,
    "binary_media_types": _binary_media_types,
    "buckets": _buckets,
    "bucket_patterns": _bucket_patterns,
    "stage_name": _stage_name,
    "authorization": _one_of("authorization", AUTHORIZATION_TYPES, str.upper),
    "status_mapping": _one_of("status_mapping", STATUS_MAPPINGS, str.lower),
    "throttling_rate_limit": _non_negative("throttling_rate_limit", float),
    "throttling_burst_limit": _non_negative("throttling_burst_limit", int),
    "tracing_enabled": _tracing_enabled,
    "tags": _tags,
    "key_prefix": _key_prefix,
    "allowed_source_cidrs": _cidrs,
    "vpc_endpoint_ids": _vpc_endpoint_ids,
    "endpoint_type": _one_of("endpoint_type", ENDPOINT_TYPES, str.upper),
    "api_keys": _api_keys,
    "cors": _cors,
    "access_logs": _access_logs,
    "method_throttling": _method_throttling,
    "custom_domain": _custom_domain,
    "web_acl_arn": _web_acl_arn,
    "stage_variables": _stage_variables,
    "kms_key_arns": _kms_key_arns,
    "sse_kms_key_arn": lambda value: _kms_key_arn("sse_kms_key_arn", value),
    "metadata_headers": _metadata_headers,
    "authorizer": _authorizer,
    "bucket_accounts": _bucket_accounts,
    "integration_credentials": _one_of("integration_credentials", INTEGRATION_CREDENTIALS, str.lower),
    "caller_folders": _one_of("caller_folders", CALLER_FOLDERS, str.lower),
    "description": _description,
    "minimum_compression_size": _minimum_compression_size,
    "disable_execute_api_endpoint": _disable_execute_api_endpoint,
    "alarms": _alarms,
}


# The inputs that may be pulumi Outputs (other resources' outputs, secrets, unknowns in preview): those that only
# flow into the rendered document, the policies or child resources' properties. `[]` is a list's items (or the
# whole list), `{}` a map's values. Each maps to a valid stand-in: at construction the Outputs are replaced by
# them, so that every literal input around them is checked before anything is registered; the real values are
# checked by the same validators when they resolve. Every other input is plain, because it decides which routes
# or child resources exist (pulumi-eks's rule: an Input unless it would create resources inside an apply).
STAND_INS: dict[str, Any] = {
    "binary_media_types[]": "application/octet-stream",
    "buckets[]": "pending-bucket",
    "bucket_patterns[]": "pending-*",
    "stage_name": "pending",
    "status_mapping": "faithful",
    "throttling_rate_limit": 0.0,
    "throttling_burst_limit": 0,
    "tracing_enabled": False,
    "tags{}": "",
    "key_prefix": "pending/",
    "allowed_source_cidrs[]": "192.0.2.0/24",
    "vpc_endpoint_ids[]": "vpce-00000000",
    "api_keys.quota_limit": 0,
    "api_keys.quota_period": "MONTH",
    "api_keys.rate_limit": 0.0,
    "api_keys.burst_limit": 0,
    "cors.allow_origin": "*",
    "cors.allow_headers[]": "X-Pending",
    "cors.expose_headers[]": "X-Pending",
    "cors.max_age": 0,
    "access_logs.retention_days": 30,
    "method_throttling{}.rate_limit": 0.0,
    "method_throttling{}.burst_limit": 0,
    "custom_domain.domain_name": "pending.example.com",
    "custom_domain.certificate_arn": "arn:aws:acm:us-east-1:000000000000:certificate/" + "0" * 36,
    "custom_domain.base_path": "pending",
    "web_acl_arn": "arn:aws:wafv2:us-east-1:000000000000:regional/webacl/pending/00000000",
    "stage_variables{}": "pending",
    "kms_key_arns[]": "arn:aws:kms:us-east-1:000000000000:key/" + "0" * 36,
    "sse_kms_key_arn": "arn:aws:kms:us-east-1:000000000000:key/" + "0" * 36,
    "metadata_headers[]": "x-amz-meta-pending",
    "authorizer.user_pool_arns[]": "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_pending",
    "authorizer.scopes[]": "pending",
    "authorizer.function_arn": "arn:aws:lambda:us-east-1:000000000000:function:pending",
    "authorizer.identity_source": "method.request.header.Authorization",
    "authorizer.result_ttl_seconds": 300,
    "bucket_accounts[]": "000000000000",
    "caller_folders": "username",
    "description": "pending",
    "minimum_compression_size": 0,
    "alarms.server_error_rate": 0.05,
    "alarms.latency_p99_ms": 3000.0,
    "alarms.client_error_rate": 0.05,
    "alarms.integration_latency_p99_ms": 3000.0,
    "alarms.period_seconds": 300,
    "alarms.evaluation_periods": 1,
    "alarms.topic_arn": "arn:aws:sns:us-east-1:000000000000:pending",
}


def with_stand_ins(args: Mapping[str, Any], is_output: Callable[[Any], bool]) -> dict[str, Any]:
    """`args` with each Output replaced by its input's stand-in (see `STAND_INS`), for the checks at construction.

    An Output where a plain value is needed is an error naming the input."""
    if not isinstance(args, Mapping):
        return args  # validate_args says what is wrong with it

    def replace(path: str, value: Any) -> Any:
        if is_output(value):
            if path in STAND_INS:
                return STAND_INS[path]
            if f"{path}[]" in STAND_INS:
                return [STAND_INS[f"{path}[]"]]
            field = re.sub(r"\[\]|\{\}", "", path)
            raise S3ProxyConfigError(
                field, "must be a plain value, not an Output: it decides which routes or resources exist"
            )
        if isinstance(value, (list, tuple)):
            return [replace(f"{path}[]", item) for item in value]
        if isinstance(value, Mapping):
            if any(pattern.startswith(f"{path}{{}}") for pattern in STAND_INS):
                return {key: replace(f"{path}{{}}", item) for key, item in value.items()}
            return {key: replace(f"{path}.{key}", item) for key, item in value.items()}
        return value

    return {field: replace(field, value) for field, value in args.items()}


def validate_args(args: Mapping[str, Any]) -> ProxyConfig:
    """Check every input and return the normalised configuration; `None` means "use the default"."""
    if not isinstance(args, Mapping):
        raise S3ProxyConfigError("args", f"expected a mapping of S3ProxyApiArgs, got {type(args).__name__}")
    unknown = sorted(set(args) - set(_VALIDATORS))
    if unknown:
        raise S3ProxyConfigError(unknown[0], f"unknown input; allowed inputs: {', '.join(_VALIDATORS)}")
    if args.get("allowed_actions") is None:
        raise S3ProxyConfigError("allowed_actions", "is required: a list of S3 IAM actions such as 's3:GetObject'")
    values = {field: _VALIDATORS[field](value) for field, value in args.items() if value is not None}
    config = ProxyConfig(**values)
    _check_combination(config)
    return config


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
