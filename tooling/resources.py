"""How each resource type the programs register is made, changed and deleted in LocalStack.

One `Kind` per Pulumi type token, with what the AWS provider does for it:
- `identity(name, inputs)`: what the resource will be, chosen *before* it is created (a physical
  name as Pulumi auto-names it, `<name>-<7 hex>`; an id LocalStack lets us choose through its
  `_custom_id_` tag; or a token tag), so a create interrupted by a kill can be found afterwards;
- `create(ctx, region, inputs, keys)` -> (id, output attributes);
- `update(ctx, region, entry, old, new)`: in place, for the inputs AWS can change in place; None
  when every change replaces the resource;
- `replace_on`: the inputs whose change replaces it (the provider's ForceNew properties);
- `delete(ctx, region, entry)`; `find(ctx, region, keys, known)`: the ids a create interrupted
  before it returned may have left (default: the id in `keys`).

Numbers arrive from the engine as floats (`9.0`); each API is sent the type it expects.
"""

from __future__ import annotations

import json
import secrets
import string
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

Inputs = dict[str, Any]
Entry = dict[str, Any]

# LocalStack takes a resource's id from this tag (REST APIs, KMS keys); it stays visible as a tag.
CUSTOM_ID_TAG = "_custom_id_"
# Where a type's id is chosen by the service, this tag on it names the create that made it.
TOKEN_TAG = "localstack-deploy:token"

# Every top-level media type (IANA's, plus S3's default `binary/octet-stream`): together they mean
# what `*/*` means on AWS, and LocalStack's matcher honours them.
TOP_LEVEL_MEDIA_TYPES = [
    f"{t}/*"
    for t in ("application", "audio", "binary", "font", "image", "message", "model", "multipart", "text", "video")
]


class Context(Protocol):
    @property
    def endpoint(self) -> str: ...

    def client(self, service: str, region: str) -> Any: ...

    def account(self, region: str) -> str: ...


@dataclass(frozen=True)
class Kind:
    service: str
    identity: Callable[[str, Inputs], dict[str, Any]]
    create: Callable[[Context, str, Inputs, dict[str, Any]], tuple[str, dict[str, Any]]]
    delete: Callable[[Context, str, Entry], Any]
    update: Callable[[Context, str, Entry, Inputs, Inputs], dict[str, Any] | None] | None = None
    replace_on: frozenset[str] = frozenset()
    find: Callable[[Context, str, dict[str, Any], set[str]], list[str]] | None = None

    def needs_replacement(self, changed: set[str]) -> bool:
        return self.update is None or bool(changed & self.replace_on)


def changed_inputs(old: Inputs | None, new: Inputs) -> set[str]:
    """Input names whose values differ, compared as JSON; `{"*"}` when `old` is unknown (an
    interrupted update: the resource is the same one, everything is applied to it again)."""
    if old is None:
        return {"*"}
    old, new = as_json(old), as_json(new)
    return {key for key in set(old) | set(new) if old.get(key) != new.get(key)}


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def auto_name(name: str, inputs: Inputs, explicit: str = "name", prefix: str = "namePrefix") -> str:
    """The physical name Pulumi gives: the explicit one, or `<prefix or name-><7 random hex>`."""
    if inputs.get(explicit):
        return str(inputs[explicit])
    if inputs.get(prefix):
        return f"{inputs[prefix]}{secrets.token_hex(4)[:7]}"
    return f"{name}-{secrets.token_hex(4)[:7]}"


def differs(old: Inputs, new: Inputs, *keys: str) -> bool:
    return any(as_json(old.get(key)) != as_json(new.get(key)) for key in keys)


def retag(old: Inputs, new: Inputs, add: Callable[[dict[str, str]], Any], remove: Callable[[list[str]], Any]) -> None:
    """Apply a change of the `tags` input: tags no longer wanted removed, new or changed ones set."""
    before, after = old.get("tags") or {}, new.get("tags") or {}
    if gone := [key for key in before if key not in after]:
        remove(gone)
    if changed := {key: value for key, value in after.items() if before.get(key) != value}:
        add(changed)


def given(**values: Any) -> dict[str, Any]:
    """Only the arguments that have a value: several APIs refuse an empty string."""
    return {key: value for key, value in values.items() if value not in (None, "")}


def tag_list(tags: dict[str, str] | None, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in (tags or {}).items()]


def replace(path: str, value: Any) -> dict[str, str]:
    return {"op": "replace", "path": path, "value": patch_value(value)}


