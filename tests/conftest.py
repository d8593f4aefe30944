"""Shared helpers: build the component under the Pulumi SDK's mock runtime and inspect what it registered."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pulumi
import pytest
from google.protobuf import json_format
from moto.server import create_backend_app
from pulumi.runtime.mocks import MockMonitor
from werkzeug.serving import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakes import FakeS3, Script, client_for, serving
from stubbed_aws import StubbedAws

from components import S3ProxyApi
from s3proxy_client import S3ProxyClient
from tooling.preview import PreviewMocks
from tooling.program import run_with_mocks

# Every output of the component and of the program.
OUTPUT_NAMES = (
    "url",
    "rest_api_id",
    "stage_name",
    "execution_arn",
    "role_arn",
    "policy",
    "openapi",
    "routes",
    "api_keys",
    "domain_target",
    "dashboard_name",
    "deployer_policy",
    "caller_policy",
)


class RecordingMocks(PreviewMocks):
    """Preview mocks that also record every function call (token and provider)."""

    def __init__(self, region: str) -> None:
        super().__init__(region)
        self.calls: list[pulumi.runtime.MockCallArgs] = []
        self.registrations: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registrations.append(args)
        return super().new_resource(args)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        self.calls.append(args)
        return super().call(args)


class DependencyMonitor(MockMonitor):
    """The mock monitor, also recording what each RegisterResource request says it depends on: `depends_on`
    and the resources behind its Output inputs (`dependencies`), per input (`property_dependencies`)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.dependencies: dict[str, set[str]] = {}
        self.property_dependencies: dict[str, dict[str, set[str]]] = {}
        self.registered_outputs: dict[str, dict[str, Any]] = {}  # component name -> its register_outputs

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.registered_outputs[request.urn.rpartition("::")[2]] = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)

    def RegisterResource(self, request: Any) -> Any:
        self.dependencies[request.name] = {urn.rpartition("::")[2] for urn in request.dependencies}
        self.property_dependencies[request.name] = {
            name: {urn.rpartition("::")[2] for urn in urns.urns} for name, urns in request.propertyDependencies.items()
        }
        return super().RegisterResource(request)


@dataclass
class Built:
    outputs: dict[str, Any]
    urns: list[str]
    states: dict[str, dict[str, Any]] = field(default_factory=dict)  # resource name -> state
    types: dict[str, str] = field(default_factory=dict)  # resource name -> type token
    calls: list[pulumi.runtime.MockCallArgs] = field(default_factory=list)
    providers: dict[str, str] = field(default_factory=dict)  # resource name -> provider reference
    ids: dict[str, str] = field(default_factory=dict)  # resource name -> physical id
    dependencies: dict[str, set[str]] = field(default_factory=dict)  # resource name -> names it depends on
    property_dependencies: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # name -> input -> names
    registered_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # component -> its outputs

    def of_type(self, token: str) -> list[dict[str, Any]]:
        return [self.states[name] for name, typ in self.types.items() if typ == token]

    def one(self, token: str) -> dict[str, Any]:
        (state,) = self.of_type(token)
        return state


def build(
    args: Any,
    *,
    name: str = "api",
    provider_region: str = "us-east-1",
    opts: Callable[[], pulumi.ResourceOptions] | None = None,
) -> Built:
    """Construct one S3ProxyApi under mocks; `opts` is called inside the program (to create providers)."""
    mocks = RecordingMocks(provider_region)

    def program() -> dict[str, Any]:
        api = S3ProxyApi(name, args, opts() if opts else None)
        return {output: getattr(api, output) for output in OUTPUT_NAMES}

    monitor = DependencyMonitor(mocks)
    outputs, _ = run_with_mocks(
        program, mocks, project="test", stack="test", config={"aws:region": provider_region}, monitor=monitor
    )
    built = Built(
        outputs=outputs,
        urns=list(monitor.resources),
        calls=mocks.calls,
        dependencies=monitor.dependencies,
        property_dependencies=monitor.property_dependencies,
        registered_outputs=monitor.registered_outputs,
    )
    built.providers = {r.name: r.provider or "" for r in mocks.registrations}
    for urn, registration in monitor.resources.items():
        type_chain, resource_name = urn.split("::")[2:4]
        built.types[resource_name] = type_chain.rpartition("$")[2]
        built.states[resource_name] = registration.state
        built.ids[resource_name] = registration.id
    return built


@pytest.fixture
def build_api() -> Callable[..., Built]:
    return build


# The distributions, built by `make dist` and installed into fresh virtualenvs outside the checkout.
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Venv:
    """A virtualenv with one distribution and its dependencies, and nothing of the checkout."""

    path: Path

    def run(self, command: str, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        """`command` (an executable of the venv: python, s3proxy…), run in the venv's directory, so
        that neither the current directory nor PYTHONPATH can put the checkout on sys.path."""
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
        run_options: dict[str, Any] = {"cwd": self.path, "capture_output": True, "text": True, "env": env}
        return subprocess.run([str(self.path / "bin" / command), *args], **(run_options | options))


def fresh_venv(path: Path, requirement: str) -> Venv:
    """A new virtualenv holding `requirement` and what it depends on, resolved from the package index."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    install = ["--python", str(path / "bin" / "python"), "install", "--quiet", "--no-compile", requirement]
    subprocess.run([sys.executable, "-m", "pip", *install], check=True)
    return Venv(path)


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`make dist` into a fresh directory: distribution name -> wheel."""
    directory = tmp_path_factory.mktemp("dist")
    subprocess.run(["make", "-s", "dist", f"DIST={directory}"], cwd=ROOT, check=True, capture_output=True)
    return {wheel.name.split("-")[0].replace("_", "-"): wheel for wheel in directory.glob("*.whl")}


@pytest.fixture(scope="session")
def client_venv(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Venv:
    return fresh_venv(tmp_path_factory.mktemp("client-venv"), str(wheels["s3proxy-client"]))


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """moto's S3 on 127.0.0.1 (path-style: `/bucket/key`), on a fresh port."""
    server = make_server("127.0.0.1", 0, create_backend_app("s3"), threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


# The client's fakes (tests/fakes.py), one fresh server per test; moto's S3 with a fresh bucket.
@pytest.fixture
def scripted() -> Iterator[tuple[Script, str]]:
    script = Script([])
    with serving(script, "/restapis/abc/dev/_user_request_") as url:
        yield script, url


@pytest.fixture
def fake_s3() -> Iterator[tuple[FakeS3, str]]:
    fake = FakeS3([])
    with serving(fake, "/dev") as url:
        yield fake, url


# The provisioners' AWS (tests/stubbed_aws.py), fresh per test: every call a test expects is made by its end.
@pytest.fixture
def aws() -> Iterator[StubbedAws]:
    stubbed = StubbedAws()
    yield stubbed
    stubbed.done()


@pytest.fixture
def moto(moto_url: str) -> Iterator[tuple[S3ProxyClient, Any, str]]:
    """Our client and boto3 (the ground truth) on the same moto S3, and a fresh bucket."""
    s3 = boto3.client(
        "s3", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    bucket = f"unit-{os.urandom(4).hex()}"
    s3.create_bucket(Bucket=bucket)
    yield client_for(moto_url), s3, bucket
