"""KMS: Key, as terraform-provider-aws makes it (`internal/service/kms/key.go`: the newest the reference holds is
of v5's last line, AWS SDK v2, whose schema pulumi-aws 7.51.1's Key has, `region` aside).

Left out: the provider's eventual-consistency waits (waitKeyPolicyPropagated, waitTagsPropagated,
waitKey*Propagated, waitKeyDeleted), which repeat a Get* call until it answers as asked 5 to 15 times in a row,
1 to 2 s apart: reads that change nothing, and seconds each here. Tags change before the resource's own update
calls (`internal/provider/sdkv2/tags_interceptor.go`).
"""

from __future__ import annotations

import uuid
from typing import Any

from botocore.exceptions import ClientError

from ..state import Properties, Resource
from . import localstack_fixups as fixups
from .base import Context, Provisioner, differs, given, held, keys_of, normalize_json, policy_to_set, retag, tag_list


def create_key(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceKeyCreate: CreateKey (key spec and usage always, their defaults when unset; description, multi-Region,
    the normalised policy, a custom or external key store only when given), then EnableKeyRotation when asked and
    DisableKey when not enabled; then resourceKeyRead."""
    kms = ctx.client("kms", region)
    request: Properties = {
        "CustomerMasterKeySpec": inputs.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT",
        "KeyUsage": inputs.get("keyUsage") or "ENCRYPT_DECRYPT",
        "Tags": tag_list((inputs.get("tags") or {}) | {fixups.CUSTOM_ID_TAG: keys["id"]}, "TagKey", "TagValue"),
        **given(
            BypassPolicyLockoutSafetyCheck=inputs.get("bypassPolicyLockoutSafetyCheck") or None,
            Description=inputs.get("description"),
            MultiRegion=inputs.get("multiRegion") or None,
            Policy=normalize_json(inputs["policy"]) if inputs.get("policy") else None,
        ),
    }
    if inputs.get("customKeyStoreId"):
        request |= {"Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": inputs["customKeyStoreId"]}
    if inputs.get("xksKeyId"):
        request |= {"Origin": "EXTERNAL_KEY_STORE", "XksKeyId": inputs["xksKeyId"]}
    key = kms.create_key(**request)["KeyMetadata"]["KeyId"]
    if inputs.get("enableKeyRotation"):
        rotate(kms, key, inputs)
    if inputs.get("isEnabled") is False:
        kms.disable_key(KeyId=key)
    return key, read_key(kms, key, inputs)


def rotate(kms: Any, key: str, news: Properties) -> None:
    """updateKeyRotationEnabled: EnableKeyRotation (with the period when one is given) or DisableKeyRotation."""
    if news.get("enableKeyRotation"):
        period = news.get("rotationPeriodInDays")
        kms.enable_key_rotation(KeyId=key, **given(RotationPeriodInDays=int(period) if period else None))
    else:
        kms.disable_key_rotation(KeyId=key)


def read_key(kms: Any, key: str, inputs: Properties) -> Properties:
    """resourceKeyRead (findKeyInfo): DescribeKey, GetKeyPolicy (`default`), GetKeyRotationStatus for a key of
    KMS's own material, ListResourceTags."""
    metadata = kms.describe_key(KeyId=key)["KeyMetadata"]
    policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    rotation = kms.get_key_rotation_status(KeyId=key) if metadata.get("Origin") == "AWS_KMS" else {}
    listed = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key)["Tags"]}
    tags = fixups.without_custom_id(listed)
    return {
        "arn": metadata["Arn"],
        "customKeyStoreId": metadata.get("CustomKeyStoreId"),
        "customerMasterKeySpec": metadata.get("CustomerMasterKeySpec"),
        "description": metadata.get("Description"),
        "enableKeyRotation": rotation.get("KeyRotationEnabled"),
        "isEnabled": metadata.get("Enabled"),
        "keyId": metadata["KeyId"],
        "keyUsage": metadata.get("KeyUsage"),
        "multiRegion": metadata.get("MultiRegion"),
        "policy": policy_to_set(inputs.get("policy"), normalize_json(policy)),
        "rotationPeriodInDays": rotation.get("RotationPeriodInDays"),
        "tags": tags,
        "tagsAll": tags,
        "xksKeyId": (metadata.get("XksKeyConfiguration") or {}).get("Id"),
    }


def update_key(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> Properties:
    """resourceKeyUpdate, after the tags (UntagResource, TagResource): EnableKey first when it is enabled again, the
    rotation, UpdateKeyDescription, PutKeyPolicy (normalised), DisableKey last when it is disabled ("we cannot
    modify disabled keys"); then resourceKeyRead."""
    kms, key = ctx.client("kms", region), entry.id
    retag(
        olds,
        news,
        lambda tags: kms.tag_resource(KeyId=key, Tags=tag_list(tags, "TagKey", "TagValue")),
        lambda gone: kms.untag_resource(KeyId=key, TagKeys=gone),
    )
    enabled_changed = differs(olds, news, "isEnabled")
    if enabled_changed and news["isEnabled"]:
        kms.enable_key(KeyId=key)
    if differs(olds, news, "enableKeyRotation") or (
        news["enableKeyRotation"] and differs(olds, news, "rotationPeriodInDays")
    ):
        rotate(kms, key, news)
    if differs(olds, news, "description"):
        kms.update_key_description(KeyId=key, Description=news.get("description") or "")
    if differs(olds, news, "policy"):
        kms.put_key_policy(
            KeyId=key,
            PolicyName="default",
            Policy=normalize_json(news["policy"]),
            **given(BypassPolicyLockoutSafetyCheck=news["bypassPolicyLockoutSafetyCheck"] or None),
        )
    if enabled_changed and not news["isEnabled"]:
        kms.disable_key(KeyId=key)
    return read_key(kms, key, news)


def delete_key(ctx: Context, region: str, entry: Resource) -> None:
    """resourceKeyDelete: ScheduleKeyDeletion (KMS never deletes a key at once), with the waiting period only when
    given (AWS's default: 30 days); a key already pending deletion is no error."""
    days = (entry.inputs or {}).get("deletionWindowInDays")
    try:
        ctx.client("kms", region).schedule_key_deletion(
            KeyId=entry.id, **given(PendingWindowInDays=int(days) if days else None)
        )
    except ClientError as error:
        if not (
            error.response["Error"]["Code"] == "KMSInvalidStateException"
            and "is pending deletion" in error.response["Error"]["Message"]
        ):
            raise


def key_exists(ctx: Context, region: str, entry: Resource) -> bool:
    return bool(ctx.client("kms", region).describe_key(KeyId=entry.id)["KeyMetadata"]["KeyState"] != "PendingDeletion")


KEY = Provisioner(
    service="kms",
    identity=keys_of(id=lambda name, inputs: str(uuid.uuid4())),
    create=create_key,
    update=update_key,
    delete=delete_key,
    exists=held(key_exists),
    force_new=frozenset({"customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"}),
    computed=frozenset({"description", "multiRegion", "policy", "rotationPeriodInDays"}),
    policies=frozenset({"policy"}),
    defaults={
        "bypassPolicyLockoutSafetyCheck": False,
        "customerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "enableKeyRotation": False,
        "isEnabled": True,
        "keyUsage": "ENCRYPT_DECRYPT",
    },
)

PROVISIONERS = {"aws:kms/key:Key": KEY}
