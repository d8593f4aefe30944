"""Render the identity policy a SigV4 caller of the API needs: least privilege for the routes the stack has.

Every caller needs `execute-api:Invoke` on the API's methods. In caller mode (`integration_credentials` = caller)
S3 authorizes each request as the caller itself, so the caller also needs what the execution role would have had,
or, with `caller_folders`, only what stays inside the caller's own folder, named by an IAM policy variable.
"""

from __future__ import annotations

from typing import Any

from .catalogue import PrefixRule, Route, Scope, resource_arns
from .config import ProxyConfig
from .policy import POLICY_VERSION, grouped_grants, kms_statement, render_policy

# The IAM policy variable naming each caller's folder (IAM User Guide, "IAM policy elements: Variables and tags",
# "Request information that you can use for policy variables"). IAM substitutes the caller's value when it
# evaluates the policy; a statement whose variable has no value for the caller matches nothing ("Policy variables
# with no value"), so a caller of the wrong kind gets no folder at all.
FOLDER_VARIABLES = {
    # The friendly name of an IAM user; absent for assumed roles and federated users.
    "username": "${aws:username}",
    # An IAM user's unique id (`AIDA...`); for an assumed role `<role id>:<session name>`, for a federated user
    # `<account>:<name>`. Unlike a user name it is never reused by another user created later with the same name.
    "userid": "${aws:userid}",
    # The Cognito identity pool's identity id (`<region>:<uuid>`) of a caller holding the pool's credentials, set
    # when the pool's role was assumed with AssumeRoleWithWebIdentity (Amazon Cognito Developer Guide, "IAM roles").
    "cognito_identity": "${cognito-identity.amazonaws.com:sub}",
}


def render_caller_policy(
    config: ProxyConfig, *, partition: str, region: str, account_id: str, execution_arn: str
) -> dict[str, Any] | None:
    """The identity policy a caller needs; None when callers are not IAM principals (`authorization` other than
    AWS_IAM). `execution_arn` is the stage's (`arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>`).

    In caller mode, its S3 and KMS grants are the execution role's policy (`render_policy`), bucket accounts pinned
    with `s3:ResourceAccount` as there; with `caller_folders`, only routes that stay inside a prefix are granted:
    object actions on keys under `<key_prefix><variable>/` and listing with `s3:prefix` under it. Bucket-wide routes
    (ListBuckets, HeadBucket, CreateBucket, DeleteBucket), and listing under a `key_prefix`, get no grant."""
    if config.authorization != "AWS_IAM":
        return None
    folders = config.caller_folders  # only ever set in caller mode (`config._check_caller_credentials`)
    # In a folder, only the routes that stay under a prefix: S3 would refuse the others, so they are not invoked.
    routes = [route for route in config.routes if not folders or _stays_in_folder(route, config)]
    invoke = {
        "Sid": "InvokeApi",
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": list(dict.fromkeys(method_arn(execution_arn, route) for route in routes)),
    }
    statements: list[dict[str, Any]] = [invoke]
    if folders:
        variable = FOLDER_VARIABLES[folders]
        owners = config.bucket_accounts or (account_id,)
        grants = (
            (action, _folder_statement(route, config, partition, owners, variable))
            for route in routes
            for action in route.actions
        )
        kms = kms_statement(config, region)
        statements += grouped_grants(grants) + ([kms] if kms else [])
    elif config.integration_credentials == "caller":
        statements += render_policy(config, partition, region, account_id)["Statement"]
    return {"Version": POLICY_VERSION, "Statement": statements}


def method_arn(execution_arn: str, route: Route) -> str:
    """The `execute-api:Invoke` resource of a route's method: `<stage ARN>/<VERB>/<path>`, each path parameter `*`
    (API Gateway Developer Guide, "Control access for invoking an API")."""
    path = "/".join("*" if part.startswith("{") else part for part in route.path.split("/"))
    return f"{execution_arn}/{route.verb}{path}"


def _stays_in_folder(route: Route, config: ProxyConfig) -> bool:
    """Object routes (the client names the key) and listing (the client names the `prefix`), except listing under a
    key prefix: the API then pins listing's prefix to the key prefix itself, above every folder."""
    return route.under_prefix is PrefixRule.KEY or (route.under_prefix is PrefixRule.LISTING and not config.key_prefix)


def _folder_statement(
    route: Route, config: ProxyConfig, partition: str, owners: tuple[str, ...], variable: str
) -> dict[str, Any]:
    """The grant of `route` (one that stays in a folder) inside the caller's folder, less the action."""
    folder = f"{config.key_prefix or ''}{variable}/"
    condition: dict[str, Any] = {"StringEquals": {"s3:ResourceAccount": list(owners)}}
    if route.under_prefix is PrefixRule.KEY:
        return {
            "Sid": "ObjectsInCallerFolder",
            "Resource": resource_arns(Scope.OBJECT, config.bucket_scope, partition, folder),
            "Condition": condition,
        }
    # StringLike's `*` matches any characters, `/` included (IAM User Guide, "IAM JSON policy elements: Condition
    # operators"): any listing inside the folder. The folder ends with `/`, so `alice` never lists `alice2/`.
    condition["StringLike"] = {"s3:prefix": f"{folder}*"}
    return {
        "Sid": "ListingInCallerFolder",
        "Resource": resource_arns(Scope.BUCKET, config.bucket_scope, partition),
        "Condition": condition,
    }
