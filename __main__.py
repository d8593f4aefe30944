"""The s3proxy program: check and read the stack's config, build one S3ProxyApi, export its outputs."""

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pulumi
import yaml
from pulumi.runtime.config import CONFIG

from components import S3ProxyApi, S3ProxyApiArgs, S3ProxyConfigError

config = pulumi.Config()  # the `s3proxy:` namespace; Pulumi.yaml declares every key with its default
# Project config cannot type a map, so these are read from the stack file without a declaration.
UNDECLARED_MAPS = ("tags", "stageVariables", "methodThrottling")


def check_config_keys() -> None:
    """A key of this project's namespace that Pulumi.yaml does not declare is a typo (the engine passes
    it through and the program would never read it): fail before anything is created, naming it and
    the closest declared key. The keys are the ones the engine handed over: `PULUMI_CONFIG` under the
    CLI, which its Python host also loads into the SDK's config map, as the mock runtime does."""
    project = yaml.safe_load(Path(__file__).resolve().with_name("Pulumi.yaml").read_text())
    namespace = f"{config.name}:"
    declared = sorted({key.removeprefix(namespace) for key in project.get("config") or {}} | set(UNDECLARED_MAPS))
    given = set(pulumi.runtime.get_config_env()) | set(CONFIG.get())
    unknown = sorted(key for key in given if key.startswith(namespace) and key.removeprefix(namespace) not in declared)
    if unknown:
        raise pulumi.RunError(
            "; ".join(
                f"stack config {key} is not declared in Pulumi.yaml: did you mean "
                f"{namespace}{difflib.get_close_matches(key.removeprefix(namespace), declared, n=1, cutoff=0)[0]}?"
                for key in unknown
            )
        )


check_config_keys()
text, number, whole, flag, structured = (
    pulumi.Config.get,
    pulumi.Config.get_float,
    pulumi.Config.get_int,
    pulumi.Config.get_bool,
    pulumi.Config.get_object,
)


def decimal(stack: pulumi.Config, key: str) -> Any:
    """A number held in a string key (Pulumi.yaml's config types have none with a fraction); what is not a number is
    passed on for the component to refuse, naming the input."""
    value = stack.get(key)
    try:
        return float(value) if value else None
    except ValueError:
        return value


# Each input of S3ProxyApi (a nested one as `group.field`), the stack key it is read from (the project's
# namespace unless another is named) and how.
STACK_KEYS: dict[str, tuple[str, Callable[[pulumi.Config, str], Any]]] = {
    "region": ("aws:region", text),
    "allowed_actions": ("allowedActions", structured),
    "binary_media_types": ("binaryMediaTypes", structured),
    "buckets": ("buckets", structured),
    "bucket_accounts": ("bucketAccounts", structured),
    "bucket_patterns": ("bucketPatterns", structured),
    "stage_name": ("stageName", text),
    "authorization": ("authorization", text),
    "status_mapping": ("statusMapping", text),
    "throttling_rate_limit": ("throttlingRateLimit", number),
    "throttling_burst_limit": ("throttlingBurstLimit", whole),
    "tracing_enabled": ("tracingEnabled", flag),
    "tags": ("tags", structured),
    "key_prefix": ("keyPrefix", text),
    "allowed_source_cidrs": ("allowedSourceCidrs", structured),
    "vpc_endpoint_ids": ("vpcEndpointIds", structured),
    "endpoint_type": ("endpointType", text),
    "api_keys.names": ("apiKeyNames", structured),
    "api_keys.quota_limit": ("apiKeyQuotaLimit", whole),
    "api_keys.quota_period": ("apiKeyQuotaPeriod", text),
    "api_keys.rate_limit": ("apiKeyRateLimit", number),
    "api_keys.burst_limit": ("apiKeyBurstLimit", whole),
    "cors.allow_origin": ("corsAllowOrigin", text),
    "cors.max_age": ("corsMaxAge", whole),
    "access_logs.retention_days": ("accessLogRetentionDays", whole),
    "method_throttling": ("methodThrottling", structured),
    "custom_domain.domain_name": ("customDomainName", text),
    "custom_domain.certificate_arn": ("customDomainCertificateArn", text),
    "custom_domain.base_path": ("customDomainBasePath", text),
    "web_acl_arn": ("webAclArn", text),
    "stage_variables": ("stageVariables", structured),
    "kms_key_arns": ("kmsKeyArns", structured),
    "sse_kms_key_arn": ("sseKmsKeyArn", text),
    "metadata_headers": ("metadataHeaders", structured),
    # A Lambda authorizer (CUSTOM) or Cognito user pools (COGNITO_USER_POOLS), by which keys are set.
    "authorizer.function_arn": ("authorizerFunctionArn", text),
    "authorizer.type": ("authorizerType", text),
    "authorizer.identity_source": ("authorizerIdentitySource", text),
    "authorizer.result_ttl_seconds": ("authorizerResultTtlSeconds", whole),
    "authorizer.user_pool_arns": ("authorizerUserPoolArns", structured),
    "authorizer.scopes": ("authorizerScopes", structured),
    "integration_credentials": ("integrationCredentials", text),
    "caller_folders": ("callerFolders", text),
    "description": ("apiDescription", text),
    "minimum_compression_size": ("minimumCompressionSize", whole),
    "disable_execute_api_endpoint": ("disableExecuteApiEndpoint", flag),
    # Alarms are set by the `alarms` switch (see SWITCHED_GROUPS); each threshold has a default.
    "alarms.server_error_rate": ("alarmServerErrorRate", decimal),
    "alarms.latency_p99_ms": ("alarmLatencyP99Ms", decimal),
    "alarms.client_error_rate": ("alarmClientErrorRate", decimal),
    "alarms.integration_latency_p99_ms": ("alarmIntegrationLatencyP99Ms", decimal),
    "alarms.period_seconds": ("alarmPeriodSeconds", whole),
    "alarms.evaluation_periods": ("alarmEvaluationPeriods", whole),
    "alarms.topic_arn": ("alarmTopicArn", text),
}
# A nested input whose fields all have defaults is given by a switch of its own: its stack key and how it is read.
SWITCHED_GROUPS = {"alarms": ("alarms", flag)}
# A nested input is given when one of these fields is set; its other fields alone have defaults only.
REQUIRED_IN_GROUP = frozenset(
    {
        "api_keys.names",
        "cors.allow_origin",
        "access_logs.retention_days",
        "custom_domain.domain_name",
        "authorizer.function_arn",
        "authorizer.user_pool_arns",
    }
)


