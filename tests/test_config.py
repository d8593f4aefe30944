import pytest

from components.config import DEFAULT_BINARY_MEDIA_TYPES, ProxyConfig, S3ProxyConfigError, validate_args
from components.s3proxy import S3ProxyApiArgs

VALID = {"allowed_actions": ["s3:GetObject"]}

# (args overriding VALID, the field the error must name, a fragment of what it must say is allowed)
BAD_INPUTS = [
    ({"allowed_actions": None}, "allowed_actions", "required"),
    ({"allowed_actions": []}, "allowed_actions", "must not be empty"),
    ({"allowed_actions": "s3:GetObject"}, "allowed_actions", "list of strings"),
    ({"allowed_actions": ["s3:GetObject", 3]}, "allowed_actions", "list of strings"),
    ({"allowed_actions": ["s3:GetObjectAcl"]}, "allowed_actions", "s3:ListAllMyBuckets"),
    ({"allowed_actions": ["iam:*"]}, "allowed_actions", "supported"),
    ({"region": "us-east"}, "region", "us-east-1"),
    ({"region": "US-EAST-1"}, "region", "us-east-1"),
    ({"region": 1}, "region", "region"),
    ({"binary_media_types": []}, "binary_media_types", "must not be empty"),
    ({"binary_media_types": ["image"]}, "binary_media_types", "type/subtype"),
    ({"binary_media_types": ["image/png/x"]}, "binary_media_types", "type/subtype"),
    ({"binary_media_types": ["*/ *"]}, "binary_media_types", "type/subtype"),
    ({"buckets": []}, "buckets", "must not be empty"),
    ({"buckets": ["My_Bucket"]}, "buckets", "lowercase"),
    ({"buckets": ["ab"]}, "buckets", "3-63"),
    ({"buckets": ["a" * 64]}, "buckets", "3-63"),
    ({"buckets": ["-bucket"]}, "buckets", "starting and ending"),
    ({"buckets": ["my..bucket"]}, "buckets", "adjacent periods"),
    ({"buckets": ["192.168.5.4"]}, "buckets", "IP address"),
    ({"buckets": ["xn--bucket"]}, "buckets", "reserved"),
    ({"buckets": ["bucket-s3alias"]}, "buckets", "reserved"),
    ({"stage_name": "my stage"}, "stage_name", "letters, digits"),
    ({"stage_name": ""}, "stage_name", "1-128"),
    ({"stage_name": "x" * 129}, "stage_name", "1-128"),
    ({"authorization": "COGNITO"}, "authorization", "AWS_IAM, NONE, COGNITO_USER_POOLS, CUSTOM"),
    ({"status_mapping": "strict"}, "status_mapping", "faithful, tutorial"),
    ({"throttling_rate_limit": -1}, "throttling_rate_limit", "non-negative"),
    ({"throttling_rate_limit": "100"}, "throttling_rate_limit", "non-negative float"),
    ({"throttling_rate_limit": float("nan")}, "throttling_rate_limit", "non-negative"),
    ({"throttling_burst_limit": 2.5}, "throttling_burst_limit", "non-negative int"),
    ({"throttling_burst_limit": True}, "throttling_burst_limit", "non-negative int"),
    ({"tracing_enabled": "yes"}, "tracing_enabled", "true or false"),
    ({"tags": ["env"]}, "tags", "mapping of strings"),
    ({"tags": {"env": 1}}, "tags", "mapping of strings"),
    ({"tags": {"aws:env": "dev"}}, "tags", "aws:"),
    ({"tags": {"env": "x" * 257}}, "tags", "256"),
    ({"allowed_action": ["s3:GetObject"]}, "allowed_action", "allowed inputs: allowed_actions"),
    ({"key_prefix": "uploads"}, "key_prefix", "ending with '/'"),
    ({"key_prefix": "/uploads/"}, "key_prefix", "non-empty segments"),
    ({"key_prefix": "a//b/"}, "key_prefix", "non-empty segments"),
    ({"key_prefix": "up*/"}, "key_prefix", "'*'"),
    ({"key_prefix": "${aws:username}/"}, "key_prefix", "'$'"),
    ({"key_prefix": "a/../"}, "key_prefix", "'..' segments"),
    ({"key_prefix": "./"}, "key_prefix", "'..' segments"),
    ({"key_prefix": "x" * 512 + "/"}, "key_prefix", "512"),
    ({"key_prefix": 3}, "key_prefix", "e.g. 'uploads/'"),
    ({"allowed_source_cidrs": ["10.0.0.0/33"]}, "allowed_source_cidrs", "not a CIDR block"),
    ({"allowed_source_cidrs": ["10.0.0.1/8"]}, "allowed_source_cidrs", "has host bits set"),
    ({"allowed_source_cidrs": ["office"]}, "allowed_source_cidrs", "not a CIDR block"),
    ({"allowed_source_cidrs": "10.0.0.0/8"}, "allowed_source_cidrs", "list of strings"),
    ({"vpc_endpoint_ids": ["vpc-0a1b2c3d4"]}, "vpc_endpoint_ids", "vpce-"),
    ({"vpc_endpoint_ids": ["vpce-XYZ12345"]}, "vpc_endpoint_ids", "vpce-"),
    ({"vpc_endpoint_ids": []}, "vpc_endpoint_ids", "must not be empty"),
    # Only a PRIVATE API is reached through VPC endpoints; elsewhere aws:SourceVpce is absent and the resource
    # policy's Deny would refuse every request (API Gateway Developer Guide, apigateway-private-apis).
    ({"vpc_endpoint_ids": ["vpce-0a1b2c3d4"]}, "vpc_endpoint_ids", "only for `endpoint_type` PRIVATE, not REGIONAL"),
    (
        {"endpoint_type": "EDGE", "vpc_endpoint_ids": ["vpce-0a1b2c3d4"]},
        "vpc_endpoint_ids",
        "only for `endpoint_type` PRIVATE, not EDGE",
    ),
    ({"bucket_accounts": ["12345678901"]}, "bucket_accounts", "'12345678901' is not an AWS account id of 12 digits"),
    ({"bucket_accounts": ["1234567890123"]}, "bucket_accounts", "12 digits"),
    ({"bucket_accounts": ["12345678901a"]}, "bucket_accounts", "12 digits"),
    ({"bucket_accounts": []}, "bucket_accounts", "must not be empty"),
    ({"description": ""}, "description", "'' must be a non-empty string"),
    (
        {"alarms": {"server_error_rate": 5}},
        "alarms.server_error_rate",
        "5 must be a share of requests above 0, at most 1",
    ),
    ({"alarms": {"client_error_rate": 0}}, "alarms.client_error_rate", "share of requests above 0"),
    ({"alarms": {"client_error_rate": True}}, "alarms.client_error_rate", "True must be a share of requests"),
    ({"alarms": {"client_error_rate": 1.5}}, "alarms.client_error_rate", "1.5 must be a share of requests"),
    ({"alarms": {"latency_p99_ms": 0}}, "alarms.latency_p99_ms", "0 must be a number of milliseconds above 0"),
    ({"alarms": {"integration_latency_p99_ms": "fast"}}, "alarms.integration_latency_p99_ms", "milliseconds"),
    # API Gateway's metrics have 1-minute resolution (CloudWatch API reference, PutMetricAlarm `Period`).
    ({"alarms": {"period_seconds": 90}}, "alarms.period_seconds", "90 must be a multiple of 60 seconds, 60 to 86400"),
    ({"alarms": {"evaluation_periods": 0}}, "alarms.evaluation_periods", "0 must be at least 1 period"),
    ({"alarms": {"period_seconds": 86460}}, "alarms.period_seconds", "86460 must be a multiple of 60 seconds"),
    ({"alarms": {"period_seconds": -60}}, "alarms.period_seconds", "-60 must be a non-negative int"),
    ({"alarms": {"evaluation_periods": -1}}, "alarms.evaluation_periods", "-1 must be a non-negative int"),
    ({"alarms": {"topic_arn": "ops-alerts"}}, "alarms.topic_arn", "'ops-alerts' is not an SNS topic ARN"),
    ({"alarms": {"thresholds": 1}}, "alarms.thresholds", "unknown input; allowed: server_error_rate"),
    ({"alarms": "on"}, "alarms", "expected a mapping with server_error_rate"),
    ({"description": 7}, "description", "must be a non-empty string"),
    # API Gateway's range for minimumCompressionSize (RestApi, API Gateway API reference): 0 to 10,485,760 bytes.
    ({"minimum_compression_size": 10485761}, "minimum_compression_size", "must be 0 to 10,485,760 bytes"),
    ({"minimum_compression_size": -1}, "minimum_compression_size", "must be a non-negative int"),
    ({"minimum_compression_size": 1.5}, "minimum_compression_size", "must be a non-negative int"),
    ({"disable_execute_api_endpoint": "yes"}, "disable_execute_api_endpoint", "must be true or false"),
    # Without its default endpoint, only a custom domain name reaches the API (API Gateway Developer Guide,
    # rest-api-disable-default-endpoint).
    (
        {"disable_execute_api_endpoint": True},
        "disable_execute_api_endpoint",
        "needs `custom_domain`: without either endpoint the API is unreachable",
    ),
    ({"kms_key_arns": ["alias/aws/s3"]}, "kms_key_arns", "KMS key ARN"),
    ({"sse_kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/*"}, "sse_kms_key_arn", "KMS key ARN"),
    ({"metadata_headers": ["x-meta-owner"]}, "metadata_headers", "x-amz-meta-"),
    ({"metadata_headers": "x-amz-meta-owner"}, "metadata_headers", "expected a list of strings"),
    ({"stage_variables": "env=prod"}, "stage_variables", "expected a mapping of strings to strings"),
    ({"stage_variables": {"env-name": "prod"}}, "stage_variables", "name 'env-name' must be 1-64 letters"),
    ({"method_throttling": {}}, "method_throttling", "non-empty mapping of 'VERB /path' to limits"),
    ({"api_keys": {"names": "app"}}, "api_keys.names", "expected a list of strings"),
    ({"api_keys": {"names": ["app/1"]}}, "api_keys.names", "1-64 letters, digits, '.', '_' or '-'"),
    ({"authorization": "CUSTOM"}, "authorizer", "CUSTOM needs `authorizer`"),
    # A TOKEN authorizer's identity source is one header (API Gateway API reference, Authorizer `identitySource`).
    (
        {
            "authorization": "CUSTOM",
            "authorizer": {
                "function_arn": "arn:aws:lambda:us-east-1:123456789012:function:authorize",
                "identity_source": "method.request.header.Authorization, method.request.header.X-Tenant",
            },
        },
        "authorizer",
        "a TOKEN authorizer reads one header, not a list",
    ),
    ({"bucket_patterns": ["*"]}, "bucket_patterns", "bucket_patterns"),
    ({"integration_credentials": "user"}, "integration_credentials", "'user' is not one of role, caller"),
    ({"caller_folders": "email"}, "caller_folders", "'email' is not one of username, userid, cognito_identity"),
]


