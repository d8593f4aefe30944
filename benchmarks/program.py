"""Benchmark: the dev stack's resource count and the time to run the whole program under the mock runtime; the
size of the API document and of the state a component leaves; a program of many components.

    python benchmarks/program.py [--runs N] [--components 1,10,25,50]

Goals: at most 6 resources (the component and its children), under 1 s per program run (issue #2). The OpenAPI
document at most 80 KB for dev and 90 KB for prod, the state a component leaves at most half of what it was with
every header mapped on every status (issue #25): the inputs and outputs of all its resources and the component's
own outputs, as the engine records them, here as the mock runtime receives and returns them. A program of N
components runs in a fresh process per N (its time and peak RSS beyond a program of none), growing linearly.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pulumi  # noqa: E402
from pulumi.runtime import rpc  # noqa: E402
from pulumi.runtime.mocks import MockMonitor  # noqa: E402

from tooling.preview import PreviewMocks  # noqa: E402
from tooling.program import run_program, run_with_mocks  # noqa: E402

RESOURCE_GOAL = 6
SECONDS_GOAL = 1.0
DOCUMENT_GOALS = {"dev": 80_000, "prod": 90_000}
# The state a component left with every response header mapped on every status (this benchmark run on
# commit 958edf0, whose documents were 184,949 and 193,899 bytes).
STATE_BEFORE = {"dev": 614_129, "prod": 647_279}


class RecordingMocks(PreviewMocks):
    """Preview mocks that keep each resource's inputs and the outputs they return, as the engine's state does."""

    def __init__(self, region: str) -> None:
        super().__init__(region)
        self.states: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        resource_id, outputs = super().new_resource(args)
        self.states.append((args.inputs, outputs))
        return resource_id, outputs


class RecordingMonitor(MockMonitor):
    """A mock monitor that keeps the outputs a component registers (the engine records them in its state)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.component_outputs: list[dict[str, Any]] = []

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.component_outputs.append(rpc.deserialize_properties(request.outputs))
        return super().RegisterResourceOutputs(request)


def state_bytes(stack: str) -> int:
    """The JSON size of the state the stack's component leaves: its resources' inputs and outputs, its outputs."""
    mocks = RecordingMocks("us-east-1")
    monitor = RecordingMonitor(mocks)
    run_program(stack, mocks, monitor=monitor)
    recorded = [*(value for pair in mocks.states for value in pair), *monitor.component_outputs]
    return sum(len(json.dumps(value, default=str, separators=(",", ":"))) for value in recorded)


def many_components(count: int) -> None:
    """Run inside a fresh process: a program of `count` dev-like components; print its seconds and peak RSS."""
    from components import S3ProxyApi

    def program() -> None:
        for number in range(count):
            S3ProxyApi(f"api{number}", {"allowed_actions": ["s3:*"], "stage_name": "dev"})

    started = time.perf_counter()
    run_with_mocks(program, PreviewMocks("us-east-1"), project="many", stack="dev", config={})
    seconds = time.perf_counter() - started
    peak = next(
        int(line.split()[1]) * 1024
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    )
    print(json.dumps({"seconds": seconds, "peak_rss": peak}))


def measure_components(count: int) -> dict[str, float]:
    ran = subprocess.run(
        [sys.executable, __file__, "--child-components", str(count)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return dict(json.loads(ran.stdout.splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--components", default="1,10,25,50")
    parser.add_argument("--child-components", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child_components is not None:
        many_components(options.child_components)
        return
    timings, counts = [], set()
    for _ in range(options.runs):
        started = time.perf_counter()
        _, monitor = run_program(options.stack, PreviewMocks("us-east-1"))
        timings.append(time.perf_counter() - started)
        counts.add(len(monitor.resources))
    (count,) = counts
    median = statistics.median(timings)
    print(
        f"stack {options.stack}: {count} resources (component + children), goal <= {RESOURCE_GOAL}: "
        f"{'met' if count <= RESOURCE_GOAL else 'MISSED'}"
    )
    print(
        f"program run under mocks, {options.runs} runs: median {median * 1000:.0f} ms, "
        f"min {min(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms"
    )
    print(
        f"ratio median/goal: {median / SECONDS_GOAL:.2f} (goal < 1.00: {'met' if median < SECONDS_GOAL else 'MISSED'})"
    )
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tooling.preview", "--stack", options.stack],
        check=True,
        capture_output=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    cold = time.perf_counter() - started
    print(
        f"cold `python -m tooling.preview` (interpreter, imports, program, printing): {cold * 1000:.0f} ms, "
        f"ratio to goal {cold / SECONDS_GOAL:.2f}"
    )
    for stack, goal in DOCUMENT_GOALS.items():
        stack_outputs, _ = run_program(stack, PreviewMocks("us-east-1"))
        size = len(stack_outputs["openapi"])
        print(
            f"openapi document, stack {stack}: {size} bytes for {len(stack_outputs['routes'])} routes, goal <= {goal}: "
            f"{'met' if size <= goal else 'MISSED'}"
        )
    for stack, before in STATE_BEFORE.items():
        size = state_bytes(stack)
        print(
            f"state the component leaves, stack {stack}: {size} bytes (its resources' inputs and outputs, its own), "
            f"{size / before:.2f} of the {before} before, goal <= 0.50: {'met' if size <= before / 2 else 'MISSED'}"
        )
    baseline = measure_components(0)
    component_counts = [int(count) for count in options.components.split(",")]
    for count in component_counts:
        figures = measure_components(count)
        seconds = figures["seconds"] - baseline["seconds"]
        memory = (figures["peak_rss"] - baseline["peak_rss"]) / 1e6
        print(
            f"program of {count:>2} component(s) under mocks: {figures['seconds']:.2f} s, peak RSS +{memory:.0f} MB "
            f"over none; per component {seconds / count * 1000:.0f} ms, {memory / count:.2f} MB"
        )


if __name__ == "__main__":
    main()
