"""Render the API's OpenAPI 2.0 document, with its `x-amazon-apigateway-*` extensions, from the catalogue.

The document is the whole API: API Gateway imports it in one call as the RestApi `body`, so the
resource tree, methods, integrations and mappings are created or replaced atomically.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, TypeVar

from .catalogue import (
    PATH_PARAMETERS,
    ObjectData,
    PrefixRule,
    Route,
    headers_sent_with,
    integration_uri,
    partition_of,
)
from .config import ProxyConfig

T = TypeVar("T")

# `faithful`: the statuses S3 returns for these operations, each passed back as itself.
FAITHFUL_STATUSES = (200, 204, 206, 304, 400, 403, 404, 409, 412, 416, 500, 501, 503)
# Only a read is partial (Range), not modified (If-None-Match, If-Modified-Since) or out of range: S3 answers 206,
# 304 and 416 to GetObject and HeadObject alone (S3 API reference: GetObject and HeadObject, `Range` and the
# conditional headers; no other operation takes them), so other methods do not declare them.
READ_STATUSES = (206, 304, 416)


def _excluding(pattern: str, statuses: list[int]) -> str:
    """A selection pattern matching `pattern` but none of `statuses` (which have their own)."""
    return f"(?!(?:{'|'.join(map(str, statuses))})$){pattern}"


def status_selection(status_mapping: str, reads: bool = True) -> dict[str, int]:
    """Integration response selection pattern -> method response status.

    API Gateway matches the pattern against S3's whole status code; `default` catches the rest.
    `tutorial` is the seeds' mapping. `faithful` passes S3's status through; other 4xx become 400,
    and other 5xx and 3xx become 500 (S3 redirects only when a bucket lives in another region than
    the integration, a server-side misconfiguration the client cannot fix). A method that reads no object's data
    (`reads` false) has no 206, 304 or 416 of its own (`READ_STATUSES`): they fall to 200, 500 and 400.
    """
    if status_mapping == "tutorial":
        return {"default": 200, r"4\d{2}": 400, r"5\d{2}": 500}
    statuses = FAITHFUL_STATUSES if reads else tuple(s for s in FAITHFUL_STATUSES if s not in READ_STATUSES)
    exact = [s for s in statuses if s not in (200, 400, 500)]
    selection = {"default": 200} | {str(s): s for s in exact}
    selection[_excluding(r"4\d{2}", [s for s in exact if s // 100 == 4])] = 400
    selection[_excluding(r"[35]\d{2}", [s for s in exact if s // 100 in (3, 5)])] = 500
    return selection


def _union(groups: Iterable[Iterable[T]]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(item for group in groups for item in group))


def _query_strings(route: Route, key_prefix: str | None) -> tuple[str, ...]:
    """The client query strings passed through; under a key prefix, listing's `prefix` is ours."""
    if key_prefix and route.under_prefix is PrefixRule.LISTING:
        return tuple(q for q in route.query_strings if q != "prefix")
    return route.query_strings


def expected_bucket_owner(config: ProxyConfig, role_arn: str) -> str | None:
    """The one account every bucket must belong to, sent to S3 as `x-amz-expected-bucket-owner`: `bucket_accounts`'
    only one, or the API's own account (its role's) when none is given; None with several (then only the role's
    policy pins them, with `s3:ResourceAccount`)."""
    if not config.bucket_accounts:
        return role_arn.split(":")[4]
    return config.bucket_accounts[0] if len(config.bucket_accounts) == 1 else None


# An integration with these credentials calls S3 as the caller, with the caller's own SigV4 identity (API Gateway API
# reference, Integration `credentials`: "To require that the caller's identity be passed through from the request,
# specify the string arn:aws:iam::*:user/*"). Written so in every partition, as AWS CDK's
# `IntegrationCredentials.useCallerIdentity()` writes it.
CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"


def integration_credentials(config: ProxyConfig, role_arn: str) -> str:
    """What API Gateway calls S3 as: the execution role, or in caller mode each caller itself."""
    return CALLER_CREDENTIALS if config.integration_credentials == "caller" else role_arn


