"""Render the execution role's IAM documents from the catalogue: least privilege by construction."""

from __future__ import annotations

import json
from typing import Any

from .catalogue import PrefixRule, Route, resource_arns
from .config import ProxyConfig

POLICY_VERSION = "2012-10-17"


def render_policy(config: ProxyConfig, partition: str) -> dict[str, Any]:
    """Allow exactly the actions the generated routes call, one statement per kind of resource.

    Scoped to `config.buckets` when given (their ARNs, and `bucket/*` for object actions), and to
    keys under `config.key_prefix` (object ARNs `bucket/prefix*`; listing only with `s3:prefix`
    equal to it, the prefix the API pins listing to). Only ListAllMyBuckets, which has no
    resource-level permissions, is granted on `*`.
    """
    grants: dict[str, tuple[dict[str, Any], list[str]]] = {}  # statement without Action -> actions
    for route in config.routes:
        statement = _statement(route, config, partition)
        _, actions = grants.setdefault(json.dumps(statement, sort_keys=True), (statement, []))
        if route.action not in actions:
            actions.append(route.action)
    statements = [
        {"Sid": s["Sid"], "Effect": "Allow", "Action": sorted(actions), "Resource": s["Resource"]}
        | ({"Condition": s["Condition"]} if "Condition" in s else {})
        for s, actions in grants.values()
    ]
    return {"Version": POLICY_VERSION, "Statement": statements}


def _statement(route: Route, config: ProxyConfig, partition: str) -> dict[str, Any]:
    """The statement granting `route`'s action, less the action itself."""
    statement: dict[str, Any] = {
        "Sid": f"{route.scope.value.capitalize()}Actions",
        "Resource": resource_arns(route.scope, config.buckets, partition, config.key_prefix),
    }
    if config.key_prefix and route.under_prefix is PrefixRule.LISTING:
        statement["Sid"] = "ListingUnderPrefix"
        # The API pins listing's prefix to exactly this value, so nothing wider is needed.
        statement["Condition"] = {"StringEquals": {"s3:prefix": config.key_prefix}}
    return statement


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
