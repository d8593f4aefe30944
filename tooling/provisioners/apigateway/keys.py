"""ApiKey, UsagePlan and UsagePlanKey as terraform-provider-aws v6 makes them: `api_key.go`, `usage_plan.go`,
`usage_plan_key.go` under `internal/service/apigateway/`.

Tags change before the rest of an update, as the provider's tagging interceptor changes them (`Before` `Update`)."""

from __future__ import annotations

from typing import Any

from ...state import Properties, Resource
from .. import localstack_fixups as fixups
from ..base import (
    Context,
    Provisioner,
    auto_name,
    call_with_keys,
    differs,
    field_of,
    given,
    held,
    keys_of,
    prior_state,
    replace,
    rfc3339,
    token,
)
from .tags import TOKEN_TAG, retag_apigateway

# --- ApiKey: api_key.go ------------------------------------------------------------------------


def create_api_key(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceAPIKeyCreate: CreateApiKey with the description and the value sent even when empty (`aws.String`; AWS
    generates a value for ""), `enabled` only when true (the Go SDK leaves a false bool out), the customer id when
    set, the tags; then resourceAPIKeyRead."""
    request: Properties = {
        "name": keys["name"],
        "description": inputs.get("description") or "",
        "value": inputs.get("value") or "",
        "tags": (inputs.get("tags") or {}) | {TOKEN_TAG: keys["token"]},
        **given(customerId=inputs.get("customerId")),
    }
    if inputs.get("enabled"):
        request["enabled"] = True
    key = ctx.client("apigateway", region).create_api_key(**request)
    return key["id"], read_api_key(ctx, region, key["id"])


def update_api_key(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceAPIKeyUpdate: the tags first, then UpdateApiKey of what changed of enabled, description, name and
    customer id (resourceAPIKeyUpdateOperations, in that order); then resourceAPIKeyRead."""
    apigateway = ctx.client("apigateway", region)
    retag_apigateway(apigateway, f"arn:aws:apigateway:{region}::/apikeys/{entry.id}", olds, news)
    operations = [replace("/enabled", bool(news.get("enabled")))] if differs(olds, news, "enabled") else []
    operations += [
        replace(f"/{key}", news.get(key) or "")
        for key in ("description", "name", "customerId")
        if differs(olds, news, key)
    ]
    if operations:
        apigateway.update_api_key(apiKey=entry.id, patchOperations=operations)
    return read_api_key(ctx, region, entry.id)


def read_api_key(ctx: Context, region: str, key_id: str) -> Properties:
    """resourceAPIKeyRead: GetApiKey with its value."""
    key = ctx.client("apigateway", region).get_api_key(apiKey=key_id, includeValue=True)
    return {
        "arn": f"arn:aws:apigateway:{region}::/apikeys/{key_id}",
        "createdDate": rfc3339(key["createdDate"]),
        "customerId": key.get("customerId"),
        "description": key.get("description"),
        "enabled": bool(key.get("enabled")),
        "lastUpdatedDate": rfc3339(key["lastUpdatedDate"]),
        "name": key.get("name"),
        "value": key.get("value"),
    }


def find_tagged(listing: str) -> Any:
    """The ids of an API Gateway listing whose token tag is this create's."""

    def find(ctx: Context, region: str, keys: Properties, known: set[str]) -> list[str]:
        found = getattr(ctx.client("apigateway", region), listing)(limit=500)["items"]
        return [item["id"] for item in found if (item.get("tags") or {}).get(TOKEN_TAG) == keys["token"]]

    return find


def named(name: str, inputs: Properties) -> str:
    """The name Pulumi gives (`name` is Required in the provider: pulumi-aws auto-names it)."""
    return auto_name(name, inputs)


API_KEY = Provisioner(
    service="apigateway",
    identity=keys_of(token=token, name=named),
    create=create_api_key,
    update=update_api_key,
    delete=call_with_keys("apigateway", "delete_api_key", apiKey="id"),
    exists=held(call_with_keys("apigateway", "get_api_key", apiKey="id")),
    find=find_tagged("get_api_keys"),
    # resourceAPIKey's schema: only the value replaces; the name, auto-named, keeps its prior one.
    force_new=frozenset({"value"}),
    computed=frozenset({"value", "name"}),
    read=frozenset({"customerId"}),
    defaults={"description": "Managed by Pulumi", "enabled": True},
)


# --- UsagePlan: usage_plan.go ------------------------------------------------------------------

# The fields of `throttle_settings` and `quota_settings` as resourceUsagePlanUpdate replaces them, in order.
LIMITS = (
    ("throttleSettings", "throttle", (("rateLimit", float), ("burstLimit", int))),
    ("quotaSettings", "quota", (("limit", int), ("offset", int), ("period", str))),
)


def nonzero(**values: Any) -> Properties:
    """A Go SDK structure's plain (non-pointer) fields: a zero value is left out."""
    return {key: value for key, value in values.items() if value}


def usage_plan_request(inputs: Properties) -> Properties:
    """expandAPIStages, expandQuotaSettings, expandThrottleSettings: what is set, zero values left out."""
    request: Properties = {}
    if stages := inputs.get("apiStages"):
        request["apiStages"] = [
            {"apiId": s["apiId"], "stage": s["stage"]}
            | ({"throttle": {t["path"]: stage_throttle(t) for t in s["throttles"]}} if s.get("throttles") else {})
            for s in stages
        ]
    if quota := inputs.get("quotaSettings"):
        request["quota"] = nonzero(
            limit=int(quota["limit"]), offset=int(quota.get("offset") or 0), period=quota["period"]
        )
    if throttle := inputs.get("throttleSettings"):
        request["throttle"] = stage_throttle(throttle)
    return request


def stage_throttle(throttle: Properties) -> Properties:
    return nonzero(burstLimit=int(throttle.get("burstLimit") or 0), rateLimit=float(throttle.get("rateLimit") or 0))


def create_usage_plan(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceUsagePlanCreate: CreateUsagePlan (name, tags, stages, description, quota, throttle), then an
    UpdateUsagePlan adding the product code, which a create cannot set; then resourceUsagePlanRead."""
    apigateway = ctx.client("apigateway", region)
    plan = apigateway.create_usage_plan(
        name=keys["name"],
        tags=(inputs.get("tags") or {}) | {TOKEN_TAG: keys["token"]},
        **given(description=inputs.get("description")),
        **usage_plan_request(inputs),
    )
    if inputs.get("productCode"):
        operation = {"op": "add", "path": "/productCode", "value": inputs["productCode"]}
        apigateway.update_usage_plan(usagePlanId=plan["id"], patchOperations=[operation])
    return plan["id"], read_usage_plan(ctx, region, plan["id"])


def usage_plan_operations(olds: Properties, news: Properties) -> list[dict[str, str]]:
    """resourceUsagePlanUpdate's operations: name, description, product code (removed when unset); when the stages
    changed, every old one removed and every new one added with its throttles ("Simpler to remove and add new
    ones"); the throttle, then the quota settings removed, or each of their fields replaced (`o != nil` holds for an
    empty list in Go, so the provider never takes its `add` branch)."""
    operations = [
        replace(f"/{key}", news.get(key) or "") for key in ("name", "description") if differs(olds, news, key)
    ]
    if differs(olds, news, "productCode"):
        code = news.get("productCode")
        operations.append(replace("/productCode", code) if code else {"op": "remove", "path": "/productCode"})
    if differs(olds, news, "apiStages"):
        old_stages, new_stages = olds.get("apiStages") or [], news.get("apiStages") or []
        operations += [{"op": "remove", "path": "/apiStages", "value": stage_id(s)} for s in old_stages]
        for stage in new_stages:
            operations.append({"op": "add", "path": "/apiStages", "value": stage_id(stage)})
            for throttle in stage.get("throttles") or []:
                path = f"/apiStages/{stage_id(stage)}/throttle/{throttle['path']}"
                operations.append(replace(f"{path}/rateLimit", float(throttle.get("rateLimit") or 0)))
                operations.append(replace(f"{path}/burstLimit", int(throttle.get("burstLimit") or 0)))
    for key, group, fields in LIMITS:
        if differs(olds, news, key):
            if settings := news.get(key):
                operations += [replace(f"/{group}/{field}", kind(settings[field])) for field, kind in fields]
            else:
                operations.append({"op": "remove", "path": f"/{group}"})
    return operations


def stage_id(stage: Properties) -> str:
    return f"{stage['apiId']}:{stage['stage']}"


def update_usage_plan(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceUsagePlanUpdate: the tags first, then UpdateUsagePlan (usage_plan_operations); then
    resourceUsagePlanRead."""
    apigateway = ctx.client("apigateway", region)
    retag_apigateway(apigateway, f"arn:aws:apigateway:{region}::/usageplans/{entry.id}", olds, news)
    if operations := usage_plan_operations(olds, news):
        apigateway.update_usage_plan(usagePlanId=entry.id, patchOperations=operations)
    return read_usage_plan(ctx, region, entry.id)


def read_usage_plan(ctx: Context, region: str, plan_id: str) -> Properties:
    """resourceUsagePlanRead: GetUsagePlan; the stages, quota and throttle only when AWS holds them."""
    plan = ctx.client("apigateway", region).get_usage_plan(usagePlanId=plan_id)
    outputs: Properties = {
        "arn": f"arn:aws:apigateway:{region}::/usageplans/{plan_id}",
        "description": plan.get("description"),
        "name": plan.get("name"),
        "productCode": plan.get("productCode"),
    }
    if "apiStages" in plan:
        outputs["apiStages"] = [
            {"apiId": s["apiId"], "stage": s["stage"]}
            | (
                {"throttles": [{"path": p} | stage_limits(t) for p, t in s["throttle"].items()]}
                if s.get("throttle")
                else {}
            )
            for s in plan["apiStages"]
        ]
    if "quota" in plan:
        quota = plan["quota"]
        outputs["quotaSettings"] = {
            "limit": quota.get("limit", 0),
            "offset": quota.get("offset", 0),
            "period": quota.get("period"),
        }
    if "throttle" in plan:
        outputs["throttleSettings"] = stage_limits(plan["throttle"])
    return outputs


def stage_limits(throttle: Properties) -> Properties:
    """flattenThrottleSettings: the Go SDK's plain fields read 0 when AWS leaves them out."""
    return {"burstLimit": throttle.get("burstLimit", 0), "rateLimit": throttle.get("rateLimit", 0.0)}


def delete_usage_plan(ctx: Context, region: str, entry: Resource) -> None:
    """resourceUsagePlanDelete: UpdateUsagePlan removing the stages the state holds, then DeleteUsagePlan."""
    apigateway = ctx.client("apigateway", region)
    if stages := prior_state(entry).get("apiStages"):
        removals = [{"op": "remove", "path": "/apiStages", "value": stage_id(s)} for s in stages]
        apigateway.update_usage_plan(usagePlanId=entry.id, patchOperations=removals)
    apigateway.delete_usage_plan(usagePlanId=entry.id)


USAGE_PLAN = Provisioner(
    service="apigateway",
    identity=keys_of(token=token, name=named),
    create=create_usage_plan,
    update=update_usage_plan,
    delete=delete_usage_plan,
    exists=held(call_with_keys("apigateway", "get_usage_plan", usagePlanId="id")),
    find=find_tagged("get_usage_plans"),
    # resourceUsagePlan's schema: nothing replaces the plan; the name is auto-named.
    computed=frozenset({"name"}),
    read=frozenset({"description", "productCode"}),
    defaults={"quotaSettings": {"offset": 0}, "throttleSettings": {"burstLimit": 0, "rateLimit": 0.0}},
)


# --- UsagePlanKey: usage_plan_key.go -----------------------------------------------------------


def create_usage_plan_key(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceUsagePlanKeyCreate: CreateUsagePlanKey; then resourceUsagePlanKeyRead."""
    created = ctx.client("apigateway", region).create_usage_plan_key(
        usagePlanId=keys["usage_plan_id"], keyId=keys["id"], keyType=inputs["keyType"]
    )
    return created["id"], read_usage_plan_key(ctx, region, keys["usage_plan_id"], keys["id"])


def read_usage_plan_key(ctx: Context, region: str, plan_id: str, key_id: str) -> Properties:
    """resourceUsagePlanKeyRead: GetUsagePlanKey; its type, name and value."""
    key = ctx.client("apigateway", region).get_usage_plan_key(usagePlanId=plan_id, keyId=key_id)
    return {"keyType": key.get("type"), "name": key.get("name"), "value": key.get("value")}


USAGE_PLAN_KEY = Provisioner(
    service="apigateway",
    identity=keys_of(id=field_of("keyId"), usage_plan_id=field_of("usagePlanId")),
    create=create_usage_plan_key,
    delete=lambda ctx, region, entry: fixups.delete_usage_plan_key(
        ctx.client("apigateway", region), entry.keys["usage_plan_id"], entry.id
    ),
    exists=held(call_with_keys("apigateway", "get_usage_plan_key", usagePlanId="usage_plan_id", keyId="id")),
)
