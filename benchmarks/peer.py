"""Benchmark on LocalStack: signed GETs of one object through this API and through the AWS tutorial's API shape.

    python benchmarks/peer.py [--rounds 7] [--requests 64] [--threads 4] [--sizes-kib 1,1024]

The peer is the tutorial "Create a REST API as an Amazon S3 proxy in API Gateway" as its seed text describes it
(../shared/seeds/aws-tutorial-rest-api-as-s3-proxy.txt, read here; no project code builds it): `GET
/{folder}/{item}`, AWS_IAM, an AWS integration on S3's path override `{bucket}/{object}`, its response header
mappings on the default (200) response, its 4xx/5xx status patterns, its binary media type with passthrough.
This API is the dev stack, deployed with tooling.deploy.up. Both serve the same objects from the same
LocalStack, requests SigV4-signed with botocore for execute-api, `--threads` concurrent callers.

Each size runs `--rounds` interleaved rounds (the order alternates round by round, so drift in the machine's load
falls on both); a round is `--requests` GETs of one API. Printed per size: p50 latency of each, the median
throughput of its rounds, LocalStack's CPU time per request (when this checkout runs it: read from /proc, it is
what an API costs the emulator, and moves far less than wall time with the machine's other load), and the ratio
ours / peer: the median of the rounds' paired ratios, with their range (goal >= 1.00). Every answer is checked
byte-exact. LocalStack is started if it is not running (and stopped again only then); both APIs are deleted at
the end.

`--profile` samples LocalStack with py-spy during every round (this checkout's LocalStack only) and prints, per
API, the sampled milliseconds per request of each stage of its API Gateway (the handlers of the invocation chain,
the integration's HTTP call to S3, waits on its socket included): where one API costs the emulator more.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transfer import cpu_of, read_pid  # noqa: E402  (benchmarks/transfer.py, beside this script)

SEED = ROOT.parent / "shared" / "seeds" / "aws-tutorial-rest-api-as-s3-proxy.txt"
REGION = "us-east-1"
STAGE = "peer"


@dataclass(frozen=True)
class Tutorial:
    """What the seed's "New REST API console" steps configure for `GET /{folder}/{item}`."""

    path_override: str  # the integration's S3 path
    path_parameters: dict[str, str]  # integration path parameter -> method request parameter
    response_headers: dict[str, str]  # method response header -> integration response header (on 200)
    error_patterns: dict[str, str]  # selection pattern -> method status
    authorization: str
    binary_media_type: str


def found(pattern: str, text: str) -> list[Any]:
    matches = re.findall(pattern, text)
    if not matches:
        raise SystemExit(f"{SEED.name}: no step matching {pattern!r}: the seed changed")
    return matches


def read_tutorial(text: str) -> Tutorial:
    """The peer's settings, read from the tutorial's own steps (each must be found)."""
    item = text[text.index("To expose the GET method on a file resource") :]
    names = found(r"For Name, enter (\w+)\.", item)
    sources = found(r"For Mapped from, enter (method\.request\.path\.\w+)\.", item)
    patterns = found(r"For HTTP status regex, enter (\S+?)\.?\s", text)
    return Tutorial(
        path_override=found(r"For Path override, enter (\{bucket\}/\{object\})\.", item)[0],
        path_parameters=dict(zip(names, sources, strict=True)),
        response_headers=dict(
            found(r"For the ([\w-]+) header, enter integration\.response\.header\.([\w-]+) for the mapping value", text)
        ),
        error_patterns={pattern: f"{pattern[0]}00" for pattern in dict.fromkeys(patterns)},
        authorization=found(r"For Authorization, from the dropdown menu, select (AWS_IAM)\.", text)[0],
        binary_media_type=found(r"enter the required media type, for example, ([\w.+-]+/[\w.+-]+)\.", text)[0],
    )


