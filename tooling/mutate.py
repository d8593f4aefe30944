"""`make mutate`: mutation testing of `components/` and `s3proxy_client/` with mutmut, within a time budget.

Each package is mutated in its own copy of the checkout (`.mutate/<package>/`: the tracked files, so the
worktree itself is never mutated), against a focused offline test selection: the tests that exercise it,
without LocalStack. Prints, per package, the score (killed / mutants tested) and every surviving mutant with
its diff; exits 1 when a package is below its goal (or ran out of time). `--survivors` tests again only the
last run's survivors, against the tests as they are now (after adding a test); `--resume` goes on with the
mutants a run stopped by its budget left unchecked, keeping the verdicts so far. docs/mutation.md says why
each survivor left is equivalent or not worth a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutate"
CAUGHT = {"killed", "timeout", "caught by type check"}  # a mutant that hangs (timeout) is caught too


@dataclass(frozen=True)
class Target:
    package: str
    tests: tuple[str, ...]
    goal: float  # the share of tested mutants that must be killed
    isolation: str = "fork"
    """How mutmut starts each mutant's test run: `fork` (from the process that collected the tests), or
    `forkserver` for tests that are not fork-safe: the Pulumi SDK's mock runtime (gRPC, threads) hangs in a
    child forked after it ran."""


# The client's offline tests: one file per job (tests/test_client_*.py), the CLI's, the Postman collection's and
# the server-side operations' (against moto's S3).
CLIENT_TESTS = (
    *sorted(path.relative_to(ROOT).as_posix() for path in ROOT.glob("tests/test_client_*.py")),
    "tests/test_cli.py",
    "tests/test_cli_recursive.py",
    "tests/test_postman.py",
    "tests/test_server_side_client.py",
)
TARGETS = (
    Target(
        "components",
        (
            "tests/test_catalogue.py",
            "tests/test_config.py",
            "tests/test_input_table.py",
            "tests/test_openapi.py",
            "tests/test_policy.py",
            "tests/test_component.py",
            "tests/test_stage_features.py",
            "tests/test_wiring.py",
            "tests/test_embedding.py",
            "tests/test_inputs.py",
            "tests/test_policy_scale.py",
            "tests/test_aws_rules.py",
            "tests/test_provider_rules.py",
            "tests/test_production_buckets.py",
            "tests/test_program.py",
            "tests/test_caller_mode.py",
            "tests/test_caller_folders.py",
            "tests/test_alarms.py",
            "tests/test_api_settings.py",
            "tests/test_response_headers.py",
            "tests/test_iam_enforced.py",
            "tests/test_server_side_iam.py",
            "tests/test_examples.py",
        ),
        0.94,
        "forkserver",
    ),
    Target("s3proxy_client", CLIENT_TESTS, 0.94),
)
# Offline test modules that run a package's code but are not in its selection, and why (tests/test_mutate.py checks
# that every other one is selected: a module left out silently lets its code's mutants survive).
LEFT_OUT = {
    "tests/test_package_schema.py": "runs the provider host as a subprocess over gRPC, and checks the schema the "
    "SDK infers rather than the component's logic",
    "tests/test_postman.py": "the client's Postman collection: it renders a stack only for its outputs",
    "tests/test_dist.py": "builds both wheels and installs them into fresh virtualenvs (minutes a run)",
    "tests/test_stack_config.py": "runs `make` in the checkout, which the mutated copy (without a virtualenv) is not",
}
# What the tests import or read besides the package under test and tests/ (which mutmut copies itself).
ALSO_COPY = (
    "components",
    "s3proxy_client",
    "tooling",
    "__main__.py",
    "examples",
    "Pulumi.yaml",
    "Pulumi.dev.yaml",
    "Pulumi.prod.yaml",
    "VERSION",
)


def checkout_copy(destination: Path) -> None:
    """The tracked files of the checkout (as they are on disk) under `destination`."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in tracked.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)


def configure(directory: Path, target: Target) -> None:
    """mutmut reads its settings from pyproject.toml's [tool.mutmut]: one package, its tests."""
    settings = {
        "source_paths": [f"{target.package}/"],
        "also_copy": [name for name in ALSO_COPY if name != target.package],
        "pytest_add_cli_args_test_selection": list(target.tests),
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-q"],
        "process_isolation": target.isolation,
    }
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    with (directory / "pyproject.toml").open("a") as pyproject:
        pyproject.write("\n".join(lines) + "\n")


@dataclass
class Outcome:
    target: Target
    counts: dict[str, int]
    survivors: list[str]
    diffs: dict[str, str]
    seconds: float
    finished: bool

    @property
    def tested(self) -> int:
        """Every mutant checked; those no test reaches ("no tests") count as survivors."""
        return sum(self.counts.values()) - self.counts.get("not checked", 0)

    @property
    def score(self) -> float:
        caught = sum(count for status, count in self.counts.items() if status in CAUGHT)
        return caught / self.tested if self.tested else 0.0


def mutmut(directory: Path, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).parent / "mutmut"
    environment = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [str(executable), *args], cwd=directory, capture_output=True, text=True, timeout=timeout, env=environment
    )


# mutmut's progress spinner: each of its redraws is a line starting with one of these.
SPINNER = frozenset("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")


