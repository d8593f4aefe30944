"""Benchmark: the dev stack's resource count and the time to run the whole program under the mock runtime.

    python benchmarks/program.py [--runs N]

Goals (issue #2): at most 6 resources (the component and its children), under 1 s per program run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tooling.preview import PreviewMocks
from tooling.program import run_program

RESOURCE_GOAL = 6
SECONDS_GOAL = 1.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--stack", default="dev")
    options = parser.parse_args()
    timings, counts = [], set()
    for _ in range(options.runs):
        started = time.perf_counter()
        outputs, monitor = run_program(options.stack, PreviewMocks("us-east-1"))
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
    print(f"openapi document: {len(outputs['openapi'])} bytes for {len(outputs['routes'])} routes")


if __name__ == "__main__":
    main()
