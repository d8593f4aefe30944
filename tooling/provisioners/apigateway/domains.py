"""DomainName and BasePathMapping as terraform-provider-aws v6 makes them: `domain_name.go`,
`base_path_mapping.go` under `internal/service/apigateway/`."""

from __future__ import annotations

from ...state import Properties, Resource
from .. import localstack_fixups as fixups
from ..base import (
    Context,
    Provisioner,
    differs,
    equivalent_policies,
    field_of,
    given,
    held,
    keys_of,
    normalize_json,
    replace,
    rfc3339,
)
from .rest_api import endpoint_configuration_request
from .tags import retag_apigateway

# --- DomainName: domain_name.go ----------------------------------------------------------------

# CreateDomainName's parameters resourceDomainNameCreate sends when set (besides the blocks and the tags).
DOMAIN_PARAMETERS = (
    "certificateArn",
    "certificateBody",
    "certificateChain",
    "certificateName",
    "certificatePrivateKey",
    "ownershipVerificationCertificateArn",
    "regionalCertificateArn",
    "regionalCertificateName",
    "securityPolicy",
)
# The hosted zone of CloudFront distributions, which resourceDomainNameRead records as `cloudfront_zone_id`
# (conns.AWSClient.CloudFrontDistributionHostedZoneID, the `aws` partition's).
CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"


def create_domain_name(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceDomainNameCreate: CreateDomainName with what is set of the certificates, the endpoint configuration
    (expandEndpointConfiguration), mutual TLS, the policy (normalised, as its StateFunc stores it), the security
    policy and the tags; then resourceDomainNameRead."""
    request: Properties = {
        "domainName": keys["id"],
        **{key: inputs[key] for key in DOMAIN_PARAMETERS if inputs.get(key)},
    }
    if configuration := endpoint_configuration_request(inputs.get("endpointConfiguration")):
        request["endpointConfiguration"] = configuration
    if tls := inputs.get("mutualTlsAuthentication"):
        request["mutualTlsAuthentication"] = given(
            truststoreUri=tls.get("truststoreUri"), truststoreVersion=tls.get("truststoreVersion")
        )
    if inputs.get("policy"):
        request["policy"] = normalize_json(inputs["policy"])
    if inputs.get("tags"):
        request["tags"] = inputs["tags"]
    ctx.client("apigateway", region).create_domain_name(**request)
    return keys["id"], read_domain_name(ctx, region, keys["id"])


def domain_name_operations(olds: Properties, news: Properties) -> list[dict[str, str]]:
    """resourceDomainNameUpdate's operations, in its order: certificate ARN and name, the endpoint type (never
    removed), mutual TLS (its changed fields, or the truststore emptied), the ownership verification certificate,
    the policy (unless equivalent), the regional certificate ARN and name, the security policy."""
    operations = [
        replace(f"/{key}", news.get(key) or "")
        for key in ("certificateArn", "certificateName")
        if differs(olds, news, key)
    ]
    old_type = (olds.get("endpointConfiguration") or {}).get("types")
    if (new_type := (news.get("endpointConfiguration") or {}).get("types")) and new_type != old_type:
        operations.append(replace("/endpointConfiguration/types/0", new_type))
    if differs(olds, news, "mutualTlsAuthentication"):
        old_tls, tls = olds.get("mutualTlsAuthentication") or {}, news.get("mutualTlsAuthentication")
        fields = ("truststoreUri", "truststoreVersion")
        operations += (
            [
                replace(f"/mutualTlsAuthentication/{key}", tls.get(key) or "")
                for key in fields
                if differs(old_tls, tls, key)
            ]
            if tls
            else [replace("/mutualTlsAuthentication/truststoreUri", "")]
        )
    if differs(olds, news, "ownershipVerificationCertificateArn"):
        operations.append(
            replace("/ownershipVerificationCertificateArn", news.get("ownershipVerificationCertificateArn") or "")
        )
    policy = news.get("policy") or ""
    if not equivalent_policies(olds.get("policy") or "", policy):
        operations.append(replace("/policy", normalize_json(policy) if policy else ""))
    keys = ("regionalCertificateArn", "regionalCertificateName", "securityPolicy")
    return operations + [replace(f"/{key}", news.get(key) or "") for key in keys if differs(olds, news, key)]


def update_domain_name(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceDomainNameUpdate: the tags first (the tagging interceptor), then UpdateDomainName of
    domain_name_operations (its wait for AVAILABLE needs no call here: LocalStack's domains are AVAILABLE at once);
    then resourceDomainNameRead."""
    apigateway = ctx.client("apigateway", region)
    retag_apigateway(apigateway, f"arn:aws:apigateway:{region}::/domainnames/{entry.id}", olds, news)
    if operations := domain_name_operations(olds, news):
        fixups.update_domain_name(apigateway, entry.id, operations)
    return read_domain_name(ctx, region, entry.id)


