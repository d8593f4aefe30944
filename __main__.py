"""The s3proxy program: check and read the stack's config, build one S3ProxyApi, export its outputs."""

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pulumi
import yaml
from pulumi.runtime.config import CONFIG

from components import S3ProxyApi, S3ProxyApiArgs

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
text, number, whole, flag, structured = config.get, config.get_float, config.get_int, config.get_bool, config.get_object


def setting(key: str, read: Callable[[str], Any]) -> Any:
    """A config value, or None where it is unset or holds Pulumi.yaml's "not set" default
    ("", -1 or an empty list): the component then applies its own default."""
    value = read(key)
    return None if value is None or value == "" or value == -1 or value == [] else value


def decimal(key: str) -> Any:
    """A number held in a string key (Pulumi.yaml's config types have none with a fraction); unset is None, and what
    is not a number is passed on for the component to refuse, naming the input."""
    value = text(key)
    try:
        return float(value) if value else None
    except ValueError:
        return value


def group(**fields: Any) -> dict[str, Any] | None:
    """A nested input from flat config keys; None when its first (required) field is unset."""
    first = next(iter(fields.values()))
    return {k: v for k, v in fields.items() if v is not None} if first is not None else None


args: dict[str, Any] = {
    "region": pulumi.Config("aws").get("region"),
    "allowed_actions": setting("allowedActions", structured),
    "binary_media_types": setting("binaryMediaTypes", structured),
    "buckets": setting("buckets", structured),
    "bucket_accounts": setting("bucketAccounts", structured),
    "bucket_patterns": setting("bucketPatterns", structured),
    "stage_name": setting("stageName", text),
    "authorization": setting("authorization", text),
    "status_mapping": setting("statusMapping", text),
    "throttling_rate_limit": setting("throttlingRateLimit", number),
    "throttling_burst_limit": setting("throttlingBurstLimit", whole),
    "tracing_enabled": setting("tracingEnabled", flag),
    "tags": setting("tags", structured),
    "key_prefix": setting("keyPrefix", text),
    "allowed_source_cidrs": setting("allowedSourceCidrs", structured),
    "vpc_endpoint_ids": setting("vpcEndpointIds", structured),
    "endpoint_type": setting("endpointType", text),
    "api_keys": group(
        names=setting("apiKeyNames", structured),
        quota_limit=setting("apiKeyQuotaLimit", whole),
        quota_period=setting("apiKeyQuotaPeriod", text),
        rate_limit=setting("apiKeyRateLimit", number),
        burst_limit=setting("apiKeyBurstLimit", whole),
    ),
    "cors": group(allow_origin=setting("corsAllowOrigin", text), max_age=setting("corsMaxAge", whole)),
    "access_logs": group(retention_days=setting("accessLogRetentionDays", whole)),
    "method_throttling": setting("methodThrottling", structured),
    "custom_domain": group(
        domain_name=setting("customDomainName", text),
        certificate_arn=setting("customDomainCertificateArn", text),
        base_path=setting("customDomainBasePath", text),
    ),
    "web_acl_arn": setting("webAclArn", text),
    "description": setting("apiDescription", text),
    "minimum_compression_size": setting("minimumCompressionSize", whole),
    "disable_execute_api_endpoint": setting("disableExecuteApiEndpoint", flag),
    "alarms": {
        key: value
        for key, value in {
            "server_error_rate": decimal("alarmServerErrorRate"),
            "latency_p99_ms": decimal("alarmLatencyP99Ms"),
            "client_error_rate": decimal("alarmClientErrorRate"),
            "integration_latency_p99_ms": decimal("alarmIntegrationLatencyP99Ms"),
            "period_seconds": setting("alarmPeriodSeconds", whole),
            "evaluation_periods": setting("alarmEvaluationPeriods", whole),
            "topic_arn": setting("alarmTopicArn", text),
        }.items()
        if value is not None
    }
    if config.get_bool("alarms")
    else None,
    "stage_variables": setting("stageVariables", structured),
    "kms_key_arns": setting("kmsKeyArns", structured),
    "sse_kms_key_arn": setting("sseKmsKeyArn", text),
    "metadata_headers": setting("metadataHeaders", structured),
    # A Lambda authorizer (CUSTOM) or Cognito user pools (COGNITO_USER_POOLS), by which keys are set.
    "authorizer": group(
        function_arn=setting("authorizerFunctionArn", text),
        type=setting("authorizerType", text),
        identity_source=setting("authorizerIdentitySource", text),
        result_ttl_seconds=setting("authorizerResultTtlSeconds", whole),
    )
    or group(
        user_pool_arns=setting("authorizerUserPoolArns", structured), scopes=setting("authorizerScopes", structured)
    ),
}

api = S3ProxyApi("s3proxy", cast(S3ProxyApiArgs, {k: v for k, v in args.items() if v is not None}))

OUTPUTS = ("url", "rest_api_id", "stage_name", "execution_arn", "role_arn", "policy", "openapi", "routes")
for output in (*OUTPUTS, "api_keys", "domain_target", "dashboard_name", "deployer_policy"):
    pulumi.export(output, getattr(api, output))
