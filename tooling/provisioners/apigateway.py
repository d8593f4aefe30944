"""API Gateway: RestApi, Deployment, Stage, MethodSettings, UsagePlan, ApiKey, UsagePlanKey, DomainName,
BasePathMapping, as terraform-provider-aws v6 (bundled by pulumi-aws 7) makes them: the files and
functions each mirrors are named in its docstring, all under `internal/service/apigateway/`.
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

from ..state import Properties, Resource
from . import localstack_fixups as fixups
from .base import (
    Context,
    Provisioner,
    call_with_keys,
    differs,
    equivalent_policies,
    field_of,
    given,
    held,
    keys_of,
    logical,
    patch,
    replace,
    retag,
    token,
)

# Where a type's id is chosen by the service, this tag on it names the create that made it.
TOKEN_TAG = "localstack-deploy:token"


def compression_size_operation(size: Any) -> dict[str, str]:
    """The provider's PATCH of `/minimumCompressionSize`: "-1" (and unset) is a nil value, which turns compression
    off; botocore takes that as the operation without a `value` (the Go SDK sends a nil pointer)."""
    operation = {"op": "replace", "path": "/minimumCompressionSize"}
    return operation if size in (None, "", "-1", -1) else operation | {"value": str(size)}


def stage_arn(region: str, api_id: str, stage_name: str) -> str:
    return f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{stage_name}"


def retag_apigateway(apigateway: Any, arn: str, old: Properties, new: Properties) -> None:
    retag(
        old,
        new,
        lambda tags: apigateway.tag_resource(resourceArn=arn, tags=tags),
        lambda gone: apigateway.untag_resource(resourceArn=arn, tagKeys=gone),
    )


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


def normalized_policy(policy: str) -> str:
    """structure.NormalizeJsonString: the document re-serialised compactly."""
    return json.dumps(json.loads(policy), separators=(",", ":"))


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
        operations.append({"op": "replace", "path": "/policy", "value": normalized_policy(policy)})
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
        operations.append(replace("/policy", normalized_policy(policy) if policy else ""))
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
        request["policy"] = normalized_policy(inputs["policy"])
    ctx.client("apigateway", region).create_rest_api(**request)
    if inputs.get("body"):
        put_body(ctx, region, api_id, inputs)
    return api_id, read_rest_api(ctx, region, api_id, inputs)


def update_rest_api(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceRestAPIUpdate: the plain properties' PATCH, then, when `body` or `parameters` changed,
    PutRestApi and the reconciling PATCH (`news` is planned: unset Optional+Computed values are the
    prior state's); tags apart; then resourceRestAPIRead."""
    apigateway, api_id = ctx.client("apigateway", region), entry.id
    if operations := update_operations(olds, news):
        fixups.update_rest_api(apigateway, api_id, operations)
    if differs(olds, news, "body", "parameters") and news.get("body"):
        put_body(ctx, region, api_id, news)
    retag_apigateway(apigateway, f"arn:aws:apigateway:{region}::/restapis/{api_id}", olds, news)
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


# --- Deployment: deployment.go -------------------------------------------------------------------


