"""The IAM provisioners' calls, call by call, against terraform-provider-aws v6 (`internal/service/iam/`; the file
and function named per test). The expected calls are written from the provider's source."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fakes import RecordingAws, recorded, update

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


def policy_text(statements: dict, spaced: bool = True) -> str:
    return json.dumps({"Version": "2012-10-17"} | statements, indent=2 if spaced else None)


def role_answers() -> dict:
    """What IAM answers to resourceRoleRead's calls (botocore decodes the URL-encoded policy documents)."""
    role = {
        "Path": "/",
        "RoleName": "app-1234567",
        "RoleId": "AROAEXAMPLE",
        "Arn": ROLE_ARN,
        "CreateDate": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "AssumeRolePolicyDocument": TRUST,
        "MaxSessionDuration": 3600,
        "Tags": [{"Key": "env", "Value": "dev"}],
    }
    return {
        "get_role": {"Role": role},
        "list_role_policies": {"PolicyNames": []},
        "list_attached_role_policies": {"AttachedPolicies": []},
        "list_instance_profiles_for_role": {"InstanceProfiles": []},
    }


# --- Role: role.go -------------------------------------------------------------------------------


def test_a_role_is_created_as_create_role_sends_it_then_read():
    """resourceRoleCreate: the trust policy normalised; MaxSessionDuration always (its Default 3600); Description
    and Tags only when given (d.GetOk, getTagsIn's nil); then resourceRoleRead: GetRole, ListRolePolicies,
    ListAttachedRolePolicies."""
    aws = RecordingAws(role_answers())
    inputs = {"assumeRolePolicy": json.dumps(TRUST, indent=2), "tags": {}}
    role_id, outputs = ROLE.create(aws, "us-east-1", inputs, {"id": "app-1234567"})
    trust = {"AssumeRolePolicyDocument": TRUST_NORMALIZED, "Path": "/", "RoleName": "app-1234567"}
    assert aws.calls == [
        ("iam", "create_role", trust | {"MaxSessionDuration": 3600}),
        ("iam", "get_role", {"RoleName": "app-1234567"}),
        ("iam", "list_role_policies", {"RoleName": "app-1234567"}),
        ("iam", "list_attached_role_policies", {"RoleName": "app-1234567"}),
    ]
    assert role_id == "app-1234567"
    assert outputs["arn"] == ROLE_ARN and outputs["uniqueId"] == "AROAEXAMPLE"
    assert outputs["createDate"] == "2026-01-02T03:04:05Z"  # time.RFC3339
    assert (outputs["maxSessionDuration"], outputs["tags"], outputs["managedPolicyArns"]) == (3600, {"env": "dev"}, [])


def test_a_role_update_changes_its_tags_first_and_its_description_by_update_role_description():
    """tags_interceptor.go: UntagRole, TagRole before resourceRoleUpdate, which changes the description with
    UpdateRoleDescription (UpdateRole is for the session duration only); then resourceRoleRead."""
    aws = RecordingAws(role_answers())
    prior = {
        "assumeRolePolicy": TRUST_NORMALIZED,
        "description": "old",
        "maxSessionDuration": 3600,
        "tags": {"gone": "1", "env": "test"},
    }
    inputs = {"assumeRolePolicy": json.dumps(TRUST), "description": "new", "tags": {"env": "dev"}}
    update(aws, ROLE, recorded(prior, {}, "app-1234567"), inputs)
    assert aws.calls[:3] == [
        ("iam", "untag_role", {"RoleName": "app-1234567", "TagKeys": ["gone"]}),
        ("iam", "tag_role", {"RoleName": "app-1234567", "Tags": [{"Key": "env", "Value": "dev"}]}),
        ("iam", "update_role_description", {"RoleName": "app-1234567", "Description": "new"}),
    ]
    assert aws.operations()[3:] == ["get_role", "list_role_policies", "list_attached_role_policies"]


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


