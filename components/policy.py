"""Render the execution role's IAM documents from the catalogue: least privilege by construction."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .alarms import deployer_statements
from .catalogue import ObjectData, PrefixRule, Route, Scope, dns_suffix, partition_of, resource_arns
from .config import ProxyConfig

POLICY_VERSION = "2012-10-17"


def render_policy(
    config: ProxyConfig, partition: str, region: str | None = None, account_id: str | None = None
) -> dict[str, Any]:
    """Allow exactly the actions the generated routes call, one statement per kind of resource.

    Scoped to `config.buckets` and `config.bucket_patterns` when given (their ARNs, and `bucket/*` for
    object actions; a pattern's `*` is IAM's wildcard), and to
    keys under `config.key_prefix` (object ARNs `bucket/prefix*`; listing only with `s3:prefix`
    equal to it, the prefix the API pins listing to). Only ListAllMyBuckets, which has no
    resource-level permissions, is granted on `*`. With KMS keys (`kms_keys`), S3 may use exactly
    those keys on the role's behalf (see `kms_statement`); `region` is then needed. Every bucket and object grant
    holds only for buckets of `config.bucket_accounts`, or of `account_id` (the API's own account) when none are
    given (`s3:ResourceAccount`): a bucket of another account that grants the role access, or a deleted bucket's
    name registered again in another account, stays out of reach. The component always passes `account_id`.
    """
    owners = config.bucket_accounts or ((account_id,) if account_id else ())
    statements = grouped_grants(
        (action, _statement(route, config, partition, owners)) for route in config.routes for action in route.actions
    )
    kms = kms_statement(config, region)
    return {"Version": POLICY_VERSION, "Statement": statements + ([kms] if kms else [])}


def grouped_grants(grants: Iterable[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """(action, statement without Action) pairs as Allow statements: one per distinct statement, with its actions."""
    grouped: dict[str, tuple[dict[str, Any], list[str]]] = {}  # statement without Action -> actions
    for action, statement in grants:
        _, actions = grouped.setdefault(json.dumps(statement, sort_keys=True), (statement, []))
        if action not in actions:
            actions.append(action)
    return [
        {"Sid": s["Sid"], "Effect": "Allow", "Action": sorted(actions), "Resource": s["Resource"]}
        | ({"Condition": s["Condition"]} if "Condition" in s else {})
        for s, actions in grouped.values()
    ]


def kms_statement(config: ProxyConfig, region: str | None) -> dict[str, Any] | None:
    """What S3 needs of the buckets' KMS keys for the role's requests: `kms:Decrypt` to read an object,
    `kms:GenerateDataKey` (and `kms:Decrypt`, for multipart uploads) to write one. On exactly these key
    ARNs, and only when S3 of this region asks (`kms:ViaService`): never a `kms:*` action or a `*` key."""
    reads = any(route.object_data is ObjectData.READ for route in config.routes)
    writes = any(route.action == "s3:PutObject" for route in config.routes)
    if not config.kms_keys or not (reads or writes):
        return None
    if region is None:
        raise ValueError("the region is needed to scope KMS grants to S3 (kms:ViaService)")
    actions = ["kms:Decrypt"] + (["kms:GenerateDataKey"] if writes else [])
    return {
        "Sid": "KmsThroughS3",
        "Effect": "Allow",
        "Action": actions,
        "Resource": list(config.kms_keys),
        "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.{dns_suffix(partition_of(region))}"}},
    }


def _statement(route: Route, config: ProxyConfig, partition: str, owners: tuple[str, ...]) -> dict[str, Any]:
    """The statement granting `route`'s action, less the action itself."""
    statement: dict[str, Any] = {
        "Sid": f"{route.scope.value.capitalize()}Actions",
        "Resource": resource_arns(route.scope, config.bucket_scope, partition, config.key_prefix),
    }
    equals: dict[str, Any] = {}
    if config.key_prefix and route.under_prefix is PrefixRule.LISTING:
        statement["Sid"] = "ListingUnderPrefix"
        # The API pins listing's prefix to exactly this value, so nothing wider is needed.
        equals["s3:prefix"] = config.key_prefix
    if owners and route.scope is not Scope.SERVICE:
        # The account owning the bucket (Service Authorization Reference, Amazon S3 condition keys:
        # s3:ResourceAccount). ListAllMyBuckets names no bucket: it lists the role's own account's.
        equals["s3:ResourceAccount"] = list(owners)
    if equals:
        statement["Condition"] = {"StringEquals": equals}
    return statement


def render_trust_policy() -> dict[str, Any]:
    """Only API Gateway may assume the role.

    No `aws:SourceAccount`/`aws:SourceArn` condition: API Gateway does not set those keys when it
    assumes an integration's credentials role, so such a condition fails every request with 500
    ("API Gateway does not have permission to assume the provided role"). What keeps another
    account's API from using the role is `iam:PassRole`: attaching it to an integration needs that
    permission on the role, in this account (see `render_deployer_policy`).
    """
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }


