"""Lambda: Permission, as terraform-provider-aws v6 makes it (`internal/service/lambda/permission.go`).

Every property is ForceNew (no Update), and Read records `function` and `qualifier` from the
statement's Resource: a qualified function ARN (`...:function:name:alias`) given as `function`
is recorded unqualified with the alias as `qualifier`, so the next plan differs on both and
replaces the permission every time (as pulumi-aws does).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..state import Properties, Resource
from .base import Context, Provisioner, auto_name, held

# permission.go's functionRegexp: group 5 the function name, group 7 the qualifier.
FUNCTION = re.compile(
    r"^(arn:[\w-]+:lambda:)?([a-z]{2}-(?:[a-z]+-){1,2}\d{1}:)?(\d{12}:)?(function:)?([0-9A-Za-z_-]+)(:(\$LATEST|[0-9A-Za-z_-]+))?$"
)

# Pulumi property -> AddPermission parameter, for the optional ones (resourcePermissionCreate).
OPTIONAL_PARAMETERS = {
    "eventSourceToken": "EventSourceToken",
    "functionUrlAuthType": "FunctionUrlAuthType",
    "invokedViaFunctionUrl": "InvokedViaFunctionUrl",
    "principalOrgId": "PrincipalOrgID",
    "qualifier": "Qualifier",
    "sourceAccount": "SourceAccount",
    "sourceArn": "SourceArn",
}


# Every property of `aws_lambda_permission` (resourcePermission's schema): all ForceNew, all set by Read.
PROPERTIES = frozenset(
    {
        "action",
        "eventSourceToken",
        "function",
        "functionUrlAuthType",
        "invokedViaFunctionUrl",
        "principal",
        "principalOrgId",
        "qualifier",
        "sourceAccount",
        "sourceArn",
        "statementId",
        "statementIdPrefix",
    }
)


def add_permission(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourcePermissionCreate: AddPermission, then resourcePermissionRead; the id is the statement id."""
    request: Properties = {
        "Action": inputs["action"],
        "FunctionName": inputs["function"],
        "Principal": inputs["principal"],
        "StatementId": keys["id"],
    }
    request |= {parameter: inputs[key] for key, parameter in OPTIONAL_PARAMETERS.items() if inputs.get(key)}
    ctx.client("lambda", region).add_permission(**request)
    return keys["id"], read_permission(ctx, region, keys["id"], inputs["function"], inputs.get("qualifier") or "")


def policy_statement(ctx: Context, region: str, function: str, statement_id: str, qualifier: str) -> Properties:
    """findPolicyStatementByTwoPartKey: GetPolicy (with the qualifier when there is one), the statement by Sid."""
    request = {"FunctionName": function} | ({"Qualifier": qualifier} if qualifier else {})
    policy = json.loads(ctx.client("lambda", region).get_policy(**request)["Policy"])
    for statement in policy["Statement"]:
        if statement["Sid"] == statement_id:
            return dict(statement)
    raise LookupError(f"Lambda Permission {statement_id} is not in {function}'s policy")


def read_permission(ctx: Context, region: str, statement_id: str, function: str, qualifier: str) -> Properties:
    """resourcePermissionRead."""
    return permission_outputs(policy_statement(ctx, region, function, statement_id, qualifier), function)


def permission_outputs(statement: Properties, configured_function: str) -> Properties:
    """What resourcePermissionRead records from a policy statement: the qualifier taken from its
    Resource, `function` in the configured form (an ARN stripped of the qualifier, else the name)."""
    match = FUNCTION.match(statement["Resource"])
    qualifier = (match.group(7) if match else None) or ""
    if configured_function.startswith("arn:aws:lambda:"):
        function = statement["Resource"].removesuffix(":" + qualifier)
    else:
        function = match.group(5) if match else statement["Resource"]
    principal: Any = statement.get("Principal")
    if isinstance(principal, dict):
        principal = principal.get("AWS", principal.get("Service"))
    conditions = statement.get("Condition") or {}
    equals = conditions.get("StringEquals") or {}
    return {
        "action": statement.get("Action"),
        "function": function,
        "qualifier": qualifier,
        "principal": principal,
        "sourceArn": (conditions.get("ArnLike") or {}).get("AWS:SourceArn"),
        "sourceAccount": equals.get("AWS:SourceAccount"),
        "eventSourceToken": equals.get("lambda:EventSourceToken"),
        "functionUrlAuthType": equals.get("lambda:FunctionUrlAuthType"),
        "principalOrgId": equals.get("aws:PrincipalOrgID"),
        "statementId": statement["Sid"],
    }


def remove_permission(ctx: Context, region: str, entry: Resource) -> None:
    """resourcePermissionDelete: RemovePermission (with the recorded qualifier)."""
    qualifier = entry.outputs.get("qualifier") or (entry.inputs or {}).get("qualifier")
    ctx.client("lambda", region).remove_permission(
        FunctionName=entry.keys["function"], StatementId=entry.id, **({"Qualifier": qualifier} if qualifier else {})
    )


def permission_exists(ctx: Context, region: str, entry: Resource) -> bool:
    try:
        policy_statement(ctx, region, entry.keys["function"], entry.id, entry.outputs.get("qualifier") or "")
    except LookupError:
        return False
    return True


PERMISSION = Provisioner(
    service="lambda",
    # The statement id is auto-named by Pulumi ("Generated by Pulumi if not provided").
    identity=lambda name, inputs: {
        "id": auto_name(name, inputs, "statementId", "statementIdPrefix"),
        "function": inputs["function"],
    },
    create=add_permission,
    delete=remove_permission,
    exists=held(permission_exists),
    force_new=PROPERTIES,
    computed=frozenset({"statementId", "statementIdPrefix"}),
    read=PROPERTIES,
)

PROVISIONERS = {"aws:lambda/permission:Permission": PERMISSION}