@pytest.mark.parametrize(
    "override, field, allowed", BAD_INPUTS, ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD_INPUTS)]
)
def test_bad_input_is_rejected_naming_the_field(override, field, allowed):
    with pytest.raises(S3ProxyConfigError) as error:
        validate_args(VALID | override)
    assert error.value.field == field
    assert f"`{field}`" in str(error.value)
    assert allowed in str(error.value)


def test_args_must_be_a_mapping():
    with pytest.raises(S3ProxyConfigError) as error:
        validate_args(["s3:GetObject"])  # type: ignore[arg-type]
    assert error.value.field == "args"


def test_defaults_are_the_safe_ones():
    config = validate_args(VALID)
    assert config == ProxyConfig(allowed_actions=("s3:GetObject",))
    assert config.authorization == "AWS_IAM"
    assert config.status_mapping == "faithful"
    assert config.binary_media_types == DEFAULT_BINARY_MEDIA_TYPES == ("*/*",)
    assert config.buckets is None and config.region is None
    assert config.throttling_rate_limit is None and config.throttling_burst_limit is None


def test_values_are_normalised():
    config = validate_args(
        {
            "allowed_actions": ["S3:GET*", "s3:listbucket"],
            "authorization": "none",
            "status_mapping": "TUTORIAL",
            "buckets": ["b-one", "b-one", "b.two"],
            "binary_media_types": ["image/png", "image/png", "application/*"],
            "throttling_rate_limit": 10,
            "throttling_burst_limit": 20,
            "tags": {"b": "2", "a": "1"},
            "region": "eu-west-1",
            "stage_name": "v1_beta-2",
            "tracing_enabled": True,
        }
    )
    assert config.allowed_actions == ("s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion")
    assert config.authorization == "NONE" and config.status_mapping == "tutorial"
    assert config.buckets == ("b-one", "b.two")
    assert config.binary_media_types == ("image/png", "application/*")
    assert config.throttling_rate_limit == 10.0 and isinstance(config.throttling_rate_limit, float)
    assert config.tags == (("a", "1"), ("b", "2"))


