"""IAM: Role, RolePolicy, Policy, RolePolicyAttachment, as terraform-provider-aws v6 makes them (files
under `internal/service/iam/`, named per provisioner)."""

from __future__ import annotations

from typing import Any

from ..state import Properties, Resource
from .base import Context, Provisioner, auto_name, call_with_keys, differs, held, keys_of, retag, tag_list

# --- Role: role.go -------------------------------------------------------------------------------


def create_role(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceRoleCreate: CreateRole (name, path, trust policy, description, session duration, tags)."""
    request: Properties = {
        "RoleName": keys["id"],
        "Path": inputs.get("path") or "/",
        "AssumeRolePolicyDocument": inputs["assumeRolePolicy"],
        "Description": inputs.get("description") or "",
        "Tags": tag_list(inputs.get("tags")),
    }
    if inputs.get("maxSessionDuration"):
        request["MaxSessionDuration"] = int(inputs["maxSessionDuration"])
    role = ctx.client("iam", region).create_role(**request)["Role"]
    return keys["id"], {"arn": role["Arn"], "name": keys["id"], "uniqueId": role["RoleId"]}


def update_role(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> None:
    """resourceRoleUpdate: UpdateAssumeRolePolicy, UpdateRole (description, session duration), tags."""
    iam, role = ctx.client("iam", region), entry.id
    if differs(olds, news, "assumeRolePolicy"):
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=news["assumeRolePolicy"])
    if differs(olds, news, "description", "maxSessionDuration"):
        extra = {"MaxSessionDuration": int(news["maxSessionDuration"])} if news.get("maxSessionDuration") else {}
        iam.update_role(RoleName=role, Description=news.get("description") or "", **extra)
    retag(
        olds,
        news,
        lambda tags: iam.tag_role(RoleName=role, Tags=tag_list(tags)),
        lambda gone: iam.untag_role(RoleName=role, TagKeys=gone),
    )


def delete_role(ctx: Context, region: str, entry: Resource) -> None:
    """resourceRoleDelete: inline policies deleted and managed ones detached first (IAM refuses
    to delete a role with policies; an interrupted run may have left some on it)."""
    iam, role = ctx.client("iam", region), entry.id
    for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        iam.delete_role_policy(RoleName=role, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=role)


ROLE = Provisioner(
    service="iam",
    identity=keys_of(id=lambda name, inputs: auto_name(name, inputs)),
    create=create_role,
    update=update_role,
    delete=delete_role,
    exists=held(call_with_keys("iam", "get_role", RoleName="id")),
    force_new=frozenset({"name", "namePrefix", "path"}),
    computed=frozenset({"name", "namePrefix"}),
)


# --- RolePolicy: role_policy.go ------------------------------------------------------------------


def put_role_policy(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceRolePolicyPut (create and update alike): PutRolePolicy."""
    ctx.client("iam", region).put_role_policy(
        RoleName=keys["role"], PolicyName=keys["policy_name"], PolicyDocument=inputs["policy"]
    )
    return keys["id"], {"name": keys["policy_name"]}


def role_policy_keys(name: str, inputs: Properties) -> Properties:
    policy_name = auto_name(name, inputs)
    return {"id": f"{inputs['role']}:{policy_name}", "role": inputs["role"], "policy_name": policy_name}


ROLE_POLICY = Provisioner(
    service="iam",
    identity=role_policy_keys,
    create=put_role_policy,
    update=lambda ctx, region, entry, olds, news: put_role_policy(ctx, region, news, entry.keys)[1],
    delete=call_with_keys("iam", "delete_role_policy", RoleName="role", PolicyName="policy_name"),
    exists=held(call_with_keys("iam", "get_role_policy", RoleName="role", PolicyName="policy_name")),
    force_new=frozenset({"role", "name", "namePrefix"}),
    computed=frozenset({"name", "namePrefix"}),
)


# --- Policy: policy.go ---------------------------------------------------------------------------


def create_policy(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourcePolicyCreate: CreatePolicy (name, path, document, description, tags)."""
    policy = ctx.client("iam", region).create_policy(
        PolicyName=keys["id"],
        Path=keys["path"],
        PolicyDocument=inputs["policy"],
        Description=inputs.get("description") or "",
        Tags=tag_list(inputs.get("tags")),
    )["Policy"]
    return policy["Arn"], {"arn": policy["Arn"], "name": keys["id"], "policyId": policy["PolicyId"]}


def update_policy(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> None:
    """resourcePolicyUpdate: the oldest versions pruned (IAM keeps at most five), CreatePolicyVersion
    set as default; tags."""
    iam, arn = ctx.client("iam", region), entry.id
    if differs(olds, news, "policy"):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=news["policy"], SetAsDefault=True)
        delete_old_policy_versions(iam, arn)
    retag(
        olds,
        news,
        lambda tags: iam.tag_policy(PolicyArn=arn, Tags=tag_list(tags)),
        lambda gone: iam.untag_policy(PolicyArn=arn, TagKeys=gone),
    )


def delete_old_policy_versions(iam: Any, arn: str) -> None:
    for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
        if not version["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])


def delete_policy(ctx: Context, region: str, entry: Resource) -> None:
    """resourcePolicyDelete: the non-default versions first, then DeletePolicy."""
    iam, arn = ctx.client("iam", region), entry.id
    delete_old_policy_versions(iam, arn)
    iam.delete_policy(PolicyArn=arn)


POLICY = Provisioner(
    service="iam",
    identity=keys_of(
        id=lambda name, inputs: auto_name(name, inputs), path=lambda name, inputs: inputs.get("path") or "/"
    ),
    create=create_policy,
    update=update_policy,
    delete=delete_policy,
    exists=held(call_with_keys("iam", "get_policy", PolicyArn="id")),
    find=lambda ctx, region, keys, known: [f"arn:aws:iam::{ctx.account(region)}:policy{keys['path']}{keys['id']}"],
    force_new=frozenset({"name", "namePrefix", "path", "description"}),
    computed=frozenset({"name", "namePrefix"}),
)


# --- RolePolicyAttachment: role_policy_attachment.go ---------------------------------------------


def attach_policy(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceRolePolicyAttachmentCreate: AttachRolePolicy."""
    ctx.client("iam", region).attach_role_policy(RoleName=keys["role"], PolicyArn=keys["policy_arn"])
    return keys["id"], {}


def attached(ctx: Context, region: str, entry: Resource) -> bool:
    policies = ctx.client("iam", region).list_attached_role_policies(RoleName=entry.keys["role"])["AttachedPolicies"]
    return entry.keys["policy_arn"] in [p["PolicyArn"] for p in policies]


ROLE_POLICY_ATTACHMENT = Provisioner(
    service="iam",
    identity=lambda name, inputs: {
        "id": f"{inputs['role']}/{inputs['policyArn']}",
        "role": inputs["role"],
        "policy_arn": inputs["policyArn"],
    },
    create=attach_policy,
    delete=call_with_keys("iam", "detach_role_policy", RoleName="role", PolicyArn="policy_arn"),
    exists=held(attached),
)

PROVISIONERS = {
    "aws:iam/role:Role": ROLE,
    "aws:iam/rolePolicy:RolePolicy": ROLE_POLICY,
    "aws:iam/policy:Policy": POLICY,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ROLE_POLICY_ATTACHMENT,
}
