"""The pure parts of the local deploy: the provider's diff rules, patch operations, auto-names, the
engine's decisions, the typed state. Expected values are written from terraform-provider-aws v6's
source (file and function named per test), not from the code under test."""

from __future__ import annotations

import json
import re

import pytest

from tooling.engine import decide
from tooling.provisioners import REGISTRY
from tooling.provisioners.apigateway.rest_api import escape_json_pointer, reconcile_operations, update_operations
from tooling.provisioners.apigateway.stages import stage_operations
from tooling.provisioners.base import auto_name, differs, normalize_json, patch_value
from tooling.provisioners.lambda_ import permission_outputs
from tooling.provisioners.localstack_fixups import (
    TOP_LEVEL_MEDIA_TYPES,
    from_localstack_media_types,
    localstack_body,
    localstack_patch_operations,
    update_rest_api,
)
from tooling.state import PendingCreate, Resource, StackState

REST_API = REGISTRY["aws:apigateway/restApi:RestApi"]
PERMISSION = REGISTRY["aws:lambda/permission:Permission"]
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})


def recorded(inputs: dict | None, outputs: dict, typ: str = "aws:apigateway/restApi:RestApi") -> Resource:
    return Resource(
        urn="urn:x", type=typ, name="x", id="abc", region="us-east-1", keys={}, inputs=inputs, outputs=outputs
    )


def test_json_pointer_escapes_tilde_before_slash():
    """rest_api.go escapeJSONPointer (RFC 6901): `~` -> `~0` first, then `/` -> `~1`."""
    assert escape_json_pointer("image/png") == "image~1png"
    assert escape_json_pointer("a~/b") == "a~0~1b"


def test_the_reconcile_after_put_rest_api_sends_the_prior_binary_types_back():
    """rest_api.go resourceRestAPIWithBodyUpdateOperations: each type PutRestApi returned removed, each
    of d's added (d: the config's, or the prior state's when the config leaves them unset)."""
    planned = {"name": "bare", "binaryMediaTypes": ["image/png"]}
    output = {"name": "bare", "binaryMediaTypes": ["image/gif", "text/csv"]}
    assert reconcile_operations(planned, output) == [
        {"op": "remove", "path": "/binaryMediaTypes/image~1gif"},
        {"op": "remove", "path": "/binaryMediaTypes/text~1csv"},
        {"op": "add", "path": "/binaryMediaTypes/image~1png"},
    ]


def test_the_reconcile_leaves_alone_what_neither_config_nor_prior_state_holds():
    """On create nothing is in state: only the configured name is compared, and it matches."""
    assert reconcile_operations({"name": "bare"}, {"name": "bare", "binaryMediaTypes": ["image/gif"]}) == []


def test_the_reconcile_patches_a_policy_only_when_not_equivalent():
    """rest_api.go: awspolicy.PoliciesAreEquivalent, else replace /policy with the normalised JSON
    (structure.NormalizeJsonString: Go's json.Marshal of the parsed document, map keys sorted)."""
    spaced = json.dumps(json.loads(POLICY), indent=2)
    assert reconcile_operations({"policy": spaced}, {"policy": POLICY}) == []
    other = json.dumps({"Version": "2012-10-17", "Statement": []})
    assert reconcile_operations({"policy": spaced}, {"policy": other}) == [
        {
            "op": "replace",
            "path": "/policy",
            "value": '{"Statement":[{"Action":"*","Effect":"Deny","Resource":"*"}],"Version":"2012-10-17"}',
        }
    ]


def test_the_reconcile_adds_and_removes_only_the_differing_vpc_endpoints():
    planned = {"endpointConfiguration": {"types": "PRIVATE", "vpcEndpointIds": ["vpce-1", "vpce-2"]}}
    output = {"endpointConfiguration": {"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-2", "vpce-3"]}}
    path = "/endpointConfiguration/vpcEndpointIds"
    assert reconcile_operations(planned, output) == [
        {"op": "remove", "path": path, "value": "vpce-3"},
        {"op": "add", "path": path, "value": "vpce-1"},
    ]