def test_a_role_is_deleted_as_delete_role_does_after_the_policies_its_last_read_saw():
    """role.go deleteRole: ListInstanceProfilesForRole first; the attached policies detached, then the inline ones
    deleted, each only when the state holds some (or force_detach_policies); then DeleteRole."""
    aws = RecordingAws(
        role_answers()
        | {
            "list_attached_role_policies": {"AttachedPolicies": [{"PolicyArn": POLICY_ARN}]},
            "list_role_policies": {"PolicyNames": ["inline"]},
        }
    )
    ROLE.delete(aws, "us-east-1", recorded({}, {"managedPolicyArns": [], "inlinePolicies": []}, "app-1234567"))
    assert aws.operations() == ["list_instance_profiles_for_role", "delete_role"]
    aws.calls.clear()
    saw = {"managedPolicyArns": [POLICY_ARN], "inlinePolicies": [{"name": "inline", "policy": "{}"}]}
    ROLE.delete(aws, "us-east-1", recorded({}, saw, "app-1234567"))
    assert aws.calls == [
        ("iam", "list_instance_profiles_for_role", {"RoleName": "app-1234567"}),
        ("iam", "list_attached_role_policies", {"RoleName": "app-1234567"}),
        ("iam", "detach_role_policy", {"RoleName": "app-1234567", "PolicyArn": POLICY_ARN}),
        ("iam", "list_role_policies", {"RoleName": "app-1234567"}),
        ("iam", "delete_role_policy", {"RoleName": "app-1234567", "PolicyName": "inline"}),
        ("iam", "delete_role", {"RoleName": "app-1234567"}),
    ]


# --- RolePolicy: role_policy.go ------------------------------------------------------------------


def test_a_role_policy_is_put_legacy_normalised_then_waited_for_and_read():
    """resourceRolePolicyPut: PutRolePolicy with verify.LegacyPolicyNormalize's document (normalised, `Version`
    moved first); a new one is found (GetRolePolicy), then resourceRolePolicyRead (GetRolePolicy)."""
    aws = RecordingAws({"get_role_policy": {"PolicyDocument": {"Version": "2012-10-17"} | READ}})
    keys = {"id": "app-1234567:app-policy", "role": "app-1234567", "policy_name": "app-policy"}
    _, outputs = ROLE_POLICY.create(aws, "us-east-1", {"policy": policy_text(READ)}, keys)
    legacy = (
        '{"Version":"2012-10-17",'
        '"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"arn:aws:s3:::data/*"}]}'
    )
    where = {"RoleName": "app-1234567", "PolicyName": "app-policy"}
    assert aws.calls == [
        ("iam", "put_role_policy", where | {"PolicyDocument": legacy}),
        ("iam", "get_role_policy", where),
        ("iam", "get_role_policy", where),
    ]
    assert outputs == {"name": "app-policy", "policy": legacy, "role": "app-1234567"}


def test_an_equivalent_role_policy_document_is_no_change():
    """role_policy.go: policy's DiffSuppressFunc is SuppressEquivalentPolicyDiffs."""
    entry = recorded({"role": "r", "policy": policy_text(READ)}, {"policy": policy_text(READ, spaced=False)}, "r:p")
    assert ROLE_POLICY.changed(entry, {"role": "r", "policy": policy_text(READ)}) == set()
    assert ROLE_POLICY.changed(entry, {"role": "r", "policy": policy_text(WRITE)}) == {"policy"}


# --- Policy: policy.go ---------------------------------------------------------------------------


def policy_answers(versions: int) -> dict:
    return {
        "create_policy": {"Policy": {"Arn": POLICY_ARN}},
        "get_policy": {
            "Policy": {
                "Arn": POLICY_ARN,
                "PolicyName": "read-1234567",
                "PolicyId": "ANPAEXAMPLE",
                "Path": "/",
                "DefaultVersionId": f"v{versions}",
                "AttachmentCount": 1,
                "Tags": [],
            }
        },
        "get_policy_version": {"PolicyVersion": {"Document": {"Version": "2012-10-17"} | READ}},
        "create_policy_version": {"PolicyVersion": {"VersionId": f"v{versions + 1}"}},
        "list_policy_versions": {
            "Versions": [
                {
                    "VersionId": f"v{n}",
                    "IsDefaultVersion": n == versions,
                    "CreateDate": datetime(2026, 1, n, tzinfo=UTC),
                }
                for n in range(versions, 0, -1)
            ]
        },
    }


