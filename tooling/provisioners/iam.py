"""IAM: Role, RolePolicy, Policy, RolePolicyAttachment, as terraform-provider-aws v6 makes them (files
under `internal/service/iam/`, named per provisioner). Tags change before the resource's own update
calls (`internal/provider/sdkv2/tags_interceptor.go`, tagsResourceCRUDInterceptor.run)."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

from ..state import Properties, Resource
from .base import (
    Context,
    Provisioner,
    auto_name,
    call_with_keys,
    differs,
    forgotten,
    given,
    held,
    keys_of,
    normalize_json,
    policy_to_set,
    retag,
    tag_list,
)

# --- Policy documents: internal/verify/json.go ----------------------------------------------------

# LegacyPolicyNormalize's pattern: the normalised document's `"Version":"2012-10-17"` moved to the front.
LEGACY_VERSION = re.compile(r'(?s)^(\{\n?)(.*?)(,\s*)?(  )?("Version":\s*"2012-10-17")(,)?(\n)?(.*?)(\})')


def legacy_policy_normalize(policy: str) -> str:
    """LegacyPolicyNormalize: NormalizeJsonString, then Version first ("MalformedPolicyDocument: The policy
    failed legacy parsing" otherwise, in some places)."""
    return LEGACY_VERSION.sub(r"\1\4\5\3\2\6\7\8\9", normalize_json(policy)) if policy else ""


def document(value: Any) -> str:
    """A policy document as IAM returns it: botocore decodes IAM's URL-encoded JSON into a dict."""
    return value if isinstance(value, str) else json.dumps(value)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_map(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags or []}


# --- Role: role.go -------------------------------------------------------------------------------


def create_role(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceRoleCreate: CreateRole (the trust policy normalised; the session duration, its default 3600 when
    unset, always; description, permissions boundary and tags only when given), then resourceRoleRead.
    `inlinePolicies` and `managedPolicyArns` (deprecated) are not provisioned: the programs use RolePolicy
    and RolePolicyAttachment."""
    iam = ctx.client("iam", region)
    iam.create_role(
        AssumeRolePolicyDocument=normalize_json(inputs["assumeRolePolicy"]),
        Path=inputs.get("path") or "/",
        RoleName=keys["id"],
        MaxSessionDuration=int(inputs.get("maxSessionDuration") or 3600),
        **given(
            Description=inputs.get("description"),
            PermissionsBoundary=inputs.get("permissionsBoundary"),
            Tags=tag_list(inputs.get("tags")) or None,
        ),
    )
    return keys["id"], read_role(iam, keys["id"], inputs)


def read_role(iam: Any, name: str, inputs: Properties) -> Properties:
    """resourceRoleRead: GetRole (its tags among its answer), the inline policies (ListRolePolicies, then
    GetRolePolicy of each), ListAttachedRolePolicies."""
    role = iam.get_role(RoleName=name)["Role"]
    inline = [
        {"name": policy, "policy": legacy_policy_normalize(document(answer))}
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
        for answer in [iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]]
    ]
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
    tags = tag_map(role.get("Tags"))
    return {
        "arn": role["Arn"],
        "assumeRolePolicy": policy_to_set(inputs.get("assumeRolePolicy"), document(role["AssumeRolePolicyDocument"])),
        "createDate": rfc3339(role["CreateDate"]),
        "description": role.get("Description"),
        "inlinePolicies": inline,
        "managedPolicyArns": attached,
        "maxSessionDuration": role.get("MaxSessionDuration"),
        "name": role["RoleName"],
        "path": role["Path"],
        "permissionsBoundary": (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        "tags": tags,
        "tagsAll": tags,
        "uniqueId": role["RoleId"],
    }


def update_role(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceRoleUpdate, after the tags (UntagRole, TagRole): UpdateAssumeRolePolicy, UpdateRoleDescription,
    UpdateRole (session duration), Put/DeleteRolePermissionsBoundary; then resourceRoleRead."""
    iam, role = ctx.client("iam", region), entry.id
    retag(
        olds,
        news,
        lambda tags: iam.tag_role(RoleName=role, Tags=tag_list(tags)),
        lambda gone: iam.untag_role(RoleName=role, TagKeys=gone),
    )
    if differs(olds, news, "assumeRolePolicy"):
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=normalize_json(news["assumeRolePolicy"]))
    if differs(olds, news, "description"):
        iam.update_role_description(RoleName=role, Description=news.get("description") or "")
    if differs(olds, news, "maxSessionDuration"):
        iam.update_role(RoleName=role, MaxSessionDuration=int(news["maxSessionDuration"]))
    if differs(olds, news, "permissionsBoundary"):
        if news.get("permissionsBoundary"):
            iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=news["permissionsBoundary"])
        else:
            iam.delete_role_permissions_boundary(RoleName=role)
    return read_role(iam, role, news)


