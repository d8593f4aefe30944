"""End-to-end fixtures: LocalStack (started once per test session) and real deployments of the program."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.config import Config

from tooling.deploy import down, up
from tooling.localstack import default_endpoint
from tooling.program import ROOT
from tooling.signed import SignedApi

REGION = "us-east-1"
PREFIX = "uploads/"
SCRIPT = ROOT / "localstack" / "localstack.sh"


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    """LocalStack on the host: started if it is not up, stopped afterwards only if this session started it."""
    already_up = subprocess.run([SCRIPT, "status"], capture_output=True, text=True).stdout.startswith("running")
    subprocess.run([SCRIPT, "start"], check=True)
    yield default_endpoint()
    if not already_up:
        subprocess.run([SCRIPT, "stop"], check=True)


def client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
        config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}),
    )


@pytest.fixture(scope="session")
def s3(endpoint: str) -> Any:
    return client("s3", endpoint)


@pytest.fixture(scope="session")
def apigateway(endpoint: str) -> Any:
    return client("apigateway", endpoint)


def project_copy(directory: Path, stack: str, config: dict[str, Any]) -> Path:
    """A project directory with the unchanged program and one stack file, so test deployments keep
    their records apart from a developer's own `make up`."""
    shutil.copy(ROOT / "__main__.py", directory)
    shutil.copy(ROOT / "Pulumi.yaml", directory)
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return directory


@dataclass
class Deployed:
    outputs: dict[str, Any]
    api: SignedApi
    project: Path
    stack: str


def deploy(
    tmp_path_factory: pytest.TempPathFactory, endpoint: str, stack: str, config: dict[str, Any]
) -> Iterator[Deployed]:
    project = project_copy(tmp_path_factory.mktemp(stack), stack, {"aws:region": REGION} | config)
    outputs = up(stack, project, endpoint)
    yield Deployed(outputs, SignedApi(outputs["url"], REGION), project, stack)
    down(stack, project)


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[Deployed]:
    """The dev stack, as Pulumi.dev.yaml configures it."""
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    yield from deploy(tmp_path_factory, endpoint, "dev", config)


@pytest.fixture(scope="session")
def readonly(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[Deployed]:
    config = {"s3proxy:allowedActions": ["s3:GetObject", "s3:ListBucket"], "s3proxy:stageName": "ro"}
    yield from deploy(tmp_path_factory, endpoint, "readonly", config)


@pytest.fixture(scope="session")
def tutorial(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[Deployed]:
    config = {"s3proxy:allowedActions": ["s3:GetObject"], "s3proxy:statusMapping": "tutorial"}
    yield from deploy(tmp_path_factory, endpoint, "tutorial", config)


@pytest.fixture(scope="session")
def prefixed(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[Deployed]:
    """Every action, on every bucket, but only for keys under `uploads/`."""
    config = {"s3proxy:allowedActions": ["s3:*"], "s3proxy:keyPrefix": PREFIX}
    yield from deploy(tmp_path_factory, endpoint, "prefixed", config)


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:
    """A fresh bucket, created and emptied directly in S3 (not through the API under test)."""
    name = f"e2e-{os.urandom(6).hex()}"
    s3.create_bucket(Bucket=name)
    yield name
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=name, Key=item["Key"])
        s3.delete_bucket(Bucket=name)
    except s3.exceptions.NoSuchBucket:
        pass  # the test deleted it through the API
