"""Production stage features: each input's effect on the document and on the resources, under mocks."""

import json
import re

import pytest
from conftest import build

from components import S3ProxyConfigError
from components.config import validate_args
from components.openapi import render_openapi

ALL = {"allowed_actions": ["s3:*"]}
ROLE = "arn:aws:iam::123456789012:role/r"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/files/0a1b2c3d-0000-1111-2222-333344445555"


def document(**args):
    return render_openapi(validate_args(ALL | args), title="t", region="us-east-1", role_arn=ROLE)


def methods(doc):
    return [(path, verb, op) for path, verbs in doc["paths"].items() for verb, op in verbs.items()]


def test_features_are_off_by_default():
    built = build(ALL)
    assert set(built.types.values()) == {
        "s3proxy:index:S3ProxyApi",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:apigateway/restApi:RestApi",
        "aws:apigateway/deployment:Deployment",
        "aws:apigateway/stage:Stage",
    }
    stage = built.one("aws:apigateway/stage:Stage")
    assert "accessLogSettings" not in stage and "variables" not in stage
    assert built.outputs["api_keys"] == {} and built.outputs["domain_target"] is None
    doc = json.loads(built.outputs["openapi"])
    assert not any(verb == "options" for _, verb, _ in methods(doc))
    assert "api_key" not in doc["securityDefinitions"]


