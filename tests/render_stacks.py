"""Everything the component renders and registers for every shipped stack, as one JSON document on stdout.

    .venv/bin/python tests/render_stacks.py > before.json   # then refactor, run again, and diff

For a refactor that must not change behaviour: per stack, the stack outputs (the OpenAPI document, the role
policy, the deployer policy...) and every resource's registration request (type, parent, inputs, dependencies,
options), sorted by name. The stacks are `Pulumi.dev.yaml`, `Pulumi.prod.yaml`, `examples/embedded`,
`examples/cognito`, stack files that set the keys those leave unset (both authorizer variants, EDGE and PRIVATE
endpoints, caller mode with folders, alarms, the API's own settings), and a component whose inputs are Outputs,
split over managed policies.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format
from pulumi.runtime.mocks import MockMonitor

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import RecordingMocks

from components import S3ProxyApi
from tooling.program import ROOT, run_program, run_with_mocks, stack_config

CERTIFICATE = "arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
EXTRA_STACKS: dict[str, dict[str, Any]] = {
    "custom-edge": {
        "aws:region": "us-east-1",
        "s3proxy:allowedActions": ["s3:Get*", "s3:PutObject"],
        "s3proxy:authorization": "CUSTOM",
        "s3proxy:authorizerFunctionArn": "arn:aws:lambda:us-west-2:111122223333:function:auth:live",
        "s3proxy:authorizerType": "REQUEST",
        "s3proxy:authorizerIdentitySource": "method.request.header.Authorization, method.request.querystring.t",
        "s3proxy:authorizerResultTtlSeconds": 0,
        "s3proxy:endpointType": "EDGE",
        "s3proxy:customDomainName": "files.example.com",
        "s3proxy:customDomainCertificateArn": CERTIFICATE,
        "s3proxy:customDomainBasePath": "v1",
        "s3proxy:bucketPatterns": ["acme-tenant-*"],
        "s3proxy:buckets": ["acme-one"],
        "s3proxy:sseKmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
        "s3proxy:allowedSourceCidrs": ["203.0.113.0/24"],
        "s3proxy:corsAllowOrigin": "*",
        "s3proxy:corsMaxAge": 0,
        "s3proxy:apiKeyNames": ["solo"],
    },
    "cognito-private": {
        "aws:region": "eu-central-1",
        "s3proxy:allowedActions": ["s3:*"],
        "s3proxy:authorization": "COGNITO_USER_POOLS",
        "s3proxy:authorizerUserPoolArns": ["arn:aws:cognito-idp:eu-central-1:111122223333:userpool/eu-central-1_abc"],
        "s3proxy:authorizerScopes": ["files/read"],
        "s3proxy:endpointType": "PRIVATE",
        "s3proxy:vpcEndpointIds": ["vpce-0a1b2c3d4e5f"],
        "s3proxy:allowedSourceCidrs": ["10.0.0.0/16"],
        "s3proxy:keyPrefix": "uploads/",
        "s3proxy:bucketAccounts": ["111122223333", "444455556666"],
        "s3proxy:binaryMediaTypes": ["application/octet-stream", "image/*"],
        "s3proxy:statusMapping": "tutorial",
        "s3proxy:accessLogRetentionDays": 7,
        "s3proxy:throttlingBurstLimit": 5,
        "s3proxy:apiKeyNames": ["a", "b"],
        "s3proxy:apiKeyRateLimit": 3,
    },
    "caller-alarms": {
        "aws:region": "us-west-2",
        "s3proxy:allowedActions": ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject"],
        "s3proxy:buckets": ["acme-home"],
        "s3proxy:integrationCredentials": "caller",
        "s3proxy:callerFolders": "username",
        "s3proxy:apiDescription": "Home folders",
        "s3proxy:minimumCompressionSize": 1024,
        "s3proxy:alarms": True,
        "s3proxy:alarmServerErrorRate": "0.02",
        "s3proxy:alarmClientErrorRate": "0.25",
        "s3proxy:alarmIntegrationLatencyP99Ms": "750.5",
        "s3proxy:alarmPeriodSeconds": 120,
        "s3proxy:alarmEvaluationPeriods": 3,
        "s3proxy:alarmTopicArn": "arn:aws:sns:us-west-2:111122223333:alerts",
    },
    "domain-only-alarms": {
        "aws:region": "eu-west-1",
        "s3proxy:allowedActions": ["s3:*"],
        "s3proxy:customDomainName": "files.example.org",
        "s3proxy:customDomainCertificateArn": CERTIFICATE.replace("us-east-1", "eu-west-1"),
        "s3proxy:disableExecuteApiEndpoint": True,
        "s3proxy:minimumCompressionSize": 0,
        "s3proxy:alarms": True,
        "s3proxy:corsAllowOrigin": "https://app.example.org",
        "s3proxy:metadataHeaders": ["x-amz-meta-owner"],
    },
}


class RequestMonitor(MockMonitor):
    """Keeps every RegisterResource request (less where in the code it was made) and every component's outputs."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.requests: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:
        fields = json_format.MessageToDict(request)
        for where in ("sourcePosition", "stackTrace"):  # the lines of code that registered it: not behaviour
            fields.pop(where, None)
        # Dependencies are sets: the SDK sends them in the order its Outputs happened to resolve.
        fields["dependencies"] = sorted(fields.get("dependencies", []))
        for urns in fields.get("propertyDependencies", {}).values():
            urns["urns"] = sorted(urns.get("urns", []))
        self.requests[f"{request.type}::{request.name}"] = fields
        return super().RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.requests[f"outputs::{request.urn}"] = json_format.MessageToDict(request)
        return super().RegisterResourceOutputs(request)