def test_an_update_removes_every_old_binary_type_and_adds_every_new_one():
    """rest_api.go resourceRestAPIUpdate: "Simpler to remove and add new ones"; endpoint type at types/0."""
    olds = {"binaryMediaTypes": ["a/b", "c/d"], "endpointConfiguration": {"types": "EDGE"}}
    news = {"binaryMediaTypes": ["c/d"], "endpointConfiguration": {"types": "REGIONAL"}}
    assert update_operations(olds, news) == [
        {"op": "remove", "path": "/binaryMediaTypes/a~1b"},
        {"op": "remove", "path": "/binaryMediaTypes/c~1d"},
        {"op": "add", "path": "/binaryMediaTypes/c~1d"},
        {"op": "replace", "path": "/endpointConfiguration/types/0", "value": "REGIONAL"},
    ]


def test_an_optional_computed_property_left_unset_keeps_its_prior_value():
    """binary_media_types and policy are Optional+Computed (rest_api.go's schema): unset, no diff."""
    entry = recorded(
        {"name": "bare", "body": "{}"},
        {
            "binaryMediaTypes": ["image/png"],
            "policy": POLICY,
            "endpointConfiguration": {"types": "EDGE", "ipAddressType": "ipv4"},
        },
    )
    assert REST_API.changed(entry, {"name": "bare", "body": "{}", "endpointConfiguration": {"types": "EDGE"}}) == set()
    assert REST_API.changed(entry, {"name": "bare", "body": "{}", "binaryMediaTypes": ["image/gif"]}) == {
        "binaryMediaTypes"
    }
    assert REST_API.planned(entry.outputs, {"endpointConfiguration": {"types": "REGIONAL"}})[
        "endpointConfiguration"
    ] == {"types": "REGIONAL", "ipAddressType": "ipv4"}


def test_a_changed_body_updates_in_place_and_an_equivalent_policy_is_no_change():
    entry = recorded({"name": "bare", "body": "{}", "policy": POLICY}, {"policy": POLICY})
    assert decide(REST_API, entry, entry.type, "x", {"name": "bare", "body": '{"a": 1}', "policy": POLICY}).op == "~"
    spaced = json.dumps(json.loads(POLICY), indent=4)
    assert decide(REST_API, entry, entry.type, "x", {"name": "bare", "body": "{}", "policy": spaced}).op == " "


def test_decisions_create_keep_update_replace_and_reapply_after_an_interrupted_update():
    role = REGISTRY["aws:iam/role:Role"]
    typ = "aws:iam/role:Role"
    entry = recorded({"assumeRolePolicy": "{}", "path": "/"}, {"name": "app-1234567", "arn": "arn"}, typ)
    assert decide(role, None, typ, "app", {"assumeRolePolicy": "{}"}).op == "+"
    assert decide(role, entry, typ, "app", {"assumeRolePolicy": "{}", "path": "/"}).op == " "  # name: computed
    # role.go: assume_role_policy's DiffSuppressFunc is SuppressEquivalentPolicyDiffs.
    assert decide(role, entry, typ, "app", {"assumeRolePolicy": "{ }", "path": "/"}).op == " "
    assert decide(role, entry, typ, "app", {"assumeRolePolicy": '{"Version": "2012-10-17"}', "path": "/"}).op == "~"
    assert decide(role, entry, typ, "app", {"assumeRolePolicy": "{}", "path": "/svc/"}).op == "+-"  # ForceNew
    interrupted = recorded(None, {"name": "app-1234567"}, typ)
    step = decide(role, interrupted, typ, "app", {"assumeRolePolicy": "{}"})
    assert (step.op, step.changed) == ("~", ("*",))


def test_read_of_a_qualified_permission_records_function_and_qualifier_apart():
    """permission.go resourcePermissionRead: qualifier from the statement Resource (functionRegexp
    group 7); an ARN function_name stripped of ":<qualifier>", a plain name kept as the name."""
    statement = {
        "Sid": "invoke-1a2b3c4",
        "Action": "lambda:InvokeFunction",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:authorizer:live",
        "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:123456789012:abc/authorizers/*"}},
    }
    qualified = "arn:aws:lambda:us-east-1:123456789012:function:authorizer:live"
    outputs = permission_outputs(statement, qualified)
    assert outputs["function"] == "arn:aws:lambda:us-east-1:123456789012:function:authorizer"
    assert outputs["qualifier"] == "live"
    assert outputs["principal"] == "apigateway.amazonaws.com"
    assert outputs["sourceArn"] == "arn:aws:execute-api:us-east-1:123456789012:abc/authorizers/*"
    assert permission_outputs(statement, "authorizer")["function"] == "authorizer"
    inputs = {
        "action": "lambda:InvokeFunction",
        "function": qualified,
        "principal": "apigateway.amazonaws.com",
        "sourceArn": "arn:aws:execute-api:us-east-1:123456789012:abc/authorizers/*",
    }
    entry = recorded(inputs, outputs, "aws:lambda/permission:Permission")
    step = decide(PERMISSION, entry, entry.type, "invoke", inputs)
    assert step.op == "+-" and set(step.changed) == {"function", "qualifier"}


