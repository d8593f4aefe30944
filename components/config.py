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

from .catalogue import Route, resolve_actions, routes_for

AUTHORIZATION_TYPES = ("AWS_IAM", "NONE")
STATUS_MAPPINGS = ("faithful", "tutorial")
# Every payload is binary for API Gateway: bytes pass through untouched whatever their type.
DEFAULT_BINARY_MEDIA_TYPES = ("*/*",)
DEFAULT_STAGE_NAME = "dev"

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_MEDIA_TYPE = re.compile(r"^(\*|[A-Za-z0-9][\w!#$&^.+-]*)/(\*|[\w!#$&^.+-]+)$")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# A key prefix lands in IAM ARNs and conditions and in the integration URI: only S3's "safe"
# characters, never IAM's `*`/`?` wildcards or `${...}` policy variables, which would widen it.
_KEY_PREFIX = re.compile(r"^[A-Za-z0-9!_.'()-]+(/[A-Za-z0-9!_.'()-]+)*/$")
_VPC_ENDPOINT_ID = re.compile(r"^vpce-[0-9a-f]{8,17}$")


class S3ProxyConfigError(ValueError):
    """An input of `S3ProxyApi` is invalid. `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"S3ProxyApi: invalid `{field}`: {message}")
        self.field = field


@dataclass(frozen=True)
class ProxyConfig:
    """The validated, normalised inputs. Defaults are the safe ones."""

    allowed_actions: tuple[str, ...]
    region: str | None = None
    binary_media_types: tuple[str, ...] = DEFAULT_BINARY_MEDIA_TYPES
    buckets: tuple[str, ...] | None = None
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

    @property
    def routes(self) -> tuple[Route, ...]:
        """The API's routes: those of the allowed actions that work under the key prefix, if any."""
        return routes_for(self.allowed_actions, prefixed=self.key_prefix is not None)


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
    if not isinstance(value, str) or not _REGION.match(value):
        raise S3ProxyConfigError("region", f"{value!r} is not an AWS region name such as 'us-east-1'")
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


def _tags(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise S3ProxyConfigError("tags", f"expected a mapping of strings to strings, got {value!r}")
    for key, tag_value in value.items():
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


_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "allowed_actions": _allowed_actions,
    "region": _region,
    "binary_media_types": _binary_media_types,
    "buckets": _buckets,
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
}


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
    return ProxyConfig(**values)