def test_none_means_default():
    assert validate_args(VALID | {"region": None, "stage_name": None}) == validate_args(VALID)


# Inputs whose bad values are tested with the stage features (tests/test_stage_features.py).
STAGE_FEATURE_INPUTS = {
    "endpoint_type",
    "api_keys",
    "cors",
    "access_logs",
    "method_throttling",
    "custom_domain",
    "web_acl_arn",
    "stage_variables",
}


def test_every_input_of_the_args_type_has_a_bad_value_refused():
    tested = {field for _, field, _ in BAD_INPUTS} | STAGE_FEATURE_INPUTS
    assert set(S3ProxyApiArgs.__annotations__) <= tested, set(S3ProxyApiArgs.__annotations__) - tested


@pytest.mark.parametrize("prefix", ["uploads/", "a/b/c/", "team-1/it's(ok)!/", "x.y/"])
def test_valid_key_prefixes(prefix):
    assert validate_args(VALID | {"key_prefix": prefix}).key_prefix == prefix


def test_network_restrictions_are_normalised():
    config = validate_args(
        VALID
        | {
            "allowed_source_cidrs": ["10.0.0.0/8", "2001:db8::/32", "10.0.0.0/8"],
            "endpoint_type": "PRIVATE",
            "vpc_endpoint_ids": ["vpce-0a1b2c3d4e5f60718", "vpce-0a1b2c3d4e5f60718"],
        }
    )
    assert config.allowed_source_cidrs == ("10.0.0.0/8", "2001:db8::/32")
    assert config.vpc_endpoint_ids == ("vpce-0a1b2c3d4e5f60718",)


