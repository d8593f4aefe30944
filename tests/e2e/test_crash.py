"""Crash safety of `up` and `down`: SIGKILLed at random AWS calls, then `up` and `down` leave
LocalStack exactly as it was.

The kill moments are events, not timers: a proxy in front of LocalStack kills the deploying process
at its k-th AWS call, either before the call reaches LocalStack or after LocalStack executed it and
before its answer arrives (the resource exists; the process never learns its id).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tooling.deploy import down, up
from tooling.inventory import inventory
from tooling.killproxy import KillingProxy
from tooling.program import ROOT

from .conftest import project_copy

KILLS = int(os.environ.get("S3PROXY_KILLS", "8"))


def production_config(**changes: Any) -> dict[str, Any]:
    """The prod stack's config (every resource type the component makes) without its WAF
    association, which LocalStack cannot hold."""
    config = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    del config["s3proxy:webAclArn"]
    return config | changes


# Runs alternate between these, so kills also land in updates and replacements.
VARIANTS = [
    production_config(),
    production_config(**{"s3proxy:tags": {"environment": "prod", "owner": "storage-team"}}),
    production_config(
        **{
            "s3proxy:allowedActions": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
            "s3proxy:throttlingBurstLimit": 9,
        }
    ),
]


@pytest.fixture
def proxy(endpoint: str) -> Iterator[KillingProxy]:
    killing = KillingProxy(endpoint)
    yield killing
    killing.close()


def run(command: str, project: Path, proxy_url: str) -> subprocess.Popen[bytes]:
    environment = os.environ | {"LOCALSTACK_ENDPOINT": proxy_url}
    return subprocess.Popen(
        [sys.executable, "-m", "tooling.deploy", command, "--stack", "crash", "--cwd", str(project)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def write_config(project: Path, config: dict[str, Any]) -> None:
    (project / "Pulumi.crash.yaml").write_text(yaml.safe_dump({"config": config}))


def test_kills_at_random_aws_calls_then_up_and_down_leave_localstack_as_it_was(tmp_path, endpoint, proxy):
    before = inventory(endpoint)
    project = project_copy(tmp_path, "crash", VARIANTS[0])
    # How many AWS calls a whole `up` makes: the range the kills are drawn from.
    clean = run("up", project, proxy.url)
    assert clean.wait() == 0, clean.stderr.read().decode() if clean.stderr else ""
    calls = proxy.disarm()
    assert calls > 20
    try:
        kill_loop(project, proxy, calls)
    finally:
        write_config(project, VARIANTS[0])
        outputs = up("crash", project, endpoint)
        down("crash", project, endpoint)
    assert outputs["url"].startswith(endpoint)
    assert inventory(endpoint) == before


def kill_loop(project: Path, proxy: KillingProxy, calls: int) -> None:
    rng = random.Random(int(os.environ.get("S3PROXY_KILL_SEED", "12")))
    killed = 0
    for attempt in range(KILLS):
        write_config(project, VARIANTS[attempt % len(VARIANTS)])
        command = "down" if attempt % 4 == 3 else "up"
        victim = run(command, project, proxy.url)
        proxy.arm(victim, rng.randint(1, calls), rng.choice(["before", "after"]))
        code = victim.wait()
        killed += code == -signal.SIGKILL
        assert code in (0, -signal.SIGKILL), victim.stderr.read().decode() if victim.stderr else ""
        proxy.disarm()
    assert killed >= KILLS // 2  # most runs were cut short (a run after a `down` may need fewer calls)


def test_an_unchanged_up_after_a_kill_keeps_the_ids_and_url(tmp_path, endpoint, proxy):
    """A kill in the middle of an update: the next `up` finishes it on the same resources."""
    project = project_copy(tmp_path, "crash", VARIANTS[0])
    first = up("crash", project, endpoint)
    try:
        write_config(project, VARIANTS[2])
        victim = run("up", project, proxy.url)
        proxy.arm(victim, 3, "after")
        assert victim.wait() == -signal.SIGKILL
        proxy.disarm()
        again = up("crash", project, endpoint)
        assert (again["rest_api_id"], again["url"]) == (first["rest_api_id"], first["url"])
        assert again["routes"] != first["routes"]  # the change was applied
    finally:
        down("crash", project, endpoint)
