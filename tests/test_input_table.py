"""The input table (`components/inputs.py`) is the one declaration of every input: it agrees with `S3ProxyApiArgs`
(which the package schema and the SDK's component host read), with Pulumi.yaml, and what derives from it (the stand-ins,
the program's reading of the stack, the planning shape) says what the table says."""

from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, ForwardRef, NotRequired, Union, get_args, get_origin, is_typeddict

import pulumi
import pytest
import yaml

from components import S3ProxyApiArgs
from components.config import MODELS, S3ProxyConfigError, Shape, validate_args
from components.inputs import (
    DECIMAL,
    FLAG,
    INPUTS,
    MAP,
    NUMBER,
    STAND_INS,
    STRUCTURED,
    TEXT,
    WHOLE,
    Input,
    Record,
    StandIn,
    _stand_ins,
    each,
    each_value,
    stack_args,
    stack_key_of,
    stack_keys,
    with_stand_ins,
)
from components.validators import any_string, matching, metadata_header, string_map, strings

PULUMI_YAML = yaml.safe_load((Path(__file__).resolve().parent.parent / "Pulumi.yaml").read_text())["config"]


def may_be_output(annotation: Any) -> bool:
    """`pulumi.Input[T]` is `Union[T, Awaitable[T], "Output[T]"]` (a forward reference: the SDK's own annotation)."""
    return get_origin(annotation) is Union and ForwardRef("Output[T]") in get_args(annotation)


def annotations_of(typed_dict: type) -> dict[str, Any]:
    """A TypedDict's annotations as written, `NotRequired[...]` taken off."""
    return {
        name: get_args(annotation)[0] if get_origin(annotation) is NotRequired else annotation
        for name, annotation in typed_dict.__annotations__.items()
    }


def outputs_allowed(annotation: Any) -> str | None:
    """Where an annotation lets Outputs in, written as the table's stand-ins are: "" the value itself, "[]" a
    list's items or the whole list, "{}" a map's values; None where it is plain."""
    if may_be_output(annotation):
        inner = get_args(annotation)[0]
        return "[]" if get_origin(inner) is Sequence and may_be_output(get_args(inner)[0]) else ""
    if get_origin(annotation) is Mapping and may_be_output(get_args(annotation)[1]):
        return "{}"
    return None


def agree(specs: tuple[Input | Record, ...], typed_dict: type, path: str) -> None:
    hints = annotations_of(typed_dict)
    assert sorted(spec.name for spec in specs) == sorted(hints), path
    assert {spec.name for spec in specs if spec.required} == typed_dict.__required_keys__, path
    for spec in specs:
        annotation = hints[spec.name]
        if isinstance(spec, Record):
            keyed = get_origin(annotation) is Mapping
            assert keyed == (spec.key is not None), f"{path}{spec.name}"
            nested = get_args(annotation)[1] if keyed else annotation
            assert is_typeddict(nested), f"{path}{spec.name}"
            agree(spec.fields, nested, f"{path}{spec.name}.")
        else:
            expected = spec.stand_in.of if spec.stand_in else None
            assert outputs_allowed(annotation) == expected, f"{path}{spec.name}: plain or Input as the table says"


def test_the_table_and_the_args_typed_dict_declare_the_same_inputs_alike():
    """Names, which are required, which may be Outputs and where, nested inputs included."""
    agree(INPUTS, S3ProxyApiArgs, "")


def test_the_agreement_check_fails_on_a_plain_input_the_table_takes_for_an_input():
    wrong = tuple(Input(spec.name, spec.validate) if spec.name == "stage_name" else spec for spec in INPUTS)
    with pytest.raises(AssertionError, match="stage_name: plain or Input"):
        agree(wrong, S3ProxyApiArgs, "")


def test_the_stand_ins_are_derived_with_their_paths():
    assert STAND_INS["stage_name"] == "pending"
    assert STAND_INS["buckets[]"] == "pending-bucket"
    assert STAND_INS["tags{}"] == ""
    assert STAND_INS["cors.allow_headers[]"] == "X-Pending"
    assert STAND_INS["method_throttling{}.burst_limit"] == 0
    assert STAND_INS["authorizer.result_ttl_seconds"] == 300
    plain = ("allowed_actions", "region", "authorization", "endpoint_type", "api_keys.names", "authorizer.type")
    for path in plain:
        assert not [key for key in STAND_INS if key.startswith(path)], path


def test_every_stack_key_is_declared_in_pulumi_yaml_with_the_type_it_is_read_as_and_every_declared_key_is_read():
    # A decimal is a number in a string key (Pulumi.yaml's config types have none with a fraction).
    declared_as = {
        TEXT: "string",
        DECIMAL: "string",
        NUMBER: "integer",
        WHOLE: "integer",
        FLAG: "boolean",
        STRUCTURED: "array",
    }
    read = {key: how for key, how in stack_keys() if ":" not in key}
    assert sorted(key for key, how in read.items() if how != MAP) == sorted(PULUMI_YAML)
    for key, how in read.items():
        if how == MAP:  # project config cannot type a map: set in the stack file without a declaration
            assert key not in PULUMI_YAML
        else:
            assert PULUMI_YAML[key]["type"] == declared_as[how], key
    assert sorted(key for key, how in read.items() if how == MAP) == ["methodThrottling", "stageVariables", "tags"]


