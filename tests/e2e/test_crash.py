"""Crash safety of `up` and `down`: SIGKILLed at random AWS calls, then `up` and `down` leave
LocalStack exactly as it was.

The kill moments are events, not timers: a proxy in front of LocalStack kills the deploying process
at its k-th AWS call, either before the call reaches LocalStack or after LocalStack executed it and
before its answer arrives (the resource exists; the process never learns its id).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from tooling.deploy import down, up
from tooling.harness.inventory import inventory
from tooling.harness.killproxy import VARIANTS, KillingProxy, kill_loop, start, write_config

from .conftest import project_copy

KILLS = int(os.environ.get("S3PROXY_KILLS", "8"))


@pytest.fixture
def proxy(endpoint: str) -> Iterator[KillingProxy]:
    killing = KillingProxy(endpoint)
    yield killing
    killing.close()


def test_kills_at_random_aws_calls_then_up_and_down_leave_localstack_as_it_was(tmp_path, endpoint, proxy):
    before = inventory(endpoint)
    project = project_copy(tmp_path, "crash", VARIANTS[0])
    # How many AWS calls a whole `up` makes: the range the kills are drawn from.
    clean = start("up", "crash", project, proxy.url)
    assert clean.wait() == 0, clean.stderr.read().decode() if clean.stderr else ""
    calls = proxy.disarm()
    assert calls > 20
    try:
        loop = kill_loop(proxy, project, "crash", calls, KILLS, int(os.environ.get("S3PROXY_KILL_SEED", "12")))
        assert loop.killed >= KILLS // 2  # most runs were cut short (a run after a `down` may need fewer calls)
    finally:
        write_config(project, "crash", VARIANTS[0])
        outputs = up("crash", project, endpoint)
        down("crash", project, endpoint)
    assert outputs["url"].startswith(endpoint)
    assert inventory(endpoint) == before


def test_an_up_after_a_kill_mid_update_finishes_it_on_the_same_resources(tmp_path, endpoint, proxy):
    project = project_copy(tmp_path, "crash", VARIANTS[0])
    first = up("crash", project, endpoint)
    try:
        write_config(project, "crash", VARIANTS[2])
        victim = start("up", "crash", project, proxy.url)
        proxy.arm(victim, 3, "after")
        assert victim.wait() == -signal.SIGKILL
        proxy.disarm()
        again = up("crash", project, endpoint)
        assert (again["rest_api_id"], again["url"]) == (first["rest_api_id"], first["url"])
        assert again["routes"] != first["routes"]  # the change was applied
    finally:
        down("crash", project, endpoint)
