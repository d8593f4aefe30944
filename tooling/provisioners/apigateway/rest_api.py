"""RestApi as terraform-provider-aws v6 makes it: `internal/service/apigateway/rest_api.go`."""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from ...state import Properties, Resource
from .. import localstack_fixups as fixups
from ..base import (
    Context,
    Provisioner,
    call_with_keys,
    differs,
    equivalent_policies,
    given,
    held,
    keys_of,
    logical,
    normalize_json,
    replace,
)
from .tags import retag_apigateway


def compression_size_operation(size: Any) -> dict[str, str]:
    """The provider's PATCH of `/minimumCompressionSize`: "-1" (and unset) is a nil value, which turns compression
    off; botocore takes that as the operation without a `value` (the Go SDK sends a nil pointer)."""
    operation = {"op": "replace", "path": "/minimumCompressionSize"}
    return operation if size in (None, "", "-1", -1) else operation | {"value": str(size)}


# --- RestApi: rest_api.go ----------------------------------------------------------------------

# The Optional+Computed properties of `aws_api_gateway_rest_api` (resourceRestAPI's schema).
REST_API_COMPUTED = frozenset(
    {
        "apiKeySource",
        "binaryMediaTypes",
        "description",
        "disableExecuteApiEndpoint",
        "endpointConfiguration",
        "minimumCompressionSize",
        "policy",
    }
)


def escape_json_pointer(text: str) -> str:
    """RFC 6901, as rest_api.go's escapeJSONPointer."""
    return text.replace("~", "~0").replace("/", "~1")


def endpoint_configuration_request(configuration: Properties | None) -> Properties | None:
    """expandEndpointConfiguration: pulumi-aws 7 flattens `types` (MaxItems 1) to one string."""
    if not configuration or not configuration.get("types"):
        return None
    request: Properties = {"types": [configuration["types"]]}
    if configuration.get("ipAddressType"):
        request["ipAddressType"] = configuration["ipAddressType"]
    if configuration.get("vpcEndpointIds"):
        request["vpcEndpointIds"] = list(configuration["vpcEndpointIds"])
    return request


def compression_size(value: Any) -> int | None:
    """`minimum_compression_size` is a nullable int held as a string; "-1" means none."""
    if value in (None, "", "-1", -1):
        return None
    return int(float(value))


