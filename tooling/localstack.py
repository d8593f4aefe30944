"""Where LocalStack is and how to talk to it: the endpoint, boto3 sessions, the services it runs."""

from __future__ import annotations

import json
import os
import urllib.request

import boto3


def default_endpoint() -> str:
    return os.environ.get("LOCALSTACK_ENDPOINT") or f"http://localhost:{os.environ.get('LOCALSTACK_PORT', '4566')}"


def aws_session(region: str) -> boto3.Session:
    """The usual boto3 credential chain; LocalStack's test keys when it finds nothing."""
    session = boto3.Session(region_name=region)
    if session.get_credentials() is None:
        session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=region)
    return session


def disabled_services(endpoint: str) -> set[str]:
    """The services this LocalStack does not run (its SERVICES setting), from its health check."""
    with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=10) as response:
        services = json.load(response)["services"]
    return {name for name, status in services.items() if status == "disabled"}
