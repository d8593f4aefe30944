"""The IAM provisioners' calls, call by call, against terraform-provider-aws v6 (`internal/service/iam/`; the file
and function named per test): the expected calls are written from the provider's source and checked by a botocore
Stubber."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

from stubbed_aws import StubbedAws, recorded, update

from tooling.engine import decide
from tooling.provisioners import REGISTRY

ROLE = REGISTRY["aws:iam/role:Role"]
ROLE_POLICY = REGISTRY["aws:iam/rolePolicy:RolePolicy"]
POLICY = REGISTRY["aws:iam/policy:Policy"]
ATTACHMENT = REGISTRY["aws:iam/rolePolicyAttachment:RolePolicyAttachment"]

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
# structure.NormalizeJsonString: Go's json.Marshal of the parsed document (map keys sorted, no spaces).
TRUST_NORMALIZED = (
    '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"}}],'
    '"Version":"2012-10-17"}'
)
READ = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}
WRITE = {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::data/*"}]}
ROLE_ARN = "arn:aws:iam::123456789012:role/app-1234567"
POLICY_ARN = "arn:aws:iam::123456789012:policy/read-1234567"
WHO = {"RoleName": "app-1234567"}
ARN = {"PolicyArn": POLICY_ARN}


def policy_text(statements: dict, spaced: bool = True) -> str:
    return json.dumps({"Version": "2012-10-17"} | statements, indent=2 if spaced else None)


def encoded(document: dict) -> str:
    """A policy document as IAM answers it: URL-encoded JSON, which botocore decodes into a dict."""
    return quote(json.dumps(document))


def held_role() -> dict:
    """The role as IAM answers it (a fresh one each time: botocore decodes its trust policy in place)."""
    return {
        "Path": "/",
        "RoleName": "app-1234567",
        "RoleId": "AROA1234567890EXAMPLE",
        "Arn": ROLE_ARN,
        "CreateDate": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "AssumeRolePolicyDocument": encoded(TRUST),
        "MaxSessionDuration": 3600,
        "Tags": [{"Key": "env", "Value": "dev"}],
    }


def expect_role_read(aws: StubbedAws) -> None:
    """resourceRoleRead: GetRole, ListRolePolicies (GetRolePolicy of each: none here), ListAttachedRolePolicies."""
    aws.expect("iam", "get_role", WHO, {"Role": held_role()})
    aws.expect("iam", "list_role_policies", WHO, {"PolicyNames": []})
    aws.expect("iam", "list_attached_role_policies", WHO, {"AttachedPolicies": []})


# --- Role: role.go -------------------------------------------------------------------------------


def test_a_role_is_created_as_create_role_sends_it_then_read(aws):
    """resourceRoleCreate: the trust policy normalised; MaxSessionDuration always (its Default 3600); Description
    and Tags only when given (d.GetOk, getTagsIn's nil); then resourceRoleRead: GetRole, ListRolePolicies,
    ListAttachedRolePolicies."""
    trust = {"AssumeRolePolicyDocument": TRUST_NORMALIZED, "Path": "/", "RoleName": "app-1234567"}
    aws.expect("iam", "create_role", trust | {"MaxSessionDuration": 3600}, {"Role": held_role()})
    expect_role_read(aws)
    inputs = {"assumeRolePolicy": json.dumps(TRUST, indent=2), "tags": {}}
    role_id, outputs = ROLE.create(aws, "us-east-1", inputs, {"id": "app-1234567"})
    assert role_id == "app-1234567"
    assert outputs["arn"] == ROLE_ARN and outputs["uniqueId"] == "AROA1234567890EXAMPLE"
    assert outputs["createDate"] == "2026-01-02T03:04:05Z"  # time.RFC3339
    assert (outputs["maxSessionDuration"], outputs["tags"], outputs["managedPolicyArns"]) == (3600, {"env": "dev"}, [])


def test_a_role_update_changes_its_tags_first_and_its_description_by_update_role_description(aws):
    """tags_interceptor.go: UntagRole, TagRole before resourceRoleUpdate, which changes the description with
    UpdateRoleDescription (UpdateRole is for the session duration only); then resourceRoleRead."""
    aws.expect("iam", "untag_role", WHO | {"TagKeys": ["gone"]})
    aws.expect("iam", "tag_role", WHO | {"Tags": [{"Key": "env", "Value": "dev"}]})
    aws.expect("iam", "update_role_description", WHO | {"Description": "new"})
    expect_role_read(aws)
    prior = {
        "assumeRolePolicy": TRUST_NORMALIZED,
        "description": "old",
        "maxSessionDuration": 3600,
        "tags": {"gone": "1", "env": "test"},
    }
    inputs = {"assumeRolePolicy": json.dumps(TRUST), "description": "new", "tags": {"env": "dev"}}
    update(aws, ROLE, recorded(prior, {}, "app-1234567"), inputs)


def test_an_equivalent_trust_policy_and_the_default_session_duration_are_no_change():
    """role.go: assume_role_policy's DiffSuppressFunc is SuppressEquivalentPolicyDiffs; max_session_duration has
    Default 3600, which Read records."""
    read = {"assumeRolePolicy": TRUST_NORMALIZED, "maxSessionDuration": 3600}
    entry, typ = recorded({"assumeRolePolicy": json.dumps(TRUST)}, read, "app-1234567"), "aws:iam/role:Role"
    assert decide(ROLE, entry, typ, "app", {"assumeRolePolicy": json.dumps(TRUST, indent=4)}).op == " "
    assert decide(ROLE, entry, typ, "app", {"assumeRolePolicy": "{}", "maxSessionDuration": 7200}).changed == (
        "assumeRolePolicy",
        "maxSessionDuration",
    )


def test_a_role_is_deleted_as_delete_role_does_after_the_policies_its_last_read_saw(aws):
    """role.go deleteRole: ListInstanceProfilesForRole first; the attached policies detached, then the inline ones
    deleted, each only when the state holds some (or force_detach_policies); then DeleteRole. The role holds
    policies both times: with none in the state they are not even listed."""
    aws.expect("iam", "list_instance_profiles_for_role", WHO, {"InstanceProfiles": []})
    aws.expect("iam", "delete_role", WHO)
    ROLE.delete(aws, "us-east-1", recorded({}, {"managedPolicyArns": [], "inlinePolicies": []}, "app-1234567"))
    aws.done()
    aws.expect("iam", "list_instance_profiles_for_role", WHO, {"InstanceProfiles": []})
    aws.expect(
        "iam",
        "list_attached_role_policies",
        WHO,
        {"AttachedPolicies": [{"PolicyName": "read-1234567", "PolicyArn": POLICY_ARN}]},
    )
    aws.expect("iam", "detach_role_policy", WHO | ARN)
    aws.expect("iam", "list_role_policies", WHO, {"PolicyNames": ["inline"]})
    aws.expect("iam", "delete_role_policy", WHO | {"PolicyName": "inline"})
    aws.expect("iam", "delete_role", WHO)
    saw = {"managedPolicyArns": [POLICY_ARN], "inlinePolicies": [{"name": "inline", "policy": "{}"}]}
    ROLE.delete(aws, "us-east-1", recorded({}, saw, "app-1234567"))


# --- RolePolicy: role_policy.go ------------------------------------------------------------------


def test_a_role_policy_is_put_legacy_normalised_then_waited_for_and_read(aws):
    """resourceRolePolicyPut: PutRolePolicy with verify.LegacyPolicyNormalize's document (normalised, `Version`
    moved first); a new one is found (GetRolePolicy), then resourceRolePolicyRead (GetRolePolicy)."""
    legacy = (
        '{"Version":"2012-10-17",'
        '"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"arn:aws:s3:::data/*"}]}'
    )
    where = {"RoleName": "app-1234567", "PolicyName": "app-policy"}
    aws.expect("iam", "put_role_policy", where | {"PolicyDocument": legacy})
    held = {"PolicyDocument": encoded({"Version": "2012-10-17"} | READ)}
    aws.expect("iam", "get_role_policy", where, where | held)  # the create's wait: found at once
    aws.expect("iam", "get_role_policy", where, where | held)  # resourceRolePolicyRead
    keys = {"id": "app-1234567:app-policy", "role": "app-1234567", "policy_name": "app-policy"}
    _, outputs = ROLE_POLICY.create(aws, "us-east-1", {"policy": policy_text(READ)}, keys)
    assert outputs == {"name": "app-policy", "policy": legacy, "role": "app-1234567"}


def test_an_equivalent_role_policy_document_is_no_change():
    """role_policy.go: policy's DiffSuppressFunc is SuppressEquivalentPolicyDiffs."""
    entry = recorded({"role": "r", "policy": policy_text(READ)}, {"policy": policy_text(READ, spaced=False)}, "r:p")
    assert ROLE_POLICY.changed(entry, {"role": "r", "policy": policy_text(READ)}) == set()
    assert ROLE_POLICY.changed(entry, {"role": "r", "policy": policy_text(WRITE)}) == {"policy"}


