"""The embedding examples run as programs under the mock runtime: a platform stack and its consumer."""

import json
import re

import pulumi
from conftest import RecordingMocks

from tooling.program import ROOT, run_program

EMBEDDED = ROOT / "examples" / "embedded"
CONSUMER = ROOT / "examples" / "consumer"


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
