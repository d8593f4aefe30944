"""`pulumi preview` without the CLI: run a stack's program under mocks and show what it would create.

    python -m tooling.preview --stack dev [--json]

The mocks fabricate AWS-shaped ids and ARNs (account 123456789012); nothing is deployed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor

from .program import ROOT, provider_id, run_program, run_reporting_errors, stack_config
from .report import reporting_errors

ACCOUNT_ID = "123456789012"


class PreviewMocks(pulumi.runtime.Mocks):
    """AWS-shaped fake ids and outputs for the resource types and functions the program uses."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.provider_regions: dict[str, str] = {}  # explicit provider id -> its region

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        if args.token == "aws:index/getRegion:getRegion":
            # A provider reference is "<urn>::<id>"; without one the default provider answers.
            region = self.provider_regions.get(provider_id(args.provider), self.region)
            return {"region": region, "name": region, "id": region}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:aws:iam::{ACCOUNT_ID}:user/preview"
            return {"accountId": ACCOUNT_ID, "arn": arn, "userId": "AIDAPREVIEW", "id": ACCOUNT_ID}
        raise NotImplementedError(f"PreviewMocks has no result for function {args.token}")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        state = dict(args.inputs)
        region = state.get("region") or self.region
        fake_id = hashlib.sha256(args.name.encode()).hexdigest()[:10]
        if args.typ == "pulumi:providers:aws":
            self.provider_regions[fake_id] = region
        if args.typ == "aws:iam/role:Role":
            return args.name, state | {"arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{args.name}", "name": args.name}
        if args.typ == "aws:apigateway/restApi:RestApi":
            execution_arn = f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{fake_id}"
            return fake_id, state | {"executionArn": execution_arn, "rootResourceId": fake_id[:6]}
        if args.typ == "aws:apigateway/stage:Stage":
            api, stage = state.get("restApi"), state.get("stageName")
            if api is None or stage is None:  # unknown in a preview: so are the URL and the ARNs
                return f"ags-{fake_id}", state
            return f"ags-{api}-{stage}", state | {
                "invokeUrl": f"https://{api}.execute-api.{region}.amazonaws.com/{stage}",
                "executionArn": f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{api}/{stage}",
                "arn": f"arn:aws:apigateway:{region}::/restapis/{api}/stages/{stage}",
            }
        if args.typ == "aws:apigateway/apiKey:ApiKey":
            return fake_id, state | {"value": f"preview-key-{fake_id}"}
        if args.typ == "aws:apigateway/domainName:DomainName":
            return state.get("domainName", fake_id), state | {
                "regionalDomainName": f"d-{fake_id}.execute-api.{region}.amazonaws.com",
                "cloudfrontDomainName": f"{fake_id}.cloudfront.net",
            }
        if args.typ == "aws:s3/bucket:Bucket":  # auto-named as the provider does: name + '-' + 7 hex digits
            bucket = state.get("bucket") or f"{args.name}-{fake_id[:7]}"
            return bucket, state | {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}
        if args.typ == "aws:cloudwatch/logGroup:LogGroup":
            return args.name, state | {"arn": f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{args.name}"}
        return fake_id, state


def resource_tree(monitor: MockMonitor, stack_name: str) -> list[str]:
    """One line per resource, indented under its parent, as `pulumi preview` shows them.

    A mock URN's type is `<parent type>$<type>`, so depths follow from the parents' depths."""
    depth_of = {"pulumi:pulumi:Stack": 0}
    lines = [f" +   {'pulumi:pulumi:Stack':<52} {stack_name}"]
    for urn in monitor.resources:
        type_chain, name = urn.split("::")[2:4]
        parent_type, _, own_type = type_chain.rpartition("$")
        depth = depth_of[own_type] = depth_of.get(parent_type, 0) + 1
        lines.append(f" +   {'   ' * depth}{own_type:<{52 - 3 * depth}} {name}")
    return lines


def summarize(outputs: dict[str, Any]) -> dict[str, Any]:
    """The outputs with the two long JSON documents shown by size and digest."""
    shown = dict(outputs)
    for key in ("openapi", "policy"):
        if isinstance(shown.get(key), str):
            text = shown[key]
            shown[key] = f"<{len(text)} bytes of JSON, sha256 {hashlib.sha256(text.encode()).hexdigest()[:12]}>"
    return shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--json", action="store_true", help="print the full stack outputs as one JSON object")
    parser.add_argument("--cwd", type=Path, default=ROOT, help="the project directory (like `pulumi --cwd`)")
    options = parser.parse_args(argv)
    from .deploy import main as deploy
    from .deploy import record_path

    if not options.json and record_path(options.stack, options.cwd).is_file():
        # Deployed locally: the plan against the recorded state, like `pulumi preview --diff`.
        return deploy(["preview", "--stack", options.stack, "--cwd", str(options.cwd)])
    region = stack_config(options.stack, options.cwd).get("aws:region", "us-east-1")
    outputs, monitor = run_reporting_errors(lambda: run_program(options.stack, PreviewMocks(region), options.cwd))
    if options.json:
        print(json.dumps(outputs.shown(), indent=2, sort_keys=True))
        return 0
    print(f"Previewing update ({options.stack}) with the Pulumi SDK mock runtime: nothing is deployed.\n")
    print(f"     {'Type':<52} Name")
    print("\n".join(resource_tree(monitor, f"s3proxy-{options.stack}")))
    print("\nRoutes:")
    print("\n".join(f"    {route}" for route in outputs.get("routes", [])))
    print("\nOutputs:")
    for key, value in summarize(outputs.shown()).items():
        if key != "routes":
            print(f"    {key:<14}: {value}")
    print(f"\nResources:\n    + {len(monitor.resources) + 1} to create (the stack, the component and its children)")
    return 0


if __name__ == "__main__":
    sys.exit(reporting_errors(main))
