"""The REST API's own settings (description, minimum compression size, the default endpoint) and Pulumi's resource
`transforms` on the component's options, under the mock runtime."""

from __future__ import annotations

import json
import shutil
from typing import Any

import conftest
import pulumi
import pytest
import yaml
from conftest import RecordingMocks, build

from components import S3ProxyConfigError
from tooling.program import ROOT, run_program

API = "aws:apigateway/restApi:RestApi"
READ = {"allowed_actions": ["s3:GetObject"]}
DOMAIN = {
    "domain_name": "files.example.com",
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/" + "1" * 36,
}


def test_the_settings_are_in_the_body_and_the_rest_apis_own_inputs():
    """After PutRestApi the provider PATCHes description, minimumCompressionSize and disableExecuteApiEndpoint
    from its inputs where they differ from the import (terraform-provider-aws internal/service/apigateway/
    rest_api.go, resourceRestAPIWithBodyUpdateOperations), so each is both in the body and an input."""
    api = build(
        READ
        | {
            "description": "Uploads of the web app",
            "minimum_compression_size": 1024,
            "disable_execute_api_endpoint": True,
            "custom_domain": DOMAIN,
        }
    ).one(API)
    assert (api["description"], api["minimumCompressionSize"], api["disableExecuteApiEndpoint"]) == (
        "Uploads of the web app",
        "1024",
        True,
    )
    body = json.loads(api["body"])
    assert body["info"]["description"] == "Uploads of the web app"
    assert body["x-amazon-apigateway-minimum-compression-size"] == 1024
    assert body["x-amazon-apigateway-endpoint-configuration"] == {"disableExecuteApiEndpoint": True}


def test_unset_the_compression_size_is_minus_one_so_that_a_prior_size_is_removed():
    """rest_api.go PATCHes `/minimumCompressionSize` to none for "-1"; an absent input would let the provider take
    the prior state's size (Optional+Computed) and PATCH it back."""
    api = build(READ).one(API)
    assert api["minimumCompressionSize"] == "-1"
    assert "description" not in api and api["disableExecuteApiEndpoint"] is False
    body = json.loads(api["body"])
    assert "description" not in body["info"] and "x-amazon-apigateway-minimum-compression-size" not in body


def test_with_a_custom_domain_the_body_states_the_default_endpoint_either_way():
    """The provider PATCHes only a true `disable_execute_api_endpoint` (GetOk skips false), so turning the default
    endpoint back on must come from the imported body."""
    body = json.loads(build(READ | {"custom_domain": DOMAIN}).one(API)["body"])
    assert body["x-amazon-apigateway-endpoint-configuration"] == {"disableExecuteApiEndpoint": False}
    assert "x-amazon-apigateway-endpoint-configuration" not in json.loads(build(READ).one(API)["body"])


def test_a_literal_setting_is_refused_before_anything_is_registered():
    with pytest.raises(S3ProxyConfigError, match=r"invalid `disable_execute_api_endpoint`: needs `custom_domain`"):
        build(READ | {"disable_execute_api_endpoint": True})
    with pytest.raises(S3ProxyConfigError, match=r"invalid `minimum_compression_size`: 10485761 must be 0 to"):
        build(READ | {"minimum_compression_size": 10485761})


def test_transforms_on_the_component_reach_the_engine_with_it(monkeypatch: pytest.MonkeyPatch):
    """The engine runs a component's `transforms` on the component and every child registered under it (Pulumi
    docs, "Resource options: transforms"); the mock runtime does not run them, but records that the component's
    registration carries them and that each child is its descendant."""
    registered: dict[str, tuple[int, str]] = {}
    register = conftest.DependencyMonitor.RegisterResource

    def recording(self: Any, request: Any) -> Any:
        registered[request.name] = (len(request.transforms), request.parent.rpartition("::")[2])
        return register(self, request)

    monkeypatch.setattr(conftest.DependencyMonitor, "RegisterResource", recording)

    def describe(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        return None

    build(READ, name="files", opts=lambda: pulumi.ResourceOptions(transforms=[describe]))
    assert registered["files"][0] == 1
    children = {name: parent for name, (_, parent) in registered.items() if name.startswith("files-")}
    assert children == dict.fromkeys(
        ["files-role", "files-policy", "files-api", "files-deployment", "files-stage"], "files"
    )


def test_transformations_run_in_process_change_the_children_under_mocks():
    """`transformations`, the in-process predecessor of `transforms`, runs under the mocks: a child's inputs can be
    changed from outside the component (here the RestApi's description)."""

    def describe(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if args.type_ != API:
            return None
        return pulumi.ResourceTransformationResult(args.props | {"description": "set from outside"}, args.opts)

    api = build(READ, opts=lambda: pulumi.ResourceOptions(transformations=[describe])).one(API)
    assert api["description"] == "set from outside"


def test_the_stack_keys_reach_the_rest_api(tmp_path):
    """apiDescription, minimumCompressionSize and disableExecuteApiEndpoint in a stack file, through the program."""
    shutil.copy(ROOT / "__main__.py", tmp_path)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    config = {
        "aws:region": "us-east-1",
        "s3proxy:allowedActions": ["s3:GetObject"],
        "s3proxy:apiDescription": "Reports",
        "s3proxy:minimumCompressionSize": 0,
        "s3proxy:disableExecuteApiEndpoint": True,
        "s3proxy:customDomainName": DOMAIN["domain_name"],
        "s3proxy:customDomainCertificateArn": DOMAIN["certificate_arn"],
    }
    (tmp_path / "Pulumi.settings.yaml").write_text(yaml.safe_dump({"config": config}))
    _, monitor = run_program("settings", RecordingMocks("us-east-1"), tmp_path)
    (api,) = [r.state for urn, r in monitor.resources.items() if urn.endswith("::s3proxy-api")]
    assert (api["description"], api["minimumCompressionSize"], api["disableExecuteApiEndpoint"]) == (
        "Reports",
        "0",
        True,
    )
