"""ApiKey, UsagePlan and UsagePlanKey as terraform-provider-aws v6 makes them: `api_key.go`, `usage_plan.go`,
`usage_plan_key.go` under `internal/service/apigateway/`."""

from __future__ import annotations

from typing import Any

from ...state import Properties, Resource
from ..base import (
    Context,
    Provisioner,
    call_with_keys,
    differs,
    field_of,
    given,
    held,
    keys_of,
    logical,
    replace,
    token,
)
from .tags import TOKEN_TAG, retag_apigateway

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