def test_a_suppressed_or_equivalent_difference_plans_the_prior_value():
    """A suppressed diff leaves the planned value at the prior state's, so the update sees no change: rest_api.go's
    DiffSuppressFunc for minimum_compression_size ("" held, "-1" asked: no PATCH) and SuppressEquivalentPolicyDiffs."""
    spaced = json.dumps(json.loads(POLICY), indent=2)
    prior = {"minimumCompressionSize": None, "policy": POLICY}
    planned = REST_API.planned(prior, {"minimumCompressionSize": "-1", "policy": spaced})
    assert (planned["minimumCompressionSize"], planned["policy"]) == (None, POLICY)
    assert REST_API.planned(prior, {"minimumCompressionSize": "1024"})["minimumCompressionSize"] == "1024"


def test_a_change_is_as_the_sdk_sees_it_an_empty_value_being_none():
    """schema.ResourceData.HasChange: an unset string reads as "", an unset map as empty (stage.go's description:
    none held and "" asked is no UpdateStage)."""
    assert not differs({"description": None}, {"description": ""}, "description")
    assert not differs({"variables": {}}, {}, "variables")
    assert differs({"description": None}, {"description": "x"}, "description")


def test_json_is_normalised_as_go_marshals_it():
    """structure.NormalizeJsonString: json.Marshal sorts map keys, writes no spaces, escapes <, >, & (HTML-safe)
    and U+2028/U+2029, and keeps other non-ASCII text as UTF-8."""
    document = '{"b": "<a&b>", "a": ["\u2028", "é"]}'
    assert normalize_json(document) == '{"a":["\\u2028","é"],"b":"\\u003ca\\u0026b\\u003e"}'


def test_auto_names_are_the_name_a_dash_and_seven_hex_digits():
    assert re.fullmatch(r"app-[0-9a-f]{7}", auto_name("app", {}))
    assert re.fullmatch(r"pre[0-9a-f]{7}", auto_name("app", {"namePrefix": "pre"}))
    assert auto_name("app", {"name": "fixed", "namePrefix": "pre"}) == "fixed"
    assert re.fullmatch(r"invoke-[0-9a-f]{7}", PERMISSION.identity("invoke", {"function": "f"})["id"])


def test_patch_values_are_strings_as_api_gateway_parses_them():
    assert [patch_value(True), patch_value(9.0), patch_value(2.5), patch_value("x")] == ["true", "9", "2.5", "x"]


def test_localstack_fixups_stand_every_top_level_type_for_any_type_and_back():
    assert len(TOP_LEVEL_MEDIA_TYPES) == 10 and "binary/*" in TOP_LEVEL_MEDIA_TYPES
    assert from_localstack_media_types([*TOP_LEVEL_MEDIA_TYPES, "x/y"]) == ["*/*", "x/y"]
    assert from_localstack_media_types(["image/png"]) == ["image/png"]
    expanded = localstack_patch_operations([{"op": "add", "path": "/binaryMediaTypes/*~1*"}])
    assert [o["path"] for o in expanded][:2] == ["/binaryMediaTypes/application~1*", "/binaryMediaTypes/audio~1*"]
    assert len(expanded) == 10


def test_localstack_gets_each_binary_type_removal_in_a_call_of_its_own(aws):
    # In one UpdateRestApi with several removals LocalStack removes only every other one (measured: 10 removals and
    # 10 additions of the same types left 15); alone, each is removed, as AWS removes each by its value.
    remove_png = {"op": "remove", "path": "/binaryMediaTypes/image~1png"}
    remove_gif = {"op": "remove", "path": "/binaryMediaTypes/image~1gif"}
    add_any = {"op": "add", "path": "/binaryMediaTypes/image~1*"}
    name = {"op": "replace", "path": "/name", "value": "api"}
    for operations in ([remove_png], [remove_gif], [name, add_any]):
        aws.expect("apigateway", "update_rest_api", {"restApiId": "a1", "patchOperations": operations})
    update_rest_api(aws.client("apigateway"), "a1", [remove_png, name, remove_gif, add_any])


