"""Every input of `S3ProxyApi`, declared once in `INPUTS`: its validator, whether it may be a pulumi Output (then
with the stand-in that replaces it at construction), and the stack config key `__main__.py` reads it from.

The validators' lookup (`validate_args`), `STAND_INS` and the program's reading of the stack derive from the table.
Adding an input takes:
- its entry in `INPUTS` (its validator from `validators.py`, or a new one there, `(field, value) -> normalised`);
- its field in `config.ProxyConfig` (a nested one: its dataclass, named in `config.MODELS`);
- its field, with its docstring, in `s3proxy.S3ProxyApiArgs`, the TypedDict the package schema and the SDK's
  component host read (tests/test_input_table.py checks it agrees with the table);
- for a stack config key, its declaration in Pulumi.yaml (a `MAP` cannot be declared there).

Which inputs may be Outputs: those that only flow into the rendered document, the policies or child resources'
properties. Their Outputs are replaced by stand-ins at construction, so that every literal input around them is
checked before anything is registered; the real values are checked by the same validators when they resolve. Every
other input is plain, because it decides which routes or child resources exist (pulumi-eks's rule: an Input unless
it would create resources inside an apply).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import validators as v
from .validators import S3ProxyConfigError, Validator

# How `__main__.py` reads a stack key: pulumi.Config's get, get_float, get_int, get_bool and get_object.
TEXT, NUMBER, WHOLE, FLAG, STRUCTURED = "text", "number", "whole", "flag", "structured"
# A number held in a string key (Pulumi.yaml's config types have none with a fraction); what is not a number is passed
# on for the component to refuse, naming the input.
DECIMAL = "decimal"
MAP = "map"  # read as STRUCTURED; not declared in Pulumi.yaml, whose project config cannot type a map
# Stand-ins of ARNs: valid ARNs, of account 000000000000.
PENDING_KMS_KEY = "arn:aws:kms:us-east-1:000000000000:key/" + "0" * 36
PENDING_CERTIFICATE = "arn:aws:acm:us-east-1:000000000000:certificate/" + "0" * 36
PENDING_WEB_ACL = "arn:aws:wafv2:us-east-1:000000000000:regional/webacl/pending/00000000"
PENDING_USER_POOL = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_pending"
PENDING_FUNCTION = "arn:aws:lambda:us-east-1:000000000000:function:pending"


@dataclass(frozen=True)
class StandIn:
    """A valid value that replaces an Output at construction: of the input itself (`of` ""), of each item of a list
    or the whole list (`"[]"`, the list then holds one stand-in), or of each value of a map (`"{}"`)."""

    value: Any
    of: str = ""


def each(value: Any) -> StandIn:
    return StandIn(value, "[]")


def each_value(value: Any) -> StandIn:
    return StandIn(value, "{}")


@dataclass(frozen=True)
class Input:
    """One input: `stand_in` None means plain (never an Output); `stack` is its (key, how it is read)."""

    name: str
    validate: Validator
    stand_in: StandIn | None = None
    stack: tuple[str, str] | None = None
    required: bool = False

    def from_stack(self, read: Callable[[str, str], Any]) -> Any:
        return read(*self.stack) if self.stack else None


@dataclass(frozen=True)
class Record:
    """A nested input, a mapping of its own `fields` (`api_keys.quota_limit`), validated into a dict of them; with
    `key`, a non-empty mapping of such records by names `key` checks (`method_throttling{}.rate_limit`), into sorted
    (name, dict) pairs. Whether it is set is plain. In the stack: one `stack` key holding it whole, or its fields'
    own keys, grouped in `variants` (by default one group of them all): the first group whose first key is set; or,
    for a record whose fields all have defaults, a `switch` key that gives it when true, with whichever fields are
    set."""

    name: str
    fields: tuple[Input, ...]
    key: Validator | None = None
    stack: tuple[str, str] | None = None
    variants: tuple[tuple[str, ...], ...] = ()
    switch: tuple[str, str] | None = None
    required = False

    def validate(self, field: str, value: Any) -> Any:
        if self.key is None:
            return self._fields(field, value)
        if not isinstance(value, Mapping) or not value:  # the one keyed record: limits by method
            raise S3ProxyConfigError(field, f"expected a non-empty mapping of 'VERB /path' to limits, got {value!r}")
        named = ((self.key(field, name), self._fields(f"{field}.{name}", fields)) for name, fields in value.items())
        return tuple(sorted(named, key=lambda pair: pair[0]))

    def _fields(self, field: str, value: Any) -> dict[str, Any]:
        allowed = ", ".join(spec.name for spec in self.fields)
        if not isinstance(value, Mapping):
            raise S3ProxyConfigError(field, f"expected a mapping with {allowed}, got {value!r}")
        specs = {spec.name: spec for spec in self.fields}
        unknown = sorted(set(value) - set(specs))
        if unknown:
            raise S3ProxyConfigError(f"{field}.{unknown[0]}", f"unknown input; allowed: {allowed}")
        missing = sorted(spec.name for spec in self.fields if spec.required and value.get(spec.name) is None)
        if missing:
            raise S3ProxyConfigError(f"{field}.{missing[0]}", "is required")
        return {name: specs[name].validate(f"{field}.{name}", item) for name, item in value.items() if item is not None}

    def from_stack(self, read: Callable[[str, str], Any]) -> Any:
        if self.stack:
            return read(*self.stack)
        values = {spec.name: spec.from_stack(read) for spec in self.fields}
        if self.switch:
            return {name: value for name, value in values.items() if value is not None} if read(*self.switch) else None
        for group in self.variants or (tuple(spec.name for spec in self.fields if spec.stack),):
            if values[group[0]] is not None:
                return {name: values[name] for name in group if values[name] is not None}
        return None


non_negative_int, non_negative_float = v.non_negative(int), v.non_negative(float)
INPUTS: tuple[Input | Record, ...] = (
    Input("allowed_actions", v.allowed_actions, stack=("allowedActions", STRUCTURED), required=True),
    Input("region", v.region, stack=("aws:region", TEXT)),
    Input(
        "binary_media_types",
        v.strings(v.media_type),
        each("application/octet-stream"),
        ("binaryMediaTypes", STRUCTURED),
    ),
    Input("buckets", v.strings(v.bucket_name), each("pending-bucket"), ("buckets", STRUCTURED)),
    Input("bucket_patterns", v.strings(v.bucket_pattern), each("pending-*"), ("bucketPatterns", STRUCTURED)),
    Input("stage_name", v.stage_name, StandIn("pending"), ("stageName", TEXT)),
    Input("authorization", v.one_of(v.AUTHORIZATION_TYPES, str.upper), stack=("authorization", TEXT)),
    Input("status_mapping", v.one_of(v.STATUS_MAPPINGS, str.lower), StandIn("faithful"), ("statusMapping", TEXT)),
    Input("throttling_rate_limit", non_negative_float, StandIn(0.0), ("throttlingRateLimit", NUMBER)),
    Input("throttling_burst_limit", non_negative_int, StandIn(0), ("throttlingBurstLimit", WHOLE)),
    Input("tracing_enabled", v.flag, StandIn(False), ("tracingEnabled", FLAG)),
    Input("tags", v.string_map(v.tag), each_value(""), ("tags", MAP)),
    Input("key_prefix", v.key_prefix, StandIn("pending/"), ("keyPrefix", TEXT)),
    Input("allowed_source_cidrs", v.strings(v.cidr), each("192.0.2.0/24"), ("allowedSourceCidrs", STRUCTURED)),
    Input("vpc_endpoint_ids", v.strings(v.vpc_endpoint_id), each("vpce-00000000"), ("vpcEndpointIds", STRUCTURED)),
    Input("endpoint_type", v.one_of(v.ENDPOINT_TYPES, str.upper), stack=("endpointType", TEXT)),
    Record(
        "api_keys",
        (
            Input("names", v.strings(v.token), stack=("apiKeyNames", STRUCTURED), required=True),
            Input("quota_limit", non_negative_int, StandIn(0), ("apiKeyQuotaLimit", WHOLE)),
            Input("quota_period", v.one_of(v.QUOTA_PERIODS, str.upper), StandIn("MONTH"), ("apiKeyQuotaPeriod", TEXT)),
            Input("rate_limit", non_negative_float, StandIn(0.0), ("apiKeyRateLimit", NUMBER)),
            Input("burst_limit", non_negative_int, StandIn(0), ("apiKeyBurstLimit", WHOLE)),
        ),
    ),
    Record(
        "cors",
        (
            Input("allow_origin", v.origin, StandIn("*"), ("corsAllowOrigin", TEXT), required=True),
            Input("allow_headers", v.strings(v.header_name), each("X-Pending")),
            Input("expose_headers", v.strings(v.header_name), each("X-Pending")),
            Input("max_age", non_negative_int, StandIn(0), ("corsMaxAge", WHOLE)),
        ),
    ),
    Record("access_logs", (Input("retention_days", v.log_retention, StandIn(30), ("accessLogRetentionDays", WHOLE)),)),
    Record(
        "method_throttling",
        (Input("rate_limit", non_negative_float, StandIn(0.0)), Input("burst_limit", non_negative_int, StandIn(0))),
        key=v.method,
        stack=("methodThrottling", MAP),
    ),
    Record(
        "custom_domain",
        (
            Input(
                "domain_name", v.domain_name, StandIn("pending.example.com"), ("customDomainName", TEXT), required=True
            ),
            Input(
                "certificate_arn",
                v.certificate_arn,
                StandIn(PENDING_CERTIFICATE),
                ("customDomainCertificateArn", TEXT),
                required=True,
            ),
            Input("base_path", v.base_path, StandIn("pending"), ("customDomainBasePath", TEXT)),
        ),
    ),
    Input("web_acl_arn", v.web_acl_arn, StandIn(PENDING_WEB_ACL), ("webAclArn", TEXT)),
    Input("stage_variables", v.string_map(v.stage_variable), each_value("pending"), ("stageVariables", MAP)),
    Input("kms_key_arns", v.strings(v.kms_key_arn), each(PENDING_KMS_KEY), ("kmsKeyArns", STRUCTURED)),
    Input("sse_kms_key_arn", v.kms_key_arn, StandIn(PENDING_KMS_KEY), ("sseKmsKeyArn", TEXT)),
    Input(
        "metadata_headers", v.strings(v.metadata_header), each("x-amz-meta-pending"), ("metadataHeaders", STRUCTURED)
    ),
    Record(
        "authorizer",
        (
            Input(
                "user_pool_arns",
                v.strings(v.user_pool_arn),
                each(PENDING_USER_POOL),
                ("authorizerUserPoolArns", STRUCTURED),
            ),
            Input("scopes", v.strings(v.oauth_scope, unique=False), each("pending"), ("authorizerScopes", STRUCTURED)),
            Input("function_arn", v.function_arn, StandIn(PENDING_FUNCTION), ("authorizerFunctionArn", TEXT)),
            Input("type", v.one_of(v.LAMBDA_AUTHORIZER_TYPES, str.upper), stack=("authorizerType", TEXT)),
            Input(
                "identity_source",
                v.identity_source,
                StandIn("method.request.header.Authorization"),
                ("authorizerIdentitySource", TEXT),
            ),
            Input("result_ttl_seconds", v.result_ttl, StandIn(300), ("authorizerResultTtlSeconds", WHOLE)),
        ),
        # A Lambda authorizer (CUSTOM) or Cognito user pools (COGNITO_USER_POOLS), by which keys are set.
        variants=(("function_arn", "type", "identity_source", "result_ttl_seconds"), ("user_pool_arns", "scopes")),
    ),
    Input("bucket_accounts", v.strings(v.account_id), each("000000000000"), ("bucketAccounts", STRUCTURED)),
    Input(
        "integration_credentials",
        v.one_of(v.INTEGRATION_CREDENTIALS, str.lower),
        stack=("integrationCredentials", TEXT),
    ),
    Input("caller_folders", v.one_of(v.CALLER_FOLDERS, str.lower), StandIn("username"), ("callerFolders", TEXT)),
    Input("description", v.description, StandIn("pending"), ("apiDescription", TEXT)),
    Input("minimum_compression_size", v.compression_size, StandIn(0), ("minimumCompressionSize", WHOLE)),
    Input("disable_execute_api_endpoint", v.flag, stack=("disableExecuteApiEndpoint", FLAG)),
    Record(
        "alarms",
        (
            Input("server_error_rate", v.error_rate, StandIn(0.05), ("alarmServerErrorRate", DECIMAL)),
            Input("latency_p99_ms", v.milliseconds, StandIn(3000.0), ("alarmLatencyP99Ms", DECIMAL)),
            Input("client_error_rate", v.error_rate, StandIn(0.05), ("alarmClientErrorRate", DECIMAL)),
            Input(
                "integration_latency_p99_ms",
                v.milliseconds,
                StandIn(3000.0),
                ("alarmIntegrationLatencyP99Ms", DECIMAL),
            ),
            Input("period_seconds", v.metric_period, StandIn(300), ("alarmPeriodSeconds", WHOLE)),
            Input("evaluation_periods", v.periods, StandIn(1), ("alarmEvaluationPeriods", WHOLE)),
            Input(
                "topic_arn",
                v.topic_arn,
                StandIn("arn:aws:sns:us-east-1:000000000000:pending"),
                ("alarmTopicArn", TEXT),
            ),
        ),
        switch=("alarms", FLAG),
    ),
)
BY_NAME = {spec.name: spec for spec in INPUTS}


def _stand_ins(specs: tuple[Input | Record, ...], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for spec in specs:
        if isinstance(spec, Record):
            yield from _stand_ins(spec.fields, f"{prefix}{spec.name}{'{}' if spec.key else ''}.")
        elif spec.stand_in:
            yield f"{prefix}{spec.name}{spec.stand_in.of}", spec.stand_in.value


# The inputs that may be Outputs, by path (`[]` a list's items or the whole list, `{}` a map's values), and their
# stand-ins.
STAND_INS: dict[str, Any] = dict(_stand_ins(INPUTS))


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


def stack_args(read: Callable[[str, str], Any]) -> dict[str, Any]:
    """The inputs a stack's config sets, by the table's keys; `read(key, how)` is a key's value, None where unset."""
    values = {spec.name: spec.from_stack(read) for spec in INPUTS}
    return {name: value for name, value in values.items() if value is not None}


