"""A local deployment's stack outputs: as JSON, like `pulumi stack output --json`, or the summary `make up` ends with.

    python -m tooling.outputs --stack dev [--outputs FILE]   # the outputs as JSON (secrets shown as [secret])
    python -m tooling.outputs --stack dev --summary          # URL, API id, number of routes, where the outputs are

The outputs are the file `make up` and `make demo` write, `.local/<stack>/outputs.json` by default.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .report import reporting_errors

# Shown by every local deployment: a newcomer would otherwise take an API writing outside its buckets for a bug.
IAM_NOT_ENFORCED = (
    "LocalStack does not enforce IAM: calls outside the role's policy succeed here; "
    "tests/test_policy.py and tests/test_iam_enforced.py prove the policy (docs/aws-rules.md)."
)


def read_outputs(path: Path, stack: str) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(
            f"stack {stack} has no outputs in {path}: `make up STACK={stack}` (or `make demo`) writes them"
        )
    outputs: dict[str, Any] = json.loads(path.read_text())
    return outputs


def summary(outputs: dict[str, Any], path: Path, stack: str) -> str:
    """What a newcomer needs after `make up`; every other output is in the file."""
    make_outputs = f"make outputs STACK={stack}"
    lines = [f"Stack {stack} is up:"]
    lines += [f"    {key:<12} {outputs[key]}" for key in ("url", "rest_api_id") if key in outputs]
    if isinstance(outputs.get("routes"), list):
        lines.append(f"    {'routes':<12} {len(outputs['routes'])} (`{make_outputs}` lists them)")
    lines += [f"    {'outputs':<12} {path} (`{make_outputs}` prints them as JSON)", IAM_NOT_ENFORCED]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--outputs", type=Path, help="the outputs file (default: .local/<stack>/outputs.json)")
    parser.add_argument("--summary", action="store_true", help="a short summary instead of the JSON")
    options = parser.parse_args(argv)
    path = options.outputs or Path(".local", options.stack, "outputs.json")
    outputs = read_outputs(path, options.stack)
    print(summary(outputs, path, options.stack) if options.summary else json.dumps(outputs, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(reporting_errors(main))