@pytest.mark.parametrize("name", ["abc", "a" * 63, "my.bucket-1", "1bucket", "amzn-s3-other"])
def test_valid_bucket_names_are_accepted(name):
    assert validate_args(VALID | {"buckets": [name]}).buckets == (name,)


# The validator builders run when `inputs` is imported (they fill its table); calling them here is
# what lets a changed builder fail a test: mutmut switches a mutant on only for calls made while tests run.
def test_one_of_normalises_accepts_only_the_allowed_and_names_the_field():
    from components.validators import one_of

    upper = one_of(("REGIONAL", "EDGE"), str.upper)
    assert upper("endpoint_type", "edge") == "EDGE"
    assert upper("endpoint_type", "REGIONAL") == "REGIONAL"
    assert one_of(("faithful", "tutorial"), str.lower)("status_mapping", "Tutorial") == "tutorial"
    for wrong in ("PRIVATE", "", 1, None):
        with pytest.raises(S3ProxyConfigError) as raised:
            upper("endpoint_type", wrong)
        assert raised.value.field == "endpoint_type"
        assert str(raised.value) == f"S3ProxyApi: invalid `endpoint_type`: {wrong!r} is not one of REGIONAL, EDGE"


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [(int, 0, 0), (int, 7, 7), (int, 200.0, 200), (float, 0, 0.0), (float, 2.5, 2.5), (float, 3, 3.0)],
)
def test_non_negative_accepts_zero_and_up_and_integral_doubles_as_integers(kind, value, expected):
    from components.validators import non_negative

    checked = non_negative(kind)("throttling_burst_limit", value)
    assert checked == expected
    assert type(checked) is kind