def build_peer(apigateway: Any, iam: Any, tutorial: Tutorial) -> tuple[str, str]:
    """The tutorial's API on LocalStack; (its id, its invoke URL)."""
    role = iam.create_role(
        RoleName=f"APIGatewayS3ProxyPolicy-{os.urandom(3).hex()}",
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"apigateway.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    )["Role"]
    api = apigateway.create_rest_api(name="MyS3", binaryMediaTypes=[tutorial.binary_media_type])["id"]
    root = apigateway.get_resources(restApiId=api)["items"][0]["id"]
    folder = apigateway.create_resource(restApiId=api, parentId=root, pathPart="{folder}")["id"]
    item = apigateway.create_resource(restApiId=api, parentId=folder, pathPart="{item}")["id"]
    method = {"restApiId": api, "resourceId": item, "httpMethod": "GET"}
    apigateway.put_method(
        **method,
        authorizationType=tutorial.authorization,
        requestParameters={source: True for source in tutorial.path_parameters.values()}
        | {"method.request.header.Accept": False},
    )
    apigateway.put_integration(
        **method,
        type="AWS",
        integrationHttpMethod="GET",
        uri=f"arn:aws:apigateway:{REGION}:s3:path/{tutorial.path_override}",
        credentials=role["Arn"],
        requestParameters={
            f"integration.request.path.{name}": source for name, source in tutorial.path_parameters.items()
        }
        | {"integration.request.header.Accept": "method.request.header.Accept"},
        passthroughBehavior="WHEN_NO_MATCH",
    )
    apigateway.put_method_response(
        **method,
        statusCode="200",
        responseParameters={f"method.response.header.{header}": False for header in tutorial.response_headers},
    )
    apigateway.put_integration_response(
        **method,
        statusCode="200",
        selectionPattern="",
        responseParameters={
            f"method.response.header.{header}": f"integration.response.header.{source}"
            for header, source in tutorial.response_headers.items()
        },
    )
    for pattern, status in tutorial.error_patterns.items():
        apigateway.put_method_response(**method, statusCode=status)
        apigateway.put_integration_response(**method, statusCode=status, selectionPattern=pattern)
    apigateway.create_deployment(restApiId=api, stageName=STAGE)
    return api, f"{apigateway.meta.endpoint_url}/restapis/{api}/{STAGE}/_user_request_"


# The stages of LocalStack's REST API invocation (localstack/services/apigateway/next_gen/execute_api): the
# whole chain, its handlers, and the AWS integration's HTTP call to S3 inside the integration handler.
STAGES = ("RestApiGateway.process_with_context", "Handler.__call__", "RestApiAwsIntegration.invoke")
PROFILE_RATE = 250  # samples per second


@contextlib.contextmanager
def sampled(pid: int | None, output: Path | None) -> Iterator[None]:
    """py-spy sampling `pid` into `output` (collapsed stacks) while the block runs; nothing when either is None."""
    if pid is None or output is None:
        yield
        return
    command = ["py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", str(PROFILE_RATE)]
    recorder = subprocess.Popen(
        [str(Path(sys.executable).parent / command[0]), *command[1:], "--nonblocking", "--output", str(output)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)  # py-spy writes what it sampled and exits
        recorder.wait()


def stage_milliseconds(profiles: list[Path], requests_made: int) -> dict[str, float]:
    """Sampled ms per request spent in each stage (a frame whose name ends in a STAGES entry), inclusive."""
    samples: Counter[str] = Counter()
    for profile in profiles:
        for line in profile.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            names = {frame.split(" (")[0] for frame in stack.split(";")}
            for name in names:
                if name.endswith(STAGES):
                    samples[name] += int(count)
    return {name: count / PROFILE_RATE / requests_made * 1000 for name, count in samples.items()}


@dataclass
class Round:
    latencies: list[float]
    seconds: float
    server_seconds: float  # LocalStack's CPU time


def run_round(
    url: str, expected: bytes, media_type: str, count: int, threads: int, credentials: Credentials, server: int | None
) -> Round:
    """`count` signed GETs of `url` by `threads` callers, each with its own connection; every body checked."""
    local = threading.local()

    def get(_: int) -> float:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        signed = AWSRequest(method="GET", url=url, headers={"Accept": media_type})
        SigV4Auth(credentials, "execute-api", REGION).add_auth(signed)
        started = time.perf_counter()
        answer = session.get(url, headers=dict(signed.headers.items()), timeout=120)
        elapsed = time.perf_counter() - started
        if answer.status_code != 200 or answer.content != expected:
            raise SystemExit(f"GET {url}: HTTP {answer.status_code}, {len(answer.content)} bytes, not the object")
        return elapsed

    server_started, started = cpu_of(server), time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(get, range(count)))
    return Round(latencies, time.perf_counter() - started, cpu_of(server) - server_started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=64)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--sizes-kib", default="1,1024")
    parser.add_argument("--profile", action="store_true", help="sample LocalStack with py-spy; print its stages")
    options = parser.parse_args()
    tutorial = read_tutorial(SEED.read_text())

    from tooling.deploy import down, up
    from tooling.localstack import aws_session, default_endpoint

    script = ROOT / "localstack" / "localstack.sh"
    was_up = subprocess.run([script, "status"], capture_output=True, text=True).stdout.startswith("running")
    subprocess.run([script, "start"], check=True, capture_output=True)
    endpoint = default_endpoint()
    session = aws_session(REGION)
    credentials = session.get_credentials().get_frozen_credentials()
    s3, apigateway, iam = (session.client(name, endpoint_url=endpoint) for name in ("s3", "apigateway", "iam"))
    project = Path(tempfile.mkdtemp(prefix="bench-peer-"))
    for name in ("__main__.py", "Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, project)
    bucket = f"bench-peer-{os.urandom(3).hex()}"
    localstack = read_pid(ROOT / ".local" / "localstack.pid")
    peer_id = None
    try:
        ours = up("dev", project, endpoint)["url"].rstrip("/")
        peer_id, peer = build_peer(apigateway, iam, tutorial)
        s3.create_bucket(Bucket=bucket)
        print(
            f"peer: the tutorial's GET /{{folder}}/{{item}} ({tutorial.authorization}, {tutorial.path_override}, "
            f"200 maps {', '.join(tutorial.response_headers)}, errors {', '.join(tutorial.error_patterns)}, "
            f"binary {tutorial.binary_media_type}); ours: the dev stack. {options.threads} threads, "
            f"{options.rounds} interleaved rounds of {options.requests} signed GETs"
        )
        for size_kib in (int(size) for size in options.sizes_kib.split(",")):
            body = os.urandom(size_kib * 1024)
            key = f"object-{size_kib}k.png"
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=tutorial.binary_media_type)
            urls = {"ours": f"{ours}/{bucket}/{key}", "peer": f"{peer}/{bucket}/{key}"}
            rounds: dict[str, list[Round]] = {"ours": [], "peer": []}
            for number in range(options.rounds):
                order = ("ours", "peer") if number % 2 == 0 else ("peer", "ours")
                for name in order:
                    profile = project / f"{name}-{size_kib}k-{number}.txt" if options.profile else None
                    with sampled(localstack, profile):
                        answered = run_round(
                            urls[name],
                            body,
                            tutorial.binary_media_type,
                            options.requests,
                            options.threads,
                            credentials,
                            localstack,
                        )
                    rounds[name].append(answered)
            for name, runs in rounds.items():
                p50 = statistics.median(latency for run in runs for latency in run.latencies) * 1000
                throughput = statistics.median(options.requests / run.seconds for run in runs)
                cpu = statistics.median(run.server_seconds / options.requests for run in runs) * 1000
                print(
                    f"{size_kib:>5} KiB {name}: p50 {p50:6.1f} ms, {throughput:6.1f} requests/s "
                    f"({throughput * size_kib / 1024:6.1f} MiB/s), LocalStack {cpu:5.2f} CPU-ms per request"
                )
            pairs = list(zip(rounds["ours"], rounds["peer"], strict=True))
            speed = sorted(peer_round.seconds / our_round.seconds for our_round, peer_round in pairs)
            latency = sorted(
                statistics.median(peer_round.latencies) / statistics.median(our_round.latencies)
                for our_round, peer_round in pairs
            )
            cost = sorted(peer_round.server_seconds / our_round.server_seconds for our_round, peer_round in pairs)
            ratio = statistics.median(speed)
            print(
                f"{size_kib:>5} KiB ours/peer, median of {len(pairs)} paired rounds [range]: throughput "
                f"{ratio:.2f}x [{speed[0]:.2f}-{speed[-1]:.2f}], p50 latency {statistics.median(latency):.2f}x "
                f"[{latency[0]:.2f}-{latency[-1]:.2f}]"
                + (
                    f", LocalStack CPU {statistics.median(cost):.2f}x [{cost[0]:.2f}-{cost[-1]:.2f}]"
                    if localstack
                    else ""
                )
                + f" (goal >= 1.00: {'met' if ratio >= 1.0 else 'MISSED'})"
            )
            if options.profile and localstack:
                made = options.requests * options.rounds
                stages = {
                    name: stage_milliseconds(sorted(project.glob(f"{name}-{size_kib}k-*.txt")), made) for name in rounds
                }
                for stage in sorted(stages["ours"].keys() | stages["peer"].keys()):
                    print(
                        f"{size_kib:>5} KiB LocalStack, sampled ms per request in {stage}: ours "
                        f"{stages['ours'].get(stage, 0):.3f}, peer {stages['peer'].get(stage, 0):.3f}"
                    )
    finally:
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []) if peer_id else []:
            s3.delete_object(Bucket=bucket, Key=item["Key"])
        if peer_id:
            s3.delete_bucket(Bucket=bucket)
            apigateway.delete_rest_api(restApiId=peer_id)
        down("dev", project)
        shutil.rmtree(project, ignore_errors=True)
        if not was_up:
            subprocess.run([script, "stop"], check=True, capture_output=True)


if __name__ == "__main__":
    main()
