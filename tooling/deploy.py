"""`pulumi up` / `pulumi destroy` / `pulumi preview --diff` of a stack into LocalStack, without the CLI.

    python -m tooling.deploy up --stack dev [--skip-unsupported]   # progress on stderr; last stdout line: outputs
    python -m tooling.deploy preview --stack dev                     # the plan against the recorded state
    python -m tooling.deploy down --stack dev

The state of each stack is recorded in `.local/<stack>/deployment.json` (see `tooling.state`). `up`
first finishes whatever an interrupted run left (creates under way are found and deleted), plans the
run against the state and refuses, before anything is created, the resource types LocalStack cannot
hold (naming every one; `--skip-unsupported` skips exactly those), then applies the plan like the
engine: unchanged resources stay, changed ones are updated in place or replaced, new ones created,
and what the program no longer registers is deleted. A failing `up` keeps what it made in the state,
as the engine does: `up` again continues, `down` deletes it all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .engine import Planner, Provisioning, Step, UnsupportedResourceError, plan_lines, record_path
from .localstack import default_endpoint, disabled_services
from .program import ROOT, StackOutputs, run_program, run_reporting_errors, stack_config
from .provisioners import REGISTRY, supported_types
from .report import reporting_errors
from .state import StackState


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_state(stack: str, root: Path, endpoint: str | None = None) -> StackState:
    """The recorded state (a new one without). The endpoint: the one given, else the environment's
    (LOCALSTACK_ENDPOINT / LOCALSTACK_PORT), else the recorded one, else the default port's."""
    region = stack_config(stack, root).get("aws:region", "us-east-1")
    state = StackState.load(record_path(stack, root))
    from_environment = bool(os.environ.get("LOCALSTACK_ENDPOINT") or os.environ.get("LOCALSTACK_PORT"))
    if state is None:
        return StackState(record_path(stack, root), endpoint or default_endpoint(), region)
    state.region = region
    state.endpoint = endpoint or (default_endpoint() if from_environment else state.endpoint)
    return state


def plan(stack: str, root: Path = ROOT) -> tuple[list[Step], list[tuple[str, str]]]:
    """The steps `up` would take against the recorded state (all creations without one), and the
    (type, name) of every resource no provisioner can make. No call is made. A program that fails
    after registering such a resource (its placeholder outputs may not pass the program's own
    checks) is refused for that resource first."""
    region = stack_config(stack, root).get("aws:region", "us-east-1")
    planner = Planner(StackState.load(record_path(stack, root)), region, root)
    try:
        run_program(stack, planner, root, planner.monitor)
    except Exception as error:
        if planner.unsupported:
            raise refusal(planner.unsupported) from error
        raise
    return planner.steps + planner.deletions(), planner.unsupported


def refusal(unsupported: list[tuple[str, str]]) -> UnsupportedResourceError:
    types = sorted({typ for typ, _ in unsupported})
    names = ", ".join(f"{name} ({typ})" for typ, name in unsupported)
    return UnsupportedResourceError(
        f"LocalStack cannot hold resource types {', '.join(types)} (resources: {names}); nothing was created. "
        f"Run with --skip-unsupported (make up SKIP_UNSUPPORTED=1) to deploy the rest without them. "
        f"Supported types: {', '.join(supported_types())}"
    )


def up(stack: str, root: Path = ROOT, endpoint: str | None = None, skip_unsupported: bool = False) -> StackOutputs:
    """Bring the stack's LocalStack deployment to what the program registers; return its outputs."""
    state = load_state(stack, root, endpoint)
    provisioning = Provisioning(state, root, skip_unsupported=skip_unsupported, log=log)
    provisioning.recover()
    provisioning.refresh()
    steps, unsupported = plan(stack, root)
    provisioning.unavailable = frozenset(disabled_services(state.endpoint))
    unsupported += [
        (s.type, s.name) for s in steps if s.op != "-" and REGISTRY[s.type].service in provisioning.unavailable
    ]
    if unsupported and not skip_unsupported:
        raise refusal(unsupported)
    state.save()
    log(f"Updating stack {stack} in LocalStack ({state.endpoint}, {state.region})")
    outputs, _ = run_program(stack, provisioning, root, provisioning.monitor)
    provisioning.delete_unregistered()
    state.outputs = outputs
    state.save()
    unchanged = len(state.resources) - sum(1 for line in provisioning.steps if line.op != " ")
    log(f"Resources: {len(state.resources)} ({max(unchanged, 0)} unchanged)")
    return outputs


def down(stack: str, root: Path = ROOT, endpoint: str | None = None) -> bool:
    """Delete everything the stack's state records; False when there is no state."""
    path = record_path(stack, root)
    if not path.is_file():
        return False
    state = load_state(stack, root, endpoint)
    log(f"Destroying stack {stack} in LocalStack ({state.endpoint})")
    Provisioning(state, root, log=log).destroy()
    path.unlink()
    return True


def preview(stack: str, root: Path = ROOT) -> list[str]:
    """`pulumi preview --diff`'s lines: the plan against the recorded state (or against none)."""
    steps, unsupported = plan(stack, root)
    recorded = record_path(stack, root).is_file()
    lines = [f"Previewing update ({stack}) against {'its recorded state' if recorded else 'no state'}:", ""]
    lines += plan_lines(steps)
    if unsupported:
        lines.append(f"\nLocalStack cannot hold: {', '.join(f'{name} ({typ})' for typ, name in unsupported)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "preview"])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--cwd", type=Path, default=ROOT, help="the project directory (like `pulumi --cwd`)")
    parser.add_argument(
        "--skip-unsupported", action="store_true", help="deploy without the resources LocalStack cannot hold"
    )
    options = parser.parse_args(argv)
    if options.command == "down":
        if not down(options.stack, options.cwd):
            log(f"Stack {options.stack} has no LocalStack deployment: nothing to destroy")
        return 0
    if options.command == "preview":
        print("\n".join(preview(options.stack, options.cwd)))
        return 0
    try:
        outputs = run_reporting_errors(
            lambda: up(options.stack, options.cwd, skip_unsupported=options.skip_unsupported)
        )
    except UnsupportedResourceError as error:
        log(f"error: {error}")
        return 1
    print(json.dumps(outputs.shown(), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(reporting_errors(main))
