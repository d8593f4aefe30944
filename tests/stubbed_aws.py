"""The provisioners' offline tests' AWS: a provisioner's context whose AWS clients are botocore Stubbers. A test
lists, in order, the calls the provider makes (operation, the parameters exactly as sent, AWS's answer), and any
other call, parameter or order fails, as does a parameter or answer botocore's service model rejects. And the
engine's part around a provisioner: a resource as the state records it (`recorded`), an update as the engine
makes it (`update`)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

from tooling.provisioners.base import Provisioner
from tooling.state import Resource

ACCOUNT = "123456789012"
REGION = "us-east-1"


class StubbedAws:
    endpoint = "http://localhost:4566"

    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}
        self.stubbers: dict[str, Stubber] = {}

    def client(self, service: str, region: str = REGION) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(
                service, region_name=region, aws_access_key_id="AKID", aws_secret_access_key="secret"
            )
            self.stubbers[service] = Stubber(self.clients[service])
            self.stubbers[service].activate()
        return self.clients[service]

    def account(self, region: str) -> str:
        return ACCOUNT

    def expect(self, service: str, operation: str, parameters: dict[str, Any], answer: dict[str, Any] | None = None):
        self.client(service)
        self.stubbers[service].add_response(operation, answer or {}, parameters)

    def refuse(
        self, service: str, operation: str, parameters: dict[str, Any], code: str, message: str = "", status=400
    ):
        self.client(service)
        self.stubbers[service].add_client_error(
            operation,
            service_error_code=code,
            service_message=message,
            http_status_code=status,
            expected_params=parameters,
        )

    def done(self) -> None:
        """Every expected call was made."""
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


def recorded(inputs: dict[str, Any], outputs: dict[str, Any], resource_id: str, keys: dict | None = None) -> Resource:
    """A resource as the state records it (in us-east-1): the inputs as applied, the outputs of the provider's
    Read."""
    return Resource(
        urn="urn:x",
        type="t",
        name="x",
        id=resource_id,
        region=REGION,
        keys=keys or {},
        inputs=inputs,
        outputs=outputs,
    )


def update(aws: StubbedAws, provisioner: Provisioner, entry: Resource, inputs: dict[str, Any]) -> Any:
    """The engine's update: the prior state (inputs as applied, overlaid by Read's outputs) and the plan."""
    assert provisioner.update is not None
    prior = (entry.inputs or {}) | entry.outputs
    return provisioner.update(aws, entry.region, entry, prior, provisioner.planned(prior, inputs))
