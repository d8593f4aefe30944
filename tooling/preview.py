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

from pulumi.runtime.mocks import MockMonitor

from .placeholders import PreviewMocks
from .program import ROOT, run_program, run_reporting_errors, stack_config
from .report import reporting_errors


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
    # Imported here: this module (its PreviewMocks) is used where the tooling's boto3 is not installed.
    from .deploy import preview
    from .engine import record_path

    if not options.json and record_path(options.stack, options.cwd).is_file():
        # Deployed locally: the plan against the recorded state, like `pulumi preview --diff`.
        print("\n".join(preview(options.stack, options.cwd)))
        return 0
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