def read_domain_name(ctx: Context, region: str, name: str) -> Properties:
    """resourceDomainNameRead: GetDomainName (findDomainNameByTwoPartKey)."""
    domain = ctx.client("apigateway", region).get_domain_name(domainName=name)
    endpoint, tls = domain.get("endpointConfiguration"), domain.get("mutualTlsAuthentication")
    uploaded = domain.get("certificateUploadDate")
    return {
        "arn": domain.get("domainNameArn") or f"arn:aws:apigateway:{region}::/domainnames/{name}",
        "certificateArn": domain.get("certificateArn"),
        "certificateName": domain.get("certificateName"),
        "certificateUploadDate": rfc3339(uploaded) if uploaded else None,
        "cloudfrontDomainName": domain.get("distributionDomainName"),
        "cloudfrontZoneId": CLOUDFRONT_ZONE_ID,
        "domainName": domain.get("domainName"),
        "domainNameId": domain.get("domainNameId"),
        "endpointConfiguration": {
            "types": (endpoint.get("types") or [None])[0],
            "ipAddressType": endpoint.get("ipAddressType"),
        }
        if endpoint
        else None,
        "mutualTlsAuthentication": given(
            truststoreUri=tls.get("truststoreUri"), truststoreVersion=tls.get("truststoreVersion")
        )
        if tls
        else None,
        "ownershipVerificationCertificateArn": domain.get("ownershipVerificationCertificateArn"),
        "policy": domain.get("policy"),
        "regionalCertificateArn": domain.get("regionalCertificateArn"),
        "regionalCertificateName": domain.get("regionalCertificateName"),
        "regionalDomainName": domain.get("regionalDomainName"),
        "regionalZoneId": domain.get("regionalHostedZoneId"),
        "securityPolicy": domain.get("securityPolicy"),
    }


DOMAIN_NAME = Provisioner(
    service="apigateway",
    identity=keys_of(id=field_of("domainName")),
    create=create_domain_name,
    update=update_domain_name,
    delete=lambda ctx, region, entry: ctx.client("apigateway", region).delete_domain_name(domainName=entry.id),
    exists=held(lambda ctx, region, entry: ctx.client("apigateway", region).get_domain_name(domainName=entry.id)),
    # resourceDomainName's schema: the endpoint configuration is updated in place (`/endpointConfiguration/types/0`).
    force_new=frozenset({"domainName", "certificateBody", "certificateChain", "certificatePrivateKey"}),
    computed=frozenset({"endpointConfiguration", "securityPolicy", "ownershipVerificationCertificateArn"}),
    policies=frozenset({"policy"}),
    read=frozenset(
        {
            "certificateArn",
            "certificateName",
            "mutualTlsAuthentication",
            "policy",
            "regionalCertificateArn",
            "regionalCertificateName",
        }
    ),
)


# --- BasePathMapping: base_path_mapping.go ----------------------------------------------------

NO_BASE_PATH = "(none)"  # API Gateway's name for the empty base path (emptyBasePathMappingValue)


def create_base_path_mapping(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceBasePathMappingCreate: CreateBasePathMapping with the base path and the stage sent even when empty
    (`aws.String`), the domain name id when set; then resourceBasePathMappingRead. (The provider retries a
    BadRequestException for 30 s while a new stage settles; LocalStack's are there at once.)"""
    ctx.client("apigateway", region).create_base_path_mapping(
        domainName=keys["domain_name"],
        restApiId=inputs["restApi"],
        basePath=keys["base_path"],
        stage=inputs.get("stageName") or "",
        **given(domainNameId=inputs.get("domainNameId")),
    )
    return keys["id"], read_base_path_mapping(ctx, region, keys["domain_name"], keys["base_path"])


def base_path(entry: Resource) -> str:
    """The mapping's base path as API Gateway addresses it: the one its last Read recorded (an update may move it),
    else the one it was created with."""
    return str(entry.outputs.get("basePath", entry.keys["base_path"]) or NO_BASE_PATH)


def update_base_path_mapping(
    ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties
) -> Properties:
    """resourceBasePathMappingUpdate: one UpdateBasePathMapping, addressed by the current base path, of what changed
    of the stage, the API (`/restapiId`) and the base path; then resourceBasePathMappingRead under the new path."""
    operations = [
        replace(path, news.get(key) or "")
        for key, path in (("stageName", "/stage"), ("restApi", "/restapiId"), ("basePath", "/basePath"))
        if (olds.get(key) or "") != (news.get(key) or "")
    ]
    ctx.client("apigateway", region).update_base_path_mapping(
        domainName=entry.keys["domain_name"], basePath=base_path(entry), patchOperations=operations
    )
    return read_base_path_mapping(ctx, region, entry.keys["domain_name"], news.get("basePath") or "")


def read_base_path_mapping(ctx: Context, region: str, domain: str, path: str) -> Properties:
    """resourceBasePathMappingRead: GetBasePathMapping; "(none)" read back as the empty base path."""
    mapping = ctx.client("apigateway", region).get_base_path_mapping(domainName=domain, basePath=path or NO_BASE_PATH)
    held_path = mapping.get("basePath")
    return {
        "basePath": "" if held_path == NO_BASE_PATH else held_path,
        "domainName": domain,
        "restApi": mapping.get("restApiId"),
        "stageName": mapping.get("stage"),
    }


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
    # resourceBasePathMapping's schema: only the domain name replaces; the API, base path and stage are updated.
    force_new=frozenset({"domainName"}),
    read=frozenset({"basePath", "stageName"}),
)