def reading(config: dict[str, Any]):
    def read(key: str, how: str) -> Any:
        return config.get(key)

    return read


def test_the_stack_groups_nested_inputs_by_their_first_key():
    args = stack_args(
        reading(
            {
                "allowedActions": ["s3:GetObject"],
                "aws:region": "eu-west-1",
                "apiKeyNames": ["web"],
                "apiKeyQuotaLimit": 10,
                "corsMaxAge": 60,  # without corsAllowOrigin: no CORS
                "customDomainName": "files.example.com",
                "methodThrottling": {"GET /{folder}": {"rate_limit": 1}},
            }
        )
    )
    assert args == {
        "allowed_actions": ["s3:GetObject"],
        "region": "eu-west-1",
        "api_keys": {"names": ["web"], "quota_limit": 10},
        "method_throttling": {"GET /{folder}": {"rate_limit": 1}},
        "custom_domain": {"domain_name": "files.example.com"},
    }


def test_the_authorizer_is_the_lambda_variant_when_its_function_is_set_else_the_user_pools():
    pools = ["arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_abc"]
    function = "arn:aws:lambda:us-east-1:111122223333:function:auth"
    both = {"authorizerFunctionArn": function, "authorizerType": "REQUEST", "authorizerUserPoolArns": pools}
    assert stack_args(reading(both))["authorizer"] == {"function_arn": function, "type": "REQUEST"}
    cognito = {"authorizerUserPoolArns": pools, "authorizerScopes": ["a/b"], "authorizerType": "REQUEST"}
    assert stack_args(reading(cognito))["authorizer"] == {"user_pool_arns": pools, "scopes": ["a/b"]}
    assert "authorizer" not in stack_args(reading({"authorizerType": "REQUEST"}))


def test_the_alarms_are_given_by_their_switch_with_whichever_thresholds_are_set():
    assert stack_args(reading({"alarms": True}))["alarms"] == {}
    switched_on = stack_args(reading({"alarms": True, "alarmPeriodSeconds": 120, "alarmTopicArn": "t"}))
    assert switched_on["alarms"] == {"period_seconds": 120, "topic_arn": "t"}
    assert "alarms" not in stack_args(reading({"alarms": False, "alarmServerErrorRate": 0.1}))
    assert "alarms" not in stack_args(reading({"alarmServerErrorRate": 0.1}))


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ("stage_name", "stageName"),
        ("region", "aws:region"),
        ("cors.allow_origin", "corsAllowOrigin"),
        ("cors.allow_headers", "cors*"),  # no key of its own: the record's keys
        ("method_throttling", "methodThrottling"),
        ("method_throttling.GET /{folder}.rate_limit", "methodThrottling"),
        ("authorizer", "authorizer*"),
        ("authorizer.type", "authorizerType"),
        ("alarms", "alarm*"),
        ("alarms.server_error_rate", "alarmServerErrorRate"),
        ("args", None),
    ],
)
def test_an_error_names_the_stack_key_of_its_field_or_of_the_record_around_it(field, key):
    assert stack_key_of(field) == key


def test_the_planning_shape_holds_no_input_that_may_be_an_output():
    """Only the plain inputs and whether optional ones are set: `shape.stage_name` cannot be the stand-in."""
    may_be_outputs = {path.split(".")[-1].rstrip("[]{}") for path in STAND_INS} | {"tags", "stage_variables"}
    assert {field.name for field in fields(Shape)} & may_be_outputs == set()
    args = {
        "allowed_actions": ["s3:GetObject"],
        "stage_name": pulumi.Output.from_input("prod"),
        "api_keys": {"names": ["web"], "burst_limit": pulumi.Output.from_input(5)},
        "method_throttling": {"GET /{folder}/{item+}": {"rate_limit": pulumi.Output.from_input(1.0)}},
        "access_logs": {},
    }
    shape = Shape.of(validate_args(with_stand_ins(args, lambda value: isinstance(value, pulumi.Output))))
    assert not hasattr(shape, "stage_name")
    assert (shape.api_key_names, shape.api_key_quota, shape.api_key_throttled) == (("web",), False, True)
    assert (shape.throttled_methods, shape.stage_throttled) == (("GET /{folder}/{item+}",), False)
    assert (shape.access_logs, shape.custom_domain, shape.web_acl) == (True, False, False)