@dataclass(frozen=True)
class Deployment:
    """Where the component is deployed, which names its children's ARNs."""

    name: str
    partition: str
    region: str
    account_id: str
    managed_policies: int

    @property
    def role(self) -> str:
        """The execution role, auto-named `<name>-role-<random>`."""
        return f"arn:{self.partition}:iam::{self.account_id}:role/{self.name}-role-*"

    @property
    def gateway(self) -> str:
        """API Gateway's management API: `apigateway:<HTTP verb>` on this prefix and a resource path."""
        return f"arn:{self.partition}:apigateway:{self.region}::"


def render_deployer_policy(
    config: ProxyConfig, *, name: str, partition: str, region: str, account_id: str, managed_policies: int = 0
) -> dict:
    """What the identity running `pulumi up`/`destroy` of this component needs, and no more: the statements of
    each part of the component in use (`DEPLOYER_STATEMENTS`).

    Resource ARNs follow the children's names: the role is auto-named `<name>-role-<random>` and
    the log group `<name>-access-logs-<random>`; API Gateway's management API is authorized as
    `apigateway:<HTTP verb>` on `arn:<partition>:apigateway:<region>::<resource path>` (IDs are not
    known before creation, so REST APIs, keys and usage plans are `/restapis/*` and the like).
    `iam:PassRole` is allowed only towards API Gateway, for this component's role only. With
    `managed_policies` (the role's policy split over customer-managed policies `<name>-policy-<i>-<random>`),
    creating, versioning and deleting those, and attaching only those to the role.
    """
    deployment = Deployment(name, partition, region, account_id, managed_policies)
    statements = [statement for part in DEPLOYER_STATEMENTS for statement in part(config, deployment)]
    return {"Version": POLICY_VERSION, "Statement": statements}