def delete_role(ctx: Context, region: str, entry: Resource) -> None:
    """resourceRoleDelete (deleteRole): the role taken out of its instance profiles (ListInstanceProfilesForRole);
    with `forceDetachPolicies`, or managed policies recorded by the last Read, those attached detached; likewise
    the inline policies deleted; then DeleteRole."""
    iam, role = ctx.client("iam", region), entry.id
    force = bool((entry.inputs or {}).get("forceDetachPolicies"))
    for profile in iam.list_instance_profiles_for_role(RoleName=role)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=role)
    if force or entry.outputs.get("managedPolicyArns"):
        for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=role, PolicyArn=attached["PolicyArn"])
    if force or entry.outputs.get("inlinePolicies"):
        for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            iam.delete_role_policy(RoleName=role, PolicyName=policy)
    iam.delete_role(RoleName=role)


ROLE = Provisioner(
    service="iam",
    identity=keys_of(id=lambda name, inputs: auto_name(name, inputs)),
    create=create_role,
    update=update_role,
    delete=delete_role,
    exists=held(call_with_keys("iam", "get_role", RoleName="id")),
    force_new=frozenset({"name", "namePrefix", "path"}),
    computed=frozenset({"name", "namePrefix", "inlinePolicies", "managedPolicyArns"}),
    policies=frozenset({"assumeRolePolicy"}),
    # Optional, set by Read: a value AWS holds that the program leaves out is a change.
    read=frozenset({"description", "permissionsBoundary"}),
    defaults={"path": "/", "maxSessionDuration": 3600, "forceDetachPolicies": False},
)


# --- RolePolicy: role_policy.go ------------------------------------------------------------------


def put_role_policy(ctx: Context, region: str, inputs: Properties, keys: Properties) -> None:
    """resourceRolePolicyPut (create and update alike): PutRolePolicy with the document legacy-normalised."""
    ctx.client("iam", region).put_role_policy(
        RoleName=keys["role"], PolicyName=keys["policy_name"], PolicyDocument=legacy_policy_normalize(inputs["policy"])
    )


def read_role_policy(ctx: Context, region: str, inputs: Properties, keys: Properties) -> Properties:
    """resourceRolePolicyRead: GetRolePolicy (findRolePolicyByTwoPartKey)."""
    answer = ctx.client("iam", region).get_role_policy(RoleName=keys["role"], PolicyName=keys["policy_name"])
    held_document = document(answer["PolicyDocument"])
    return {
        "name": keys["policy_name"],
        "policy": policy_to_set(inputs.get("policy"), held_document, legacy_policy_normalize),
        "role": keys["role"],
    }


