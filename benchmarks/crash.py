"""Kill-loop benchmark: `up`/`down` SIGKILLed at N random AWS calls, then `up` and `down`.

    python benchmarks/crash.py [--kills 24] [--seed 1]

The prod stack without its WAF association (15 resources, every type the component makes), runs
alternating between three configurations; a proxy kills the process at a random AWS call, before
LocalStack sees it or after LocalStack executed it. Prints how many runs were killed, what the
recovering `up` cost, and whether LocalStack holds exactly what it held before.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tooling.deploy import down, up  # noqa: E402
from tooling.harness.inventory import inventory  # noqa: E402
from tooling.harness.killproxy import VARIANTS, KillingProxy, kill_loop, start, write_config  # noqa: E402
from tooling.localstack import default_endpoint  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    subprocess.run([ROOT / "localstack" / "localstack.sh", "start"], check=True, capture_output=True)
    endpoint = default_endpoint()
    project = Path(tempfile.mkdtemp(prefix="bench-crash-"))
    shutil.copy(ROOT / "__main__.py", project)
    shutil.copy(ROOT / "Pulumi.yaml", project)
    write_config(project, "crash", VARIANTS[0])
    proxy = KillingProxy(endpoint)
    before = inventory(endpoint)
    try:
        started = time.perf_counter()
        assert start("up", "crash", project, proxy.url).wait() == 0
        clean = time.perf_counter() - started
        calls = proxy.disarm()
        started = time.perf_counter()
        loop = kill_loop(proxy, project, "crash", calls, options.kills, options.seed)
        looping = time.perf_counter() - started
        write_config(project, "crash", VARIANTS[0])
        started = time.perf_counter()
        up("crash", project, endpoint)
        recovery = time.perf_counter() - started
    finally:
        started = time.perf_counter()
        down("crash", project, endpoint)
        teardown = time.perf_counter() - started
        proxy.close()
    after = inventory(endpoint)
    after_moments = sum(1 for _, _, moment in loop.moments if moment == "after")
    print(f"a clean `up` of 15 resources: {calls} AWS calls, {clean:.1f} s (child process)")
    print(
        f"{options.kills} runs, each killed at a random call: {loop.killed} killed "
        f"({after_moments} after LocalStack executed the call), {loop.finished} finished first; {looping:.1f} s"
    )
    print(f"then `up`: {recovery:.1f} s, `down`: {teardown:.1f} s")
    print(f"LocalStack holds exactly what it held before: {after == before}")
    shutil.rmtree(project)
    return 0 if after == before else 1


if __name__ == "__main__":
    sys.exit(main())
