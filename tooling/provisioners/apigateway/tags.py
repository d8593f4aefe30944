"""Tagging shared by API Gateway's types: tags changed as the provider's updates change them, and the tag
that names the create which made a resource whose id the service chooses."""

from __future__ import annotations

from typing import Any

from ...state import Properties
from ..base import retag

# Where a type's id is chosen by the service, this tag on it names the create that made it.
TOKEN_TAG = "localstack-deploy:token"


def retag_apigateway(apigateway: Any, arn: str, old: Properties, new: Properties) -> None:
    retag(
        old,
        new,
        lambda tags: apigateway.tag_resource(resourceArn=arn, tags=tags),
        lambda gone: apigateway.untag_resource(resourceArn=arn, tagKeys=gone),
    )