def stack_keys(specs: tuple[Input | Record, ...] = INPUTS) -> Iterator[tuple[str, str]]:
    """Every stack config key the table reads, with how it is read."""
    for spec in specs:
        if spec.stack:
            yield spec.stack
        if isinstance(spec, Record):
            yield from filter(None, [spec.switch])
            yield from stack_keys(spec.fields)


def stack_key_of(field: str) -> str | None:
    """The stack key an input's error names (`cors.allow_origin`, `method_throttling.GET /x`): the key of the input, or
    of the nearest record around it that has one; for a record without its own key, the prefix its keys share
    (`authorizer*`); None where no stack key sets it."""
    path = field
    while path:
        spec = _spec_at(path)
        if spec and spec.stack:
            return spec.stack[0]
        if isinstance(spec, Record):
            keys = [key for key, _ in stack_keys((spec,))]
            prefix = keys[0]
            while not all(key.startswith(prefix) for key in keys):
                prefix = prefix[:-1]
            return f"{prefix}*"
        path = path.rpartition(".")[0]
    return None


def _spec_at(path: str) -> Input | Record | None:
    spec: Input | Record | None = None
    specs: tuple[Input | Record, ...] = INPUTS
    for name in path.split("."):
        spec = next((candidate for candidate in specs if candidate.name == name), None)
        if spec is None:
            return None
        specs = spec.fields if isinstance(spec, Record) else ()
    return spec