def setting(key: str, read: Callable[[pulumi.Config, str], Any]) -> Any:
    """A config value, or None where it is unset or holds Pulumi.yaml's "not set" default
    ("", -1 or an empty list): the component then applies its own default."""
    namespace, _, name = key.rpartition(":")
    value = read(pulumi.Config(namespace or None), name)
    return None if value is None or value == "" or value == -1 or value == [] else value


def inputs() -> dict[str, Any]:
    """S3ProxyApiArgs from the stack config: the inputs that are set."""
    args: dict[str, Any] = {}
    given_groups = {field.partition(".")[0] for field in REQUIRED_IN_GROUP if setting(*STACK_KEYS[field]) is not None}
    given_groups |= {group for group, switch in SWITCHED_GROUPS.items() if setting(*switch)}
    args.update({group: {} for group in given_groups & set(SWITCHED_GROUPS)})
    for field, (key, read) in STACK_KEYS.items():
        value = setting(key, read)
        group, _, name = field.rpartition(".")
        if value is None or (group and group not in given_groups):
            continue
        if group:
            args.setdefault(group, {})[name] = value
        else:
            args[field] = value
    return args


def stack_keys_of(field: str) -> str:
    """The stack key an input (`cors.allow_origin`, `method_throttling.GET /x`) is read from; `authorizer`
    -> `s3proxy:authorizer*`."""

    def qualified(key: str) -> str:
        return key if ":" in key else f"{config.name}:{key}"

    path = field
    while path:
        if path in STACK_KEYS:
            return qualified(STACK_KEYS[path][0])
        nested = [qualified(key) for name, (key, _) in STACK_KEYS.items() if name.startswith(f"{path}.")]
        if nested:  # a whole nested input: its keys share a prefix (`s3proxy:authorizer*`)
            prefix = nested[0]
            while not all(key.startswith(prefix) for key in nested):
                prefix = prefix[:-1]
            return f"{prefix}*"
        path = path.rpartition(".")[0]
    return f"input {field}"


try:
    api = S3ProxyApi("s3proxy", cast(S3ProxyApiArgs, inputs()))
except S3ProxyConfigError as error:
    # Under `pulumi up` the Python host prints a RunError as one line; name the key the user wrote.
    reason = str(error).removeprefix(f"S3ProxyApi: invalid `{error.field}`: ")
    raise pulumi.RunError(f"stack config {stack_keys_of(error.field)}: {reason}") from None

OUTPUTS = ("url", "rest_api_id", "stage_name", "execution_arn", "role_arn", "policy", "openapi", "routes")
for output in (*OUTPUTS, "api_keys", "domain_target", "dashboard_name", "deployer_policy", "caller_policy"):
    pulumi.export(output, getattr(api, output))
