"""Typo-proof stack config: a key of the `s3proxy:` namespace that Pulumi.yaml does not declare stops the
program before anything is registered, naming the key and the closest declared one; other namespaces pass."""

import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pulumi
import pytest
import yaml
from conftest import RecordingMocks

from tooling.program import ROOT, run_program, run_with_mocks

TYPO = (
    "stack config s3proxy:throtlingRateLimit is not declared in Pulumi.yaml: did you mean s3proxy:throttlingRateLimit?"
)


def project(directory: Path, config: dict, stack: str = "typo") -> Path:
    """The unchanged program and project file, with one stack file."""
    shutil.copy(ROOT / "__main__.py", directory)
    shutil.copy(ROOT / "Pulumi.yaml", directory)
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return directory


BASE = {"aws:region": "us-east-1", "s3proxy:allowedActions": ["s3:GetObject"]}


def test_a_mistyped_key_names_itself_and_the_declared_key_and_nothing_is_registered(tmp_path):
    mocks = RecordingMocks("us-east-1")
    with pytest.raises(pulumi.RunError) as raised:
        run_program("typo", mocks, project(tmp_path, BASE | {"s3proxy:throtlingRateLimit": 100}))
    assert str(raised.value) == TYPO
    assert mocks.registrations == [] and mocks.calls == []


def test_every_mistyped_key_is_named_at_once(tmp_path):
    config = BASE | {"s3proxy:throtlingRateLimit": 100, "s3proxy:stagename": "prod", "s3proxy:corsAllowOrigins": "*"}
    with pytest.raises(pulumi.RunError) as raised:
        run_program("typo", RecordingMocks("us-east-1"), project(tmp_path, config))
    assert str(raised.value).split("; ") == [
        "stack config s3proxy:corsAllowOrigins is not declared in Pulumi.yaml: did you mean s3proxy:corsAllowOrigin?",
        "stack config s3proxy:stagename is not declared in Pulumi.yaml: did you mean s3proxy:stageName?",
        TYPO,
    ]


def test_a_key_without_namespace_in_the_stack_file_is_the_projects(tmp_path):
    """The CLI reads `throtlingRateLimit:` in a stack file as `s3proxy:throtlingRateLimit`; so does the tooling."""
    with pytest.raises(pulumi.RunError) as raised:
        run_program("typo", RecordingMocks("us-east-1"), project(tmp_path, BASE | {"throtlingRateLimit": 100}))
    assert str(raised.value) == TYPO


def test_other_namespaces_and_the_map_settings_are_accepted(tmp_path):
    config = BASE | {
        "aws:skipMetadataApiCheck": True,
        "platform:owner": "team-a",
        "s3proxy:tags": {"owner": "team-a"},
        "s3proxy:stageVariables": {"environment": "dev"},
        "s3proxy:throttlingRateLimit": 100,
    }
    outputs, _ = run_program("typo", RecordingMocks("us-east-1"), project(tmp_path, config))
    assert outputs["routes"] == ["GET /{folder}/{item+} -> s3:GetObject", "HEAD /{folder}/{item+} -> s3:GetObject"]