def said(ran: subprocess.CompletedProcess[str]) -> str:
    """The end of what mutmut printed, without its spinner's redrawn lines (thousands of them over a long run)."""
    lines = [line for line in (ran.stdout + ran.stderr).splitlines() if line.strip() and line[0] not in SPINNER]
    return "\n".join(lines[-40:])


def run_target(target: Target, budget: float, children: int, survivors_only: bool, resume: bool) -> Outcome:
    started = time.monotonic()
    directory = WORK / target.package
    previous = survivors(directory) if survivors_only else []
    if not (survivors_only or resume):
        shutil.rmtree(directory, ignore_errors=True)  # a fresh run: no result carried over
    # Resuming, mutmut is given no names: it checks only the mutants without a verdict.
    directory.mkdir(parents=True, exist_ok=True)
    checkout_copy(directory)
    configure(directory, target)
    # The Postman tests run newman: the copy's tests find it where the checkout's `make node-deps` put it.
    node_modules = directory / "mutants" / "node_modules"
    if (ROOT / "node_modules").is_dir() and not node_modules.exists():
        node_modules.parent.mkdir(exist_ok=True)
        node_modules.symlink_to(ROOT / "node_modules", target_is_directory=True)
    finished = True
    try:
        ran = mutmut(directory, "run", "--max-children", str(children), *previous, timeout=budget)
        if ran.returncode not in (0, 1):
            raise RuntimeError(f"mutmut run failed ({ran.returncode}):\n{said(ran)}")
    except subprocess.TimeoutExpired:
        finished = False  # mutmut keeps the results so far: they are reported
    statuses = results(directory)
    if finished and ran.returncode != 0 and all(status == "not checked" for status in statuses.values()):
        # mutmut exits 1 both for "survivors left" and for a test selection that fails unmutated: say which.
        raise RuntimeError(f"mutmut checked no mutant ({ran.returncode}; does a test fail unmutated?):\n{said(ran)}")
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    left = sorted(name for name, status in statuses.items() if status not in CAUGHT | {"not checked"})
    diffs = mutant_diffs(directory, left)
    return Outcome(target, counts, left, diffs, time.monotonic() - started, finished)


# `mutmut show NAME` per survivor costs a second each (hundreds of survivors: minutes); mutmut's own diff
# function (mutmut is pinned in requirements-mutate.txt) makes them all in one process.
SHOW_ALL = """
import sys
from mutmut.__main__ import cli  # noqa: F401 (loads mutmut's settings as its command line does)
from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant
for name in sys.argv[1:]:
    print(f"\\0{name}\\n{get_diff_for_mutant(name, path=find_mutant(name).path)}")
"""


def mutant_diffs(directory: Path, names: list[str]) -> dict[str, str]:
    """Each mutant's diff, by name."""
    if not names:
        return {}
    shown = subprocess.run(
        [sys.executable, "-c", SHOW_ALL, *names], cwd=directory, capture_output=True, text=True, check=True
    ).stdout
    return {name: diff.strip() for name, _, diff in (chunk.partition("\n") for chunk in shown.split("\0")[1:])}


def results(directory: Path) -> dict[str, str]:
    """Every mutant's status (killed, survived, timeout, no tests, not checked, ...) as mutmut recorded it."""
    if not (directory / "mutants").is_dir():
        return {}
    listed = mutmut(directory, "results", "--all", "true").stdout
    return dict(re.findall(r"^\s+(\S+): (.+)$", listed, flags=re.MULTILINE))


def survivors(directory: Path) -> list[str]:
    return sorted(name for name, status in results(directory).items() if status not in CAUGHT | {"not checked"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", help="components, s3proxy_client (default: both)")
    parser.add_argument("--budget", type=float, default=1800, help="seconds per package (default 1800)")
    parser.add_argument("--children", type=int, default=2, help="parallel mutant runs (default 2: this machine)")
    parser.add_argument("--survivors", action="store_true", help="test only the last run's survivors again")
    parser.add_argument("--resume", action="store_true", help="go on with the mutants the last run left unchecked")
    parser.add_argument("--json", type=Path, help="also write the outcome as JSON to this file")
    options = parser.parse_args(argv)
    if options.survivors and options.resume:
        parser.error("--survivors and --resume: choose one (survivors re-checks verdicts, resume adds missing ones)")
    chosen = [t for t in TARGETS if not options.packages or t.package in options.packages]
    failed = False
    report = {}
    for target in chosen:
        outcome = run_target(target, options.budget, options.children, options.survivors, options.resume)
        met = outcome.finished and outcome.score >= target.goal
        failed |= not met
        counts = ", ".join(f"{status} {count}" for status, count in sorted(outcome.counts.items()))
        print(
            f"{target.package}: {outcome.score:.1%} of {outcome.tested} mutants killed (goal {target.goal:.0%}: "
            f"{'met' if met else 'NOT met'}) in {outcome.seconds:.0f} s{'' if outcome.finished else ', OUT OF TIME'}"
            f" [{counts}]"
        )
        for name in outcome.survivors:
            print(f"  survived: {name}")
            print("    " + outcome.diffs[name].replace("\n", "\n    "))
        report[target.package] = {
            "score": round(outcome.score, 4),
            "tested": outcome.tested,
            "counts": outcome.counts,
            "survivors": outcome.survivors,
            "seconds": round(outcome.seconds),
            "finished": outcome.finished,
        }
    if options.json:
        options.json.write_text(json.dumps(report, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