# S3 checks `x-amz-expected-bucket-owner` on every bucket and object operation but these two: ListBuckets names no
# bucket, and CreateBucket's bucket has no owner yet (S3 User Guide, "Verifying bucket ownership with bucket owner
# condition").
WITHOUT_BUCKET_OWNER_CHECK = ("ListBuckets", "CreateBucket")


def _operation(routes: list[Route], config: ProxyConfig, region: str, role_arn: str) -> dict[str, Any]:
    """One API method serving `routes` (the operations S3 tells apart by query string on it)."""
    first = routes[0]
    writes = any(route.object_data is ObjectData.WRITE for route in routes)
    reads = any(route.object_data is ObjectData.READ for route in routes)
    metadata = config.metadata_headers
    headers = _union([*(route.request_headers for route in routes), metadata if writes else ()])
    queries = _union(_query_strings(route, config.key_prefix) for route in routes)
    response_headers = _union(
        [*(route.response_headers for route in routes), [(h, h) for h in metadata] if reads else ()]
    )

    def parameter(name: str, location: str) -> dict[str, Any]:
        return {"name": name, "in": location, "required": location == "path", "type": "string"}

    parameters = (
        [parameter(name, "path") for name in first.path_parameters]
        + [parameter(name, "header") for name in headers]
        + [parameter(name, "query") for name in queries]
    )
    request_parameters = {
        f"integration.request.path.{PATH_PARAMETERS[name]}": f"method.request.path.{name}"
        for name in first.path_parameters
    }
    request_parameters |= {f"integration.request.header.{h}": f"method.request.header.{h}" for h in headers}
    request_parameters |= {f"integration.request.querystring.{q}": f"method.request.querystring.{q}" for q in queries}
    request_parameters |= _static_parameters(
        first, config, role_arn, copies="x-amz-copy-source" in headers, writes=writes
    )
    method_responses, integration_responses = _responses(config, response_headers, reads)
    operation: dict[str, Any] = {
        "operationId": "Or".join(route.operation for route in routes),
        "parameters": parameters,
        "responses": method_responses,
        "x-amazon-apigateway-integration": {
            "type": "aws",
            "httpMethod": first.verb,
            "uri": integration_uri(first, region, config.key_prefix),
            "credentials": integration_credentials(config, role_arn),
            "passthroughBehavior": "when_no_match",
            "requestParameters": request_parameters,
            "responses": integration_responses,
        },
    }
    if requirement := _security_requirement(config):
        operation["security"] = [requirement]  # one requirement: all of its schemes at once
    return operation


def _static_parameters(
    first: Route, config: ProxyConfig, role_arn: str, *, copies: bool, writes: bool
) -> dict[str, str]:
    """The integration's static request values (quoted literals): clients cannot set or override them, since they are
    not method parameters."""
    static: dict[str, str] = {}
    if config.key_prefix and first.under_prefix is PrefixRule.LISTING:
        static["integration.request.querystring.prefix"] = f"'{config.key_prefix}'"
    owner = expected_bucket_owner(config, role_arn)
    if owner and first.operation not in WITHOUT_BUCKET_OWNER_CHECK:
        # S3 answers 403 when the bucket belongs to another account, so a name the role may reach in someone else's
        # account (a deleted bucket's name registered again elsewhere) is never served.
        static["integration.request.header.x-amz-expected-bucket-owner"] = f"'{owner}'"
        if copies:
            # CopyObject's source bucket is checked by its own header (CopyObject API reference).
            static["integration.request.header.x-amz-source-expected-bucket-owner"] = f"'{owner}'"
    if writes and config.sse_kms_key_arn:
        static["integration.request.header.x-amz-server-side-encryption"] = "'aws:kms'"
        static["integration.request.header.x-amz-server-side-encryption-aws-kms-key-id"] = f"'{config.sse_kms_key_arn}'"
    return static


