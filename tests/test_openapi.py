import json
import re

import pytest
from openapi_spec_validator import validate

from components.catalogue import ROUTES
from components.config import validate_args
from components.openapi import digest, render_openapi, status_selection, to_json

ROLE = "arn:aws:iam::123456789012:role/s3proxy-role"


def document(region="us-west-2", role_arn=ROLE, **args):
    config = validate_args({"allowed_actions": ["s3:*"]} | args)
    return render_openapi(config, title="MyS3", region=region, role_arn=role_arn)


def operations(doc):
    for path, verbs in doc["paths"].items():
        for verb, operation in verbs.items():
            yield path, verb.upper(), operation


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"authorization": "NONE"},
        {"status_mapping": "tutorial"},
        {"allowed_actions": ["s3:GetObject"], "binary_media_types": ["image/png", "application/*"]},
    ],
)
def test_document_is_valid_openapi_2(args):
    # `{item+}` is API Gateway's greedy path syntax, the one thing plain OpenAPI does not know:
    # validate with it read as the ordinary parameter `{item}` it declares.
    validate(json.loads(to_json(document(**args)).replace("{item+}", "{item}")))


@pytest.mark.parametrize(
    "allowed",
    [["s3:ListAllMyBuckets"], ["s3:GetObject", "s3:PutObject"], ["s3:ListBucket", "s3:DeleteBucket"], ["s3:*"]],
)
def test_only_routes_of_allowed_actions_exist(allowed):
    doc = document(allowed_actions=allowed)
    present = {(verb, path) for path, verb, _ in operations(doc)}
    expected = {
        (r.verb, r.path) for r in ROUTES if r.action in validate_args({"allowed_actions": allowed}).allowed_actions
    }
    assert present == expected


