"""An HTTP proxy in front of LocalStack that SIGKILLs a process at its k-th AWS call.

The moment is an event, not a timer: the k-th request either never reaches LocalStack (`before`) or
is executed by LocalStack and its answer withheld (`after`: the resource exists, the caller never
learns its id — the worst moment for a tool that records what it made). The victim is killed and
reaped before the proxy answers anything else.
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..program import ROOT

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


class KillingProxy:
    def __init__(self, target: str) -> None:
        self.target = urlsplit(target)
        self.lock = threading.Lock()
        self.calls = 0
        self.kill_at: int | None = None
        self.moment = "after"
        self.victim: subprocess.Popen[Any] | None = None
        self.killed = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def relay(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy.lock:
                    proxy.calls += 1
                    fatal = proxy.kill_at is not None and proxy.calls == proxy.kill_at and not proxy.killed.is_set()
                if fatal and proxy.moment == "before":
                    proxy.kill()
                    self.close_connection = True
                    return
                connection = http.client.HTTPConnection(proxy.target.netloc, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                connection.close()
                if fatal:
                    proxy.kill()
                    self.close_connection = True
                    return
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def arm(self, victim: subprocess.Popen[Any], kill_at: int, moment: str) -> None:
        with self.lock:
            self.victim, self.kill_at, self.moment, self.calls = victim, kill_at, moment, 0
            self.killed.clear()

    def disarm(self) -> int:
        with self.lock:
            self.kill_at, self.victim = None, None
            calls, self.calls = self.calls, 0
            return calls

    def kill(self) -> None:
        assert self.victim is not None
        self.victim.kill()
        self.victim.wait()
        self.killed.set()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def production_config(**changes: Any) -> dict[str, Any]:
    """The prod stack's config (every resource type the component makes) without its WAF
    association, which LocalStack cannot hold."""
    config = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    del config["s3proxy:webAclArn"]
    return dict(config) | changes


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


def write_config(project: Path, stack: str, config: dict[str, Any]) -> None:
    (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))


def start(command: str, stack: str, project: Path, endpoint: str) -> subprocess.Popen[bytes]:
    """`python -m tooling.deploy <command>` in a child process, talking to `endpoint`."""
    return subprocess.Popen(
        [sys.executable, "-m", "tooling.deploy", command, "--stack", stack, "--cwd", str(project)],
        cwd=ROOT,
        env=os.environ | {"LOCALSTACK_ENDPOINT": endpoint},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@dataclass
class KillLoop:
    killed: int = 0
    finished: int = 0
    moments: list[tuple[str, int, str]] = field(default_factory=list)  # (command, k, before/after)


def kill_loop(proxy: KillingProxy, project: Path, stack: str, calls: int, kills: int, seed: int) -> KillLoop:
    """`kills` runs of `up` (every fourth a `down`), each killed at a random one of `calls` AWS calls,
    alternating between the VARIANTS. A run that ends by itself must have succeeded."""
    rng = random.Random(seed)
    loop = KillLoop()
    for attempt in range(kills):
        write_config(project, stack, VARIANTS[attempt % len(VARIANTS)])
        command = "down" if attempt % 4 == 3 else "up"
        victim = start(command, stack, project, proxy.url)
        moment = (command, rng.randint(1, calls), rng.choice(["before", "after"]))
        proxy.arm(victim, moment[1], moment[2])
        code = victim.wait()
        proxy.disarm()
        if code != -signal.SIGKILL and code != 0:
            raise RuntimeError(f"{command} failed by itself: {victim.stderr.read().decode() if victim.stderr else ''}")
        loop.killed += code == -signal.SIGKILL
        loop.finished += code == 0
        loop.moments.append(moment)
    return loop