def create_deployment(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceDeploymentCreate: CreateDeployment (description, variables; this project sets no stage on it)."""
    created = ctx.client("apigateway", region).create_deployment(
        restApiId=keys["rest_api_id"],
        **given(description=inputs.get("description")),
        **({"variables": inputs["variables"]} if inputs.get("variables") else {}),
    )
    return created["id"], {}


def update_deployment(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> None:
    """resourceDeploymentUpdate: only the description changes in place."""
    ctx.client("apigateway", region).update_deployment(
        restApiId=entry.keys["rest_api_id"],
        deploymentId=entry.id,
        **patch("/description", news.get("description") or ""),
    )


def find_deployments(ctx: Context, region: str, keys: Properties, known: set[str]) -> list[str]:
    """Deployments of our API that no record knows and no stage serves: made by an interrupted create."""
    apigateway, api_id = ctx.client("apigateway", region), keys["rest_api_id"]
    try:
        deployments = {d["id"] for d in apigateway.get_deployments(restApiId=api_id, limit=500)["items"]}
        serving = {s["deploymentId"] for s in apigateway.get_stages(restApiId=api_id)["item"]}
    except apigateway.exceptions.NotFoundException:
        return []
    return sorted(deployments - known - serving)


DEPLOYMENT = Provisioner(
    service="apigateway",
    identity=keys_of(rest_api_id=field_of("restApi")),
    create=create_deployment,
    update=update_deployment,
    delete=call_with_keys("apigateway", "delete_deployment", restApiId="rest_api_id", deploymentId="id"),
    exists=held(call_with_keys("apigateway", "get_deployment", restApiId="rest_api_id", deploymentId="id")),
    find=find_deployments,
    force_new=frozenset({"restApi", "triggers", "variables", "stageName", "stageDescription", "canarySettings"}),
)


# --- Stage: stage.go -----------------------------------------------------------------------------

ACCESS_LOG_PATHS = {"destinationArn": "/accessLogSettings/destinationArn", "format": "/accessLogSettings/format"}


def create_stage(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceStageCreate: CreateStage with what is set, then, with access logs (or a client
    certificate), resourceStageUpdate's UpdateStage of every property set (all are new); then
    resourceStageRead."""
    api_id, stage_name = keys["rest_api_id"], keys["stage_name"]
    apigateway = ctx.client("apigateway", region)
    request: Properties = {"restApiId": api_id, "stageName": stage_name, "deploymentId": inputs["deployment"]}
    if inputs.get("tags"):
        request["tags"] = inputs["tags"]
    for key, parameter in (("description", "description"), ("documentationVersion", "documentationVersion")):
        if inputs.get(key):
            request[parameter] = inputs[key]
    if inputs.get("variables"):
        request["variables"] = inputs["variables"]
    if inputs.get("xrayTracingEnabled"):
        request["tracingEnabled"] = True
    apigateway.create_stage(**request)
    if inputs.get("accessLogSettings") or inputs.get("clientCertificateId"):
        operations = stage_operations({}, inputs)
        apigateway.update_stage(restApiId=api_id, stageName=stage_name, patchOperations=operations)
    return f"ags-{api_id}-{stage_name}", read_stage(ctx, region, api_id, stage_name)


def stage_operations(olds: Properties, news: Properties) -> list[dict[str, str]]:
    """resourceStageUpdate's patch operations for the changed properties (diffVariablesOps for variables)."""
    operations = []
    if differs(olds, news, "clientCertificateId"):
        operations.append(replace("/clientCertificateId", news.get("clientCertificateId") or ""))
    if differs(olds, news, "deployment"):
        operations.append(replace("/deploymentId", news["deployment"]))
    if differs(olds, news, "description"):
        operations.append(replace("/description", news.get("description") or ""))
    if bool(olds.get("xrayTracingEnabled")) != bool(news.get("xrayTracingEnabled")):
        operations.append(replace("/tracingEnabled", bool(news.get("xrayTracingEnabled"))))
    before, after = olds.get("variables") or {}, news.get("variables") or {}
    operations += [{"op": "remove", "path": f"/variables/{key}"} for key in before if key not in after]
    operations += [replace(f"/variables/{key}", value) for key, value in after.items() if before.get(key) != value]
    if differs(olds, news, "accessLogSettings"):
        if settings := news.get("accessLogSettings"):
            operations += [replace(path, settings[key]) for key, path in ACCESS_LOG_PATHS.items()]
        else:
            operations.append({"op": "remove", "path": "/accessLogSettings"})
    return operations


def update_stage(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceStageUpdate: one UpdateStage with the changed properties' operations; tags apart; then
    resourceStageRead."""
    apigateway, keys = ctx.client("apigateway", region), entry.keys
    if operations := stage_operations(olds, news):
        apigateway.update_stage(restApiId=keys["rest_api_id"], stageName=keys["stage_name"], patchOperations=operations)
    retag_apigateway(apigateway, stage_arn(region, keys["rest_api_id"], keys["stage_name"]), olds, news)
    return read_stage(ctx, region, keys["rest_api_id"], keys["stage_name"])


def read_stage(ctx: Context, region: str, api_id: str, stage_name: str) -> Properties:
    """resourceStageRead: GetStage. The invoke URL is LocalStack's (AWS's would be
    `https://<api>.execute-api.<region>.amazonaws.com/<stage>`), so that it can be called."""
    stage = ctx.client("apigateway", region).get_stage(restApiId=api_id, stageName=stage_name)
    logs = stage.get("accessLogSettings")
    return {
        "accessLogSettings": {"destinationArn": logs.get("destinationArn"), "format": logs.get("format")}
        if logs
        else None,
        "arn": stage_arn(region, api_id, stage_name),
        "cacheClusterEnabled": bool(stage.get("cacheClusterEnabled")),
        "clientCertificateId": stage.get("clientCertificateId"),
        "deployment": stage.get("deploymentId"),
        "description": stage.get("description"),
        "documentationVersion": stage.get("documentationVersion"),
        "executionArn": f"arn:aws:execute-api:{region}:{ctx.account(region)}:{api_id}/{stage_name}",
        "invokeUrl": f"{ctx.endpoint}/restapis/{api_id}/{stage_name}/_user_request_",
        "variables": stage.get("variables") or None,
        "webAclArn": stage.get("webAclArn"),
        "xrayTracingEnabled": bool(stage.get("tracingEnabled")),
    }


STAGE = Provisioner(
    service="apigateway",
    identity=lambda name, inputs: {
        "id": f"ags-{inputs['restApi']}-{inputs['stageName']}",
        "rest_api_id": inputs["restApi"],
        "stage_name": inputs["stageName"],
    },
    create=create_stage,
    update=update_stage,
    delete=call_with_keys("apigateway", "delete_stage", restApiId="rest_api_id", stageName="stage_name"),
    exists=held(call_with_keys("apigateway", "get_stage", restApiId="rest_api_id", stageName="stage_name")),
    force_new=frozenset({"restApi", "stageName"}),
    # Optional, set by Read: a value AWS holds that the program leaves out is a change.
    read=frozenset({"accessLogSettings", "clientCertificateId", "deployment", "description", "variables"}),
)


# --- MethodSettings: method_settings.go ----------------------------------------------------------

# MethodSettings' `settings` input -> the stage's patch path and the type the API parses it as.
METHOD_SETTINGS: dict[str, tuple[str, type]] = {
    "throttlingBurstLimit": ("throttling/burstLimit", int),
    "throttlingRateLimit": ("throttling/rateLimit", float),
    "metricsEnabled": ("metrics/enabled", bool),
    "loggingLevel": ("logging/loglevel", str),
    "dataTraceEnabled": ("logging/dataTrace", bool),
    "cachingEnabled": ("caching/enabled", bool),
    "cacheTtlInSeconds": ("caching/ttlInSeconds", int),
    "cacheDataEncrypted": ("caching/dataEncrypted", bool),
    "requireAuthorizationForCacheControl": ("caching/requireAuthorizationForCacheControl", bool),
    "unauthorizedCacheControlHeaderStrategy": ("caching/unauthorizedCacheControlHeaderStrategy", str),
}


def method_settings_operations(method_path: str, settings: Properties) -> list[dict[str, str]]:
    """UpdateStage patch operations; `method_path` is as AWS spells it (`~1{folder}~1{item+}/PUT`, `*/*`),
    which the component renders."""
    unknown = set(settings) - set(METHOD_SETTINGS)
    if unknown:
        raise ValueError(f"MethodSettings settings {sorted(unknown)} are not known; known: {sorted(METHOD_SETTINGS)}")
    return [
        replace(f"/{method_path}/{METHOD_SETTINGS[key][0]}", METHOD_SETTINGS[key][1](value))
        for key, value in settings.items()
        if value is not None
    ]


def put_method_settings(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceMethodSettingsUpdate (its create too): UpdateStage with the settings' operations."""
    placeholder = Resource(urn="", type="", name="", id=keys["id"], region=region, keys=keys, inputs=None, outputs={})
    update_method_settings(ctx, region, placeholder, {}, inputs)
    return keys["id"], {}


def update_method_settings(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> None:
    keys = entry.keys
    ctx.client("apigateway", region).update_stage(
        restApiId=keys["rest_api_id"],
        stageName=keys["stage_name"],
        patchOperations=method_settings_operations(keys["method_path"], news.get("settings") or {}),
    )


def delete_method_settings(ctx: Context, region: str, entry: Resource) -> None:
    """resourceMethodSettingsDelete: UpdateStage removing the method path's settings."""
    keys, apigateway = entry.keys, ctx.client("apigateway", region)
    try:
        apigateway.update_stage(
            restApiId=keys["rest_api_id"],
            stageName=keys["stage_name"],
            patchOperations=[{"op": "remove", "path": f"/{keys['method_path']}"}],
        )
    except apigateway.exceptions.BadRequestException:
        # LocalStack only: it removes only `*/*`'s settings; a single method's stay until its stage goes.
        if keys["method_path"] == "*/*":
            raise


def method_settings_keys(name: str, inputs: Properties) -> Properties:
    api_id, stage_name, method_path = inputs["restApi"], inputs["stageName"], inputs["methodPath"]
    return {
        "id": f"{api_id}-{stage_name}-{method_path}",
        "rest_api_id": api_id,
        "stage_name": stage_name,
        "method_path": method_path,
    }


METHOD_SETTINGS_PROVISIONER = Provisioner(
    service="apigateway",
    identity=method_settings_keys,
    create=put_method_settings,
    update=update_method_settings,
    delete=delete_method_settings,
    exists=held(call_with_keys("apigateway", "get_stage", restApiId="rest_api_id", stageName="stage_name")),
    force_new=frozenset({"restApi", "stageName", "methodPath"}),
)


# --- ApiKey, UsagePlan, UsagePlanKey: api_key.go, usage_plan.go, usage_plan_key.go --------------


def create_api_key(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceAPIKeyCreate: CreateApiKey (name, description, enabled, value, tags)."""
    request: Properties = {
        "name": inputs.get("name") or keys["name"],
        **given(description=inputs.get("description")),
        "enabled": inputs.get("enabled", True),
        "tags": (inputs.get("tags") or {}) | {TOKEN_TAG: keys["token"]},
    }
    if inputs.get("value"):
        request["value"] = inputs["value"]
    key = ctx.client("apigateway", region).create_api_key(**request)
    return key["id"], {
        "value": key["value"],
        "name": key["name"],
        "arn": f"arn:aws:apigateway:{region}::/apikeys/{key['id']}",
    }


def update_api_key(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> None:
    """resourceAPIKeyUpdate: UpdateApiKey of name, description, enabled; tags apart."""
    apigateway = ctx.client("apigateway", region)
    operations = [
        replace(f"/{key}", news.get(key) or "") for key in ("name", "description") if differs(olds, news, key)
    ]
    if differs(olds, news, "enabled"):
        operations.append(replace("/enabled", news.get("enabled", True)))
    if operations:
        apigateway.update_api_key(apiKey=entry.id, patchOperations=operations)
    retag_apigateway(apigateway, f"arn:aws:apigateway:{region}::/apikeys/{entry.id}", olds, news)


def find_tagged(listing: str) -> Any:
    """The ids of an API Gateway listing whose token tag is this create's."""

    def find(ctx: Context, region: str, keys: Properties, known: set[str]) -> list[str]:
        found = getattr(ctx.client("apigateway", region), listing)(limit=500)["items"]
        return [item["id"] for item in found if (item.get("tags") or {}).get(TOKEN_TAG) == keys["token"]]

    return find


API_KEY = Provisioner(
    service="apigateway",
    identity=keys_of(token=token, name=logical),
    create=create_api_key,
    update=update_api_key,
    delete=call_with_keys("apigateway", "delete_api_key", apiKey="id"),
    exists=held(call_with_keys("apigateway", "get_api_key", apiKey="id")),
    find=find_tagged("get_api_keys"),
    force_new=frozenset({"value", "customerId"}),
    computed=frozenset({"value", "name"}),
)


def usage_plan_request(inputs: Properties) -> Properties:
    request: Properties = {}
    if quota := inputs.get("quotaSettings"):
        request["quota"] = {"limit": int(quota["limit"]), "period": quota["period"]}
        if quota.get("offset") is not None:
            request["quota"]["offset"] = int(quota["offset"])
    if throttle := inputs.get("throttleSettings"):
        request["throttle"] = {
            key: cast(value)
            for key, cast in (("rateLimit", float), ("burstLimit", int))
            if (value := throttle.get(key)) is not None
        }
    return request


def create_usage_plan(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceUsagePlanCreate: CreateUsagePlan with its stages, quota and throttle."""
    plan = ctx.client("apigateway", region).create_usage_plan(
        name=inputs.get("name") or keys["name"],
        **given(description=inputs.get("description")),
        apiStages=[{"apiId": s["apiId"], "stage": s["stage"]} for s in inputs.get("apiStages") or []],
        tags=(inputs.get("tags") or {}) | {TOKEN_TAG: keys["token"]},
        **usage_plan_request(inputs),
    )
    return plan["id"], {"arn": f"arn:aws:apigateway:{region}::/usageplans/{plan['id']}"}


def update_usage_plan(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> None:
    """resourceUsagePlanUpdate: UpdateUsagePlan (name, description, stages removed and added, limits)."""
    apigateway = ctx.client("apigateway", region)
    operations = [
        replace(f"/{key}", news.get(key) or "") for key in ("name", "description") if differs(olds, news, key)
    ]
    stages = {(s["apiId"], s["stage"]) for s in news.get("apiStages") or []}
    before = {(s["apiId"], s["stage"]) for s in olds.get("apiStages") or []}
    operations += [{"op": "remove", "path": "/apiStages", "value": f"{a}:{s}"} for a, s in sorted(before - stages)]
    operations += [{"op": "add", "path": "/apiStages", "value": f"{a}:{s}"} for a, s in sorted(stages - before)]
    old_limits, new_limits = usage_plan_request(olds), usage_plan_request(news)
    for group in ("quota", "throttle"):
        if old_limits.get(group) != new_limits.get(group):
            if group in new_limits:
                operations += [replace(f"/{group}/{key}", value) for key, value in new_limits[group].items()]
            else:
                operations.append({"op": "remove", "path": f"/{group}"})
    if operations:
        apigateway.update_usage_plan(usagePlanId=entry.id, patchOperations=operations)
    retag_apigateway(apigateway, f"arn:aws:apigateway:{region}::/usageplans/{entry.id}", olds, news)


USAGE_PLAN = Provisioner(
    service="apigateway",
    identity=keys_of(token=token, name=logical),
    create=create_usage_plan,
    update=update_usage_plan,
    delete=call_with_keys("apigateway", "delete_usage_plan", usagePlanId="id"),
    exists=held(call_with_keys("apigateway", "get_usage_plan", usagePlanId="id")),
    find=find_tagged("get_usage_plans"),
    force_new=frozenset({"productCode"}),
)


def create_usage_plan_key(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceUsagePlanKeyCreate: CreateUsagePlanKey."""
    ctx.client("apigateway", region).create_usage_plan_key(
        usagePlanId=keys["usage_plan_id"], keyId=keys["id"], keyType=inputs["keyType"]
    )
    return keys["id"], {}


def delete_usage_plan_key(ctx: Context, region: str, entry: Resource) -> None:
    """resourceUsagePlanKeyDelete; looked up first only for LocalStack, which fails (500, not 404)
    to delete a key its plan does not hold."""
    apigateway, plan = ctx.client("apigateway", region), entry.keys["usage_plan_id"]
    holding = apigateway.get_usage_plan_keys(usagePlanId=plan, limit=500)["items"]  # NotFound: the plan is gone
    if any(key["id"] == entry.id for key in holding):
        apigateway.delete_usage_plan_key(usagePlanId=plan, keyId=entry.id)


USAGE_PLAN_KEY = Provisioner(
    service="apigateway",
    identity=keys_of(id=field_of("keyId"), usage_plan_id=field_of("usagePlanId")),
    create=create_usage_plan_key,
    delete=delete_usage_plan_key,
    exists=held(
        lambda ctx, region, entry: (
            entry.id
            in [
                k["id"]
                for k in ctx.client("apigateway", region).get_usage_plan_keys(usagePlanId=entry.keys["usage_plan_id"])[
                    "items"
                ]
            ]
        )
    ),
)


# --- DomainName, BasePathMapping: domain_name.go, base_path_mapping.go -------------------------


def create_domain_name(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceDomainNameCreate: CreateDomainName (certificates, endpoint configuration, security policy, tags)."""
    request: Properties = {
        "domainName": keys["id"],
        "endpointConfiguration": {"types": [(inputs.get("endpointConfiguration") or {}).get("types") or "EDGE"]},
        "tags": inputs.get("tags") or {},
    }
    for key in ("certificateArn", "regionalCertificateArn", "securityPolicy"):
        if inputs.get(key):
            request[key] = inputs[key]
    domain = ctx.client("apigateway", region).create_domain_name(**request)
    return keys["id"], {
        "regionalDomainName": domain.get("regionalDomainName"),
        "regionalZoneId": domain.get("regionalHostedZoneId"),
        "cloudfrontDomainName": domain.get("distributionDomainName"),
        "cloudfrontZoneId": domain.get("distributionHostedZoneId"),
        "arn": f"arn:aws:apigateway:{region}::/domainnames/{keys['id']}",
    }


def update_domain_name(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> None:
    """resourceDomainNameUpdate: UpdateDomainName of the changed certificate and security policy."""
    apigateway = ctx.client("apigateway", region)
    # Compared with what LocalStack holds too (the recorded inputs are unknown after an interrupted
    # update): LocalStack does not implement UpdateDomainName, so only a real change may call it.
    live = apigateway.get_domain_name(domainName=entry.id)
    operations = [
        replace(f"/{key}", news.get(key) or "")
        for key in ("certificateArn", "regionalCertificateArn", "securityPolicy")
        if differs(olds, news, key) and (live.get(key) or None) != (news.get(key) or None)
    ]
    if operations:
        apigateway.update_domain_name(domainName=entry.id, patchOperations=operations)
    retag_apigateway(apigateway, f"arn:aws:apigateway:{region}::/domainnames/{entry.id}", olds, news)


DOMAIN_NAME = Provisioner(
    service="apigateway",
    identity=keys_of(id=field_of("domainName")),
    create=create_domain_name,
    update=update_domain_name,
    delete=call_with_keys("apigateway", "delete_domain_name", domainName="id"),
    exists=held(call_with_keys("apigateway", "get_domain_name", domainName="id")),
    force_new=frozenset({"domainName", "endpointConfiguration"}),
)


def create_base_path_mapping(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceBasePathMappingCreate: CreateBasePathMapping (no base path: the empty one)."""
    request = {
        "domainName": keys["domain_name"],
        "restApiId": inputs["restApi"],
        "stage": inputs.get("stageName") or "",
    }
    if keys["base_path"]:
        request["basePath"] = keys["base_path"]
    ctx.client("apigateway", region).create_base_path_mapping(**request)
    return keys["id"], {}


def base_path(entry: Resource) -> str:
    return str(entry.keys["base_path"] or "(none)")  # API Gateway's name for the empty base path


def update_base_path_mapping(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> None:
    """resourceBasePathMappingUpdate: UpdateBasePathMapping of the stage."""
    ctx.client("apigateway", region).update_base_path_mapping(
        domainName=entry.keys["domain_name"], basePath=base_path(entry), **patch("/stage", news.get("stageName"))
    )


def base_path_keys(name: str, inputs: Properties) -> Properties:
    domain, path = inputs["domainName"], inputs.get("basePath") or ""
    return {"id": f"{domain}/{path}", "domain_name": domain, "base_path": path}


BASE_PATH_MAPPING = Provisioner(
    service="apigateway",
    identity=base_path_keys,
    create=create_base_path_mapping,
    update=update_base_path_mapping,
    delete=lambda ctx, region, entry: ctx.client("apigateway", region).delete_base_path_mapping(
        domainName=entry.keys["domain_name"], basePath=base_path(entry)
    ),
    exists=held(
        lambda ctx, region, entry: ctx.client("apigateway", region).get_base_path_mapping(
            domainName=entry.keys["domain_name"], basePath=base_path(entry)
        )
    ),
    force_new=frozenset({"domainName", "basePath", "restApi"}),
)

PROVISIONERS = {
    "aws:apigateway/restApi:RestApi": REST_API,
    "aws:apigateway/deployment:Deployment": DEPLOYMENT,
    "aws:apigateway/stage:Stage": STAGE,
    "aws:apigateway/methodSettings:MethodSettings": METHOD_SETTINGS_PROVISIONER,
    "aws:apigateway/apiKey:ApiKey": API_KEY,
    "aws:apigateway/usagePlan:UsagePlan": USAGE_PLAN,
    "aws:apigateway/usagePlanKey:UsagePlanKey": USAGE_PLAN_KEY,
    "aws:apigateway/domainName:DomainName": DOMAIN_NAME,
    "aws:apigateway/basePathMapping:BasePathMapping": BASE_PATH_MAPPING,
}