def test_an_error_is_one_line_naming_its_field_once():
    with pytest.raises(S3ProxyConfigError) as raised:
        validate_args({"allowed_actions": "s3:GetObject"})
    assert str(raised.value) == "S3ProxyApi: invalid `allowed_actions`: expected a list of strings, got 's3:GetObject'"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stage_name", "dev\n"),
        ("key_prefix", "uploads/\n"),
        ("buckets", ["acme-uploads\n"]),
        ("bucket_patterns", ["acme-*\n"]),
        ("bucket_accounts", ["111122223333\n"]),
        ("vpc_endpoint_ids", ["vpce-0a1b2c3d\n"]),
        ("region", "us-east-1\n"),
    ],
)
def test_a_name_with_a_trailing_newline_is_refused(field, value):
    """Names are matched whole (`re.fullmatch`): a pattern's `$` also matches before a trailing newline (Python's
    `re` documentation), which would let "dev\\n" through into the stage's URL or an IAM ARN."""
    with pytest.raises(S3ProxyConfigError) as raised:
        validate_args({"allowed_actions": ["s3:*"], field: value})
    assert raised.value.field == field


def test_each_record_of_the_table_has_a_model_with_its_fields():
    records = {spec.name: spec for spec in INPUTS if isinstance(spec, Record)}
    assert (
        sorted(MODELS)
        == sorted(records)
        == [
            "access_logs",
            "alarms",
            "api_keys",
            "authorizer",
            "cors",
            "custom_domain",
            "method_throttling",
        ]
    )
    for name, record in records.items():
        assert [field.name for field in fields(MODELS[name])] == [spec.name for spec in record.fields], name


# The builders below run when `inputs` is imported (they fill its table); calling them here is what lets a
# changed builder fail a test: mutmut switches a mutant on only for calls made while tests run.
def test_matching_takes_whole_strings_and_says_what_is_wrong_with_the_value():
    two_letters = matching(r"[a-z]{2}", "is not two lowercase letters")
    assert two_letters("code", "ab") == "ab"
    for wrong in ("abc", "a", "ab\n", "AB", 12, None):
        with pytest.raises(S3ProxyConfigError) as raised:
            two_letters("code", wrong)
        assert raised.value.field == "code"
        assert str(raised.value) == f"S3ProxyApi: invalid `code`: {wrong!r} is not two lowercase letters"


def test_strings_checks_each_item_keeps_the_first_of_equals_and_refuses_what_is_not_a_list_of_strings():
    lowered = strings(metadata_header)
    assert lowered("headers", ["x-amz-meta-A", "x-amz-meta-b", "x-amz-meta-a"]) == ("x-amz-meta-a", "x-amz-meta-b")
    assert lowered("headers", ("x-amz-meta-b",)) == ("x-amz-meta-b",)
    assert strings(metadata_header, unique=False)("headers", ["x-amz-meta-a", "x-amz-meta-A"]) == (
        "x-amz-meta-a",
        "x-amz-meta-a",
    )
    refusals = [
        ("x-amz-meta-a", "expected a list of strings, got 'x-amz-meta-a'"),
        (["x-amz-meta-a", 1], "expected a list of strings, got ['x-amz-meta-a', 1]"),
        ({"x-amz-meta-a": "b"}, "expected a list of strings, got {'x-amz-meta-a': 'b'}"),
        ([], "must not be empty"),
        (["x-meta-a"], "'x-meta-a' is not a user metadata header: 'x-amz-meta-' and letters, digits, '-'"),
    ]
    for value, message in refusals:
        with pytest.raises(S3ProxyConfigError) as raised:
            lowered("headers", value)
        assert str(raised.value) == f"S3ProxyApi: invalid `headers`: {message}"


def test_string_map_checks_each_pair_and_sorts_them():
    checked: list[tuple[str, str, str]] = []

    def record(field: str, key: str, value: str) -> None:
        checked.append((field, key, value))

    assert string_map(record)("labels", {"b": "2", "a": "1"}) == (("a", "1"), ("b", "2"))
    assert checked == [("labels", "b", "2"), ("labels", "a", "1")]
    for wrong in ({"a": 1}, {1: "a"}, ["a"], "a=1"):
        with pytest.raises(S3ProxyConfigError) as raised:
            string_map(record)("labels", wrong)
        assert str(raised.value).endswith(f"`labels`: expected a mapping of strings to strings, got {wrong!r}")


def test_the_stand_ins_derive_their_paths_from_records_lists_and_maps():
    assert (each("x"), each_value("y")) == (StandIn("x", "[]"), StandIn("y", "{}"))
    table = (
        Input("name", any_string, StandIn("n")),
        Input("plain", any_string),
        Input("items", any_string, each("i")),
        Record("limits", (Input("rate", any_string, StandIn(0.0)), Input("kind", any_string)), key=any_string),
        Record("record", (Input("values", any_string, each_value("v")),)),
    )
    assert dict(_stand_ins(table)) == {
        "name": "n",
        "items[]": "i",
        "limits{}.rate": 0.0,
        "record.values{}": "v",
    }
    assert dict(_stand_ins(INPUTS)) == STAND_INS