def patch_value(value: Any) -> str:
    """API Gateway's patch values are strings: booleans lower case, whole numbers without `.0`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- IAM ---------------------------------------------------------------------------------------


def create_role(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    request: dict[str, Any] = {
        "RoleName": keys["id"],
        "Path": inputs.get("path") or "/",
        "AssumeRolePolicyDocument": inputs["assumeRolePolicy"],
        "Description": inputs.get("description") or "",
        "Tags": tag_list(inputs.get("tags")),
    }
    if inputs.get("maxSessionDuration"):
        request["MaxSessionDuration"] = int(inputs["maxSessionDuration"])
    role = ctx.client("iam", region).create_role(**request)["Role"]
    return keys["id"], {"arn": role["Arn"], "name": keys["id"], "uniqueId": role["RoleId"]}


def update_role(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    iam, role = ctx.client("iam", region), entry["id"]
    if differs(old, new, "assumeRolePolicy"):
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=new["assumeRolePolicy"])
    if differs(old, new, "description", "maxSessionDuration"):
        extra = {"MaxSessionDuration": int(new["maxSessionDuration"])} if new.get("maxSessionDuration") else {}
        iam.update_role(RoleName=role, Description=new.get("description") or "", **extra)
    retag(
        old,
        new,
        lambda tags: iam.tag_role(RoleName=role, Tags=tag_list(tags)),
        lambda gone: iam.untag_role(RoleName=role, TagKeys=gone),
    )


def delete_role(ctx: Context, region: str, entry: Entry) -> None:
    """IAM refuses to delete a role with policies: an interrupted run may have left some on it."""
    iam, role = ctx.client("iam", region), entry["id"]
    for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=role)


def put_role_policy(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.client("iam", region).put_role_policy(
        RoleName=keys["role"], PolicyName=keys["policy_name"], PolicyDocument=inputs["policy"]
    )
    return keys["id"], {"name": keys["policy_name"]}


def update_role_policy(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    put_role_policy(ctx, region, new, entry["keys"])  # PutRolePolicy replaces the document in place


def create_policy(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    policy = ctx.client("iam", region).create_policy(
        PolicyName=keys["id"],
        Path=keys["path"],
        PolicyDocument=inputs["policy"],
        Description=inputs.get("description") or "",
        Tags=tag_list(inputs.get("tags")),
    )["Policy"]
    return policy["Arn"], {"arn": policy["Arn"], "name": keys["id"], "policyId": policy["PolicyId"]}


def update_policy(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    iam, arn = ctx.client("iam", region), entry["id"]
    if differs(old, new, "policy"):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=new["policy"], SetAsDefault=True)
        delete_old_policy_versions(iam, arn)  # IAM keeps at most five
    retag(
        old,
        new,
        lambda tags: iam.tag_policy(PolicyArn=arn, Tags=tag_list(tags)),
        lambda gone: iam.untag_policy(PolicyArn=arn, TagKeys=gone),
    )


def delete_old_policy_versions(iam: Any, arn: str) -> None:
    for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
        if not version["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])


def delete_policy(ctx: Context, region: str, entry: Entry) -> None:
    iam, arn = ctx.client("iam", region), entry["id"]
    delete_old_policy_versions(iam, arn)
    iam.delete_policy(PolicyArn=arn)


# --- API Gateway -------------------------------------------------------------------------------


def create_rest_api(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    apigateway, api_id = ctx.client("apigateway", region), keys["id"]
    endpoint = inputs.get("endpointConfiguration") or {}
    api = apigateway.create_rest_api(
        name=inputs.get("name") or keys["name"],
        **given(description=inputs.get("description")),
        endpointConfiguration={"types": [endpoint.get("types") or "EDGE"]},
        tags=(inputs.get("tags") or {}) | {CUSTOM_ID_TAG: api_id},
    )
    if inputs.get("body"):
        import_body(apigateway, api_id, inputs)
    apply_api_settings(apigateway, api_id, {}, inputs)
    return api_id, {
        "rootResourceId": api.get("rootResourceId", ""),
        "executionArn": f"arn:aws:execute-api:{region}:{ctx.account(region)}:{api_id}",
        "arn": f"arn:aws:apigateway:{region}::/restapis/{api_id}",
    }


def update_rest_api(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> dict[str, Any]:
    apigateway, api_id = ctx.client("apigateway", region), entry["id"]
    if differs(old, new, "body", "putRestApiMode", "failOnWarnings") and new.get("body"):
        import_body(apigateway, api_id, new)
    operations = [replace(f"/{key}", new.get(key) or "") for key in ("name", "description") if differs(old, new, key)]
    old_type = (old.get("endpointConfiguration") or {}).get("types") or "EDGE"
    new_type = (new.get("endpointConfiguration") or {}).get("types") or "EDGE"
    if old_type != new_type:
        operations.append(replace(f"/endpointConfiguration/types/{old_type}", new_type))
    if operations:
        apigateway.update_rest_api(restApiId=api_id, patchOperations=operations)
    apply_api_settings(apigateway, api_id, old, new)
    arn = f"arn:aws:apigateway:{region}::/restapis/{api_id}"
    retag_apigateway(apigateway, arn, old, new)
    return {}


def apply_api_settings(apigateway: Any, api_id: str, old: Inputs, new: Inputs) -> None:
    """minimumCompressionSize ("-1": none) and disableExecuteApiEndpoint PATCHed from the inputs, as the provider
    does after importing a body (rest_api.go, resourceRestAPIWithBodyUpdateOperations)."""
    operations: list[dict[str, str]] = []
    size, before = (str(inputs.get("minimumCompressionSize") or "-1") for inputs in (new, old))
    if size != before:
        operations.append(
            {"op": "replace", "path": "/minimumCompressionSize"} | ({"value": size} if size != "-1" else {})
        )
    if bool(new.get("disableExecuteApiEndpoint")) != bool(old.get("disableExecuteApiEndpoint")):
        operations.append(replace("/disableExecuteApiEndpoint", bool(new.get("disableExecuteApiEndpoint"))))
    if operations:
        apigateway.update_rest_api(restApiId=api_id, patchOperations=operations)


def retag_apigateway(apigateway: Any, arn: str, old: Inputs, new: Inputs) -> None:
    retag(
        old,
        new,
        lambda tags: apigateway.tag_resource(resourceArn=arn, tags=tags),
        lambda gone: apigateway.untag_resource(resourceArn=arn, tagKeys=gone),
    )


def import_body(apigateway: Any, api_id: str, inputs: Inputs) -> None:
    """`put_rest_api` of the document (`overwrite`: removed routes disappear), then what
    LocalStack's import drops re-applied."""
    document = json.loads(inputs["body"])
    if "*/*" in document.get("x-amazon-apigateway-binary-media-types", []):
        # LocalStack's binary matcher skips `*/...` entries: send every top-level type instead.
        document["x-amazon-apigateway-binary-media-types"] = TOP_LEVEL_MEDIA_TYPES
    apigateway.put_rest_api(
        restApiId=api_id,
        mode=inputs.get("putRestApiMode") or "overwrite",
        failOnWarnings=bool(inputs.get("failOnWarnings")),
        body=json.dumps(document).encode(),
    )
    reapply_dropped_settings(apigateway, api_id, document)