def test_config_that_arrives_as_the_cli_passes_it_is_checked(tmp_path, monkeypatch):
    """The CLI's Python host gets the stack's config in the PULUMI_CONFIG environment variable (JSON);
    a host that does not copy it into the SDK's config map still has the typo caught."""
    project(tmp_path, {})
    config = {f"s3proxy:{key}": json.dumps(value) for key, value in (("allowedActions", ["s3:GetObject"]),)}
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config | {"s3proxy:throtlingRateLimit": "100"}))
    mocks = RecordingMocks("us-east-1")

    def program() -> None:
        runpy.run_path(str(tmp_path / "__main__.py"), run_name="__main__")

    with pytest.raises(pulumi.RunError) as raised:
        run_with_mocks(program, mocks, project="s3proxy", stack="typo", config={})
    assert str(raised.value) == TYPO and mocks.registrations == []


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_make_preview_reports_the_typo_without_a_traceback(tmp_path):
    project(tmp_path, BASE | {"s3proxy:throtlingRateLimit": 100})
    done = subprocess.run(
        ["make", "-s", "preview", "STACK=typo", f"PROJECT={tmp_path}"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert f"error: {TYPO}" in done.stderr.splitlines()  # make then adds its own "Error 1" line
    assert "Traceback" not in done.stderr and "to create" not in done.stdout


def test_make_ups_deploy_stops_before_provisioning_anything(tmp_path):
    """`make up`'s deploy step, pointed at a port where nothing listens: the first resource would fail
    with a connection error, so the typo's message shows that nothing was attempted."""
    project(tmp_path, BASE | {"s3proxy:throtlingRateLimit": 100})
    env = os.environ | {"LOCALSTACK_ENDPOINT": f"http://127.0.0.1:{unused_port()}"}
    command = [sys.executable, "-m", "tooling.deploy", "up", "--stack", "typo", "--cwd", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == f"error: {TYPO}"
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / ".local" / "typo" / "deployment.json").exists()


# A bad value is one line naming the stack key the user wrote (not the component's Python field) and what is
# allowed; nothing is registered. Messages after the key are the component's (components/config.py).
BAD_VALUES = [
    (
        {"s3proxy:buckets": ["Bad_Bucket!"]},
        "stack config s3proxy:buckets: 'Bad_Bucket!' is not a valid S3 bucket name: 3-63 characters",
    ),
    (
        {"s3proxy:allowedActions": ["s3:GetObjekt"]},
        "stack config s3proxy:allowedActions: 's3:GetObjekt' matches no supported action; supported: s3:ListAllMy",
    ),
    ({"s3proxy:stageName": "my stage"}, "stack config s3proxy:stageName: 'my stage' must be 1-128 characters"),
    (
        {"s3proxy:corsAllowOrigin": "ftp://x y"},
        "stack config s3proxy:corsAllowOrigin: 'ftp://x y' must be '*' or one origin",
    ),
    ({"s3proxy:apiKeyNames": ["a b"]}, "stack config s3proxy:apiKeyNames: 'a b' must be 1-64 letters"),
    (
        {"s3proxy:accessLogRetentionDays": 8},
        "stack config s3proxy:accessLogRetentionDays: 8 is not a CloudWatch Logs retention",
    ),
    ({"s3proxy:authorization": "CUSTOM"}, "stack config s3proxy:authorizer*: CUSTOM needs `authorizer`"),
    (
        {"s3proxy:methodThrottling": {"GET /nowhere": {"rate_limit": 1}}},
        "stack config s3proxy:methodThrottling: 'GET /nowhere' is not a method of this API",
    ),
    ({"aws:region": "mars-north-1"}, "stack config aws:region: "),
    (
        {"s3proxy:alarms": True, "s3proxy:alarmServerErrorRate": "lots"},
        "stack config s3proxy:alarmServerErrorRate: 'lots' must be a share of requests above 0",
    ),
    (
        {"s3proxy:integrationCredentials": "caller", "s3proxy:authorization": "NONE"},
        "stack config s3proxy:authorization: must be AWS_IAM with `integration_credentials` = caller",
    ),
]


@pytest.mark.parametrize(("config", "expected"), BAD_VALUES, ids=[next(iter(c)) for c, _ in BAD_VALUES])
def test_a_bad_value_names_its_stack_key_and_nothing_is_registered(tmp_path, config, expected):
    mocks = RecordingMocks("us-east-1")
    with pytest.raises(pulumi.RunError) as raised:
        run_program("typo", mocks, project(tmp_path, BASE | config))
    assert str(raised.value).startswith(expected), str(raised.value)
    assert "\n" not in str(raised.value) and mocks.registrations == []


def other_lines(stderr: str) -> list[str]:
    """stderr without make's own `make: *** [Makefile:..] Error 1` (`make[1]: ***` when the tests run under
    `make test`, which passes its MAKELEVEL on)."""
    return [line for line in stderr.splitlines() if not re.match(r"make(\[\d+\])?: \*\*\*", line)]


def test_make_preview_of_a_bad_value_is_one_line_and_s3proxy_debug_shows_the_traceback(tmp_path):
    project(tmp_path, BASE | {"s3proxy:stageName": "my stage"})
    command = ["make", "-s", "preview", "STACK=typo", f"PROJECT={tmp_path}"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode != 0 and done.stdout == ""
    lines = other_lines(done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: stack config s3proxy:stageName: 'my stage' must be 1-128 characters")

    debug = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=os.environ | {"S3PROXY_DEBUG": "1"})
    assert debug.returncode != 0 and "Traceback (most recent call last)" in debug.stderr


def test_make_up_of_a_bad_value_is_one_line_before_any_aws_call(tmp_path):
    """Nothing listens on the endpoint: a line about the key, not a connection error, shows nothing was tried."""
    project(tmp_path, BASE | {"s3proxy:buckets": ["Bad_Bucket!"]})
    env = os.environ | {"LOCALSTACK_ENDPOINT": f"http://127.0.0.1:{unused_port()}"}
    command = [sys.executable, "-m", "tooling.deploy", "up", "--stack", "typo", "--cwd", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().splitlines()[-1].startswith("error: stack config s3proxy:buckets: 'Bad_Bucket!' ")
    assert "Traceback" not in done.stderr


def test_a_bad_value_resolved_from_another_resources_output_is_named_once(tmp_path):
    """The embedding example with its bucket named `Bad_Bucket!`: the name reaches the component as an Output,
    checked when it resolves, and the SDK wraps that error once per input it flows into."""
    shutil.copy(ROOT / "examples/embedded/Pulumi.yaml", tmp_path)
    program = (ROOT / "examples/embedded/__main__.py").read_text()
    (tmp_path / "__main__.py").write_text(
        program.replace('Bucket("reports", ', 'Bucket("reports", bucket="Bad_Bucket!", ')
    )
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    command = [sys.executable, "-m", "tooling.preview", "--stack", "dev", "--cwd", str(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: S3ProxyApi: invalid `buckets`: 'Bad_Bucket!' is not a valid S3 bucket name: 3-63 characters of "
        "lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"
    ]
