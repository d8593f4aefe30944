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
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from .localstack import LocalStackMocks, PlanMocks, Step, UnsupportedResourceError, default_endpoint
from .program import ROOT, StackOutputs, run_program, run_reporting_errors, stack_config
from .report import reporting_errors
from .state import StackState


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def record_path(stack: str, root: Path = ROOT) -> Path:
    return root / ".local" / stack / "deployment.json"


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
    (type, name) of every resource LocalStack cannot hold. No call is made."""
    region = stack_config(stack, root).get("aws:region", "us-east-1")
    mocks = PlanMocks(StackState.load(record_path(stack, root)), region, root)
    run_program(stack, mocks, root, mocks.monitor)
    return mocks.steps + mocks.deletions(), mocks.unsupported


def refuse_unsupported(unsupported: list[tuple[str, str]]) -> None:
    from .resources import supported_types

    types = sorted({typ for typ, _ in unsupported})
    names = ", ".join(f"{name} ({typ})" for typ, name in unsupported)
    raise UnsupportedResourceError(
        f"LocalStack cannot hold resource types {', '.join(types)} (resources: {names}); nothing was created. "
        f"Run with --skip-unsupported (make up SKIP_UNSUPPORTED=1) to deploy the rest without them. "
        f"Supported types: {', '.join(supported_types())}"
    )


def up(stack: str, root: Path = ROOT, endpoint: str | None = None, skip_unsupported: bool = False) -> StackOutputs:
    """Bring the stack's LocalStack deployment to what the program registers; return its outputs."""
    state = load_state(stack, root, endpoint)
    mocks = LocalStackMocks(state, skip_unsupported, log)
    mocks.recover()
    mocks.refresh()
    _, unsupported = plan(stack, root)
    if unsupported and not skip_unsupported:
        refuse_unsupported(unsupported)
    state.save()
    log(f"Updating stack {stack} in LocalStack ({state.endpoint}, {state.region})")
    outputs, _ = run_program(stack, mocks, root, mocks.monitor)
    mocks.delete_unregistered()
    state.outputs = outputs
    state.save()
    unchanged = len(state.resources) - sum(1 for line in mocks.steps if line.op != " ")
    log(f"Resources: {len(state.resources)} ({max(unchanged, 0)} unchanged)")
    return outputs


def down(stack: str, root: Path = ROOT, endpoint: str | None = None) -> bool:
    """Delete everything the stack's state records; False when there is no state."""
    path = record_path(stack, root)
    if not path.is_file():
        return False
    state = load_state(stack, root, endpoint)
    log(f"Destroying stack {stack} in LocalStack ({state.endpoint})")
    LocalStackMocks(state, log=log).destroy()
    path.unlink()
    return True


WORDS = {"+": "create", "~": "update", "+-": "replace", "-": "delete", " ": "same"}


def shown(value: Any) -> str:
    """A value as the diff shows it: long text by size and digest."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if len(text) <= 80:
        return text
    return f"<{len(text)} bytes, sha256 {hashlib.sha256(text.encode()).hexdigest()[:12]}>"


def plan_lines(steps: list[Step]) -> list[str]:
    """`pulumi preview --diff`'s view: one line per resource, the changed inputs under it."""
    lines = [f"     {'Type':<50} {'Name':<36} Plan"]
    for step in steps:
        info = f"  [diff: {' '.join('~' + key for key in step.changed)}]" if step.changed else ""
        lines.append(f" {step.op:<3} {step.type:<50} {step.name:<36} {WORDS[step.op]}{info}")
        for key in step.changed:
            if key == "*":
                lines.append("       (an interrupted update: every input is applied again)")
                continue
            old, new = (step.old or {}).get(key), (step.new or {}).get(key)
            lines.append(f"       {'~' if step.op == '~' else '+-'} {key}: {shown(old)} => {shown(new)}")
    counts = {op: sum(1 for step in steps if step.op == op) for op in WORDS}
    summary = [f"{op} {counts[op]} to {WORDS[op]}" for op in ("+", "~", "+-", "-") if counts[op]]
    lines.append(f"\nResources:\n    {', '.join(summary) or 'no changes'}; {counts[' ']} unchanged")
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
        steps, unsupported = plan(options.stack, options.cwd)
        recorded = record_path(options.stack, options.cwd).is_file()
        print(f"Previewing update ({options.stack}) against {'its recorded state' if recorded else 'no state'}:\n")
        print("\n".join(plan_lines(steps)))
        if unsupported:
            print(f"\nLocalStack cannot hold: {', '.join(f'{name} ({typ})' for typ, name in unsupported)}")
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
