"""Calls and rewrites that exist only because LocalStack (2026.3.0) differs from AWS; the provider
makes none of them. Each provisioner calls these at the boundary, so what it records is AWS's view.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from .base import patch

# LocalStack takes a resource's id from this tag (REST APIs, KMS keys); it stays visible as a tag.
CUSTOM_ID_TAG = "_custom_id_"


def without_custom_id(tags: dict[str, str]) -> dict[str, str]:
    """The tags as AWS would hold them: LocalStack lists `_custom_id_` among them."""
    return {key: value for key, value in tags.items() if key != CUSTOM_ID_TAG}


# Every top-level media type (IANA's, plus S3's default `binary/octet-stream`): together they mean
# what `*/*` means on AWS, and LocalStack's binary matcher (which skips `*/...` entries) honours them.
TOP_LEVEL_MEDIA_TYPES = [
    f"{t}/*"
    for t in ("application", "audio", "binary", "font", "image", "message", "model", "multipart", "text", "video")
]
ANY_MEDIA_TYPE = "*/*"
BINARY_TYPES_KEY = "x-amazon-apigateway-binary-media-types"
ENDPOINT_CONFIGURATION_KEY = "x-amazon-apigateway-endpoint-configuration"
BINARY_TYPES_PATH = "/binaryMediaTypes/"


def to_localstack_media_types(types: list[str]) -> list[str]:
    """`*/*` as every top-level type."""
    return [t for given in types for t in (TOP_LEVEL_MEDIA_TYPES if given == ANY_MEDIA_TYPE else [given])]


def from_localstack_media_types(types: list[str] | None) -> list[str] | None:
    """What AWS would hold: the top-level types that stand for `*/*` as `*/*` again."""
    if types is None or not set(TOP_LEVEL_MEDIA_TYPES) <= set(types):
        return types
    rest = [t for t in types if t not in TOP_LEVEL_MEDIA_TYPES]
    return [ANY_MEDIA_TYPE, *rest]


def localstack_body(body: str, endpoint_type: str | None = None) -> bytes:
    """The OpenAPI document as LocalStack's import needs it: `*/*` among its binary media types sent as every
    top-level type; and where the body has `x-amazon-apigateway-endpoint-configuration` (a custom domain's
    `disableExecuteApiEndpoint`), the API's endpoint type in it too: LocalStack replaces the API's endpoint
    configuration with the body's, types and all (measured: `{}` after the import), where AWS keeps the type."""
    document = json.loads(body)
    rewritten = False
    if ANY_MEDIA_TYPE in document.get(BINARY_TYPES_KEY, []):
        document[BINARY_TYPES_KEY] = to_localstack_media_types(document[BINARY_TYPES_KEY])
        rewritten = True
    if endpoint_type and ENDPOINT_CONFIGURATION_KEY in document:
        document[ENDPOINT_CONFIGURATION_KEY] = document[ENDPOINT_CONFIGURATION_KEY] | {"types": [endpoint_type]}
        rewritten = True
    return json.dumps(document).encode() if rewritten else body.encode()


def update_rest_api(apigateway: Any, api_id: str, operations: list[dict[str, str]]) -> None:
    """UpdateRestApi with `operations` as LocalStack needs them: `*/*` expanded (see `localstack_patch_operations`),
    and each removal of a binary media type sent alone first: in one call with several, LocalStack removes only every
    other one (measured: 10 removals and 10 additions left 15 types), where AWS removes each by its value."""
    expanded = localstack_patch_operations(operations)
    removals = [o for o in expanded if o["op"] == "remove" and o["path"].startswith(BINARY_TYPES_PATH)]
    for removal in removals:
        apigateway.update_rest_api(restApiId=api_id, patchOperations=[removal])
    if rest := [o for o in expanded if o not in removals]:
        apigateway.update_rest_api(restApiId=api_id, patchOperations=rest)


def localstack_patch_operations(operations: list[dict[str, str]]) -> list[dict[str, str]]:
    """Patch operations on `/binaryMediaTypes/*~1*` as the same operation on every top-level type."""
    any_path = BINARY_TYPES_PATH + ANY_MEDIA_TYPE.replace("/", "~1")
    return [
        expanded
        for operation in operations
        for expanded in (
            [operation | {"path": BINARY_TYPES_PATH + t.replace("/", "~1")} for t in TOP_LEVEL_MEDIA_TYPES]
            if operation["path"] == any_path
            else [operation]
        )
    ]