def test_integrations_follow_the_tutorial():
    doc = document(region="us-west-2")
    for path, verb, operation in operations(doc):
        integration = operation["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws"
        assert integration["httpMethod"] == verb
        assert integration["credentials"] == ROLE
        assert integration["passthroughBehavior"] == "when_no_match"
        assert (
            integration["uri"]
            == {
                "/": "arn:aws:apigateway:us-west-2:s3:path//",
                "/{folder}": "arn:aws:apigateway:us-west-2:s3:path/{bucket}",
                "/{folder}/{item+}": "arn:aws:apigateway:us-west-2:s3:path/{bucket}/{object}",
            }[path]
        )


def test_path_parameters_map_folder_to_bucket_and_item_to_object():
    doc = document()
    item = doc["paths"]["/{folder}/{item+}"]["get"]["x-amazon-apigateway-integration"]["requestParameters"]
    assert item["integration.request.path.bucket"] == "method.request.path.folder"
    assert item["integration.request.path.object"] == "method.request.path.item"
    folder = doc["paths"]["/{folder}"]["put"]["x-amazon-apigateway-integration"]["requestParameters"]
    assert folder == {
        "integration.request.path.bucket": "method.request.path.folder",
        "integration.request.header.Content-Type": "method.request.header.Content-Type",
    }


def test_headers_and_query_strings_passed_through():
    doc = document()
    get_object = doc["paths"]["/{folder}/{item+}"]["get"]["x-amazon-apigateway-integration"]["requestParameters"]
    for header in ("Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"):
        assert get_object[f"integration.request.header.{header}"] == f"method.request.header.{header}"
    put_object = doc["paths"]["/{folder}/{item+}"]["put"]["x-amazon-apigateway-integration"]["requestParameters"]
    for header in (
        "Content-Type",
        "Content-Disposition",
        "Cache-Control",
        "Content-Encoding",
        "x-amz-checksum-sha256",
        "If-None-Match",
    ):
        assert put_object[f"integration.request.header.{header}"] == f"method.request.header.{header}"
    listing = doc["paths"]["/{folder}"]["get"]["x-amazon-apigateway-integration"]["requestParameters"]
    for query in ("prefix", "delimiter", "max-keys", "marker", "continuation-token", "start-after", "list-type"):
        assert listing[f"integration.request.querystring.{query}"] == f"method.request.querystring.{query}"


@pytest.mark.parametrize("mapping", ["faithful", "tutorial"])
def test_every_mapping_source_and_target_is_declared(mapping):
    """API Gateway rejects an import whose mappings use undeclared method parameters or headers."""
    doc = document(status_mapping=mapping)
    for _, _, operation in operations(doc):
        declared = {
            f"method.request.{p['in'].replace('query', 'querystring')}.{p['name']}" for p in operation["parameters"]
        }
        integration = operation["x-amazon-apigateway-integration"]
        sources = {value for value in integration["requestParameters"].values() if not value.startswith("'")}
        assert sources <= declared  # a quoted source is a static value, which needs no declaration
        for response in integration["responses"].values():
            method_headers = operation["responses"][response["statusCode"]]["headers"]
            targets = {
                target.removeprefix("method.response.header.") for target in response.get("responseParameters", {})
            }
            assert targets <= set(method_headers)


def test_response_headers_of_object_routes():
    doc = document()
    default = doc["paths"]["/{folder}/{item+}"]["get"]["x-amazon-apigateway-integration"]["responses"]["default"]
    assert default["responseParameters"] == {
        f"method.response.header.{h}": f"integration.response.header.{s}"
        for h, s in [
            ("Content-Type", "Content-Type"),
            ("Content-Length", "Content-Length"),
            ("Timestamp", "Date"),
            ("Date", "Date"),
            ("ETag", "ETag"),
            ("Last-Modified", "Last-Modified"),
            ("Accept-Ranges", "Accept-Ranges"),
            ("Content-Range", "Content-Range"),
            ("Cache-Control", "Cache-Control"),
            ("Content-Disposition", "Content-Disposition"),
            ("Content-Encoding", "Content-Encoding"),
            ("x-amz-version-id", "x-amz-version-id"),
            ("x-amz-checksum-crc32", "x-amz-checksum-crc32"),
            ("x-amz-checksum-crc32c", "x-amz-checksum-crc32c"),
            ("x-amz-checksum-crc64nvme", "x-amz-checksum-crc64nvme"),
            ("x-amz-checksum-sha1", "x-amz-checksum-sha1"),
            ("x-amz-checksum-sha256", "x-amz-checksum-sha256"),
            ("x-amz-checksum-type", "x-amz-checksum-type"),
            ("Expires", "Expires"),  # S3's `response-expires` override (GetObject API reference)
        ]
    }


def selected_status(selection, code):
    """The method status API Gateway picks for S3's `code`: a pattern matching the whole code, else default."""
    matches = [
        status for pattern, status in selection.items() if pattern != "default" and re.fullmatch(pattern, str(code))
    ]
    assert len(matches) <= 1, f"{code} matches several patterns"
    return matches[0] if matches else selection["default"]


FAITHFUL = {200, 204, 206, 304, 400, 403, 404, 409, 412, 416, 500, 501, 503}


@pytest.mark.parametrize("code", range(100, 600))
def test_faithful_mapping_passes_s3_status_through(code):
    expected = code if code in FAITHFUL else {1: 200, 2: 200, 3: 500, 4: 400, 5: 500}[code // 100]
    assert selected_status(status_selection("faithful"), code) == expected


@pytest.mark.parametrize("code", range(100, 600))
def test_a_method_that_reads_no_object_has_no_partial_not_modified_or_range_status(code):
    # S3 answers 206, 304 and 416 to GetObject and HeadObject alone (Range and the read conditions): elsewhere they
    # fall where any other 2xx, 3xx and 4xx does.
    fallback = {1: 200, 2: 200, 3: 500, 4: 400, 5: 500}[code // 100]
    expected = code if code in FAITHFUL - {206, 304, 416} else fallback
    assert selected_status(status_selection("faithful", reads=False), code) == expected


@pytest.mark.parametrize("code", range(100, 600))
def test_tutorial_mapping_is_the_seeds(code):
    assert selected_status(status_selection("tutorial"), code) == {4: 400, 5: 500}.get(code // 100, 200)


def test_tutorial_document_matches_the_seed_swagger_for_get_root():
    """Values from the seed walkthrough's swagger excerpt for `GET /` (its `4d{2}` lost a backslash)."""
    seed_default_headers = {
        "method.response.header.Content-Type": "integration.response.header.Content-Type",
        "method.response.header.Content-Length": "integration.response.header.Content-Length",
        "method.response.header.Timestamp": "integration.response.header.Date",
    }
    operation = document(status_mapping="tutorial", allowed_actions=["s3:ListAllMyBuckets"])["paths"]["/"]["get"]
    integration = operation["x-amazon-apigateway-integration"]
    assert integration["uri"] == "arn:aws:apigateway:us-west-2:s3:path//"
    assert {k: v["statusCode"] for k, v in integration["responses"].items()} == {
        "default": "200",
        r"4\d{2}": "400",
        r"5\d{2}": "500",
    }
    assert seed_default_headers.items() <= integration["responses"]["default"]["responseParameters"].items()
    assert "responseParameters" not in integration["responses"][r"4\d{2}"]
    assert operation["security"] == [{"sigv4": []}]
    assert set(operation["responses"]) == {"200", "400", "500"}


def test_faithful_errors_keep_s3_headers_and_body_type():
    responses = document()["paths"]["/{folder}/{item+}"]["get"]["x-amazon-apigateway-integration"]["responses"]
    assert responses["404"]["responseParameters"]["method.response.header.Content-Type"] == (
        "integration.response.header.Content-Type"
    )


def test_binary_media_types_and_content_handling():
    everything = document()
    assert everything["x-amazon-apigateway-binary-media-types"] == ["*/*"]
    handling = {
        r.get("contentHandling")
        for _, _, op in operations(everything)
        for r in op["x-amazon-apigateway-integration"]["responses"].values()
    }
    assert handling == {"CONVERT_TO_BINARY"}
    narrow = document(binary_media_types=["image/png"])
    assert narrow["x-amazon-apigateway-binary-media-types"] == ["image/png"]
    assert not any(
        "contentHandling" in r
        for _, _, op in operations(narrow)
        for r in op["x-amazon-apigateway-integration"]["responses"].values()
    )


def test_aws_iam_authorization_on_every_method_and_none_when_asked():
    signed = document()
    assert signed["securityDefinitions"]["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert all(op["security"] == [{"sigv4": []}] for _, _, op in operations(signed))
    public = document(authorization="NONE")
    assert "securityDefinitions" not in public
    assert not any("security" in op for _, _, op in operations(public))


def test_canonical_json_is_deterministic_and_digest_tracks_every_change():
    base = to_json(document())
    assert base == to_json(document()) and json.loads(base) == document()
    variants = [
        document(region="eu-west-1"),
        document(role_arn=ROLE + "2"),
        document(allowed_actions=["s3:GetObject"]),
        document(status_mapping="tutorial"),
        document(binary_media_types=["image/png"]),
        document(authorization="NONE"),
    ]
    digests = {digest(base)} | {digest(to_json(v)) for v in variants}
    assert len(digests) == 1 + len(variants)


def test_operation_ids_are_unique_s3_operation_names():
    ids = [op["operationId"] for _, _, op in operations(document())]
    assert len(ids) == len(set(ids))
    assert sorted(name for i in ids for name in i.split("Or")) == sorted(r.operation for r in ROUTES)
    assert "GetObjectOrGetObjectVersionOrListParts" in ids
    assert "CreateMultipartUploadOrCompleteMultipartUpload" in ids


def test_key_prefix_maps_every_key_under_it_and_pins_listing():
    doc = document(key_prefix="uploads/")
    item_uris = {op["x-amazon-apigateway-integration"]["uri"] for op in doc["paths"]["/{folder}/{item+}"].values()}
    assert item_uris == {"arn:aws:apigateway:us-west-2:s3:path/{bucket}/uploads/{object}"}
    listing = doc["paths"]["/{folder}"]["get"]
    mapping = listing["x-amazon-apigateway-integration"]["requestParameters"]
    assert mapping["integration.request.querystring.prefix"] == "'uploads/'"
    assert "prefix" not in {p["name"] for p in listing["parameters"]}  # the client cannot choose another
    assert "head" not in doc["paths"]["/{folder}"]  # HeadBucket needs the whole bucket
    validate(json.loads(to_json(doc).replace("{item+}", "{item}")))


def test_resource_policy_only_when_networks_are_restricted():
    assert "x-amazon-apigateway-policy" not in document()
    signed = document(allowed_source_cidrs=["203.0.113.0/24"])
    allow, deny = signed["x-amazon-apigateway-policy"]["Statement"]
    assert allow == {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*",
    }
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert deny["Condition"] == {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}
    private = document(
        endpoint_type="PRIVATE", allowed_source_cidrs=["10.0.0.0/8"], vpc_endpoint_ids=["vpce-0a1b2c3d4"]
    )
    # Through a VPC endpoint the caller's address is aws:VpcSourceIp; aws:SourceIp is absent (IAM User Guide,
    # AWS global condition context keys), so aws:SourceIp would deny every request from an allowed block.
    assert private["x-amazon-apigateway-policy"]["Statement"][1]["Condition"] == {
        "NotIpAddress": {"aws:VpcSourceIp": ["10.0.0.0/8"]},
        "StringNotEquals": {"aws:SourceVpce": ["vpce-0a1b2c3d4"]},
    }
    public = document(authorization="NONE", allowed_source_cidrs=["203.0.113.0/24"])
    assert public["x-amazon-apigateway-policy"]["Statement"][0]["Principal"] == "*"
    china = document(
        region="cn-north-1", role_arn="arn:aws-cn:iam::111122223333:role/r", allowed_source_cidrs=["10.0.0.0/8"]
    )
    assert china["x-amazon-apigateway-policy"]["Statement"][0]["Principal"] == {
        "AWS": "arn:aws-cn:iam::111122223333:root"
    }


def test_the_resource_policy_with_cors_lets_the_anonymous_preflight_in_from_the_allowed_networks_only():
    # API Gateway's flow for a resource policy alone: an unauthenticated method needs an explicit Allow, so the
    # preflight (OPTIONS, never signed) gets one of its own; the Deny still refuses it from other networks.
    cors = {"allow_origin": "https://app.example.com"}
    signed = document(cors=cors, allowed_source_cidrs=["203.0.113.0/24"])
    assert signed["x-amazon-apigateway-policy"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
            },
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*/OPTIONS/*",
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
            },
        ],
    }
    # Anonymous callers are already allowed everything the Deny leaves: no second Allow.
    public = document(authorization="NONE", cors=cors, allowed_source_cidrs=["203.0.113.0/24"])
    assert [s["Resource"] for s in public["x-amazon-apigateway-policy"]["Statement"]] == [
        "execute-api:/*",
        "execute-api:/*",
    ]


def test_sigv4_is_the_scheme_of_the_authorization_header():
    assert document()["securityDefinitions"] == {
        "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}
    }


def test_the_documents_json_is_canonical_whatever_order_it_was_built_in():
    # The same document must always give the same text: the deployment's trigger is its digest.
    from components.openapi import to_json

    assert to_json({"paths": {"/b": 1, "/a": [1, {"y": 2, "x": 3}]}, "info": "i"}) == (
        '{"info":"i","paths":{"/a":[1,{"x":3,"y":2}],"/b":1}}'
    )


def test_the_tutorial_mapping_declares_and_maps_headers_on_its_200_only():
    operation = document(status_mapping="tutorial")["paths"]["/{folder}/{item+}"]["get"]
    integration = operation["x-amazon-apigateway-integration"]["responses"]
    assert "ETag" in operation["responses"]["200"]["headers"]
    others = {status: answer for status, answer in operation["responses"].items() if status != "200"}
    assert others and all(answer["headers"] == {} for answer in others.values())
    assert [p for p, answer in integration.items() if "responseParameters" in answer] == ["default"]


def test_the_faithful_mapping_passes_each_status_s3_answers_and_groups_the_rest():
    assert status_selection("faithful") == {
        "default": 200,
        **{str(status): status for status in (204, 206, 304, 403, 404, 409, 412, 416, 501, 503)},
        r"(?!(?:403|404|409|412|416)$)4\d{2}": 400,
        r"(?!(?:304|501|503)$)[35]\d{2}": 500,
    }
    assert document()["info"] == {"title": "MyS3", "version": "1.0"}
