"""The checks of single inputs. Every validator is `(field, value) -> normalised value`, raising an
`S3ProxyConfigError` that names `field` and what is allowed; `inputs.INPUTS` says which input each checks.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from .catalogue import partition_for, resolve_actions

AUTHORIZATION_TYPES = ("AWS_IAM", "NONE", "COGNITO_USER_POOLS", "CUSTOM")
LAMBDA_AUTHORIZER_TYPES = ("TOKEN", "REQUEST")
STATUS_MAPPINGS = ("faithful", "tutorial")
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

_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# A key prefix lands in IAM ARNs and conditions and in the integration URI: only S3's "safe"
# characters, never IAM's `*`/`?` wildcards or `${...}` policy variables, which would widen it.
_KEY_PREFIX = re.compile(r"[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*/")

Validator = Callable[[str, Any], Any]


class S3ProxyConfigError(ValueError):
    """An input of `S3ProxyApi` is invalid. `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"S3ProxyApi: invalid `{field}`: {message}")
        self.field = field


# The validator factories below bind their settings with `partial` to a module-level check rather than return a
# closure: most are built once, when `inputs.INPUTS` is imported, and a closure's code would then be fixed before
# any test runs (mutation testing switches a function's code when it is called: docs/mutation.md).


def matching(pattern: str, problem: str) -> Validator:
    """A string matching `pattern` whole; else an error quoting the value and saying what is wrong: `problem`,
    e.g. "is not an ACM certificate ARN"."""
    return partial(_matching, pattern, problem)


def _matching(pattern: str, problem: str, field: str, value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise S3ProxyConfigError(field, f"{value!r} {problem}")
    return value


def one_of(allowed: tuple[str, ...], normalise: Callable[[str], str]) -> Validator:
    return partial(_one_of, allowed, normalise)


def _one_of(allowed: tuple[str, ...], normalise: Callable[[str], str], field: str, value: Any) -> str:
    if isinstance(value, str) and normalise(value) in allowed:
        return normalise(value)
    raise S3ProxyConfigError(field, f"{value!r} is not one of {', '.join(allowed)}")


def non_negative(kind: type) -> Validator:
    return partial(_non_negative, kind)


def _non_negative(kind: type, field: str, value: Any) -> Any:
    # Numbers cross Pulumi's wire as doubles: through the package host an integer input arrives as 200.0.
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    # bool is an int subclass; `True` as a rate limit is a mistake, not 1 request a second.
    numeric = isinstance(value, (int, float) if kind is float else int) and not isinstance(value, bool)
    if not numeric or value < 0 or value != value:
        raise S3ProxyConfigError(field, f"{value!r} must be a non-negative {kind.__name__}")
    return kind(value)


def strings(item: Validator, *, unique: bool = True) -> Validator:
    """A non-empty list of strings, each checked and normalised by `item`; with `unique`, the first of equals."""
    return partial(_strings, item, unique)


def _strings(item: Validator, unique: bool, field: str, value: Any) -> tuple[str, ...]:
    # A bare string is iterable too; reject it rather than treat "s3:GetObject" as 12 characters.
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise S3ProxyConfigError(field, f"expected a list of strings, got {value!r}")
    if not value:
        raise S3ProxyConfigError(field, "must not be empty")
    checked = [item(field, v) for v in value]
    return tuple(dict.fromkeys(checked)) if unique else tuple(checked)


def string_map(item: Callable[[str, str, str], None]) -> Validator:
    """A mapping of strings to strings, each pair checked by `item(field, key, value)`; as sorted pairs."""
    return partial(_string_map, item)


def _string_map(item: Callable[[str, str, str], None], field: str, value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise S3ProxyConfigError(field, f"expected a mapping of strings to strings, got {value!r}")
    for key, pair_value in value.items():
        item(field, key, pair_value)
    return tuple(sorted(value.items()))


def any_string(field: str, value: str) -> str:
    return value


def allowed_actions(field: str, value: Any) -> tuple[str, ...]:
    patterns = list(strings(any_string)(field, value))
    try:
        return resolve_actions(patterns)
    except ValueError as error:
        raise S3ProxyConfigError(field, str(error)) from None


def region(field: str, value: Any) -> str:
    if (
        not isinstance(value, str)
        or not re.fullmatch(r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}", value)
        or partition_for(value) is None
    ):
        raise S3ProxyConfigError(
            field, f"{value!r} is not an AWS region name such as 'us-east-1' of a partition botocore knows"
        )
    return value


def bucket_name_problem(name: str) -> str | None:
    """Why `name` breaks S3's general purpose bucket naming rules, or None if it follows them."""
    if not _BUCKET_NAME.fullmatch(name):
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


def bucket_name(field: str, name: str) -> str:
    problem = bucket_name_problem(name)
    if problem:
        raise S3ProxyConfigError(field, f"{name!r} is not a valid S3 bucket name: {problem}")
    return name


def cidr(field: str, block: str) -> str:
    try:
        ipaddress.ip_network(block)
    except ValueError as error:
        raise S3ProxyConfigError(field, f"{block!r} is not a CIDR block: {error}") from None
    return block


def flag(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise S3ProxyConfigError(field, f"{value!r} must be true or false")
    return value


def tag(field: str, key: str, value: str) -> None:
    if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
        raise S3ProxyConfigError(field, f"key {key!r} must be 1-128 characters and not start with 'aws:'")
    if len(value) > 256:
        raise S3ProxyConfigError(field, f"value of {key!r} is longer than 256 characters")


def stage_variable(field: str, name: str, value: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_]{1,64}", name):
        raise S3ProxyConfigError(field, f"name {name!r} must be 1-64 letters, digits or '_'")
    # CreateStage/CreateDeployment: values must match [A-Za-z0-9-._~:/?#&=,]+ (no space, not empty).
    if not re.fullmatch(r"[A-Za-z0-9\-._~:/?#&=,]{1,512}", value):
        raise S3ProxyConfigError(
            field, f"value {value!r} of {name!r} must be 1-512 of letters, digits and -._~:/?#&=, (API Gateway's rule)"
        )


def key_prefix(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _KEY_PREFIX.fullmatch(value) or len(value) > 512:
        raise S3ProxyConfigError(
            field,
            f"{value!r} must be up to 512 characters of letters, digits and !_.'()- in '/'-separated "
            "non-empty segments, ending with '/' (e.g. 'uploads/'); no '..' segments, '*', '?' or '$'",
        )
    if any(segment in (".", "..") for segment in value.split("/")):
        raise S3ProxyConfigError(field, f"{value!r} must not contain '.' or '..' segments")
    return value


def origin(field: str, value: Any) -> str:
    # A static header holds one origin: API Gateway cannot choose among several without templates.
    if value == "*" or (isinstance(value, str) and re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", value)):
        return str(value)
    raise S3ProxyConfigError(field, f"{value!r} must be '*' or one origin such as 'https://app.example.com'")


def log_retention(field: str, days: Any) -> int:
    if days not in LOG_RETENTION_DAYS or isinstance(days, bool):
        raise S3ProxyConfigError(field, f"{days!r} is not a CloudWatch Logs retention; one of {LOG_RETENTION_DAYS}")
    return int(days)


def method(field: str, value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"(GET|HEAD|PUT|POST|DELETE) /\S*", value):
        raise S3ProxyConfigError(field, f"{value!r} must be 'VERB /path', e.g. 'GET /{{folder}}/{{item+}}'")
    return value


# A pattern ends in its only `*`: IAM's `*` also matches `/`, so a `*` inside (`a*b/*`) would match object ARNs of
# other buckets (`axx/yyb/key`), and `?` or `${...}` would widen it too. Three literal characters at least: never `*`.
bucket_pattern = matching(
    r"[a-z0-9][a-z0-9.-]{2,61}\*",
    "must be a bucket name prefix followed by one '*', e.g. 'acme-tenant-*': at least 3 lowercase letters, digits, "
    "'.' or '-' (the first a letter or digit), at most 63 characters in all; '*' is the only wildcard and only at the "
    "end",
)
stage_name = matching(r"[A-Za-z0-9_-]{1,128}", "must be 1-128 characters of letters, digits, '-' and '_'")
token = matching(r"[A-Za-z0-9._-]{1,64}", "must be 1-64 letters, digits, '.', '_' or '-'")
base_path = matching(r"[A-Za-z0-9._-]{1,128}", "must be 1-128 letters, digits, '.', '_' or '-' (no '/')")
media_type = matching(
    r"(\*|[A-Za-z0-9][\w!#$&^.+-]*)/(\*|[\w!#$&^.+-]+)", "is not a `type/subtype` media type (`*` wildcards allowed)"
)
vpc_endpoint_id = matching(r"vpce-[0-9a-f]{8,17}", "is not a VPC endpoint id like 'vpce-0a1b2c3d'")
account_id = matching(r"\d{12}", "is not an AWS account id of 12 digits")
header_name = matching(r"[A-Za-z0-9-]{1,64}", "is not an HTTP header name")
domain_name = matching(
    r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    "is not a lowercase DNS name such as 'files.example.com'",
)
certificate_arn = matching(
    r"arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}", "is not an ACM certificate ARN"
)
web_acl_arn = matching(
    r"arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/\S+", "is not a regional WAFv2 web ACL ARN"
)
# A key ARN, not an alias: IAM grants kms:* actions on keys; an alias ARN would grant nothing.
kms_key_arn = matching(
    r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/(mrk-)?[0-9a-f-]{32,36}",
    "is not a KMS key ARN such as 'arn:aws:kms:us-east-1:111122223333:key/<key id>'",
)
user_pool_arn = matching(
    r"arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/[\w-]+_[0-9A-Za-z]+", "is not a Cognito user pool ARN"
)
oauth_scope = matching(r"[\x21\x23-\x5b\x5d-\x7e]{1,256}", "is not an OAuth scope")
function_arn = matching(
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?",
    "is not a Lambda function ARN",
)
_user_metadata = matching(
    r"x-amz-meta-[A-Za-z0-9-]{1,100}", "is not a user metadata header: 'x-amz-meta-' and letters, digits, '-'"
)


def metadata_header(field: str, name: str) -> str:
    return _user_metadata(field, name).lower()


# A header, query string or stage variable; REQUEST authorizers may list several, comma-separated.
_IDENTITY_PART = r"(method\.request\.(header|querystring)\.[A-Za-z0-9._~-]+|stageVariables\.[A-Za-z0-9_]+)"
identity_source = matching(
    rf"{_IDENTITY_PART}(, ?{_IDENTITY_PART})*",
    "must be like 'method.request.header.Authorization' (comma-separated for REQUEST)",
)


def whole_up_to(maximum: int, allowed: str) -> Validator:
    """A non-negative integer of at most `maximum`; `allowed` says the range in the error."""
    return partial(_whole_up_to, maximum, allowed)


def _whole_up_to(maximum: int, allowed: str, field: str, value: Any) -> int:
    checked = int(_non_negative(int, field, value))
    if checked > maximum:
        raise S3ProxyConfigError(field, f"{value!r} must be {allowed}")
    return checked


result_ttl = whole_up_to(3600, "0-3600 seconds")


def description(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise S3ProxyConfigError(field, f"{value!r} must be a non-empty string")
    return value


MAX_COMPRESSION_SIZE = 10 * 1024 * 1024  # 10,485,760 bytes: API Gateway's largest minimumCompressionSize


compression_size = whole_up_to(MAX_COMPRESSION_SIZE, f"0 to {MAX_COMPRESSION_SIZE:,} bytes (API Gateway's range)")


def error_rate(field: str, share: Any) -> float:
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise S3ProxyConfigError(field, f"{share!r} must be a share of requests above 0, at most 1 (0.05 is 5%)")
    return float(share)


def milliseconds(field: str, duration: Any) -> float:
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not duration > 0:
        raise S3ProxyConfigError(field, f"{duration!r} must be a number of milliseconds above 0")
    return float(duration)


def metric_period(field: str, seconds: Any) -> int:
    # API Gateway's metrics have 1-minute resolution: a multiple of 60 (CloudWatch API reference,
    # PutMetricAlarm `Period`), and at most a day.
    checked = int(non_negative(int)(field, seconds))
    if checked % 60 or not 60 <= checked <= 86400:
        raise S3ProxyConfigError(field, f"{seconds!r} must be a multiple of 60 seconds, 60 to 86400")
    return checked


def periods(field: str, count: Any) -> int:
    checked = int(non_negative(int)(field, count))
    if checked < 1:
        raise S3ProxyConfigError(field, f"{count!r} must be at least 1 period")
    return checked


topic_arn = matching(
    r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?",
    "is not an SNS topic ARN such as 'arn:aws:sns:us-east-1:111122223333:alerts'",
)
