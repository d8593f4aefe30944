import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import OUTPUT_NAMES, RecordingMocks, build
from expected import EVERY_ROUTE

from tooling.program import ROOT, run_program, stack_config

OUTPUTS = set(OUTPUT_NAMES)


def run(stack, root=ROOT):
    region = stack_config(stack, root).get("aws:region", "us-east-1")
    return run_program(stack, RecordingMocks(region), root)


def test_dev_stack_exports_every_output_with_every_route():
    outputs, monitor = run("dev")
    assert set(outputs) == OUTPUTS
    assert outputs["routes"] == EVERY_ROUTE
    assert outputs["url"].endswith(".execute-api.us-east-1.amazonaws.com/dev")
    assert json.loads(outputs["openapi"])["info"]["title"] == "s3proxy"
    assert len(monitor.resources) == 6  # the component and its five children


def test_prod_stack_is_scoped_throttled_and_traced():
    outputs, monitor = run("prod")
    assert outputs.secret == {"api_keys"} and outputs.shown()["api_keys"] == "[secret]"
    assert set(outputs["api_keys"]) == {"web-app", "reporting"}
    types = sorted(urn.split("::")[2].rpartition("$")[2] for urn in monitor.resources)
    for production_feature in (
        "aws:apigateway/usagePlan:UsagePlan",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:apigateway/domainName:DomainName",
        "aws:wafv2/webAclAssociation:WebAclAssociation",
    ):
        assert production_feature in types
    assert outputs["routes"] == [
        "GET /{folder} -> s3:ListBucket",
        "HEAD /{folder} -> s3:ListBucket",
        "GET /{folder}/{item+} -> s3:GetObject",
        "HEAD /{folder}/{item+} -> s3:GetObject",
        "PUT /{folder}/{item+} -> s3:PutObject",
        "POST /{folder}/{item+}?uploads -> s3:PutObject",
        "PUT /{folder}/{item+}?partNumber&uploadId -> s3:PutObject",
        "POST /{folder}/{item+}?uploadId -> s3:PutObject",
        "DELETE /{folder}/{item+}?uploadId -> s3:AbortMultipartUpload",
        "PUT /{folder}/{item+} [x-amz-copy-source] -> s3:PutObject+s3:GetObject",  # it reads and writes objects
    ]
    statements = json.loads(outputs["policy"])["Statement"]
    assert {json.dumps(s["Resource"]) for s in statements} == {
        json.dumps(["arn:aws:s3:::acme-prod-uploads", "arn:aws:s3:::acme-prod-reports"]),
        json.dumps(["arn:aws:s3:::acme-prod-uploads/*", "arn:aws:s3:::acme-prod-reports/*"]),
        json.dumps(["arn:aws:kms:eu-west-1:111122223333:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"]),
    }
    (kms,) = [s for s in statements if s["Sid"] == "KmsThroughS3"]
    assert kms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
    put = json.loads(outputs["openapi"])["paths"]["/{folder}/{item+}"]["put"]["x-amazon-apigateway-integration"]
    assert put["requestParameters"]["integration.request.header.x-amz-meta-uploaded-by"] == (
        "method.request.header.x-amz-meta-uploaded-by"
    )
    states = {urn.rpartition("::")[2]: r.state for urn, r in monitor.resources.items()}
    assert states["s3proxy-throttling"]["settings"] == {"throttlingRateLimit": 100.0, "throttlingBurstLimit": 200}
    assert states["s3proxy-throttling-put-folder-item"]["settings"] == {
        "throttlingRateLimit": 20.0,
        "throttlingBurstLimit": 40,
    }
    assert states["s3proxy-stage"]["variables"] == {"environment": "prod"}
    assert "Access-Control-Allow-Origin" in outputs["openapi"]
    assert states["s3proxy-stage"]["xrayTracingEnabled"] is True
    assert states["s3proxy-stage"]["stageName"] == "prod"
    assert states["s3proxy-api"]["tags"] == {"environment": "prod", "owner": "platform-team"}
    assert "arn:aws:apigateway:eu-west-1:s3:path/" in outputs["openapi"]


