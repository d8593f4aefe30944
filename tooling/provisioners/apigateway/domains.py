"""DomainName and BasePathMapping as terraform-provider-aws v6 makes them: `domain_name.go`,
`base_path_mapping.go` under `internal/service/apigateway/`."""

from __future__ import annotations

from ...state import Properties, Resource
from ..base import Context, Provisioner, call_with_keys, differs, field_of, held, keys_of, patch, replace
from .tags import retag_apigateway

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
