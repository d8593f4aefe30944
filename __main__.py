"""The s3proxy program: read the stack's config, build one S3ProxyApi, export its outputs."""

from collections.abc import Callable
from typing import Any, cast

import pulumi

from components import S3ProxyApi, S3ProxyApiArgs

config = pulumi.Config()  # the `s3proxy:` namespace; Pulumi.yaml declares every key with its default
READERS: dict[str, tuple[str, Callable[[str], Any]]] = {  # config key -> (component input, how the value is read)
    "allowedActions": ("allowed_actions", config.get_object),
    "binaryMediaTypes": ("binary_media_types", config.get_object),
    "buckets": ("buckets", config.get_object),
    "stageName": ("stage_name", config.get),
    "authorization": ("authorization", config.get),
    "statusMapping": ("status_mapping", config.get),
    "throttlingRateLimit": ("throttling_rate_limit", config.get_float),
    "throttlingBurstLimit": ("throttling_burst_limit", config.get_int),
    "tracingEnabled": ("tracing_enabled", config.get_bool),
    "tags": ("tags", config.get_object),
    "keyPrefix": ("key_prefix", config.get),
    "allowedSourceCidrs": ("allowed_source_cidrs", config.get_object),
    "vpcEndpointIds": ("vpc_endpoint_ids", config.get_object),
}
# Pulumi.yaml defaults that stand for "not set": the component then applies its own default.
NOT_SET = {
    "buckets": [],
    "throttlingRateLimit": -1,
    "throttlingBurstLimit": -1,
    "keyPrefix": "",
    "allowedSourceCidrs": [],
    "vpcEndpointIds": [],
}

args: dict[str, Any] = {"region": pulumi.Config("aws").get("region")}
for key, (field, read) in READERS.items():
    value = read(key)
    if value is not None and value != NOT_SET.get(key):
        args[field] = value

api = S3ProxyApi("s3proxy", cast(S3ProxyApiArgs, {k: v for k, v in args.items() if v is not None}))

OUTPUTS = ("url", "rest_api_id", "stage_name", "execution_arn", "role_arn", "policy", "openapi", "routes")
for output in (*OUTPUTS, "api_keys", "domain_target"):
    pulumi.export(output, getattr(api, output))