@pytest.mark.parametrize(
    ("kind", "value"),
    [(int, -1), (int, 2.5), (int, True), (int, "3"), (int, None), (float, -0.5), (float, float("nan")), (float, False)],
)
def test_non_negative_refuses_negatives_nan_bools_and_non_numbers_naming_the_field(kind, value):
    from components.validators import non_negative

    with pytest.raises(S3ProxyConfigError) as raised:
        non_negative(kind)("throttling_rate_limit", value)
    assert raised.value.field == "throttling_rate_limit"
    assert f"{value!r} must be a non-negative {kind.__name__}" in str(raised.value)


CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"


def test_names_and_paths_may_hold_upper_case():
    checked = validate_args(
        VALID
        | {
            "api_keys": {"names": ["Mobile-App"]},
            "stage_variables": {"Env_Name": "Prod"},
            "custom_domain": {
                "domain_name": "files.example.com",
                "certificate_arn": CERTIFICATE,
                "base_path": "V1",
            },
        }
    )
    assert checked.api_keys is not None and checked.api_keys.names == ("Mobile-App",)
    assert checked.stage_variables == (("Env_Name", "Prod"),)
    assert checked.custom_domain is not None and checked.custom_domain.base_path == "V1"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("ab", "3-63 characters of lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"),
        ("my..bucket", "no adjacent periods, and no period next to a hyphen"),
        ("my.-bucket", "no adjacent periods, and no period next to a hyphen"),
        ("my-.bucket", "no adjacent periods, and no period next to a hyphen"),
        ("192.168.5.4", "must not be formatted as an IP address"),
    ],
)
def test_a_bad_bucket_name_is_refused_saying_the_rule_it_breaks(name, problem):
    with pytest.raises(S3ProxyConfigError) as raised:
        validate_args(VALID | {"buckets": [name]})
    assert raised.value.field == "buckets"
    assert str(raised.value).endswith(f": {problem}")


def test_bad_bucket_patterns_say_what_a_pattern_is():
    for patterns in ("acme-*", ["acme-?"]):
        with pytest.raises(S3ProxyConfigError) as raised:
            validate_args(VALID | {"bucket_patterns": patterns})
        assert raised.value.field == "bucket_patterns"
    assert str(raised.value).endswith(
        "lowercase letters, digits, '.' or '-' (the first a letter or digit), at most 63 characters in all; "
        "'*' is the only wildcard and only at the end"
    )


def test_the_largest_values_api_gateway_takes_are_accepted():
    # An authorizer's cache lasts at most 3600 s (Authorizer `authorizerResultTtlInSeconds`); a REST API compresses
    # from at most 10,485,760 bytes (RestApi `minimumCompressionSize`). One more is refused (BAD_INPUTS and
    # test_production_buckets.py).
    function = "arn:aws:lambda:us-east-1:123456789012:function:authorize"
    custom = {"authorization": "CUSTOM", "authorizer": {"function_arn": function, "result_ttl_seconds": 3600}}
    config = validate_args(VALID | custom | {"minimum_compression_size": 10_485_760})
    assert config.authorizer is not None and config.authorizer.result_ttl_seconds == 3600
    assert config.minimum_compression_size == 10_485_760


def test_the_alarm_settings_largest_and_smallest_values_are_accepted():
    # PutMetricAlarm (CloudWatch API reference): `Period` up to 86,400 s for a 1-minute metric, `EvaluationPeriods`
    # at least 1.
    settings = {"period_seconds": 86400, "evaluation_periods": 1, "server_error_rate": 1, "latency_p99_ms": 0.5}
    config = validate_args(VALID | {"alarms": settings})
    assert config.alarms is not None
    assert (config.alarms.period_seconds, config.alarms.evaluation_periods) == (86400, 1)
    # Every request failing is a share of 1; half a millisecond is a latency above 0.
    assert (config.alarms.server_error_rate, config.alarms.latency_p99_ms) == (1.0, 0.5)