# --- Policy: policy.go ---------------------------------------------------------------------------


def held_policy(version: str, tags: list | None = None) -> dict:
    """The policy as IAM answers it, `version` its default version."""
    return {
        "Arn": POLICY_ARN,
        "PolicyName": "read-1234567",
        "PolicyId": "ANPA1234567890EXAMPLE",
        "Path": "/",
        "DefaultVersionId": version,
        "AttachmentCount": 1,
        "Tags": tags or [],
    }


def expect_policy_read(aws: StubbedAws, version: str, statements: dict, tags: list | None = None) -> None:
    """resourcePolicyRead: GetPolicy (its tags among its answer), GetPolicyVersion of its default version."""
    aws.expect("iam", "get_policy", ARN, {"Policy": held_policy(version, tags)})
    document = {
        "Document": encoded({"Version": "2012-10-17"} | statements),
        "VersionId": version,
        "IsDefaultVersion": True,
    }
    aws.expect("iam", "get_policy_version", ARN | {"VersionId": version}, {"PolicyVersion": document})


def expect_versions(aws: StubbedAws, versions: int) -> None:
    """ListPolicyVersions: v1 (the oldest) to v`versions` (the default)."""
    listed = [
        {"VersionId": f"v{n}", "IsDefaultVersion": n == versions, "CreateDate": datetime(2026, 1, n, tzinfo=UTC)}
        for n in range(versions, 0, -1)
    ]
    aws.expect("iam", "list_policy_versions", ARN, {"Versions": listed})