def remove_method_settings(apigateway: Any, api_id: str, stage_name: str, method_path: str) -> None:
    """UpdateStage removing a method path's settings. LocalStack refuses to remove any but `*/*`'s (BadRequest
    "Invalid method setting path", measured), where AWS removes them: a single method's settings stay there until
    their stage goes."""
    try:
        apigateway.update_stage(
            restApiId=api_id, stageName=stage_name, patchOperations=[{"op": "remove", "path": f"/{method_path}"}]
        )
    except apigateway.exceptions.BadRequestException as error:
        if method_path == "*/*" or "Invalid method setting path" not in str(error):
            raise


def delete_usage_plan_key(apigateway: Any, plan_id: str, key_id: str) -> None:
    """resourceUsagePlanKeyDelete's DeleteUsagePlanKey, after a GetUsagePlanKey: LocalStack fails (500, a
    `KeyError`) to delete a key its plan does not hold, where AWS answers NotFound, which GetUsagePlanKey gives."""
    apigateway.get_usage_plan_key(usagePlanId=plan_id, keyId=key_id)
    apigateway.delete_usage_plan_key(usagePlanId=plan_id, keyId=key_id)


def update_domain_name(apigateway: Any, domain_name: str, operations: list[dict[str, str]]) -> None:
    """UpdateDomainName, which LocalStack does not implement (501 for any call): sent only when an operation's value
    differs from what GetDomainName holds, so that an update that changes nothing there (one applied again after an
    interrupted run) passes; a real change cannot be applied there."""
    live = apigateway.get_domain_name(domainName=domain_name)
    if any(held_value(live, o["path"]) != o.get("value", "") for o in operations):
        apigateway.update_domain_name(domainName=domain_name, patchOperations=operations)


def held_value(document: Any, path: str) -> str:
    """The value at a patch path (`/endpointConfiguration/types/0`) of an API answer, "" for none."""
    for part in path.strip("/").split("/"):
        document = document[int(part)] if isinstance(document, list) else (document or {}).get(part)
    return str(document or "")


def dashboard_held(cloudwatch: Any, name: str) -> bool:
    """Whether CloudWatch holds the dashboard (resourceDashboardRead's GetDashboard). For a missing one LocalStack
    answers InvalidParameterValue ("Dashboard <name> does not exist.", measured), where AWS answers ResourceNotFound."""
    try:
        cloudwatch.get_dashboard(DashboardName=name)
    except ClientError as error:
        answer = error.response["Error"]
        if answer["Code"] in ("ResourceNotFound", "InvalidParameterValue") and "does not exist" in answer["Message"]:
            return False
        raise
    return True


# What an integration passing the caller's own identity through carries (`components.openapi.CALLER_CREDENTIALS`;
# the tooling runs beside an installed component too, so it does not import `components`).
CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"


def reapply_dropped_settings(apigateway: Any, api_id: str, body: str) -> None:
    """Restore what LocalStack's OpenAPI import drops: each integration's `credentials` (the
    execution role), AWS_IAM `authorizationType` from `security: sigv4`, and `contentHandling`.
    The patches are independent, so they are sent concurrently."""
    document = json.loads(body)
    resource_ids = {r["path"]: r["id"] for r in apigateway.get_resources(restApiId=api_id, limit=500)["items"]}
    patches: list[tuple[Callable[..., Any], dict[str, Any]]] = []
    for path, verbs in document.get("paths", {}).items():
        for verb, operation in verbs.items():
            method = {"restApiId": api_id, "resourceId": resource_ids[path], "httpMethod": verb.upper()}
            integration = operation.get("x-amazon-apigateway-integration", {})
            # LocalStack cannot pass the caller's identity through: it assumes the credentials as a role, and for
            # `arn:aws:iam::*:user/*` every request fails with 500 ("'*' is not a valid AWS account ID"). Left unset,
            # it calls S3 as itself, which serves the same requests where no IAM is enforced, as in LocalStack.
            if "credentials" in integration and integration["credentials"] != CALLER_CREDENTIALS:
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