def test_a_policy_is_created_with_an_empty_description_and_no_tags_then_read():
    """resourcePolicyCreate: Description always (aws.String of the unset ""), the document normalised, Tags only
    when some (getTagsIn's nil); then resourcePolicyRead: GetPolicy, GetPolicyVersion of the default version."""
    aws = RecordingAws(policy_answers(1))
    keys = {"id": "read-1234567", "path": "/"}
    policy_arn, outputs = POLICY.create(aws, "us-east-1", {"policy": policy_text(READ), "tags": {}}, keys)
    normalized = (
        '{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"arn:aws:s3:::data/*"}],'
        '"Version":"2012-10-17"}'
    )
    assert aws.calls == [
        (
            "iam",
            "create_policy",
            {"Description": "", "Path": "/", "PolicyDocument": normalized, "PolicyName": "read-1234567"},
        ),
        ("iam", "get_policy", {"PolicyArn": POLICY_ARN}),
        ("iam", "get_policy_version", {"PolicyArn": POLICY_ARN, "VersionId": "v1"}),
    ]
    assert (policy_arn, outputs["policyId"], outputs["attachmentCount"]) == (POLICY_ARN, "ANPAEXAMPLE", 1)


def test_a_changed_policy_document_is_a_new_default_version_and_old_versions_stay_below_five():
    """resourcePolicyUpdate: policyPruneVersions (below five versions nothing is deleted), then CreatePolicyVersion
    as the default; then resourcePolicyRead."""
    aws = RecordingAws(policy_answers(1))
    prior = {"policy": policy_text(READ)}
    update(aws, POLICY, recorded(prior, {}, POLICY_ARN), {"policy": policy_text(WRITE)})
    normalized = (
        '{"Statement":[{"Action":"s3:PutObject","Effect":"Allow","Resource":"arn:aws:s3:::data/*"}],'
        '"Version":"2012-10-17"}'
    )
    assert aws.calls[:2] == [
        ("iam", "list_policy_versions", {"PolicyArn": POLICY_ARN}),
        ("iam", "create_policy_version", {"PolicyArn": POLICY_ARN, "PolicyDocument": normalized, "SetAsDefault": True}),
    ]
    assert aws.operations()[2:] == ["get_policy", "get_policy_version"]


def test_with_five_versions_only_the_oldest_non_default_one_is_deleted():
    """policy.go policyPruneVersions: "Old versions are deleted until there are 4 or less remaining": one per
    update, the oldest non-default one."""
    aws = RecordingAws(policy_answers(5))
    prior = {"policy": policy_text(READ)}
    update(aws, POLICY, recorded(prior, {}, POLICY_ARN), {"policy": policy_text(WRITE)})
    assert aws.calls[1] == ("iam", "delete_policy_version", {"PolicyArn": POLICY_ARN, "VersionId": "v1"})
    assert aws.operations()[2] == "create_policy_version"


def test_a_tag_change_alone_creates_no_policy_version():
    """resourcePolicyUpdate: d.HasChangesExcept(delay_after_policy_creation_in_ms, tags, tags_all); an equivalent
    document is no change (SuppressEquivalentPolicyDiffs)."""
    aws = RecordingAws(policy_answers(1))
    prior = {"policy": policy_text(READ, spaced=False), "tags": {"env": "dev"}}
    update(aws, POLICY, recorded(prior, {}, POLICY_ARN), {"policy": policy_text(READ), "tags": {"env": "prod"}})
    assert aws.operations() == ["tag_policy", "get_policy", "get_policy_version"]


# --- RolePolicyAttachment: role_policy_attachment.go ---------------------------------------------


def test_an_attachment_is_read_back_after_attach_role_policy():
    """resourceRolePolicyAttachmentCreate: AttachRolePolicy, then resourceRolePolicyAttachmentRead
    (findAttachedRolePolicyByTwoPartKey: ListAttachedRolePolicies)."""
    aws = RecordingAws({"list_attached_role_policies": {"AttachedPolicies": [{"PolicyArn": POLICY_ARN}]}})
    keys = ATTACHMENT.identity("app-read", {"role": "app-1234567", "policyArn": POLICY_ARN})
    ATTACHMENT.create(aws, "us-east-1", {}, keys)
    assert aws.calls == [
        ("iam", "attach_role_policy", {"RoleName": "app-1234567", "PolicyArn": POLICY_ARN}),
        ("iam", "list_attached_role_policies", {"RoleName": "app-1234567"}),
    ]
