"""The KMS Key provisioner's calls, call by call, against terraform-provider-aws (`internal/service/kms/key.go`; the
function named per test): the expected calls are written from the provider's source and checked by a botocore
Stubber."""

from __future__ import annotations

import json

from stubbed_aws import StubbedAws, recorded, update

from tooling.engine import decide
from tooling.provisioners import REGISTRY

KEY = REGISTRY["aws:kms/key:Key"]
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}
NORMALIZED = '{"Statement":[{"Action":"kms:*","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}'
WHICH = {"KeyId": KEY_ID}


def metadata(description: str = "data key", enabled: bool = True) -> dict:
    """The key as KMS describes it."""
    return {
        "KeyId": KEY_ID,
        "Arn": ARN,
        "Enabled": enabled,
        "KeyState": "Enabled" if enabled else "Disabled",
        "Description": description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Origin": "AWS_KMS",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "MultiRegion": False,
    }


def expect_read(
    aws: StubbedAws, described: dict | None = None, rotation: bool = False, owner: str = "a", policy: str = ""
) -> None:
    """resourceKeyRead (findKeyInfo): DescribeKey, GetKeyPolicy (`default`), GetKeyRotationStatus (a key of Origin
    AWS_KMS), ListResourceTags; LocalStack lists the `_custom_id_` tag it took the id from."""
    aws.expect("kms", "describe_key", WHICH, {"KeyMetadata": described or metadata()})
    held_policy = policy or json.dumps(POLICY, indent=2)
    aws.expect(
        "kms", "get_key_policy", WHICH | {"PolicyName": "default"}, {"Policy": held_policy, "PolicyName": "default"}
    )
    aws.expect("kms", "get_key_rotation_status", WHICH, {"KeyRotationEnabled": rotation})
    tags = [{"TagKey": "owner", "TagValue": owner}, {"TagKey": "_custom_id_", "TagValue": KEY_ID}]
    aws.expect("kms", "list_resource_tags", WHICH, {"Tags": tags, "Truncated": False})


def test_a_key_is_created_with_the_provider_s_fields_then_read(aws):
    """resourceKeyCreate: CustomerMasterKeySpec and KeyUsage always (their Defaults), Description, MultiRegion and
    Policy only when given (d.GetOk); then resourceKeyRead (findKeyInfo): DescribeKey, GetKeyPolicy,
    GetKeyRotationStatus (a key of Origin AWS_KMS), ListResourceTags."""
    tags = [{"TagKey": "owner", "TagValue": "a"}, {"TagKey": "_custom_id_", "TagValue": KEY_ID}]
    aws.expect(
        "kms",
        "create_key",
        {"CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "Tags": tags},
        {"KeyMetadata": metadata()},
    )
    expect_read(aws)
    key_id, outputs = KEY.create(aws, "us-east-1", {"tags": {"owner": "a"}}, {"id": KEY_ID})
    assert key_id == KEY_ID
    assert (outputs["arn"], outputs["keyId"], outputs["enableKeyRotation"]) == (ARN, KEY_ID, False)
    # The policy AWS holds, normalised (structure.NormalizeJsonString); the tags as AWS would hold them.
    assert outputs["policy"] == NORMALIZED
    assert outputs["tags"] == {"owner": "a"}


def test_a_key_enabled_again_is_enabled_first_and_one_disabled_is_disabled_last(aws):
    """tags_interceptor.go: tags first; resourceKeyUpdate: EnableKey "before any attributes are modified", then the
    rotation, UpdateKeyDescription, PutKeyPolicy (normalised); DisableKey "after all attributes have been
    modified because we cannot modify disabled keys"; then resourceKeyRead."""
    aws.expect("kms", "tag_resource", WHICH | {"Tags": [{"TagKey": "owner", "TagValue": "b"}]})
    aws.expect("kms", "enable_key", WHICH)
    aws.expect("kms", "enable_key_rotation", WHICH)
    aws.expect("kms", "update_key_description", WHICH | {"Description": "new"})
    aws.expect("kms", "put_key_policy", WHICH | {"PolicyName": "default", "Policy": NORMALIZED})
    expect_read(aws, metadata("new"), rotation=True, owner="b", policy=NORMALIZED)
    prior = {"description": "old", "isEnabled": False, "enableKeyRotation": False, "tags": {"owner": "a"}}
    inputs = {"description": "new", "enableKeyRotation": True, "policy": json.dumps(POLICY), "tags": {"owner": "b"}}
    update(aws, KEY, recorded(prior, {}, KEY_ID), inputs)
    aws.done()
    aws.expect("kms", "update_key_description", WHICH | {"Description": "newer"})
    aws.expect("kms", "disable_key", WHICH)
    expect_read(aws, metadata("newer", enabled=False))
    read = {"isEnabled": True, "enableKeyRotation": False}  # as resourceKeyRead records them
    update(aws, KEY, recorded({"description": "new"}, read, KEY_ID), {"description": "newer", "isEnabled": False})


def test_a_description_or_policy_left_out_is_no_change():
    """key.go: description and policy are Optional+Computed (left unset, the state keeps them); an equivalent policy
    is no change (SuppressEquivalentPolicyDiffs); is_enabled has Default true, which Read records."""
    entry = recorded(
        {"description": "data key", "policy": json.dumps(POLICY)},
        {"description": "data key", "policy": json.dumps(POLICY, indent=2), "isEnabled": True},
        KEY_ID,
    )
    typ = "aws:kms/key:Key"
    assert decide(KEY, entry, typ, "key", {}).op == " "
    assert decide(KEY, entry, typ, "key", {"policy": json.dumps(POLICY, indent=4)}).op == " "
    assert decide(KEY, entry, typ, "key", {"description": "other"}).op == "~"


def test_a_key_is_scheduled_for_deletion_with_the_window_only_when_given(aws):
    """resourceKeyDelete: ScheduleKeyDeletion, PendingWindowInDays only when deletion_window_in_days is set (d.GetOk);
    a key already "is pending deletion" (KMSInvalidStateException) is deleted."""
    scheduled = {"KeyId": ARN, "KeyState": "PendingDeletion"}
    aws.expect("kms", "schedule_key_deletion", WHICH, scheduled | {"PendingWindowInDays": 30})
    aws.expect(
        "kms", "schedule_key_deletion", WHICH | {"PendingWindowInDays": 7}, scheduled | {"PendingWindowInDays": 7}
    )
    aws.refuse("kms", "schedule_key_deletion", WHICH, "KMSInvalidStateException", f"{ARN} is pending deletion.")
    KEY.delete(aws, "us-east-1", recorded({}, {}, KEY_ID))
    KEY.delete(aws, "us-east-1", recorded({"deletionWindowInDays": 7.0}, {}, KEY_ID))
    KEY.delete(aws, "us-east-1", recorded({}, {}, KEY_ID))