def test_a_policy_is_created_with_an_empty_description_and_no_tags_then_read(aws):
    """resourcePolicyCreate: Description always (aws.String of the unset ""), the document normalised, Tags only
    when some (getTagsIn's nil); then resourcePolicyRead: GetPolicy, GetPolicyVersion of the default version."""
    normalized = (
        '{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"arn:aws:s3:::data/*"}],'
        '"Version":"2012-10-17"}'
    )
    aws.expect(
        "iam",
        "create_policy",
        {"Description": "", "Path": "/", "PolicyDocument": normalized, "PolicyName": "read-1234567"},
        {"Policy": held_policy("v1")},
    )
    expect_policy_read(aws, "v1", READ)
    keys = {"id": "read-1234567", "path": "/"}
    policy_arn, outputs = POLICY.create(aws, "us-east-1", {"policy": policy_text(READ), "tags": {}}, keys)
    assert (policy_arn, outputs["policyId"], outputs["attachmentCount"]) == (POLICY_ARN, "ANPA1234567890EXAMPLE", 1)


WRITE_NORMALIZED = (
    '{"Statement":[{"Action":"s3:PutObject","Effect":"Allow","Resource":"arn:aws:s3:::data/*"}],"Version":"2012-10-17"}'
)


def expect_new_default_version(aws, version: str) -> None:
    """CreatePolicyVersion of the WRITE document as the default, answered as `version`; then resourcePolicyRead."""
    aws.expect(
        "iam",
        "create_policy_version",
        ARN | {"PolicyDocument": WRITE_NORMALIZED, "SetAsDefault": True},
        {"PolicyVersion": {"VersionId": version, "IsDefaultVersion": True}},
    )
    expect_policy_read(aws, version, WRITE)


def test_a_changed_policy_document_is_a_new_default_version_and_old_versions_stay_below_five(aws):
    """resourcePolicyUpdate: policyPruneVersions (below five versions nothing is deleted), then CreatePolicyVersion
    as the default; then resourcePolicyRead."""
    expect_versions(aws, 1)
    expect_new_default_version(aws, "v2")
    prior = {"policy": policy_text(READ)}
    update(aws, POLICY, recorded(prior, {}, POLICY_ARN), {"policy": policy_text(WRITE)})


def test_with_five_versions_only_the_oldest_non_default_one_is_deleted(aws):
    """policy.go policyPruneVersions: "Old versions are deleted until there are 4 or less remaining": one per
    update, the oldest non-default one."""
    expect_versions(aws, 5)
    aws.expect("iam", "delete_policy_version", ARN | {"VersionId": "v1"})
    expect_new_default_version(aws, "v6")
    prior = {"policy": policy_text(READ)}
    update(aws, POLICY, recorded(prior, {}, POLICY_ARN), {"policy": policy_text(WRITE)})


def test_a_tag_change_alone_creates_no_policy_version(aws):
    """resourcePolicyUpdate: d.HasChangesExcept(delay_after_policy_creation_in_ms, tags, tags_all); an equivalent
    document is no change (SuppressEquivalentPolicyDiffs)."""
    prod = [{"Key": "env", "Value": "prod"}]
    aws.expect("iam", "tag_policy", ARN | {"Tags": prod})
    expect_policy_read(aws, "v1", READ, tags=prod)
    prior = {"policy": policy_text(READ, spaced=False), "tags": {"env": "dev"}}
    update(aws, POLICY, recorded(prior, {}, POLICY_ARN), {"policy": policy_text(READ), "tags": {"env": "prod"}})


# --- RolePolicyAttachment: role_policy_attachment.go ---------------------------------------------


def test_an_attachment_is_read_back_after_attach_role_policy(aws):
    """resourceRolePolicyAttachmentCreate: AttachRolePolicy, then resourceRolePolicyAttachmentRead
    (findAttachedRolePolicyByTwoPartKey: ListAttachedRolePolicies)."""
    aws.expect("iam", "attach_role_policy", WHO | ARN)
    attached = {"AttachedPolicies": [{"PolicyName": "read-1234567", "PolicyArn": POLICY_ARN}]}
    aws.expect("iam", "list_attached_role_policies", WHO, attached)
    keys = ATTACHMENT.identity("app-read", {"role": "app-1234567", "policyArn": POLICY_ARN})
    ATTACHMENT.create(aws, "us-east-1", {}, keys)