def test_api_keys_require_a_key_on_every_method_and_make_a_usage_plan():
    doc = document(api_keys={"names": ["web"]})
    assert doc["x-amazon-apigateway-api-key-source"] == "HEADER"
    assert doc["securityDefinitions"]["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert all(op["security"] == [{"sigv4": [], "api_key": []}] for _, _, op in methods(doc))
    keys_only = document(authorization="NONE", api_keys={"names": ["web"]})
    assert all(op["security"] == [{"api_key": []}] for _, _, op in methods(keys_only))

    built = build(
        ALL
        | {
            "api_keys": {
                "names": ["web", "batch"],
                "quota_limit": 10000,
                "quota_period": "day",
                "rate_limit": 20,
                "burst_limit": 40,
            }
        }
    )
    plan = built.one("aws:apigateway/usagePlan:UsagePlan")
    assert plan["apiStages"] == [{"apiId": built.outputs["rest_api_id"], "stage": "dev"}]
    assert plan["quotaSettings"] == {"limit": 10000, "period": "DAY"}
    assert plan["throttleSettings"] == {"rateLimit": 20.0, "burstLimit": 40}
    keys = built.of_type("aws:apigateway/apiKey:ApiKey")
    assert sorted(k["name"] for k in keys) == ["api-batch", "api-web"]
    bindings = built.of_type("aws:apigateway/usagePlanKey:UsagePlanKey")
    assert {b["keyId"] for b in bindings} == {built.ids["api-key-web"], built.ids["api-key-batch"]}
    assert all(b["keyType"] == "API_KEY" and b["usagePlanId"] == built.ids["api-usage-plan"] for b in bindings)
    assert set(built.outputs["api_keys"]) == {"web", "batch"}


def test_cors_adds_preflight_and_origin_headers():
    doc = document(cors={"allow_origin": "https://app.example.com", "max_age": 300})
    for operations in doc["paths"].values():
        preflight = operations["options"]
        assert "security" not in preflight  # browsers send preflights without credentials
        integration = preflight["x-amazon-apigateway-integration"]
        assert integration["type"] == "mock" and integration["contentHandling"] == "CONVERT_TO_TEXT"
        headers = integration["responses"]["default"]["responseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == "'https://app.example.com'"
        allowed = headers["method.response.header.Access-Control-Allow-Methods"].strip("'").split(",")
        assert set(allowed) == {v.upper() for v in operations if v != "options"} | {"OPTIONS"}
        assert "X-Api-Key" in headers["method.response.header.Access-Control-Allow-Headers"]
        assert headers["method.response.header.Access-Control-Max-Age"] == "'300'"
    get = doc["paths"]["/{folder}/{item+}"]["get"]
    for response in get["x-amazon-apigateway-integration"]["responses"].values():
        assert response["responseParameters"]["method.response.header.Access-Control-Allow-Origin"] == (
            "'https://app.example.com'"
        )
    assert "Access-Control-Expose-Headers" in get["responses"]["404"]["headers"]
    # What a browser script may read of an answer: every header the answer passes back from S3 but those any
    # script reads unexposed (Fetch standard, "CORS-safelisted response-header name": Content-Type,
    # Content-Length, Last-Modified, Cache-Control...).
    exposed = get["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
    assert exposed["method.response.header.Access-Control-Expose-Headers"].strip("'").split(",") == [
        "Timestamp",
        "Date",
        "ETag",
        "Accept-Ranges",
        "Content-Range",
        "Content-Disposition",
        "Content-Encoding",
        "x-amz-version-id",
        "x-amz-checksum-crc32",
        "x-amz-checksum-crc32c",
        "x-amz-checksum-crc64nvme",
        "x-amz-checksum-sha1",
        "x-amz-checksum-sha256",
        "x-amz-checksum-type",
    ]


# Prod's PUT accepts x-amz-meta-uploaded-by and the checksums, and its reads return them: a browser sends a
# header only when the preflight's Access-Control-Allow-Headers names it, and a script reads a response header
# only when Access-Control-Expose-Headers names it (Fetch standard, "CORS protocol": "CORS-preflight fetch",
# "Access-Control-Expose-Headers"; API Gateway Developer Guide, "Enabling CORS for a REST API resource").
PROD_LIKE = {
    "allowed_actions": ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket"],
    "metadata_headers": ["x-amz-meta-uploaded-by"],
    "cors": {"allow_origin": "https://app.acme.example"},
    "api_keys": {"names": ["web-app"]},
}


def test_the_cors_lists_follow_what_the_routes_map():
    doc = render_openapi(validate_args(PROD_LIKE), title="t", region="eu-west-1", role_arn=ROLE)
    item = doc["paths"]["/{folder}/{item+}"]
    for path in doc["paths"].values():  # one list for the whole API: a browser's request goes to any path
        allowed = path["options"]["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
        assert allowed["method.response.header.Access-Control-Allow-Headers"].strip("'").split(",") == [
            *("Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"),
            *("X-Api-Key", "Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"),
            *("x-amz-checksum-mode", "Content-Disposition", "Cache-Control", "Content-Encoding"),
            *("x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme", "x-amz-checksum-sha1"),
            *("x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm"),
            # CopyObject's (GetObject and PutObject allowed): its source, source conditions and metadata directive
            *("x-amz-copy-source", "x-amz-copy-source-if-match", "x-amz-copy-source-if-none-match"),
            *("x-amz-copy-source-if-modified-since", "x-amz-copy-source-if-unmodified-since"),
            *("x-amz-metadata-directive", "x-amz-meta-uploaded-by"),
            *("x-amz-checksum-algorithm", "x-amz-checksum-type"),
        ]
    read = item["get"]["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
    exposed = read["method.response.header.Access-Control-Expose-Headers"].strip("'").split(",")
    assert {"ETag", "x-amz-version-id", "x-amz-checksum-crc64nvme", "x-amz-checksum-type"} <= set(exposed)
    assert "x-amz-meta-uploaded-by" in exposed
    written = item["put"]["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
    exposed = written["method.response.header.Access-Control-Expose-Headers"].strip("'").split(",")
    assert {"ETag", "x-amz-version-id", "x-amz-checksum-sha256", "x-amz-checksum-crc64nvme"} <= set(exposed)


def test_cors_inputs_add_headers_to_the_derived_lists():
    extra = PROD_LIKE | {"cors": {"allow_origin": "*", "allow_headers": ["X-Trace"], "expose_headers": ["X-Trace"]}}
    doc = render_openapi(validate_args(extra), title="t", region="eu-west-1", role_arn=ROLE)
    item = doc["paths"]["/{folder}/{item+}"]
    preflight = item["options"]["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
    allowed = preflight["method.response.header.Access-Control-Allow-Headers"].strip("'").split(",")
    assert allowed[-1] == "X-Trace" and "x-amz-meta-uploaded-by" in allowed
    read = item["get"]["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
    exposed = read["method.response.header.Access-Control-Expose-Headers"].strip("'").split(",")
    assert exposed[-1] == "X-Trace" and "ETag" in exposed


def test_access_logs_go_to_a_log_group_as_json():
    built = build(ALL | {"access_logs": {"retention_days": 90}})
    group = built.one("aws:cloudwatch/logGroup:LogGroup")
    assert group["retentionInDays"] == 90
    settings = built.one("aws:apigateway/stage:Stage")["accessLogSettings"]
    assert settings["destinationArn"] == group["arn"]
    assert json.loads(settings["format"])["requestId"] == "$context.requestId"


def test_per_method_throttling():
    built = build(
        ALL
        | {
            "method_throttling": {
                "PUT /{folder}/{item+}": {"rate_limit": 5, "burst_limit": 10},
                "GET /": {"rate_limit": 1},
            }
        }
    )
    settings = {s["methodPath"]: s["settings"] for s in built.of_type("aws:apigateway/methodSettings:MethodSettings")}
    assert settings == {
        # `/` escaped as `~1`: how GetStage reports it and UpdateStage's patch paths need it
        # (hashicorp/terraform-provider-aws#9738; unescaped, AWS answers "Invalid method setting path").
        "~1{folder}~1{item+}/PUT": {"throttlingRateLimit": 5.0, "throttlingBurstLimit": 10},
        "~1/GET": {"throttlingRateLimit": 1.0},
    }


def test_custom_domain_maps_the_stage():
    built = build(
        ALL | {"custom_domain": {"domain_name": "files.example.com", "certificate_arn": CERT, "base_path": "v1"}}
    )
    domain = built.one("aws:apigateway/domainName:DomainName")
    assert domain["domainName"] == "files.example.com"
    assert domain["regionalCertificateArn"] == CERT and "certificateArn" not in domain
    assert domain["securityPolicy"] == "TLS_1_2"
    mapping = built.one("aws:apigateway/basePathMapping:BasePathMapping")
    assert mapping == mapping | {
        "restApi": built.outputs["rest_api_id"],
        "stageName": "dev",
        "domainName": "files.example.com",
        "basePath": "v1",
    }
    assert built.outputs["domain_target"] == domain["regionalDomainName"]
    edge = build(
        ALL | {"endpoint_type": "EDGE", "custom_domain": {"domain_name": "files.example.com", "certificate_arn": CERT}}
    )
    assert edge.one("aws:apigateway/domainName:DomainName")["certificateArn"] == CERT


def test_waf_stage_variables_and_endpoint_types():
    built = build(ALL | {"web_acl_arn": ACL, "stage_variables": {"env": "prod"}})
    association = built.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    assert association["webAclArn"] == ACL
    assert association["resourceArn"] == built.one("aws:apigateway/stage:Stage")["arn"]
    assert built.one("aws:apigateway/stage:Stage")["variables"] == {"env": "prod"}
    private = build(ALL | {"endpoint_type": "PRIVATE", "vpc_endpoint_ids": ["vpce-0a1b2c3d4"]})
    private_api = private.one("aws:apigateway/restApi:RestApi")
    assert private_api["endpointConfiguration"] == {"types": "PRIVATE", "vpcEndpointIds": ["vpce-0a1b2c3d4"]}
    assert json.loads(private_api["body"])["x-amazon-apigateway-endpoint-configuration"] == {
        "vpcEndpointIds": ["vpce-0a1b2c3d4"]
    }
    assert "x-amazon-apigateway-policy" in private.outputs["openapi"]


@pytest.mark.parametrize(
    "args, field",
    [
        ({"endpoint_type": "PRIVATE"}, "endpoint_type"),
        ({"endpoint_type": "INTERNAL"}, "endpoint_type"),
        ({"api_keys": {"names": []}}, "api_keys.names"),
        ({"api_keys": {"names": ["has space"]}}, "api_keys.names"),
        ({"api_keys": {"names": ["a"], "quota_period": "YEAR"}}, "api_keys.quota_period"),
        ({"api_keys": {"quota_limit": 5}}, "api_keys.names"),
        ({"api_keys": {"names": ["a"], "rate": 5}}, "api_keys.rate"),
        ({"cors": {"allow_origin": "https://a.example.com,https://b.example.com"}}, "cors.allow_origin"),
        ({"cors": {"allow_origin": "*", "allow_headers": ["X Bad"]}}, "cors.allow_headers"),
        ({"cors": {}}, "cors.allow_origin"),
        ({"access_logs": {"retention_days": 10}}, "access_logs.retention_days"),
        ({"method_throttling": {"FETCH /": {"rate_limit": 1}}}, "method_throttling"),
        ({"method_throttling": {"GET /nope": {"rate_limit": 1}}}, "method_throttling"),
        ({"method_throttling": {"GET /": {"rate_limit": -1}}}, "method_throttling.GET /.rate_limit"),
        ({"custom_domain": {"domain_name": "Files.Example.com", "certificate_arn": CERT}}, "custom_domain.domain_name"),
        (
            {"custom_domain": {"domain_name": "files.example.com", "certificate_arn": "arn:aws:iam::1:x"}},
            "custom_domain.certificate_arn",
        ),
        (
            {"custom_domain": {"domain_name": "files.example.com", "certificate_arn": CERT, "base_path": "a/b"}},
            "custom_domain.base_path",
        ),
        (
            {
                "endpoint_type": "PRIVATE",
                "vpc_endpoint_ids": ["vpce-0a1b2c3d4"],
                "custom_domain": {"domain_name": "files.example.com", "certificate_arn": CERT},
            },
            "custom_domain",
        ),
        ({"web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/y"}, "web_acl_arn"),
        ({"stage_variables": {"bad-name": "x"}}, "stage_variables"),
    ],
)
def test_bad_feature_inputs_name_the_field(args, field):
    with pytest.raises(S3ProxyConfigError) as error:
        validate_args(ALL | args)
    assert error.value.field == field
    assert f"invalid `{field}`: " in str(error.value)
    assert ALLOWED[field] in str(error.value)  # and what would be accepted


# What each feature's error says is allowed (one fragment per field of the cases above).
ALLOWED = {
    "endpoint_type": "PRIVATE",
    "api_keys.names": "",
    "api_keys.quota_period": "is not one of DAY, WEEK, MONTH",
    "api_keys.rate": "unknown input; allowed: names, quota_limit, quota_period, rate_limit, burst_limit",
    "cors.allow_origin": "",
    "cors.allow_headers": "is not an HTTP header name",
    "access_logs.retention_days": "is not a CloudWatch Logs retention; one of (1, 3, 5, 7, 14, 30,",
    "method_throttling": "GET /",
    "method_throttling.GET /.rate_limit": "-1 must be a non-negative float",
    "custom_domain.domain_name": "is not a lowercase DNS name such as 'files.example.com'",
    "custom_domain.certificate_arn": "is not an ACM certificate ARN",
    "custom_domain.base_path": "must be 1-128 letters, digits, '.', '_' or '-' (no '/')",
    "custom_domain": "is supported for REGIONAL and EDGE endpoints, not PRIVATE",
    "web_acl_arn": "is not a regional WAFv2 web ACL ARN",
    "stage_variables": "must be 1-64 letters, digits or '_'",
}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"endpoint_type": "PRIVATE"}, "PRIVATE needs `vpc_endpoint_ids`"),
        ({"api_keys": {"names": []}}, "must not be empty"),
        ({"api_keys": {"names": ["has space"]}}, "'has space' must be 1-64 letters, digits, '.', '_' or '-'"),
        ({"api_keys": {"quota_limit": 5}}, "`api_keys.names`: is required"),
        ({"cors": {}}, "`cors.allow_origin`: is required"),
        ({"cors": {"allow_origin": "a,b"}}, "must be '*' or one origin such as 'https://app.example.com'"),
        ({"method_throttling": {"FETCH /": {"rate_limit": 1}}}, "must be 'VERB /path', e.g. 'GET /{folder}/{item+}'"),
        ({"method_throttling": {"GET /nope": {"rate_limit": 1}}}, "'GET /nope' is not a method of this API: DELETE"),
        ({"method_throttling": {}}, "expected a non-empty mapping of 'VERB /path' to limits"),
        ({"method_throttling": {"GET /": {"burst_limit": -1}}}, "`method_throttling.GET /.burst_limit`"),
        ({"api_keys": {"names": ["a"], "quota_limit": -1}}, "`api_keys.quota_limit`: -1 must be a non-negative int"),
        ({"api_keys": {"names": ["a"], "rate_limit": -1}}, "`api_keys.rate_limit`: -1 must be a non-negative float"),
        ({"api_keys": {"names": ["a"], "burst_limit": 1.5}}, "`api_keys.burst_limit`: 1.5 must be a non-negative int"),
        ({"api_keys": ["a"]}, "`api_keys`: expected a mapping with names, quota_limit, quota_period"),
    ],
)
def test_feature_errors_say_what_is_wrong(args, message):
    with pytest.raises(S3ProxyConfigError, match=re.escape(message)):
        validate_args(ALL | args)


def test_whole_number_floats_are_ints_and_zero_is_a_limit():
    """The engine hands numbers over as floats (9.0); a whole one is the int it stands for."""
    config = validate_args(ALL | {"throttling_burst_limit": 9.0, "throttling_rate_limit": 0})
    assert config.throttling_burst_limit == 9 and type(config.throttling_burst_limit) is int
    assert config.throttling_rate_limit == 0.0 and type(config.throttling_rate_limit) is float
    with pytest.raises(S3ProxyConfigError, match="must be a non-negative int"):
        validate_args(ALL | {"throttling_burst_limit": True})
    keys = validate_args(ALL | {"api_keys": {"names": ["a"], "quota_limit": 0, "burst_limit": 0}}).api_keys
    assert keys is not None and (keys.quota_limit, keys.burst_limit) == (0, 0)


def test_tag_keys_and_values_at_their_limits():
    assert validate_args(ALL | {"tags": {"k" * 128: "v" * 256}}).tags == (("k" * 128, "v" * 256),)
    for tags in ({"k" * 129: "v"}, {"k": "v" * 257}, {"": "v"}):
        with pytest.raises(S3ProxyConfigError):
            validate_args(ALL | {"tags": tags})


def test_the_preflight_of_the_object_path_is_exactly_a_mock_answering_the_cors_headers():
    doc = document(
        cors={"allow_origin": "*", "allow_headers": ["Authorization", "X-Custom", "X-Custom"], "max_age": 60},
        allowed_actions=["s3:GetObject", "s3:PutObject"],
    )
    headers = {
        "Access-Control-Allow-Origin": "'*'",
        "Access-Control-Allow-Methods": "'GET,HEAD,PUT,POST,OPTIONS'",  # GetObject, HeadObject, PutObject and multipart
        # the headers browsers authenticate with, those the methods pass to S3, then the ones given, each once
        "Access-Control-Allow-Headers": "'"
        + ",".join(
            [
                *("Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"),
                *("X-Api-Key", "Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"),
                *("x-amz-checksum-mode", "Content-Disposition", "Cache-Control", "Content-Encoding"),
                *("x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme"),
                *("x-amz-checksum-sha1", "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm"),
                *("x-amz-copy-source", "x-amz-copy-source-if-match", "x-amz-copy-source-if-none-match"),
                *("x-amz-copy-source-if-modified-since", "x-amz-copy-source-if-unmodified-since"),
                *("x-amz-metadata-directive", "x-amz-checksum-algorithm", "x-amz-checksum-type", "X-Custom"),
            ]
        )
        + "'",
        "Access-Control-Max-Age": "'60'",
    }
    assert doc["paths"]["/{folder}/{item+}"]["options"] == {
        "operationId": "PreflightFolderItem",
        "parameters": [
            {"name": "folder", "in": "path", "required": True, "type": "string"},
            {"name": "item", "in": "path", "required": True, "type": "string"},
        ],
        "responses": {"200": {"description": "CORS preflight", "headers": {h: {"type": "string"} for h in headers}}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
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
    root = document(cors={"allow_origin": "*"}, allowed_actions=["s3:ListAllMyBuckets"])["paths"]["/"]["options"]
    assert (root["operationId"], root["parameters"]) == ("PreflightRoot", [])


def test_cors_header_names_are_kept_once_in_order_and_checked():
    config = validate_args(ALL | {"cors": {"allow_origin": "*", "allow_headers": ["A-b", "X-1", "A-b"]}})
    assert config.cors is not None and config.cors.allow_headers == ("A-b", "X-1")
    assert validate_args(ALL | {"cors": {"allow_origin": "*", "expose_headers": ["ETag"]}}).cors.expose_headers == (
        "ETag",
    )
    for bad, message in (
        (["X Bad"], "'X Bad' is not an HTTP header name"),
        (["x" * 65], "is not an HTTP header name"),
        ("ETag", "list of strings"),
    ):
        with pytest.raises(S3ProxyConfigError, match=message) as error:
            validate_args(ALL | {"cors": {"allow_origin": "*", "allow_headers": bad}})
        assert error.value.field == "cors.allow_headers"


def test_cors_origins_and_max_age():
    for origin in ("*", "https://App.Example.com", "http://localhost:8080"):
        assert validate_args(ALL | {"cors": {"allow_origin": origin}}).cors.allow_origin == origin
    with pytest.raises(S3ProxyConfigError) as error:
        validate_args(ALL | {"cors": {"allow_origin": "app.example.com"}})
    assert error.value.field == "cors.allow_origin"
    assert "'app.example.com' must be '*' or one origin such as 'https://app.example.com'" in str(error.value)
    with pytest.raises(S3ProxyConfigError) as error:
        validate_args(ALL | {"cors": {"allow_origin": "*", "max_age": -1}})
    assert error.value.field == "cors.max_age"