def reapply_dropped_settings(apigateway: Any, api_id: str, document: dict[str, Any]) -> None:
    """Restore what LocalStack's OpenAPI import drops: each integration's `credentials` (the
    execution role), AWS_IAM `authorizationType` from `security: sigv4`, and `contentHandling`.
    The patches are independent, so they are sent concurrently."""
    resource_ids = {r["path"]: r["id"] for r in apigateway.get_resources(restApiId=api_id, limit=500)["items"]}
    patches: list[tuple[Callable[..., Any], dict[str, Any]]] = []
    for path, verbs in document["paths"].items():
        for verb, operation in verbs.items():
            method = {"restApiId": api_id, "resourceId": resource_ids[path], "httpMethod": verb.upper()}
            integration = operation["x-amazon-apigateway-integration"]
            if "credentials" in integration:
                patches.append(
                    (apigateway.update_integration, method | patch("/credentials", integration["credentials"]))
                )
            if operation.get("security"):
                patches.append((apigateway.update_method, method | patch("/authorizationType", "AWS_IAM")))
            for response in integration.get("responses", {}).values():
                if "contentHandling" in response:
                    patches.append(
                        (
                            apigateway.update_integration_response,
                            method
                            | {"statusCode": response["statusCode"]}
                            | patch("/contentHandling", response["contentHandling"]),
                        )
                    )
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda item: item[0](**item[1]), patches))


def patch(path: str, value: Any) -> dict[str, Any]:
    return {"patchOperations": [replace(path, value)]}