def _execution_role(config: ProxyConfig, deployment: Deployment) -> list[dict[str, Any]]:
    if config.integration_credentials != "role":
        return []  # in caller mode there is no execution role to manage or pass
    return [
        {
            "Sid": "ExecutionRole",
            "Effect": "Allow",
            "Action": [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:ListRolePolicies",
                "iam:PutRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
            ],
            "Resource": deployment.role,
        },
        {
            "Sid": "PassExecutionRoleToApiGateway",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": deployment.role,
            "Condition": {"StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}},
        },
    ]


def _api_gateway(config: ProxyConfig, deployment: Deployment) -> list[dict[str, Any]]:
    gateway = deployment.gateway
    paths = ["/restapis", "/restapis/*", "/tags/*"]
    if config.api_keys:
        paths += ["/apikeys", "/apikeys/*", "/usageplans", "/usageplans/*"]
    if config.custom_domain:
        domain = config.custom_domain.domain_name
        paths += ["/domainnames", f"/domainnames/{domain}", f"/domainnames/{domain}/*"]
    return [
        {
            "Sid": "ApiGateway",
            "Effect": "Allow",
            "Action": ["apigateway:DELETE", "apigateway:GET", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT"],
            "Resource": [gateway + path for path in paths],
        },
        # Setting or removing the REST API's resource policy (the provider PATCHes `/policy` on create and update)
        # needs this besides apigateway:PATCH (API Gateway Developer Guide, apigateway-resource-policies-create-
        # attach). Always granted: an update that drops the last CIDR removes the policy of an earlier deployment.
        {
            "Sid": "ApiResourcePolicy",
            "Effect": "Allow",
            "Action": "apigateway:UpdateRestApiPolicy",
            "Resource": [gateway + "/restapis", gateway + "/restapis/*"],
        },
    ]


def _edge_domain(config: ProxyConfig, deployment: Deployment) -> list[dict[str, Any]]:
    if not config.custom_domain or config.endpoint_type != "EDGE":
        return []
    # An edge-optimized domain is a CloudFront distribution of an account API Gateway owns, so it cannot be
    # named: the documented grant is on `*` (API Gateway Developer Guide, how-to-edge-optimized-custom-domain-name).
    return [
        {"Sid": "EdgeDomainDistribution", "Effect": "Allow", "Action": "cloudfront:UpdateDistribution", "Resource": "*"}
    ]


def _managed_policies(config: ProxyConfig, deployment: Deployment) -> list[dict[str, Any]]:
    if not deployment.managed_policies:
        return []
    policies = f"arn:{deployment.partition}:iam::{deployment.account_id}:policy/{deployment.name}-policy-*"
    return [
        {
            "Sid": "ManagedPolicies",
            "Effect": "Allow",
            "Action": [
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:GetPolicy",
                "iam:GetPolicyVersion",
                "iam:ListPolicyVersions",
                "iam:TagPolicy",
                "iam:UntagPolicy",
            ],
            "Resource": policies,
        },
        {
            "Sid": "AttachManagedPolicies",
            "Effect": "Allow",
            "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            "Resource": deployment.role,
            "Condition": {"ArnLike": {"iam:PolicyARN": policies}},
        },
    ]


def _access_logs(config: ProxyConfig, deployment: Deployment) -> list[dict[str, Any]]:
    if not config.access_logs:
        return []
    log_groups = f"arn:{deployment.partition}:logs:{deployment.region}:{deployment.account_id}:log-group:"
    group = f"{log_groups}{deployment.name}-access-logs-*"
    return [
        {
            "Sid": "AccessLogGroup",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:DeleteRetentionPolicy",
                "logs:ListTagsForResource",
                "logs:PutRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource",
            ],
            "Resource": [group, f"{group}:*"],
        },
        {"Sid": "FindLogGroups", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": f"{log_groups}*"},
    ]


def _web_acl(config: ProxyConfig, deployment: Deployment) -> list[dict[str, Any]]:
    if not config.web_acl_arn:
        return []
    stages = f"{deployment.gateway}/restapis/*/stages/*"
    return [
        {
            "Sid": "WebAclAssociation",
            "Effect": "Allow",
            "Action": ["wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "wafv2:GetWebACLForResource"],
            "Resource": [config.web_acl_arn, stages],
        },
        {"Sid": "StageWebAcl", "Effect": "Allow", "Action": "apigateway:SetWebACL", "Resource": stages},
    ]


def _alarms(config: ProxyConfig, deployment: Deployment) -> list[dict[str, Any]]:
    if not config.alarms:
        return []
    return deployer_statements(deployment.partition, deployment.region, deployment.account_id, deployment.name)


def _authorizer(config: ProxyConfig, deployment: Deployment) -> list[dict[str, Any]]:
    if not config.authorizer or not config.authorizer.function_arn:
        return []
    return [
        {
            "Sid": "AuthorizerInvokePermission",
            "Effect": "Allow",
            "Action": ["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"],
            "Resource": config.authorizer.function_arn,
        }
    ]


# The deployer's statements, by part of the component, in the order the policy lists them.
DEPLOYER_STATEMENTS: tuple[Callable[[ProxyConfig, Deployment], list[dict[str, Any]]], ...] = (
    _execution_role,
    _api_gateway,
    _edge_domain,
    _managed_policies,
    _access_logs,
    _web_acl,
    _alarms,
    _authorizer,
)