def _responses(
    config: ProxyConfig, response_headers: tuple[tuple[str, str], ...], reads: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The method responses and the integration responses selecting them: per status, the headers S3 sends with it
    (with their CORS headers)."""

    def mapped_on(status: int) -> tuple[tuple[str, str], ...]:
        if config.status_mapping == "tutorial" and status != 200:
            return ()  # the tutorial maps headers on its 200 response only
        return headers_sent_with(status, response_headers)

    # With every media type binary, S3's bytes are binary on the way back too; CONVERT_TO_BINARY
    # then returns them raw whatever the client's Accept header says (else `*/*` gets base64).
    # With a narrower list, text stays text and must not be base64-decoded, so it is left unset.
    binary_everything = "*/*" in config.binary_media_types
    integration_responses: dict[str, Any] = {}
    method_responses: dict[str, Any] = {}
    for pattern, status in status_selection(config.status_mapping, reads).items():
        mapped = mapped_on(status)
        header_mapping = {
            f"method.response.header.{header}": f"integration.response.header.{source}" for header, source in mapped
        }
        if mapped:
            cors = _cors_headers(config, [header for header, _ in mapped])
            header_mapping |= {f"method.response.header.{header}": value for header, value in cors.items()}
        response: dict[str, Any] = {"statusCode": str(status)}
        if header_mapping:
            response["responseParameters"] = header_mapping
        if binary_everything:
            response["contentHandling"] = "CONVERT_TO_BINARY"
        integration_responses[pattern] = response
        method_responses[str(status)] = {
            "description": f"{status} response",
            "headers": {name.removeprefix("method.response.header."): {"type": "string"} for name in header_mapping},
        }
    return method_responses, integration_responses


def _security_requirement(config: ProxyConfig) -> dict[str, list[str]]:
    """The schemes every method requires at once: the authorizer's (with its scopes) and the API key."""
    requirement: dict[str, list[str]] = {}
    if config.authorization in AUTHORIZER_SCHEMES:
        scopes = config.authorizer.scopes if config.authorizer else ()
        requirement[AUTHORIZER_SCHEMES[config.authorization]] = list(scopes)
    if config.api_keys:
        requirement["api_key"] = []
    return requirement


# The security scheme each authorization type renders (NONE: none).
AUTHORIZER_SCHEMES = {"AWS_IAM": "sigv4", "COGNITO_USER_POOLS": "cognito", "CUSTOM": "lambda"}


def _security_definitions(config: ProxyConfig, region: str) -> dict[str, Any]:
    """The schemes methods require: SigV4, a Cognito user pools or Lambda authorizer, and API keys."""
    definitions: dict[str, Any] = {}
    authorizer = config.authorizer
    if config.authorization == "AWS_IAM":
        definitions["sigv4"] = {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4",
        }
    elif config.authorization == "COGNITO_USER_POOLS" and authorizer:
        definitions["cognito"] = {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {
                "type": "cognito_user_pools",
                "providerARNs": list(authorizer.user_pool_arns),
            },
        }
    elif config.authorization == "CUSTOM" and authorizer and authorizer.function_arn:
        token = authorizer.type == "TOKEN"
        # The region is the function's, not the API's (API Gateway API reference, Authorizer `authorizerUri`:
        # "{region} is the same as the region hosting the Lambda function").
        function_region = authorizer.function_arn.split(":")[3]
        uri = (
            f"arn:{partition_of(function_region)}:apigateway:{function_region}:lambda:path/2015-03-31/functions/"
            f"{authorizer.function_arn}/invocations"
        )
        definitions["lambda"] = {
            "type": "apiKey",
            # A TOKEN authorizer reads one header; a REQUEST one its identity sources (the name is unused).
            "name": authorizer.identity_source.removeprefix("method.request.header.") if token else "Unused",
            "in": "header",
            "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {
                "type": authorizer.type.lower(),
                "authorizerUri": uri,
                "identitySource": authorizer.identity_source,
                "authorizerResultTtlInSeconds": authorizer.result_ttl_seconds,
            },
        }
    if config.api_keys:
        definitions["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
    return definitions


# What browsers send besides the headers the routes pass to S3: SigV4's, an API key, a body's type.
CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-Sha256",
    "X-Api-Key",
)


# What API Gateway's own errors carry for a client to tell them apart (`ForbiddenException`, ...).
GATEWAY_ERROR_HEADERS = ("x-amzn-ErrorType",)


# Response headers every script may read without being exposed (Fetch standard, "CORS-safelisted
# response-header name"; Content-Length since 2020).
SAFELISTED_RESPONSE_HEADERS = (
    "Cache-Control",
    "Content-Language",
    "Content-Length",
    "Content-Type",
    "Expires",
    "Last-Modified",
    "Pragma",
)


