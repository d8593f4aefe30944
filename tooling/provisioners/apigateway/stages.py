"""Deployment, Stage and MethodSettings as terraform-provider-aws v6 makes them: `deployment.go`, `stage.go`,
`method_settings.go` under `internal/service/apigateway/`."""

from __future__ import annotations

from ...state import Properties, Resource
from .. import localstack_fixups as fixups
from ..base import Context, Provisioner, call_with_keys, differs, field_of, held, keys_of, patch, replace, rfc3339
from .tags import retag_apigateway


def stage_arn(region: str, api_id: str, stage_name: str) -> str:
    return f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{stage_name}"


# --- Deployment: deployment.go -------------------------------------------------------------------


def create_deployment(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceDeploymentCreate: CreateDeployment with its description and variables, both sent even when empty
    (`aws.String("")`, an empty map); then resourceDeploymentRead."""
    api_id = keys["rest_api_id"]
    created = ctx.client("apigateway", region).create_deployment(
        restApiId=api_id, description=inputs.get("description") or "", variables=inputs.get("variables") or {}
    )
    return created["id"], read_deployment(ctx, region, api_id, created["id"])


def update_deployment(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceDeploymentUpdate: UpdateDeployment of the description when it changed (the rest is ForceNew);
    then resourceDeploymentRead."""
    api_id, description = entry.keys["rest_api_id"], news.get("description") or ""
    if (olds.get("description") or "") != description:
        ctx.client("apigateway", region).update_deployment(
            restApiId=api_id, deploymentId=entry.id, **patch("/description", description)
        )
    return read_deployment(ctx, region, api_id, entry.id)


def read_deployment(ctx: Context, region: str, api_id: str, deployment_id: str) -> Properties:
    """resourceDeploymentRead: GetDeployment; the creation date and the description."""
    deployment = ctx.client("apigateway", region).get_deployment(restApiId=api_id, deploymentId=deployment_id)
    return {"createdDate": rfc3339(deployment["createdDate"]), "description": deployment.get("description")}


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
    # resourceDeployment's schema (v6 has no stage_name, stage_description or canary_settings).
    force_new=frozenset({"restApi", "triggers", "variables"}),
    read=frozenset({"description"}),
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
    """resourceStageUpdate: the tags first (the provider's tagging interceptor runs before the update), one
    UpdateStage with the changed properties' operations, then resourceStageRead."""
    apigateway, keys = ctx.client("apigateway", region), entry.keys
    retag_apigateway(apigateway, stage_arn(region, keys["rest_api_id"], keys["stage_name"]), olds, news)
    if operations := stage_operations(olds, news):
        apigateway.update_stage(restApiId=keys["rest_api_id"], stageName=keys["stage_name"], patchOperations=operations)
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

# MethodSettings' `settings` fields, in the order resourceMethodSettingsUpdate patches them -> the stage's patch path
# and the field's type (an unset field reads as its zero value, as `d.Get` does).
METHOD_SETTINGS: dict[str, tuple[str, type]] = {
    "metricsEnabled": ("metrics/enabled", bool),
    "loggingLevel": ("logging/loglevel", str),
    "dataTraceEnabled": ("logging/dataTrace", bool),
    "throttlingBurstLimit": ("throttling/burstLimit", int),
    "throttlingRateLimit": ("throttling/rateLimit", float),
    "cachingEnabled": ("caching/enabled", bool),
    "cacheTtlInSeconds": ("caching/ttlInSeconds", int),
    "cacheDataEncrypted": ("caching/dataEncrypted", bool),
    "requireAuthorizationForCacheControl": ("caching/requireAuthorizationForCacheControl", bool),
    "unauthorizedCacheControlHeaderStrategy": ("caching/unauthorizedCacheControlHeaderStrategy", str),
}


def method_settings_operations(method_path: str, olds: Properties, news: Properties) -> list[dict[str, str]]:
    """resourceMethodSettingsUpdate's UpdateStage operations (its create's too, from nothing): one per field whose
    value changed, unset being the type's zero value (so a create sends no `false` and no `0`), but the cache TTL
    whenever it is set (GetOkExists). Values as the provider formats them (`%t`, `%d`, `%f`); `method_path` is as
    AWS spells it (`~1{folder}~1{item+}/PUT`, `*/*`), which the component renders."""
    unknown = set(news) - set(METHOD_SETTINGS)
    if unknown:
        raise ValueError(f"MethodSettings settings {sorted(unknown)} are not known; known: {sorted(METHOD_SETTINGS)}")
    operations = []
    for key, (path, kind) in METHOD_SETTINGS.items():
        old, new = kind(olds.get(key) or kind()), kind(news.get(key) or kind())
        if (news.get(key) is not None) if key == "cacheTtlInSeconds" else old != new:
            operations.append(replace(f"/{method_path}/{path}", f"{new:f}" if kind is float else new))
    return operations


def update_method_settings(
    ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties
) -> Properties:
    """resourceMethodSettingsUpdate: one UpdateStage (with whatever operations, none included); then
    resourceMethodSettingsRead."""
    keys = entry.keys
    ctx.client("apigateway", region).update_stage(
        restApiId=keys["rest_api_id"],
        stageName=keys["stage_name"],
        patchOperations=method_settings_operations(
            keys["method_path"], olds.get("settings") or {}, news.get("settings") or {}
        ),
    )
    return {"settings": method_settings(ctx, region, entry)}


def put_method_settings(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """The create is resourceMethodSettingsUpdate from no prior state."""
    created = Resource(urn="", type="", name="", id=keys["id"], region=region, keys=keys, inputs=None, outputs={})
    return keys["id"], update_method_settings(ctx, region, created, {}, inputs)


def method_settings(ctx: Context, region: str, entry: Resource) -> Properties:
    """resourceMethodSettingsRead (findMethodSettingsByThreePartKey): GetStage, the method path's settings."""
    keys = entry.keys
    stage = ctx.client("apigateway", region).get_stage(restApiId=keys["rest_api_id"], stageName=keys["stage_name"])
    held = stage.get("methodSettings") or {}
    if keys["method_path"] not in held:
        raise LookupError(f"stage {keys['stage_name']} holds no method settings for {keys['method_path']}")
    return {key: held[keys["method_path"]].get(key) for key in METHOD_SETTINGS}


def delete_method_settings(ctx: Context, region: str, entry: Resource) -> None:
    """resourceMethodSettingsDelete: UpdateStage removing the method path's settings; none there is done."""
    keys, apigateway = entry.keys, ctx.client("apigateway", region)
    try:
        fixups.remove_method_settings(apigateway, keys["rest_api_id"], keys["stage_name"], keys["method_path"])
    except apigateway.exceptions.BadRequestException as error:
        if "no method setting for this method" not in str(error):
            raise


def method_settings_held(ctx: Context, region: str, entry: Resource) -> bool:
    try:
        method_settings(ctx, region, entry)
    except LookupError:
        return False
    return True


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
    exists=held(method_settings_held),
    force_new=frozenset({"restApi", "stageName", "methodPath"}),
    # resourceMethodSettings' schema: every field of `settings` is Optional+Computed but the throttling limits,
    # which default to -1.
    computed=frozenset({"settings"}),
    defaults={"settings": {"throttlingBurstLimit": -1, "throttlingRateLimit": -1.0}},
)