def create_deployment(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    created = ctx.client("apigateway", region).create_deployment(
        restApiId=keys["rest_api_id"], description=inputs.get("description") or ""
    )
    return created["id"], {}


def update_deployment(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    ctx.client("apigateway", region).update_deployment(
        restApiId=entry["keys"]["rest_api_id"],
        deploymentId=entry["id"],
        **patch("/description", new.get("description") or ""),
    )


def find_deployments(ctx: Context, region: str, keys: dict[str, Any], known: set[str]) -> list[str]:
    """Deployments of our API that no record knows and no stage serves: made by an interrupted create."""
    apigateway, api_id = ctx.client("apigateway", region), keys["rest_api_id"]
    try:
        deployments = {d["id"] for d in apigateway.get_deployments(restApiId=api_id, limit=500)["items"]}
        serving = {s["deploymentId"] for s in apigateway.get_stages(restApiId=api_id)["item"]}
    except apigateway.exceptions.NotFoundException:
        return []
    return sorted(deployments - known - serving)


ACCESS_LOG_PATHS = {"destinationArn": "/accessLogSettings/destinationArn", "format": "/accessLogSettings/format"}


def create_stage(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    api_id, stage_name = keys["rest_api_id"], keys["stage_name"]
    ctx.client("apigateway", region).create_stage(
        restApiId=api_id,
        stageName=stage_name,
        deploymentId=inputs["deployment"],
        **given(description=inputs.get("description")),
        tracingEnabled=bool(inputs.get("xrayTracingEnabled")),
        variables=inputs.get("variables") or {},
        tags=inputs.get("tags") or {},
    )
    created = {key: inputs.get(key) for key in ("deployment", "description", "xrayTracingEnabled", "variables", "tags")}
    update_stage(ctx, region, {"keys": keys}, created, inputs)  # what create_stage cannot take
    account = ctx.account(region)
    return f"ags-{api_id}-{stage_name}", {
        "invokeUrl": f"{ctx.endpoint}/restapis/{api_id}/{stage_name}/_user_request_",
        "executionArn": f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage_name}",
        "arn": f"arn:aws:apigateway:{region}::/restapis/{api_id}/stages/{stage_name}",
    }


def update_stage(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    apigateway, keys = ctx.client("apigateway", region), entry["keys"]
    operations = []
    if differs(old, new, "deployment"):
        operations.append(replace("/deploymentId", new["deployment"]))
    if differs(old, new, "description"):
        operations.append(replace("/description", new.get("description") or ""))
    if differs(old, new, "xrayTracingEnabled"):
        operations.append(replace("/tracingEnabled", bool(new.get("xrayTracingEnabled"))))
    before, after = old.get("variables") or {}, new.get("variables") or {}
    operations += [{"op": "remove", "path": f"/variables/{key}"} for key in before if key not in after]
    operations += [replace(f"/variables/{key}", value) for key, value in after.items() if before.get(key) != value]
    if differs(old, new, "accessLogSettings"):
        if settings := new.get("accessLogSettings"):
            operations += [replace(path, settings[key]) for key, path in ACCESS_LOG_PATHS.items()]
        else:
            operations.append({"op": "remove", "path": "/accessLogSettings"})
    if operations:
        apigateway.update_stage(restApiId=keys["rest_api_id"], stageName=keys["stage_name"], patchOperations=operations)
    arn = f"arn:aws:apigateway:{region}::/restapis/{keys['rest_api_id']}/stages/{keys['stage_name']}"
    retag_apigateway(apigateway, arn, old, new)


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


def method_settings_operations(method_path: str, settings: Inputs) -> list[dict[str, str]]:
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


def put_method_settings(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    update_method_settings(ctx, region, {"keys": keys}, {}, inputs)
    return keys["id"], {}


def update_method_settings(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    keys = entry["keys"]
    ctx.client("apigateway", region).update_stage(
        restApiId=keys["rest_api_id"],
        stageName=keys["stage_name"],
        patchOperations=method_settings_operations(keys["method_path"], new.get("settings") or {}),
    )


def delete_method_settings(ctx: Context, region: str, entry: Entry) -> None:
    keys, apigateway = entry["keys"], ctx.client("apigateway", region)
    try:
        apigateway.update_stage(
            restApiId=keys["rest_api_id"],
            stageName=keys["stage_name"],
            patchOperations=[{"op": "remove", "path": f"/{keys['method_path']}"}],
        )
    except apigateway.exceptions.BadRequestException:
        # LocalStack removes only `*/*`'s settings; a single method's stay until its stage goes.
        if keys["method_path"] == "*/*":
            raise


def create_api_key(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    request: dict[str, Any] = {
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


def update_api_key(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    apigateway = ctx.client("apigateway", region)
    operations = [replace(f"/{key}", new.get(key) or "") for key in ("name", "description") if differs(old, new, key)]
    if differs(old, new, "enabled"):
        operations.append(replace("/enabled", new.get("enabled", True)))
    if operations:
        apigateway.update_api_key(apiKey=entry["id"], patchOperations=operations)
    retag_apigateway(apigateway, f"arn:aws:apigateway:{region}::/apikeys/{entry['id']}", old, new)


def find_tagged(listing: str, items: str = "items") -> Callable[[Context, str, dict[str, Any], set[str]], list[str]]:
    """The ids of an API Gateway listing whose token tag is this create's."""

    def find(ctx: Context, region: str, keys: dict[str, Any], known: set[str]) -> list[str]:
        found = getattr(ctx.client("apigateway", region), listing)(limit=500)[items]
        return [item["id"] for item in found if (item.get("tags") or {}).get(TOKEN_TAG) == keys["token"]]

    return find


def usage_plan_request(inputs: Inputs) -> dict[str, Any]:
    request: dict[str, Any] = {}
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


def create_usage_plan(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    plan = ctx.client("apigateway", region).create_usage_plan(
        name=inputs.get("name") or keys["name"],
        **given(description=inputs.get("description")),
        apiStages=[{"apiId": s["apiId"], "stage": s["stage"]} for s in inputs.get("apiStages") or []],
        tags=(inputs.get("tags") or {}) | {TOKEN_TAG: keys["token"]},
        **usage_plan_request(inputs),
    )
    return plan["id"], {"arn": f"arn:aws:apigateway:{region}::/usageplans/{plan['id']}"}


def update_usage_plan(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    apigateway = ctx.client("apigateway", region)
    operations = [replace(f"/{key}", new.get(key) or "") for key in ("name", "description") if differs(old, new, key)]
    stages = {(s["apiId"], s["stage"]) for s in new.get("apiStages") or []}
    before = {(s["apiId"], s["stage"]) for s in old.get("apiStages") or []}
    operations += [{"op": "remove", "path": "/apiStages", "value": f"{a}:{s}"} for a, s in sorted(before - stages)]
    operations += [{"op": "add", "path": "/apiStages", "value": f"{a}:{s}"} for a, s in sorted(stages - before)]
    old_limits, new_limits = usage_plan_request(old), usage_plan_request(new)
    for group in ("quota", "throttle"):
        if old_limits.get(group) != new_limits.get(group):
            if group in new_limits:
                operations += [replace(f"/{group}/{key}", value) for key, value in new_limits[group].items()]
            else:
                operations.append({"op": "remove", "path": f"/{group}"})
    if operations:
        apigateway.update_usage_plan(usagePlanId=entry["id"], patchOperations=operations)
    retag_apigateway(apigateway, f"arn:aws:apigateway:{region}::/usageplans/{entry['id']}", old, new)


def create_usage_plan_key(
    ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    ctx.client("apigateway", region).create_usage_plan_key(
        usagePlanId=keys["usage_plan_id"], keyId=keys["id"], keyType=inputs["keyType"]
    )
    return keys["id"], {}


def delete_usage_plan_key(ctx: Context, region: str, entry: Entry) -> None:
    """Looked up first: LocalStack fails (500, not 404) to delete a key its plan does not hold."""
    apigateway, plan = ctx.client("apigateway", region), entry["keys"]["usage_plan_id"]
    held = apigateway.get_usage_plan_keys(usagePlanId=plan, limit=500)["items"]  # NotFound: the plan is gone
    if any(key["id"] == entry["id"] for key in held):
        apigateway.delete_usage_plan_key(usagePlanId=plan, keyId=entry["id"])


def create_domain_name(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    request: dict[str, Any] = {
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


def update_domain_name(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    apigateway = ctx.client("apigateway", region)
    # Compared with what LocalStack holds (the recorded inputs are unknown after an interrupted
    # update): it does not implement UpdateDomainName, so only a real change may call it.
    live = apigateway.get_domain_name(domainName=entry["id"])
    operations = [
        replace(f"/{key}", new.get(key) or "")
        for key in ("certificateArn", "regionalCertificateArn", "securityPolicy")
        if differs(old, new, key) and (live.get(key) or None) != (new.get(key) or None)
    ]
    if operations:
        apigateway.update_domain_name(domainName=entry["id"], patchOperations=operations)
    retag_apigateway(apigateway, f"arn:aws:apigateway:{region}::/domainnames/{entry['id']}", old, new)


def create_base_path_mapping(
    ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    request = {
        "domainName": keys["domain_name"],
        "restApiId": inputs["restApi"],
        "stage": inputs.get("stageName") or "",
    }
    if keys["base_path"]:
        request["basePath"] = keys["base_path"]
    ctx.client("apigateway", region).create_base_path_mapping(**request)
    return keys["id"], {}


def update_base_path_mapping(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    keys = entry["keys"]
    ctx.client("apigateway", region).update_base_path_mapping(
        domainName=keys["domain_name"], basePath=keys["base_path"] or "(none)", **patch("/stage", new.get("stageName"))
    )


# --- CloudWatch Logs, S3, KMS ------------------------------------------------------------------


def log_group_arn(ctx: Context, region: str, name: str) -> str:
    return f"arn:aws:logs:{region}:{ctx.account(region)}:log-group:{name}"


def create_log_group(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    request: dict[str, Any] = {"logGroupName": keys["id"], "tags": inputs.get("tags") or {}}
    if inputs.get("kmsKeyId"):
        request["kmsKeyId"] = inputs["kmsKeyId"]
    ctx.client("logs", region).create_log_group(**request)
    update_log_group(ctx, region, {"id": keys["id"]}, {"tags": inputs.get("tags")}, inputs)
    return keys["id"], {"arn": log_group_arn(ctx, region, keys["id"]), "name": keys["id"]}


def update_log_group(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    logs, name = ctx.client("logs", region), entry["id"]
    if differs(old, new, "retentionInDays"):
        if new.get("retentionInDays"):
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(new["retentionInDays"]))
        else:
            logs.delete_retention_policy(logGroupName=name)
    arn = log_group_arn(ctx, region, name)
    retag(
        old,
        new,
        lambda tags: logs.tag_resource(resourceArn=arn, tags=tags),
        lambda gone: logs.untag_resource(resourceArn=arn, tagKeys=gone),
    )


def put_metric_alarm(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """PutMetricAlarm creates the alarm or replaces it whole: it is the update too."""
    request: dict[str, Any] = given(
        AlarmName=keys["id"],
        AlarmDescription=inputs.get("alarmDescription"),
        Namespace=inputs.get("namespace"),
        MetricName=inputs.get("metricName"),
        Statistic=inputs.get("statistic"),
        ExtendedStatistic=inputs.get("extendedStatistic"),
        ComparisonOperator=inputs.get("comparisonOperator"),
        TreatMissingData=inputs.get("treatMissingData"),
    )
    request |= {
        "Dimensions": [{"Name": name, "Value": value} for name, value in (inputs.get("dimensions") or {}).items()],
        "Threshold": float(inputs["threshold"]),
        "Period": int(inputs["period"]),
        "EvaluationPeriods": int(inputs["evaluationPeriods"]),
        "AlarmActions": inputs.get("alarmActions") or [],
        "OKActions": inputs.get("okActions") or [],
        "Tags": tag_list(inputs.get("tags")),
    }
    ctx.client("cloudwatch", region).put_metric_alarm(**request)
    return keys["id"], {"arn": f"arn:aws:cloudwatch:{region}:{ctx.account(region)}:alarm:{keys['id']}"}


def put_dashboard(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.client("cloudwatch", region).put_dashboard(DashboardName=keys["id"], DashboardBody=inputs["dashboardBody"])
    return keys["id"], {"dashboardArn": f"arn:aws:cloudwatch::{ctx.account(region)}:dashboard/{keys['id']}"}


def create_bucket(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    s3, bucket = ctx.client("s3", region), keys["id"]
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **location)
    update_bucket(ctx, region, {"id": bucket}, {}, inputs)
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com",
        "region": region,
    }


def update_bucket(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    if differs(old, new, "tags"):  # S3 replaces the whole tag set (forceDestroy needs no call)
        s3, tags = ctx.client("s3", region), new.get("tags")
        if tags:
            s3.put_bucket_tagging(Bucket=entry["id"], Tagging={"TagSet": tag_list(tags)})
        else:
            s3.delete_bucket_tagging(Bucket=entry["id"])


def delete_bucket(ctx: Context, region: str, entry: Entry) -> None:
    """With `forceDestroy`, its objects (every version) go first, as the provider does."""
    s3 = ctx.client("s3", region)
    if (entry.get("inputs") or {}).get("forceDestroy"):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=entry["id"]):
            versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
            if versions:
                objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
                s3.delete_objects(Bucket=entry["id"], Delete={"Objects": objects})
    s3.delete_bucket(Bucket=entry["id"])


def create_key(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kms = ctx.client("kms", region)
    request: dict[str, Any] = {
        "Description": inputs.get("description") or "",
        "KeyUsage": inputs.get("keyUsage") or "ENCRYPT_DECRYPT",
        "KeySpec": inputs.get("customerMasterKeySpec") or inputs.get("keySpec") or "SYMMETRIC_DEFAULT",
        "MultiRegion": bool(inputs.get("multiRegion")),
        "Tags": tag_list((inputs.get("tags") or {}) | {CUSTOM_ID_TAG: keys["id"]}, "TagKey", "TagValue"),
    }
    if inputs.get("policy"):
        request["Policy"] = inputs["policy"]
    key = kms.create_key(**request)["KeyMetadata"]
    created = inputs | {"enableKeyRotation": False, "isEnabled": True}  # what create_key cannot set
    update_key(ctx, region, {"id": key["KeyId"]}, created, inputs)
    return key["KeyId"], {"arn": key["Arn"], "keyId": key["KeyId"]}


def update_key(ctx: Context, region: str, entry: Entry, old: Inputs, new: Inputs) -> None:
    kms, key = ctx.client("kms", region), entry["id"]
    if differs(old, new, "description"):
        kms.update_key_description(KeyId=key, Description=new.get("description") or "")
    if differs(old, new, "policy") and new.get("policy"):
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=new["policy"])
    if differs(old, new, "enableKeyRotation"):
        (kms.enable_key_rotation if new.get("enableKeyRotation") else kms.disable_key_rotation)(KeyId=key)
    if as_json(old.get("isEnabled", True)) != as_json(new.get("isEnabled", True)):
        (kms.enable_key if new.get("isEnabled", True) else kms.disable_key)(KeyId=key)
    retag(
        old,
        new,
        lambda tags: kms.tag_resource(KeyId=key, Tags=tag_list(tags, "TagKey", "TagValue")),
        lambda gone: kms.untag_resource(KeyId=key, TagKeys=gone),
    )


def delete_key(ctx: Context, region: str, entry: Entry) -> None:
    """KMS never deletes a key at once: it is scheduled, after 7 to 30 days (the provider's default 30)."""
    kms = ctx.client("kms", region)
    if kms.describe_key(KeyId=entry["id"])["KeyMetadata"]["KeyState"] != "PendingDeletion":
        days = int((entry.get("inputs") or {}).get("deletionWindowInDays") or 30)
        kms.schedule_key_deletion(KeyId=entry["id"], PendingWindowInDays=days)


def api_id_token() -> str:
    """A REST API id as API Gateway makes them: 10 lower-case letters and digits."""
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(10))


def client_of(service: str, method: str, **arguments: str) -> Callable[[Context, str, Entry], Any]:
    """A deleter that calls `method` with entry keys (`arguments`: API parameter -> key)."""

    def delete(ctx: Context, region: str, entry: Entry) -> Any:
        values = entry.get("keys", {}) | {"id": entry["id"]}
        return getattr(ctx.client(service, region), method)(**{p: values[k] for p, k in arguments.items()})

    return delete


def keys_of(**fields: Callable[[str, Inputs], Any]) -> Callable[[str, Inputs], dict[str, Any]]:
    return lambda name, inputs: {key: make(name, inputs) for key, make in fields.items()}


def logical(name: str, inputs: Inputs) -> str:
    return name


def field_of(key: str, default: Any = None) -> Callable[[str, Inputs], Any]:
    return lambda name, inputs: inputs.get(key) or default


def role_policy_keys(name: str, inputs: Inputs) -> dict[str, Any]:
    policy_name = auto_name(name, inputs)
    return {"id": f"{inputs['role']}:{policy_name}", "role": inputs["role"], "policy_name": policy_name}


def method_settings_keys(name: str, inputs: Inputs) -> dict[str, Any]:
    api_id, stage_name, method_path = inputs["restApi"], inputs["stageName"], inputs["methodPath"]
    return {
        "id": f"{api_id}-{stage_name}-{method_path}",
        "rest_api_id": api_id,
        "stage_name": stage_name,
        "method_path": method_path,
    }


def base_path_keys(name: str, inputs: Inputs) -> dict[str, Any]:
    domain, base_path = inputs["domainName"], inputs.get("basePath") or ""
    return {"id": f"{domain}/{base_path}", "domain_name": domain, "base_path": base_path}


def attachment_keys(name: str, inputs: Inputs) -> dict[str, Any]:
    return {"id": f"{inputs['role']}/{inputs['policyArn']}", "role": inputs["role"], "policy_arn": inputs["policyArn"]}


def attach_policy(ctx: Context, region: str, inputs: Inputs, keys: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ctx.client("iam", region).attach_role_policy(RoleName=keys["role"], PolicyArn=keys["policy_arn"])
    return keys["id"], {}


def token(name: str, inputs: Inputs) -> str:
    return secrets.token_hex(8)


KINDS: dict[str, Kind] = {
    "aws:iam/role:Role": Kind(
        "iam",
        keys_of(id=lambda name, inputs: auto_name(name, inputs)),
        create_role,
        delete_role,
        update_role,
        frozenset({"name", "namePrefix", "path"}),
    ),
    "aws:iam/rolePolicy:RolePolicy": Kind(
        "iam",
        role_policy_keys,
        put_role_policy,
        client_of("iam", "delete_role_policy", RoleName="role", PolicyName="policy_name"),
        update_role_policy,
        frozenset({"role", "name", "namePrefix"}),
    ),
    "aws:iam/policy:Policy": Kind(
        "iam",
        keys_of(id=lambda name, inputs: auto_name(name, inputs), path=field_of("path", "/")),
        create_policy,
        delete_policy,
        update_policy,
        frozenset({"name", "namePrefix", "path", "description"}),
        lambda ctx, region, keys, known: [f"arn:aws:iam::{ctx.account(region)}:policy{keys['path']}{keys['id']}"],
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": Kind(
        "iam",
        attachment_keys,
        attach_policy,
        client_of("iam", "detach_role_policy", RoleName="role", PolicyArn="policy_arn"),
    ),
    "aws:apigateway/restApi:RestApi": Kind(
        "apigateway",
        keys_of(id=lambda name, inputs: api_id_token(), name=logical),
        create_rest_api,
        client_of("apigateway", "delete_rest_api", restApiId="id"),
        update_rest_api,
    ),
    "aws:apigateway/deployment:Deployment": Kind(
        "apigateway",
        keys_of(rest_api_id=field_of("restApi")),
        create_deployment,
        client_of("apigateway", "delete_deployment", restApiId="rest_api_id", deploymentId="id"),
        update_deployment,
        frozenset({"restApi", "triggers", "variables", "stageName", "stageDescription", "canarySettings"}),
        find_deployments,
    ),
    "aws:apigateway/stage:Stage": Kind(
        "apigateway",
        lambda name, inputs: {
            "id": f"ags-{inputs['restApi']}-{inputs['stageName']}",
            "rest_api_id": inputs["restApi"],
            "stage_name": inputs["stageName"],
        },
        create_stage,
        client_of("apigateway", "delete_stage", restApiId="rest_api_id", stageName="stage_name"),
        update_stage,
        frozenset({"restApi", "stageName"}),
    ),
    "aws:apigateway/methodSettings:MethodSettings": Kind(
        "apigateway",
        method_settings_keys,
        put_method_settings,
        delete_method_settings,
        update_method_settings,
        frozenset({"restApi", "stageName", "methodPath"}),
    ),
    "aws:apigateway/apiKey:ApiKey": Kind(
        "apigateway",
        keys_of(token=token, name=logical),
        create_api_key,
        client_of("apigateway", "delete_api_key", apiKey="id"),
        update_api_key,
        frozenset({"value", "customerId"}),
        find_tagged("get_api_keys"),
    ),
    "aws:apigateway/usagePlan:UsagePlan": Kind(
        "apigateway",
        keys_of(token=token, name=logical),
        create_usage_plan,
        client_of("apigateway", "delete_usage_plan", usagePlanId="id"),
        update_usage_plan,
        frozenset({"productCode"}),
        find_tagged("get_usage_plans"),
    ),
    "aws:apigateway/usagePlanKey:UsagePlanKey": Kind(
        "apigateway",
        keys_of(id=field_of("keyId"), usage_plan_id=field_of("usagePlanId")),
        create_usage_plan_key,
        delete_usage_plan_key,
    ),
    "aws:apigateway/domainName:DomainName": Kind(
        "apigateway",
        keys_of(id=field_of("domainName")),
        create_domain_name,
        client_of("apigateway", "delete_domain_name", domainName="id"),
        update_domain_name,
        frozenset({"domainName", "endpointConfiguration"}),
    ),
    "aws:apigateway/basePathMapping:BasePathMapping": Kind(
        "apigateway",
        base_path_keys,
        create_base_path_mapping,
        lambda ctx, region, entry: ctx.client("apigateway", region).delete_base_path_mapping(
            domainName=entry["keys"]["domain_name"], basePath=entry["keys"]["base_path"] or "(none)"
        ),
        update_base_path_mapping,
        frozenset({"domainName", "basePath", "restApi"}),
    ),
    "aws:cloudwatch/logGroup:LogGroup": Kind(
        "logs",
        keys_of(id=lambda name, inputs: auto_name(name, inputs)),
        create_log_group,
        client_of("logs", "delete_log_group", logGroupName="id"),
        update_log_group,
        frozenset({"name", "namePrefix", "kmsKeyId", "logGroupClass"}),
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": Kind(
        "cloudwatch",
        keys_of(id=lambda name, inputs: auto_name(name, inputs)),
        put_metric_alarm,
        lambda ctx, region, entry: ctx.client("cloudwatch", region).delete_alarms(AlarmNames=[entry["id"]]),
        lambda ctx, region, entry, old, new: put_metric_alarm(ctx, region, new, {"id": entry["id"]})[1],
        frozenset({"name"}),
    ),
    "aws:cloudwatch/dashboard:Dashboard": Kind(
        "cloudwatch",
        keys_of(id=field_of("dashboardName")),
        put_dashboard,
        lambda ctx, region, entry: ctx.client("cloudwatch", region).delete_dashboards(DashboardNames=[entry["id"]]),
        lambda ctx, region, entry, old, new: put_dashboard(ctx, region, new, {"id": entry["id"]})[1],
        frozenset({"dashboardName"}),
    ),
    "aws:s3/bucket:Bucket": Kind(
        "s3",
        keys_of(id=lambda name, inputs: auto_name(name, inputs, "bucket", "bucketPrefix")),
        create_bucket,
        delete_bucket,
        update_bucket,
        frozenset({"bucket", "bucketPrefix"}),
    ),
    "aws:kms/key:Key": Kind(
        "kms",
        keys_of(id=lambda name, inputs: str(uuid.uuid4())),
        create_key,
        delete_key,
        update_key,
        frozenset({"keyUsage", "customerMasterKeySpec", "keySpec", "multiRegion"}),
    ),
}

# What "already gone" looks like in each service, for deletes that may repeat after a kill.
NOT_FOUND = frozenset(
    {
        "NotFoundException",
        "NoSuchEntity",
        "NoSuchBucket",
        "ResourceNotFoundException",
        "NoSuchEntityException",
        "404",
        "ResourceNotFound",  # CloudWatch's dashboards
    }
)


def _held(check: Callable[[Context, str, Entry], Any]) -> Callable[[Context, str, Entry], bool]:
    def exists(ctx: Context, region: str, entry: Entry) -> bool:
        try:
            return check(ctx, region, entry) is not False
        except ClientError as error:
            if error.response["Error"]["Code"] in NOT_FOUND:
                return False
            raise

    return exists


def _api(method: str, **arguments: str) -> Callable[[Context, str, Entry], Any]:
    return lambda ctx, region, entry: getattr(ctx.client(KINDS[entry["type"]].service, region), method)(
        **{p: (entry["keys"] | {"id": entry["id"]})[k] for p, k in arguments.items()}
    )


# How to tell that a recorded resource still exists (LocalStack forgets everything when it restarts).
EXISTS: dict[str, Callable[[Context, str, Entry], bool]] = {
    typ: _held(check)
    for typ, check in {
        "aws:iam/role:Role": _api("get_role", RoleName="id"),
        "aws:iam/rolePolicy:RolePolicy": _api("get_role_policy", RoleName="role", PolicyName="policy_name"),
        "aws:iam/policy:Policy": _api("get_policy", PolicyArn="id"),
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": lambda ctx, region, entry: (
            entry["keys"]["policy_arn"]
            in [
                a["PolicyArn"]
                for a in ctx.client("iam", region).list_attached_role_policies(RoleName=entry["keys"]["role"])[
                    "AttachedPolicies"
                ]
            ]
        ),
        "aws:apigateway/restApi:RestApi": _api("get_rest_api", restApiId="id"),
        "aws:apigateway/deployment:Deployment": _api("get_deployment", restApiId="rest_api_id", deploymentId="id"),
        "aws:apigateway/stage:Stage": _api("get_stage", restApiId="rest_api_id", stageName="stage_name"),
        "aws:apigateway/methodSettings:MethodSettings": _api(
            "get_stage", restApiId="rest_api_id", stageName="stage_name"
        ),
        "aws:apigateway/apiKey:ApiKey": _api("get_api_key", apiKey="id"),
        "aws:apigateway/usagePlan:UsagePlan": _api("get_usage_plan", usagePlanId="id"),
        "aws:apigateway/usagePlanKey:UsagePlanKey": lambda ctx, region, entry: (
            entry["id"]
            in [
                k["id"]
                for k in ctx.client("apigateway", region).get_usage_plan_keys(
                    usagePlanId=entry["keys"]["usage_plan_id"]
                )["items"]
            ]
        ),
        "aws:apigateway/domainName:DomainName": _api("get_domain_name", domainName="id"),
        "aws:apigateway/basePathMapping:BasePathMapping": lambda ctx, region, entry: ctx.client(
            "apigateway", region
        ).get_base_path_mapping(
            domainName=entry["keys"]["domain_name"], basePath=entry["keys"]["base_path"] or "(none)"
        ),
        "aws:cloudwatch/logGroup:LogGroup": lambda ctx, region, entry: (
            entry["id"]
            in [
                g["logGroupName"]
                for g in ctx.client("logs", region).describe_log_groups(logGroupNamePrefix=entry["id"])["logGroups"]
            ]
        ),
        "aws:cloudwatch/metricAlarm:MetricAlarm": lambda ctx, region, entry: bool(
            ctx.client("cloudwatch", region).describe_alarms(AlarmNames=[entry["id"]])["MetricAlarms"]
        ),
        "aws:cloudwatch/dashboard:Dashboard": _api("get_dashboard", DashboardName="id"),
        "aws:s3/bucket:Bucket": _api("head_bucket", Bucket="id"),
        "aws:kms/key:Key": lambda ctx, region, entry: (
            ctx.client("kms", region).describe_key(KeyId=entry["id"])["KeyMetadata"]["KeyState"] != "PendingDeletion"
        ),
    }.items()
}


def supported_types() -> Iterable[str]:
    return sorted(KINDS)