def _cors_headers(config: ProxyConfig, exposed: Iterable[str]) -> dict[str, str]:
    """Static CORS headers of a response passing back `exposed` (values quoted: API Gateway literals).

    Scripts of another origin read only the headers a response exposes (Fetch standard, "CORS protocol"):
    each response exposes what it maps, and the `cors.expose_headers` given besides."""
    if not config.cors:
        return {}
    headers = {"Access-Control-Allow-Origin": f"'{config.cors.allow_origin}'"}
    names = _union([[name for name in exposed if name not in SAFELISTED_RESPONSE_HEADERS], config.cors.expose_headers])
    if names:
        headers["Access-Control-Expose-Headers"] = f"'{','.join(names)}'"
    return headers


def _preflight(path: str, verbs: list[str], request_headers: tuple[str, ...], config: ProxyConfig) -> dict[str, Any]:
    """`OPTIONS` on a path: a mock integration answering the browser's CORS preflight, unauthenticated.

    It allows the headers of `request_headers` (what the API's methods pass to S3), the ones browsers send
    to authenticate, and the `cors.allow_headers` given besides: a header the preflight does not allow is
    one the browser never sends (Fetch standard, "CORS-preflight fetch")."""
    assert config.cors
    allowed = _union([CORS_REQUEST_HEADERS, request_headers, config.cors.allow_headers])
    headers = {
        "Access-Control-Allow-Origin": f"'{config.cors.allow_origin}'",
        "Access-Control-Allow-Methods": f"'{','.join([*verbs, 'OPTIONS'])}'",
        "Access-Control-Allow-Headers": f"'{','.join(allowed)}'",
        "Access-Control-Max-Age": f"'{config.cors.max_age}'",
    }
    path_parameters = [part.strip("{}+") for part in path.split("/") if part.startswith("{")]
    return {
        "operationId": "Preflight" + ("".join(p.capitalize() for p in path_parameters) or "Root"),
        "parameters": [{"name": p, "in": "path", "required": True, "type": "string"} for p in path_parameters],
        "responses": {"200": {"description": "CORS preflight", "headers": {h: {"type": "string"} for h in headers}}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            # With every media type binary, the request must be made text for the mock's template.
            "contentHandling": "CONVERT_TO_TEXT",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "passthroughBehavior": "when_no_match",
            "responses": {
                "default": {
                    "statusCode": "200",
                    "responseParameters": {f"method.response.header.{h}": v for h, v in headers.items()},
                }
            },
        },
    }


def render_openapi(config: ProxyConfig, *, title: str, region: str, role_arn: str) -> dict[str, Any]:
    """The OpenAPI document of the API: one method per (path, verb) of the allowed routes, nothing else.

    `role_arn` is the execution role's ARN, whose partition and account are the API's; in caller mode, where there
    is no role, any IAM ARN of the API's account (the component passes the account's root, `arn:aws:iam::<id>:root`)."""
    methods: dict[tuple[str, str], list[Route]] = {}
    for route in config.routes:
        methods.setdefault((route.path, route.verb), []).append(route)
    paths: dict[str, dict[str, Any]] = {}
    for (path, verb), routes in methods.items():
        paths.setdefault(path, {})[verb.lower()] = _operation(routes, config, region, role_arn)
    if config.cors:
        request_headers = _union(
            [p["name"] for p in operation["parameters"] if p["in"] == "header"]
            for operations in paths.values()
            for operation in operations.values()
        )
        for path, operations in paths.items():
            operations["options"] = _preflight(path, [verb.upper() for verb in operations], request_headers, config)
    document: dict[str, Any] = {
        "swagger": "2.0",
        "info": {"title": title, "version": "1.0"},
        "schemes": ["https"],
        "paths": paths,
        "x-amazon-apigateway-binary-media-types": list(config.binary_media_types),
    }
    if config.cors:
        # API Gateway's own errors (a missing API key, a refused signature or token, throttling) are gateway
        # responses: without CORS headers a browser cannot read them, only "a network error".
        document["x-amazon-apigateway-gateway-responses"] = {
            kind: {
                "responseParameters": {
                    f"gatewayresponse.header.{h}": v for h, v in _cors_headers(config, GATEWAY_ERROR_HEADERS).items()
                }
            }
            for kind in ("DEFAULT_4XX", "DEFAULT_5XX")
        }
    if config.endpoint_type == "PRIVATE":
        # In the body, not only on the RestApi: `put_rest_api_mode = overwrite` removes what the
        # body does not hold, and the provider would re-add the association on every change.
        document["x-amazon-apigateway-endpoint-configuration"] = {"vpcEndpointIds": list(config.vpc_endpoint_ids)}
    if config.allowed_source_cidrs or config.vpc_endpoint_ids:
        # The API lives in its execution role's partition and account.
        partition, account_id = role_arn.split(":")[1], role_arn.split(":")[4]
        document["x-amazon-apigateway-policy"] = resource_policy(config, f"arn:{partition}:iam::{account_id}:root")
    if config.api_keys:
        document["x-amazon-apigateway-api-key-source"] = "HEADER"
    _api_settings(document, config)
    definitions = _security_definitions(config, region)
    if definitions:
        document["securityDefinitions"] = definitions
    return document