def test_pulumi_yaml_defaults_are_the_component_defaults(tmp_path: Path):
    """A stack setting only the required key gets exactly what the component builds with no optional input."""
    shutil.copy(ROOT / "__main__.py", tmp_path)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    (tmp_path / "Pulumi.bare.yaml").write_text(
        yaml.safe_dump({"config": {"aws:region": "us-west-2", "s3proxy:allowedActions": ["s3:GetObject"]}})
    )
    outputs, monitor = run("bare", tmp_path)
    component = build({"allowed_actions": ["s3:GetObject"]}, name="s3proxy", provider_region="us-west-2")
    for name in ("openapi", "policy", "routes", "stage_name", "url"):
        assert outputs[name] == component.outputs[name], name
    assert sorted(urn.rpartition("::")[2] for urn in monitor.resources) == sorted(component.types)
    # and those defaults are the documented ones
    document = json.loads(outputs["openapi"])
    assert {path: sorted(verbs) for path, verbs in document["paths"].items()} == {"/{folder}/{item+}": ["get", "head"]}
    assert document["x-amazon-apigateway-binary-media-types"] == ["*/*"]
    assert document["securityDefinitions"]["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert outputs["stage_name"] == "dev" and outputs["url"].endswith(".execute-api.us-west-2.amazonaws.com/dev")
    assert outputs["routes"] == ["GET /{folder}/{item+} -> s3:GetObject", "HEAD /{folder}/{item+} -> s3:GetObject"]
    assert not any("methodSettings" in urn for urn in monitor.resources)
    assert json.loads(outputs["policy"])["Statement"][0]["Resource"] == ["arn:aws:s3:::*/*"]


def test_security_settings_flow_from_stack_config(tmp_path: Path):
    shutil.copy(ROOT / "__main__.py", tmp_path)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    config = {
        "aws:region": "us-east-1",
        "s3proxy:allowedActions": ["s3:GetObject", "s3:ListBucket"],
        "s3proxy:keyPrefix": "reports/",
        "s3proxy:allowedSourceCidrs": ["198.51.100.0/24"],
        "s3proxy:endpointType": "PRIVATE",
        "s3proxy:vpcEndpointIds": ["vpce-0a1b2c3d4"],
    }
    (tmp_path / "Pulumi.secure.yaml").write_text(yaml.safe_dump({"config": config}))
    outputs, _ = run("secure", tmp_path)
    document = json.loads(outputs["openapi"])
    conditions = document["x-amazon-apigateway-policy"]["Statement"][1]["Condition"]
    assert conditions == {
        "NotIpAddress": {"aws:VpcSourceIp": ["198.51.100.0/24"]},
        "StringNotEquals": {"aws:SourceVpce": ["vpce-0a1b2c3d4"]},
    }
    assert "s3:path/{bucket}/reports/{object}" in outputs["openapi"]


def test_every_declared_config_key_has_a_description_and_default():
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    for key, declaration in project["config"].items():
        assert declaration.get("description"), key
        assert declaration["type"] in {"string", "integer", "boolean", "array"}, key
        assert key == "allowedActions" or "default" in declaration, key


def test_unknown_stack_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match=r"Pulumi.nope.yaml does not exist \(stacks: dev, prod\)"):
        stack_config("nope")


def test_a_failed_run_does_not_poison_the_next_one():
    """A provisioning failure happens inside an RPC; the SDK keeps it as pending unless cleared."""

    class FailingMocks(RecordingMocks):
        def new_resource(self, args):
            if args.typ == "aws:iam/role:Role":
                raise RuntimeError(f"cannot create {args.typ}")
            return super().new_resource(args)

    with pytest.raises(RuntimeError, match="cannot create"):
        run_program("dev", FailingMocks("us-east-1"))
    outputs, _ = run("dev")
    assert set(outputs) == OUTPUTS
