"""`make up/preview PROJECT=dir` as `pulumi up --cwd dir`: dir's program with dir's own virtualenv's
packages, and a resource type LocalStack cannot hold named before the program's own checks can fail."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from tooling.program import ROOT

VERSION = f"python{sys.version_info.major}.{sys.version_info.minor}"


def project(directory: Path, program: str, runtime: str = "python") -> Path:
    (directory / "Pulumi.yaml").write_text(f"name: mine\nruntime: {runtime}\n")
    (directory / "__main__.py").write_text(program)
    (directory / "Pulumi.dev.yaml").write_text(json.dumps({"config": {"aws:region": "us-east-1"}}))
    return directory


def tooling(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *arguments], cwd=ROOT, capture_output=True, text=True, env=env)


VENV_PROGRAM = """
import pulumi
import greeting  # installed only in this project's virtualenv

pulumi.export("greeting", greeting.TEXT)
"""


def test_the_program_imports_what_its_own_virtualenv_holds(tmp_path):
    """Pulumi.yaml's `runtime.options.virtualenv` (Pulumi's Python runtime option), as `pulumi up` uses it."""
    project(tmp_path, VENV_PROGRAM, "{name: python, options: {virtualenv: env}}")
    packages = tmp_path / "env" / "lib" / VERSION / "site-packages"
    packages.mkdir(parents=True)
    (packages / "greeting.py").write_text('TEXT = "from the project venv"\n')
    done = tooling("tooling.preview", "--json", "--stack", "dev", "--cwd", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["greeting"] == "from the project venv"


def test_a_dot_venv_is_the_project_virtualenv_when_pulumi_yaml_names_none(tmp_path):
    project(tmp_path, VENV_PROGRAM)
    packages = tmp_path / ".venv" / "lib" / VERSION / "site-packages"
    packages.mkdir(parents=True)
    (packages / "greeting.py").write_text('TEXT = "dot venv"\n')
    done = tooling("tooling.preview", "--json", "--stack", "dev", "--cwd", str(tmp_path))
    assert json.loads(done.stdout)["greeting"] == "dot venv", done.stderr


def test_a_virtualenv_of_another_python_is_named_with_the_one_to_use(tmp_path):
    project(tmp_path, VENV_PROGRAM)
    (tmp_path / "venv" / "lib" / "python3.1" / "site-packages").mkdir(parents=True)
    done = tooling("tooling.preview", "--json", "--stack", "dev", "--cwd", str(tmp_path))
    assert done.returncode != 0
    assert f"has no {VERSION} packages (found: python3.1)" in done.stderr.strip().splitlines()[-1]


CHECKING_PROGRAM = """
import pulumi
import pulumi_aws as aws

topic = aws.sns.Topic("alerts")


def must_be_an_arn(arn):
    if not (arn or "").startswith("arn:"):
        raise ValueError(f"alerts: the topic ARN {arn!r} is not an ARN")
    return arn


pulumi.export("topic", topic.arn.apply(must_be_an_arn))
"""


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unsupported_type_is_named_before_the_programs_own_check_blames_an_input(tmp_path):
    """Its placeholder outputs fail the program's check; the refusal names the type, not the check.
    Pointed at a port where nothing listens: nothing was called."""
    project(tmp_path, CHECKING_PROGRAM)
    env = os.environ | {"LOCALSTACK_ENDPOINT": f"http://127.0.0.1:{unused_port()}"}
    done = tooling("tooling.deploy", "up", "--stack", "dev", "--cwd", str(tmp_path), env=env)
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: LocalStack cannot hold resource types aws:sns/topic:Topic (resources: alerts")
    assert "is not an ARN" not in done.stderr