def test_localstack_is_given_the_endpoint_type_beside_the_bodys_endpoint_configuration():
    # LocalStack replaces the API's endpoint configuration with the body's: without `types` there it held `{}`.
    with_domain = json.dumps({"x-amazon-apigateway-endpoint-configuration": {"disableExecuteApiEndpoint": False}})
    assert json.loads(localstack_body(with_domain, "REGIONAL")) == {
        "x-amazon-apigateway-endpoint-configuration": {"disableExecuteApiEndpoint": False, "types": ["REGIONAL"]}
    }
    plain = json.dumps({"paths": {}})
    assert localstack_body(plain, "REGIONAL") == plain.encode()


def test_an_unset_compression_size_is_patched_as_no_value():
    # rest_api.go PATCHes `/minimumCompressionSize` with a nil value for "-1" (compression off); botocore refuses a
    # None value, so the operation goes without one, as the Go SDK's nil pointer does.
    from tooling.provisioners.apigateway.rest_api import compression_size_operation

    off = {"op": "replace", "path": "/minimumCompressionSize"}
    assert compression_size_operation("-1") == compression_size_operation(None) == off
    assert compression_size_operation("1024") == off | {"value": "1024"}
    assert compression_size_operation(0) == off | {"value": "0"}


def test_no_compression_size_held_and_none_asked_is_no_change():
    # rest_api.go's DiffSuppressFunc for minimum_compression_size: old "" and new "-1" is no diff; any size is one.
    same = REST_API.suppressed["minimumCompressionSize"]
    assert same(None, "-1") and same("", -1)
    assert not same("1024", "-1") and not same(None, "0")


def test_the_state_round_trips_its_typed_records(tmp_path):
    state = StackState(tmp_path / "deployment.json", "http://localhost:4566", "us-east-1")
    entry = recorded({"name": "bare"}, {"rootResourceId": "r00t"})
    state.resources.append(entry)
    state.intend(PendingCreate(urn="urn:y", type="aws:s3/bucket:Bucket", region="us-east-1", keys={"id": "b-1"}))
    loaded = StackState.load(tmp_path / "deployment.json")
    assert loaded is not None
    assert loaded.resources == [entry]
    assert loaded.pending == [
        PendingCreate(urn="urn:y", type="aws:s3/bucket:Bucket", region="us-east-1", keys={"id": "b-1"})
    ]


@pytest.mark.parametrize("typ", sorted(REGISTRY))
def test_every_registered_type_is_a_pulumi_aws_type_token(typ):
    assert re.fullmatch(r"aws:[a-z0-9]+/[a-zA-Z0-9]+:[A-Z][A-Za-z0-9]+", typ)


def test_a_record_naming_its_outputs_attributes_still_loads(tmp_path):
    path = tmp_path / "deployment.json"
    entry = {"urn": "u", "type": "t", "name": "n", "id": "i", "region": "r", "keys": {}, "inputs": {}}
    data = {"endpoint": "e", "region": "r", "pending": [], "outputs": {}, "account": None}
    path.write_text(json.dumps(data | {"resources": [entry | {"attributes": {"arn": "arn:x"}, "dependencies": []}]}))
    loaded = StackState.load(path)
    assert loaded is not None and loaded.resources[0].outputs == {"arn": "arn:x"}


def test_a_stage_created_with_access_logs_gets_every_set_property_in_one_update():
    """stage.go resourceStageCreate calls resourceStageUpdate when access_log_settings is set; on a new
    resource every set property has changed: deploymentId, variables (diffVariablesOps), the log settings."""
    inputs = {
        "deployment": "dep1",
        "variables": {"color": "blue"},
        "xrayTracingEnabled": False,
        "accessLogSettings": {"destinationArn": "arn:aws:logs:us-east-1:1:log-group:g", "format": "{}"},
    }
    assert stage_operations({}, inputs) == [
        {"op": "replace", "path": "/deploymentId", "value": "dep1"},
        {"op": "replace", "path": "/variables/color", "value": "blue"},
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": "arn:aws:logs:us-east-1:1:log-group:g"},
        {"op": "replace", "path": "/accessLogSettings/format", "value": "{}"},
    ]
    assert stage_operations(inputs, inputs | {"variables": {}}) == [{"op": "remove", "path": "/variables/color"}]