def _api_settings(document: dict[str, Any], config: ProxyConfig) -> None:
    """The REST API's own settings, in the body that `put_rest_api_mode = overwrite` imports whole (API Gateway
    Developer Guide, "OpenAPI extensions": x-amazon-apigateway-minimum-compression-size and the endpoint
    configuration's disableExecuteApiEndpoint)."""
    if config.description:
        document["info"]["description"] = config.description
    if config.minimum_compression_size is not None:
        document["x-amazon-apigateway-minimum-compression-size"] = config.minimum_compression_size
    if config.custom_domain:
        # Stated either way: the provider PATCHes only a true value from its input (rest_api.go, GetOk), so turning
        # the default endpoint back on rests on the body.
        endpoint = document.setdefault("x-amazon-apigateway-endpoint-configuration", {})
        endpoint["disableExecuteApiEndpoint"] = config.disable_execute_api_endpoint


def resource_policy(config: ProxyConfig, account_root: str) -> dict[str, Any]:
    """The API's resource policy: invocations only from the allowed networks.

    The Allow is what lets anyone in (NONE) or callers of this account (AWS_IAM: a wildcard
    principal would let IAM identities of other accounts in too). A method without authentication
    needs an explicit Allow (API Gateway's authorization flow for a resource policy alone: an
    implicit deny refuses), so the unauthenticated CORS preflight gets an anonymous Allow of
    `OPTIONS` only. The Deny refuses a request, preflight included, that comes neither from an
    allowed CIDR block nor through an allowed VPC endpoint.
    """
    invoke = {"Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    # Only SigV4 callers are IAM principals; callers of the other types are anonymous to IAM.
    principal: Any = {"AWS": account_root} if config.authorization == "AWS_IAM" else "*"
    allow = [{"Effect": "Allow", "Principal": principal, **invoke}]
    if config.cors and principal != "*":
        allow.append(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*/OPTIONS/*",
            }
        )
    conditions: dict[str, Any] = {}
    if config.allowed_source_cidrs:
        # Through a VPC endpoint (every request to a PRIVATE API) aws:SourceIp is absent; the caller's address in
        # the VPC is aws:VpcSourceIp (IAM User Guide, global condition keys: aws:SourceIp, aws:VpcSourceIp).
        source_ip = "aws:VpcSourceIp" if config.endpoint_type == "PRIVATE" else "aws:SourceIp"
        conditions["NotIpAddress"] = {source_ip: list(config.allowed_source_cidrs)}
    if config.vpc_endpoint_ids:
        conditions["StringNotEquals"] = {"aws:SourceVpce": list(config.vpc_endpoint_ids)}
    return {
        "Version": "2012-10-17",
        "Statement": [*allow, {"Effect": "Deny", "Principal": "*", **invoke, "Condition": conditions}],
    }


def to_json(document: dict[str, Any]) -> str:
    """Canonical JSON: the same document always gives the same text, hence the same deployment."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def digest(document_json: str) -> str:
    return hashlib.sha256(document_json.encode()).hexdigest()
