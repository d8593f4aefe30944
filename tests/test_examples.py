"""The embedding examples run as programs under the mock runtime: a platform stack and its consumer."""

import json
import re

import pulumi
from conftest import RecordingMocks

from tooling.program import ROOT, run_program

EMBEDDED = ROOT / "examples" / "embedded"
CONSUMER = ROOT / "examples" / "consumer"
COGNITO = ROOT / "examples" / "cognito"


def states(monitor):
    return {
        urn.rpartition("::")[2]: (urn.split("::")[2].rpartition("$")[2], r.state)
        for urn, r in monitor.resources.items()
    }


def test_embedded_stack_scopes_the_api_to_its_own_bucket():
    outputs, monitor = run_program("dev", RecordingMocks("us-east-1"), EMBEDDED)
    resources = states(monitor)
    assert resources["reports"][0] == "aws:s3/bucket:Bucket"
    bucket = outputs["bucket"]  # auto-named: the name is the bucket's output
    assert re.fullmatch(r"reports-[0-9a-f]{7}", bucket)  # the preview mocks name it as the provider does
    policy = json.loads(resources["reports-api-policy"][1]["policy"])
    arns = {arn for statement in policy["Statement"] for arn in statement["Resource"]}
    assert arns == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/incoming/*"}
    assert "HEAD /{folder} -> s3:ListBucket" not in outputs["routes"]  # under a key prefix
    assert outputs["stage_name"] == "dev"


class PlatformReference(RecordingMocks):
    """The platform stack's outputs, as a StackReference reads them."""

    def __init__(self, region, platform_outputs):
        super().__init__(region)
        self.platform_outputs = platform_outputs

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ == "pulumi:pulumi:StackReference":
            return args.name, {"name": args.name, "outputs": self.platform_outputs}
        return super().new_resource(args)


def test_consumer_reads_the_platform_outputs_through_a_stack_reference():
    platform, _ = run_program("dev", RecordingMocks("us-east-1"), EMBEDDED)
    outputs, monitor = run_program("dev", PlatformReference("us-east-1", dict(platform)), CONSUMER)
    assert outputs["api_url"] == platform["url"]
    resources = states(monitor)
    assert resources["organization/files-platform/dev"][0] == "pulumi:pulumi:StackReference"
    grant = json.loads(resources["invoke-reports-api"][1]["policy"])["Statement"][0]
    assert grant["Action"] == "execute-api:Invoke"
    assert grant["Resource"] == [f"{platform['execution_arn']}/GET/*/*", f"{platform['execution_arn']}/PUT/*/*"]


def test_the_cognito_example_gives_the_pools_authenticated_role_the_per_user_caller_policy():
    outputs, monitor = run_program("dev", RecordingMocks("us-east-1"), COGNITO)
    resources = states(monitor)
    assert not [name for name, (typ, _) in resources.items() if typ == "aws:iam/role:Role" and name.startswith("files")]
    role_policy = resources["authenticated-files"][1]
    assert json.loads(role_policy["policy"]) == json.loads(outputs["caller_policy"])
    objects = json.loads(outputs["caller_policy"])["Statement"][2]
    assert objects["Resource"] == [f"arn:aws:s3:::{outputs['bucket']}/${{cognito-identity.amazonaws.com:sub}}/*"]
    trust = json.loads(resources["authenticated"][1]["assumeRolePolicy"])["Statement"][0]
    assert trust["Condition"]["StringEquals"] == {"cognito-identity.amazonaws.com:aud": outputs["identity_pool_id"]}
    assert trust["Condition"]["ForAnyValue:StringLike"] == {"cognito-identity.amazonaws.com:amr": "authenticated"}
    attachment = resources["identity-roles"][1]
    assert attachment["roles"] == {"authenticated": resources["authenticated"][1]["arn"]}
    assert resources["identities"][1]["allowUnauthenticatedIdentities"] is False