def create_role_policy(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceRolePolicyPut of a new one: PutRolePolicy, GetRolePolicy until it is found (it is at once here),
    then resourceRolePolicyRead."""
    put_role_policy(ctx, region, inputs, keys)
    read_role_policy(ctx, region, inputs, keys)
    return keys["id"], read_role_policy(ctx, region, inputs, keys)


def update_role_policy(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceRolePolicyPut of an existing one: PutRolePolicy, then resourceRolePolicyRead."""
    put_role_policy(ctx, region, news, entry.keys)
    return read_role_policy(ctx, region, news, entry.keys)


def role_policy_keys(name: str, inputs: Properties) -> Properties:
    policy_name = auto_name(name, inputs)
    return {"id": f"{inputs['role']}:{policy_name}", "role": inputs["role"], "policy_name": policy_name}


ROLE_POLICY = Provisioner(
    service="iam",
    identity=role_policy_keys,
    create=create_role_policy,
    update=update_role_policy,
    delete=call_with_keys("iam", "delete_role_policy", RoleName="role", PolicyName="policy_name"),
    exists=held(call_with_keys("iam", "get_role_policy", RoleName="role", PolicyName="policy_name")),
    force_new=frozenset({"role", "name", "namePrefix"}),
    computed=frozenset({"name", "namePrefix"}),
    policies=frozenset({"policy"}),
)


# --- Policy: policy.go ---------------------------------------------------------------------------


def create_policy(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourcePolicyCreate: CreatePolicy (the description always, empty when unset; the document normalised;
    tags only when given), then resourcePolicyRead."""
    iam = ctx.client("iam", region)
    policy = iam.create_policy(
        Description=inputs.get("description") or "",
        Path=keys["path"],
        PolicyDocument=normalize_json(inputs["policy"]),
        PolicyName=keys["id"],
        **given(Tags=tag_list(inputs.get("tags")) or None),
    )["Policy"]
    return policy["Arn"], read_policy(iam, policy["Arn"], inputs)


def read_policy(iam: Any, arn: str, inputs: Properties) -> Properties:
    """resourcePolicyRead: GetPolicy (its tags among its answer), GetPolicyVersion of the default version."""
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    tags = tag_map(policy.get("Tags"))
    return {
        "arn": policy["Arn"],
        "attachmentCount": policy.get("AttachmentCount"),
        "description": policy.get("Description"),
        "name": policy["PolicyName"],
        "path": policy["Path"],
        "policy": policy_to_set(inputs.get("policy"), document(version["Document"])),
        "policyId": policy["PolicyId"],
        "tags": tags,
        "tagsAll": tags,
    }


def update_policy(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourcePolicyUpdate, after the tags (UntagPolicy, TagPolicy): for a changed document, policyPruneVersions
    (with five versions, IAM's most, the oldest non-default one deleted), then CreatePolicyVersion as the default
    (with `delayAfterPolicyCreationInMs`: not as the default, a pause, SetDefaultPolicyVersion); then
    resourcePolicyRead."""
    iam, arn = ctx.client("iam", region), entry.id
    retag(
        olds,
        news,
        lambda tags: iam.tag_policy(PolicyArn=arn, Tags=tag_list(tags)),
        lambda gone: iam.untag_policy(PolicyArn=arn, TagKeys=gone),
    )
    if differs(olds, news, "policy"):
        prune_policy_versions(iam, arn)
        delay = news.get("delayAfterPolicyCreationInMs")
        created = iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=normalize_json(news["policy"]), SetAsDefault=not delay
        )
        if delay:
            time.sleep(int(delay) / 1000)
            iam.set_default_policy_version(PolicyArn=arn, VersionId=created["PolicyVersion"]["VersionId"])
    return read_policy(iam, arn, news)


def prune_policy_versions(iam: Any, arn: str) -> None:
    """policyPruneVersions: below five versions nothing; else the oldest non-default one deleted."""
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    older = sorted((v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"])
    if len(versions) >= 5 and older:
        iam.delete_policy_version(PolicyArn=arn, VersionId=older[0]["VersionId"])


def delete_policy(ctx: Context, region: str, entry: Resource) -> None:
    """resourcePolicyDelete: ListPolicyVersions, the non-default ones deleted, then DeletePolicy."""
    iam, arn = ctx.client("iam", region), entry.id
    for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
        if not version["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
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
    policies=frozenset({"policy"}),
    defaults={"path": "/"},
)


# --- RolePolicyAttachment: role_policy_attachment.go ---------------------------------------------


def attached(ctx: Context, region: str, entry: Resource) -> bool:
    """findAttachedRolePolicyByTwoPartKey: ListAttachedRolePolicies, the policy among them."""
    policies = ctx.client("iam", region).list_attached_role_policies(RoleName=entry.keys["role"])["AttachedPolicies"]
    return entry.keys["policy_arn"] in [p["PolicyArn"] for p in policies]


def attach_policy(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceRolePolicyAttachmentCreate: AttachRolePolicy, then resourceRolePolicyAttachmentRead, which fails
    when the policy is not attached."""
    ctx.client("iam", region).attach_role_policy(RoleName=keys["role"], PolicyArn=keys["policy_arn"])
    if not attached(ctx, region, forgotten(keys)):
        raise LookupError(f"IAM policy {keys['policy_arn']} is not attached to role {keys['role']}")
    return keys["id"], {}


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
