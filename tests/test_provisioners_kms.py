"""The KMS Key provisioner's calls, call by call, against terraform-provider-aws (`internal/service/kms/key.go`; the
function named per test). The expected calls are written from the provider's source."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError
from fakes import RecordingAws, recorded, update

from tooling.engine import decide
from tooling.provisioners import REGISTRY

KEY = REGISTRY["aws:kms/key:Key"]
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}


def answers() -> dict:
    """What KMS answers to resourceKeyRead's calls; LocalStack lists the `_custom_id_` tag it took the id from."""
    metadata = {
        "KeyId": KEY_ID,
        "Arn": ARN,
        "Enabled": True,
        "Description": "data key",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Origin": "AWS_KMS",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "MultiRegion": False,
    }
    tags = [{"TagKey": "owner", "TagValue": "a"}, {"TagKey": "_custom_id_", "TagValue": KEY_ID}]
    return {
        "create_key": {"KeyMetadata": {"KeyId": KEY_ID}},
        "describe_key": {"KeyMetadata": metadata},
        "get_key_policy": {"Policy": json.dumps(POLICY, indent=2)},
        "get_key_rotation_status": {"KeyRotationEnabled": False},
        "list_resource_tags": {"Tags": tags},
    }


def test_a_key_is_created_with_the_provider_s_fields_then_read():
    """resourceKeyCreate: CustomerMasterKeySpec and KeyUsage always (their Defaults), Description, MultiRegion and
    Policy only when given (d.GetOk); then resourceKeyRead (findKeyInfo): DescribeKey, GetKeyPolicy,
    GetKeyRotationStatus (a key of Origin AWS_KMS), ListResourceTags."""
    aws = RecordingAws(answers())
    key_id, outputs = KEY.create(aws, "us-east-1", {"tags": {"owner": "a"}}, {"id": KEY_ID})
    tags = [{"TagKey": "owner", "TagValue": "a"}, {"TagKey": "_custom_id_", "TagValue": KEY_ID}]
    assert aws.calls == [
        (
            "kms",
            "create_key",
            {"CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "Tags": tags},
        ),
        ("kms", "describe_key", {"KeyId": KEY_ID}),
        ("kms", "get_key_policy", {"KeyId": KEY_ID, "PolicyName": "default"}),
        ("kms", "get_key_rotation_status", {"KeyId": KEY_ID}),
        ("kms", "list_resource_tags", {"KeyId": KEY_ID}),
    ]
    assert key_id == KEY_ID
    assert (outputs["arn"], outputs["keyId"], outputs["enableKeyRotation"]) == (ARN, KEY_ID, False)
    # The policy AWS holds, normalised (structure.NormalizeJsonString); the tags as AWS would hold them.
    assert (
        outputs["policy"] == '{"Statement":[{"Action":"kms:*","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}'
    )
    assert outputs["tags"] == {"owner": "a"}


def test_a_key_enabled_again_is_enabled_first_and_one_disabled_is_disabled_last():
    """tags_interceptor.go: tags first; resourceKeyUpdate: EnableKey "before any attributes are modified", then the
    rotation, UpdateKeyDescription, PutKeyPolicy (normalised); DisableKey "after all attributes have been
    modified because we cannot modify disabled keys"."""
    aws = RecordingAws(answers())
    prior = {"description": "old", "isEnabled": False, "enableKeyRotation": False, "tags": {"owner": "a"}}
    inputs = {"description": "new", "enableKeyRotation": True, "policy": json.dumps(POLICY), "tags": {"owner": "b"}}
    update(aws, KEY, recorded(prior, {}, KEY_ID), inputs)
    normalized = '{"Statement":[{"Action":"kms:*","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}'
    assert aws.calls[:5] == [
        ("kms", "tag_resource", {"KeyId": KEY_ID, "Tags": [{"TagKey": "owner", "TagValue": "b"}]}),
        ("kms", "enable_key", {"KeyId": KEY_ID}),
        ("kms", "enable_key_rotation", {"KeyId": KEY_ID}),
        ("kms", "update_key_description", {"KeyId": KEY_ID, "Description": "new"}),
        ("kms", "put_key_policy", {"KeyId": KEY_ID, "PolicyName": "default", "Policy": normalized}),
    ]
    aws.calls.clear()
    read = {"isEnabled": True, "enableKeyRotation": False}  # as resourceKeyRead records them
    update(aws, KEY, recorded({"description": "new"}, read, KEY_ID), {"description": "newer", "isEnabled": False})
    assert aws.operations()[:2] == ["update_key_description", "disable_key"]


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


def test_a_key_is_scheduled_for_deletion_with_the_window_only_when_given():
    """resourceKeyDelete: ScheduleKeyDeletion, PendingWindowInDays only when deletion_window_in_days is set (d.GetOk);
    a key already "is pending deletion" (KMSInvalidStateException) is deleted."""
    aws = RecordingAws(answers())
    KEY.delete(aws, "us-east-1", recorded({}, {}, KEY_ID))
    KEY.delete(aws, "us-east-1", recorded({"deletionWindowInDays": 7.0}, {}, KEY_ID))
    assert aws.calls == [
        ("kms", "schedule_key_deletion", {"KeyId": KEY_ID}),
        ("kms", "schedule_key_deletion", {"KeyId": KEY_ID, "PendingWindowInDays": 7}),
    ]
    pending = {"Error": {"Code": "KMSInvalidStateException", "Message": f"{ARN} is pending deletion."}}
    aws.answers["schedule_key_deletion"] = ClientError(pending, "ScheduleKeyDeletion")  # type: ignore[arg-type]
    KEY.delete(aws, "us-east-1", recorded({}, {}, KEY_ID))