def reconcile_operations(planned: Properties, output: Properties) -> list[dict[str, str]]:
    """resourceRestAPIWithBodyUpdateOperations: after PutRestApi, a PATCH for every property the
    configuration gives (or, left unset, the prior state holds: `planned`) whose value differs from
    what the import made (`output`, PutRestApi's answer). This is why a setting that lives only in
    the body goes back to its prior value on an update."""
    operations: list[dict[str, str]] = []
    if (source := planned.get("apiKeySource")) and source != output.get("apiKeySource"):
        operations.append({"op": "replace", "path": "/apiKeySource", "value": source})
    if types := planned.get("binaryMediaTypes"):
        operations += [
            {"op": "remove", "path": "/binaryMediaTypes/" + escape_json_pointer(t)}
            for t in output.get("binaryMediaTypes") or []
        ]
        operations += [{"op": "add", "path": "/binaryMediaTypes/" + escape_json_pointer(t)} for t in types]
    if (description := planned.get("description")) and description != (output.get("description") or ""):
        operations.append({"op": "replace", "path": "/description", "value": description})
    disable = planned.get("disableExecuteApiEndpoint")
    if disable and disable != bool(output.get("disableExecuteApiEndpoint")):
        operations.append({"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "true"})
    configured = endpoint_configuration_request(planned.get("endpointConfiguration")) or {}
    held_ids = (output.get("endpointConfiguration") or {}).get("vpcEndpointIds") or []
    if wanted := configured.get("vpcEndpointIds"):
        path = "/endpointConfiguration/vpcEndpointIds"
        operations += [{"op": "remove", "path": path, "value": v} for v in held_ids if v not in wanted]
        operations += [{"op": "add", "path": path, "value": v} for v in wanted if v not in held_ids]
    address = configured.get("ipAddressType")
    if address and address != (output.get("endpointConfiguration") or {}).get("ipAddressType"):
        operations.append({"op": "replace", "path": "/endpointConfiguration/ipAddressType", "value": address})
    size = planned.get("minimumCompressionSize")
    if size not in (None, "") and str(size) != str(output.get("minimumCompressionSize") or 0):
        operations.append(compression_size_operation(size))
    if (name := planned.get("name")) and name != output.get("name"):
        operations.append({"op": "replace", "path": "/name", "value": name})
    if (policy := planned.get("policy")) and not equivalent_policies(policy, output.get("policy") or ""):
        operations.append({"op": "replace", "path": "/policy", "value": normalize_json(policy)})
    return operations


def update_operations(olds: Properties, news: Properties) -> list[dict[str, str]]:
    """resourceRestAPIUpdate's PATCH of the changed plain properties (before any new body)."""
    operations: list[dict[str, str]] = []
    if differs(olds, news, "apiKeySource"):
        operations.append({"op": "replace", "path": "/apiKeySource", "value": news.get("apiKeySource") or ""})
    if differs(olds, news, "binaryMediaTypes"):
        # "Remove every binary media types. Simpler to remove and add new ones."
        operations += [
            {"op": "remove", "path": "/binaryMediaTypes/" + escape_json_pointer(t)}
            for t in olds.get("binaryMediaTypes") or []
        ]
        operations += [
            {"op": "add", "path": "/binaryMediaTypes/" + escape_json_pointer(t)}
            for t in news.get("binaryMediaTypes") or []
        ]
    if differs(olds, news, "description"):
        operations.append(replace("/description", news.get("description") or ""))
    if differs(olds, news, "disableExecuteApiEndpoint"):
        operations.append(replace("/disableExecuteApiEndpoint", bool(news.get("disableExecuteApiEndpoint"))))
    old_endpoint = olds.get("endpointConfiguration") or {}
    new_endpoint = news.get("endpointConfiguration") or {}
    if differs(old_endpoint, new_endpoint, "types") and new_endpoint.get("types"):
        operations.append(replace("/endpointConfiguration/types/0", new_endpoint["types"]))
    if differs(old_endpoint, new_endpoint, "vpcEndpointIds"):
        # The provider's inner loops only `break`: every old id is removed, every new one added.
        path = "/endpointConfiguration/vpcEndpointIds"
        operations += [{"op": "remove", "path": path, "value": v} for v in old_endpoint.get("vpcEndpointIds") or []]
        operations += [{"op": "add", "path": path, "value": v} for v in new_endpoint.get("vpcEndpointIds") or []]
    if differs(old_endpoint, new_endpoint, "ipAddressType") and new_endpoint.get("ipAddressType"):
        operations.append(replace("/endpointConfiguration/ipAddressType", new_endpoint["ipAddressType"]))
    if differs(olds, news, "minimumCompressionSize"):
        operations.append(compression_size_operation(news.get("minimumCompressionSize")))
    if differs(olds, news, "name"):
        operations.append(replace("/name", news.get("name") or ""))
    if differs(olds, news, "policy"):
        policy = news.get("policy") or ""
        operations.append(replace("/policy", normalize_json(policy) if policy else ""))
    return operations


def put_body(ctx: Context, region: str, api_id: str, planned: Properties) -> None:
    """PutRestApi (mode `put_rest_api_mode`, default overwrite), then the reconciling UpdateRestApi."""
    apigateway = ctx.client("apigateway", region)
    request: Properties = {
        "restApiId": api_id,
        "mode": planned.get("putRestApiMode") or "overwrite",
        "body": fixups.localstack_body(planned["body"], (planned.get("endpointConfiguration") or {}).get("types")),
    }
    if planned.get("failOnWarnings"):
        request["failOnWarnings"] = True
    if planned.get("parameters"):
        request["parameters"] = planned["parameters"]
    output = apigateway.put_rest_api(**request)
    fixups.reapply_dropped_settings(apigateway, api_id, planned["body"])
    output["binaryMediaTypes"] = fixups.from_localstack_media_types(output.get("binaryMediaTypes"))
    if operations := reconcile_operations(planned, output):
        fixups.update_rest_api(apigateway, api_id, operations)


def create_rest_api(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceRestAPICreate: CreateRestApi with the configured properties, then with a `body`
    PutRestApi and the reconciling UpdateRestApi (`put_body`); then resourceRestAPIRead."""
    api_id = keys["id"]
    request: Properties = {
        "name": inputs.get("name") or keys["name"],
        "tags": (inputs.get("tags") or {}) | {fixups.CUSTOM_ID_TAG: api_id},
        **given(apiKeySource=inputs.get("apiKeySource"), description=inputs.get("description")),
    }
    if inputs.get("binaryMediaTypes"):
        request["binaryMediaTypes"] = fixups.to_localstack_media_types(inputs["binaryMediaTypes"])
    if inputs.get("disableExecuteApiEndpoint"):
        request["disableExecuteApiEndpoint"] = True
    if configuration := endpoint_configuration_request(inputs.get("endpointConfiguration")):
        request["endpointConfiguration"] = configuration
    if (size := compression_size(inputs.get("minimumCompressionSize"))) is not None:
        request["minimumCompressionSize"] = size
    if inputs.get("policy"):
        request["policy"] = normalize_json(inputs["policy"])
    ctx.client("apigateway", region).create_rest_api(**request)
    if inputs.get("body"):
        put_body(ctx, region, api_id, inputs)
    return api_id, read_rest_api(ctx, region, api_id, inputs)


def update_rest_api(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceRestAPIUpdate: the tags first (the provider's tagging interceptor runs before the update,
    `internal/provider/sdkv2/tags_interceptor.go`), the plain properties' PATCH, then, when `body` or `parameters`
    changed, PutRestApi and the reconciling PATCH (`news` is planned: unset Optional+Computed values are the prior
    state's); then resourceRestAPIRead."""
    apigateway, api_id = ctx.client("apigateway", region), entry.id
    retag_apigateway(apigateway, f"arn:aws:apigateway:{region}::/restapis/{api_id}", olds, news)
    if operations := update_operations(olds, news):
        fixups.update_rest_api(apigateway, api_id, operations)
    if differs(olds, news, "body", "parameters") and news.get("body"):
        put_body(ctx, region, api_id, news)
    return read_rest_api(ctx, region, api_id, news)


def flatten_api_policy(policy: str | None) -> str:
    """flattenAPIPolicy: AWS returns the policy as the inside of a JSON string (quotes escaped)."""
    if not policy:
        return ""
    try:
        return str(json.loads(f'"{policy}"'))
    except ValueError:
        return policy  # LocalStack returns the document itself


def read_rest_api(ctx: Context, region: str, api_id: str, config: Properties) -> Properties:
    """resourceRestAPIRead: GetRestApi and the root resource; the policy kept as configured when
    equivalent (verify.SecondJSONUnlessEquivalent)."""
    apigateway = ctx.client("apigateway", region)
    api = apigateway.get_rest_api(restApiId=api_id)
    resources = apigateway.get_resources(restApiId=api_id, limit=500)["items"]
    endpoint = api.get("endpointConfiguration") or {}
    policy = flatten_api_policy(api.get("policy"))
    configured = config.get("policy") or ""
    if configured and policy and equivalent_policies(configured, policy):
        policy = configured
    return {
        "apiKeySource": api.get("apiKeySource"),
        "arn": f"arn:aws:apigateway:{region}::/restapis/{api_id}",
        "binaryMediaTypes": fixups.from_localstack_media_types(api.get("binaryMediaTypes")) or [],
        "description": api.get("description") or "",
        "disableExecuteApiEndpoint": bool(api.get("disableExecuteApiEndpoint")),
        "endpointConfiguration": {
            "types": (endpoint.get("types") or [None])[0],
            "ipAddressType": endpoint.get("ipAddressType"),
            "vpcEndpointIds": endpoint.get("vpcEndpointIds") or None,
        },
        "executionArn": f"arn:aws:execute-api:{region}:{ctx.account(region)}:{api_id}",
        "minimumCompressionSize": None
        if api.get("minimumCompressionSize") is None
        else str(api["minimumCompressionSize"]),
        "name": api.get("name"),
        "policy": policy,
        "rootResourceId": next((r["id"] for r in resources if r["path"] == "/"), None),
    }


def api_id_token() -> str:
    """A REST API id as API Gateway makes them: 10 lower-case letters and digits."""
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10))


REST_API = Provisioner(
    service="apigateway",
    identity=keys_of(id=lambda name, inputs: api_id_token(), name=logical),
    create=create_rest_api,
    update=update_rest_api,
    delete=call_with_keys("apigateway", "delete_rest_api", restApiId="id"),
    exists=held(call_with_keys("apigateway", "get_rest_api", restApiId="id")),
    computed=REST_API_COMPUTED,
    policies=frozenset({"policy"}),
    read=REST_API_COMPUTED | {"name"},
    # rest_api.go's schema: "suppress null trigger when value is already null" (no size held, "-1" asked).
    suppressed={"minimumCompressionSize": lambda held, asked: held in (None, "") and str(asked) == "-1"},
)
