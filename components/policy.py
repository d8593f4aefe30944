"""Render the execution role's IAM documents from the catalogue: least privilege by construction."""

from __future__ import annotations

from typing import Any

from .catalogue import Scope, resource_arns, routes_for
from .config import ProxyConfig

POLICY_VERSION = "2012-10-17"


def render_policy(config: ProxyConfig, partition: str) -> dict[str, Any]:
    """Allow exactly the actions the generated routes call, one statement per kind of resource.

    Scoped to `config.buckets` when given (their ARNs, and `bucket/*` for object actions); only
    ListAllMyBuckets, which has no resource-level permissions, is ever granted on `*`.
    """
    actions_by_scope: dict[Scope, list[str]] = {}
    for route in routes_for(config.allowed_actions):
        actions = actions_by_scope.setdefault(route.scope, [])
        if route.action not in actions:
            actions.append(route.action)
    statements = [
        {
            "Sid": f"{scope.value.capitalize()}Actions",
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": resource_arns(scope, config.buckets, partition),
        }
        for scope, actions in actions_by_scope.items()
    ]
    return {"Version": POLICY_VERSION, "Statement": statements}


def render_trust_policy(account_id: str) -> dict[str, Any]:
    """Only API Gateway may assume the role, and only on behalf of this account (confused deputy)."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }
