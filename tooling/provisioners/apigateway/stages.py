"""Deployment, Stage and MethodSettings as terraform-provider-aws v6 makes them: `deployment.go`, `stage.go`,
`method_settings.go` under `internal/service/apigateway/`."""

from __future__ import annotations

from ...state import Properties, Resource
from ..base import Context, Provisioner, call_with_keys, differs, field_of, given, held, keys_of, patch, replace
from .tags import retag_apigateway


def stage_arn(region: str, api_id: str, stage_name: str) -> str:
    return f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{stage_name}"


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
