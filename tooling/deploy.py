"""`pulumi up` / `pulumi destroy` of a stack into LocalStack, without the Pulumi CLI.

    python -m tooling.deploy up --stack dev     # progress on stderr; last stdout line: outputs JSON
    python -m tooling.deploy down --stack dev

`up` runs the unchanged `__main__.py` with `LocalStackMocks`, which creates every resource for real.
What it created is recorded in `.local/<stack>/deployment.json`; `up` again first deletes the
previous deployment of that stack, `down` deletes it all, newest first. A failing `up` deletes what
it had created, so nothing is left half-built.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .localstack import Deployment, LocalStackMocks, default_endpoint
from .program import ROOT, StackOutputs, run_program, run_reporting_errors, stack_config


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def record_path(stack: str, root: Path = ROOT) -> Path:
    return root / ".local" / stack / "deployment.json"


def down(stack: str, root: Path = ROOT) -> bool:
    """Delete the stack's recorded deployment; False when there was none."""
    deployment = Deployment.load(record_path(stack, root))
    if deployment is None:
        return False
    log(f"Destroying stack {stack} in LocalStack ({deployment.endpoint})")
    deployment.destroy(log)
    return True


def up(stack: str, root: Path = ROOT, endpoint: str | None = None) -> StackOutputs:
    """Deploy the stack into LocalStack (replacing its previous deployment); return its outputs."""
    if down(stack, root):
        log(f"Replaced the previous deployment of stack {stack}")
    deployment = Deployment(
        path=record_path(stack, root),
        endpoint=endpoint or default_endpoint(),
        region=stack_config(stack, root).get("aws:region", "us-east-1"),
    )
    deployment.save()
    log(f"Deploying stack {stack} into LocalStack ({deployment.endpoint}, {deployment.region})")
    try:
        outputs, _ = run_program(stack, LocalStackMocks(deployment), root)
    except BaseException:
        log("Deployment failed: deleting what it had created")
        deployment.destroy(log)
        raise
    for entry in deployment.resources:
        log(f"  + {entry['type']} {entry['name']} ({entry['id']})")
    deployment.outputs = outputs
    deployment.save()
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down"])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--cwd", type=Path, default=ROOT, help="the project directory (like `pulumi --cwd`)")
    options = parser.parse_args(argv)
    if options.command == "down":
        if not down(options.stack, options.cwd):
            log(f"Stack {options.stack} has no LocalStack deployment: nothing to destroy")
        return 0
    outputs = run_reporting_errors(lambda: up(options.stack, options.cwd))
    print(json.dumps(outputs.shown(), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
