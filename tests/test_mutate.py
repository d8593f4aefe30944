"""`make mutate`'s own logic: the mutmut settings it writes and how it scores what mutmut recorded."""

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from tooling import mutate
from tooling.mutate import ALSO_COPY, LEFT_OUT, TARGETS, Outcome, Target, configure


def test_each_package_is_mutated_against_its_own_tests(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 120\n")
    components, client = TARGETS
    configure(tmp_path, components)
    settings = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert settings["tool"]["ruff"] == {"line-length": 120}  # the project's settings stay
    mutmut = settings["tool"]["mutmut"]
    assert mutmut["source_paths"] == ["components/"]
    assert "tests/test_wiring.py" in mutmut["pytest_add_cli_args_test_selection"]
    assert not any("e2e" in test for test in mutmut["pytest_add_cli_args_test_selection"])  # offline only
    assert "components" not in mutmut["also_copy"] and "tooling" in mutmut["also_copy"]
    assert "VERSION" in mutmut["also_copy"]  # `components/__init__.py` reads it: without it no test imports
    assert "tests/test_policy_scale.py" in mutmut["pytest_add_cli_args_test_selection"]  # policy_split's tests
    assert mutmut["process_isolation"] == "forkserver"  # the Pulumi mock runtime hangs in a plain fork
    assert (client.package, client.goal, client.isolation) == ("s3proxy_client", 0.94, "fork")
    tests = Path(__file__).resolve().parent
    by_job = {f"tests/{path.name}" for path in tests.glob("test_client_*.py")}
    assert {"tests/test_client_upload.py", "tests/test_client_download.py"} <= by_job  # the glob finds them
    assert set(client.tests) == by_job | {
        "tests/test_cli.py",
        "tests/test_cli_recursive.py",
        "tests/test_postman.py",
        "tests/test_server_side_client.py",
    }
    assert components.goal == 0.94


def test_every_file_the_copies_need_and_every_selected_test_exists():
    root = Path(__file__).resolve().parent.parent
    for target in TARGETS:
        assert all((root / test).is_file() for test in target.tests), target.package
    assert all((root / name).exists() for name in ALSO_COPY)


def test_the_score_counts_what_no_test_reaches_as_survived_and_hangs_as_caught():
    outcome = Outcome(
        Target("p", (), 0.9),
        {"killed": 80, "timeout": 5, "survived": 10, "no tests": 5, "not checked": 100},
        [],
        {},
        1.0,
        True,
    )
    assert (outcome.tested, outcome.score) == (100, 0.85)
    assert Outcome(Target("p", (), 0.9), {"not checked": 3}, [], {}, 0.0, False).score == 0.0


def test_resume_keeps_the_verdicts_so_far_and_a_fresh_run_starts_over(tmp_path, monkeypatch):
    """mutmut itself stands in here (a full run takes an hour): what is checked is which directory survives
    and what mutmut is asked to do."""
    asked: list[tuple[str, ...]] = []

    def recorded(directory: Path, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        asked.append(args)
        listed = "    p.x_f__mutmut_1: killed\n" if args[0] == "results" else ""
        return subprocess.CompletedProcess(args, 0, listed, "")

    monkeypatch.setattr(mutate, "WORK", tmp_path)
    monkeypatch.setattr(mutate, "mutmut", recorded)
    monkeypatch.setattr(mutate, "checkout_copy", lambda destination: None)
    target = Target("p", ("tests/test_p.py",), 0.9)
    verdicts = tmp_path / "p" / "mutants" / "p.py.meta"
    verdicts.parent.mkdir(parents=True)
    verdicts.write_text("{}")
    resumed = mutate.run_target(target, 60, 2, survivors_only=False, resume=True)
    assert verdicts.exists() and asked[0] == ("run", "--max-children", "2")  # no names: the unchecked only
    assert (resumed.counts, resumed.score) == ({"killed": 1}, 1.0)
    mutate.run_target(target, 60, 2, survivors_only=False, resume=False)
    assert not verdicts.exists()


def test_resume_and_survivors_are_one_or_the_other(capsys):
    with pytest.raises(SystemExit):
        mutate.main(["--survivors", "--resume"])
    assert "--survivors and --resume: choose one" in capsys.readouterr().err


# What marks a test module as running a package's code: importing it, or (components) building the component or
# running the program through conftest's and tooling.program's helpers.
RUNS = {
    "components": (
        r"^\s*(from|import) components\b"
        r"|^\s*from conftest import .*\b(build|RecordingMocks)\b"
        r"|^\s*from tooling\.program import .*\brun_program"
    ),
    "s3proxy_client": r"^\s*(from|import) s3proxy_client\b",
}


def test_every_offline_test_module_running_a_package_is_in_its_selection_or_left_out_with_a_reason():
    # Found the hard way: test_alarms.py (which builds the component through conftest) and five other modules were
    # missing from the components' selection, and every mutant of components/alarms.py survived.
    root = Path(__file__).resolve().parent.parent
    for target in TARGETS:
        running = {
            f"tests/{path.name}"
            for path in (root / "tests").glob("test_*.py")
            if re.search(RUNS[target.package], path.read_text(), flags=re.MULTILINE)
        }
        assert running - set(target.tests) - set(LEFT_OUT) == set(), target.package
    assert set(LEFT_OUT) == {
        "tests/test_package_schema.py",
        "tests/test_postman.py",
        "tests/test_dist.py",
        "tests/test_stack_config.py",
    }


def test_what_mutmut_said_is_its_last_lines_without_the_spinner():
    spinner = "".join(f"{frame} Running stats\n" for frame in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏" * 100)
    ran = subprocess.CompletedProcess(
        [], 1, stdout="collecting\n" + spinner + "failed to collect stats. runner returned 1\n", stderr="E boom\n"
    )
    assert mutate.said(ran) == "collecting\nfailed to collect stats. runner returned 1\nE boom"
    many = subprocess.CompletedProcess([], 1, stdout="".join(f"line {n}\n" for n in range(100)), stderr="")
    assert mutate.said(many).splitlines() == [f"line {n}" for n in range(60, 100)]