def rendered_stack(stack: str, root: Path) -> dict[str, Any]:
    mocks = RecordingMocks(stack_config(stack, root).get("aws:region", "us-east-1"))
    monitor = RequestMonitor(mocks)
    outputs, _ = run_program(stack, mocks, root, monitor)
    return {
        "outputs": dict(outputs),
        "secret": sorted(outputs.secret),
        "requests": dict(sorted(monitor.requests.items())),
    }


def rendered_with_outputs() -> dict[str, Any]:
    mocks = RecordingMocks("us-east-1")
    monitor = RequestMonitor(mocks)

    def program() -> dict[str, Any]:
        late = pulumi.Output.from_input
        api = S3ProxyApi(
            "outputs",
            {
                "allowed_actions": ["s3:*"],
                "buckets": [late(f"bucket-{i:03d}-" + "x" * 40) for i in range(300)],
                "stage_name": late("live"),
                "tags": {"team": late("files")},
                "cors": {"allow_origin": late("https://app.example.com"), "allow_headers": [late("X-One")]},
                "method_throttling": {"GET /{folder}/{item+}": {"rate_limit": late(2.5)}},
                "web_acl_arn": late("arn:aws:wafv2:us-east-1:111122223333:regional/webacl/w/0a1b"),
                "stage_variables": {"v": late("1")},
                "kms_key_arns": late(["arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"]),
                "metadata_headers": [late("x-amz-meta-Owner")],
                "access_logs": {"retention_days": late(14)},
                "api_keys": {"names": ["k"], "quota_limit": late(10), "quota_period": late("week")},
                "description": late("late description"),
                "minimum_compression_size": late(2048),
                "alarms": {"period_seconds": late(600), "topic_arn": late("arn:aws:sns:us-east-1:111122223333:t")},
            },
        )
        caller = S3ProxyApi(
            "caller",
            {
                "allowed_actions": ["s3:GetObject"],
                "integration_credentials": "caller",
                "caller_folders": late("userid"),
            },
        )
        names = ("url", "policy", "openapi", "routes", "api_keys", "domain_target", "dashboard_name", "deployer_policy")
        return {name: getattr(api, name) for name in names} | {
            f"caller {name}": getattr(caller, name)
            for name in ("role_arn", "policy", "caller_policy", "deployer_policy")
        }

    outputs, _ = run_with_mocks(program, mocks, project="test", stack="test", config={}, monitor=monitor)
    return {"outputs": outputs, "requests": dict(sorted(monitor.requests.items()))}


def main() -> None:
    rendered = {stack: rendered_stack(stack, ROOT) for stack in ("dev", "prod")}
    for example in ("embedded", "cognito"):
        rendered[f"examples/{example}"] = rendered_stack("dev", ROOT / "examples" / example)
    for stack, config in EXTRA_STACKS.items():
        with tempfile.TemporaryDirectory() as directory:
            shutil.copy(ROOT / "__main__.py", directory)
            shutil.copy(ROOT / "Pulumi.yaml", directory)
            (Path(directory) / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
            rendered[stack] = rendered_stack(stack, Path(directory))
    rendered["component with Outputs"] = rendered_with_outputs()
    text = json.dumps(rendered, indent=1, sort_keys=True, default=str)
    print(text.replace(tempfile.gettempdir(), "<tmp>"))


if __name__ == "__main__":
    main()
