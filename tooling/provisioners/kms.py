"""KMS: Key, as terraform-provider-aws v6 makes it (`internal/service/kms/key.go`)."""

from __future__ import annotations

import uuid

from ..state import Properties, Resource
from . import localstack_fixups as fixups
from .base import Context, Provisioner, as_json, differs, held, keys_of, retag, tag_list


def create_key(ctx: Context, region: str, inputs: Properties, keys: Properties) -> tuple[str, Properties]:
    """resourceKeyCreate: CreateKey, then what CreateKey cannot set (rotation, enabled state)."""
    kms = ctx.client("kms", region)
    request: Properties = {
        "Description": inputs.get("description") or "",
        "KeyUsage": inputs.get("keyUsage") or "ENCRYPT_DECRYPT",
        "KeySpec": inputs.get("customerMasterKeySpec") or inputs.get("keySpec") or "SYMMETRIC_DEFAULT",
        "MultiRegion": bool(inputs.get("multiRegion")),
        "Tags": tag_list((inputs.get("tags") or {}) | {fixups.CUSTOM_ID_TAG: keys["id"]}, "TagKey", "TagValue"),
    }
    if inputs.get("policy"):
        request["Policy"] = inputs["policy"]
    key = kms.create_key(**request)["KeyMetadata"]
    created = inputs | {"enableKeyRotation": False, "isEnabled": True}
    placeholder = Resource(urn="", type="", name="", id=key["KeyId"], region=region, keys=keys, inputs=None, outputs={})
    update_key(ctx, region, placeholder, created, inputs)
    return key["KeyId"], {"arn": key["Arn"], "keyId": key["KeyId"]}


def update_key(ctx: Context, region: str, entry: Resource, olds: Properties, news: Properties) -> None:
    """resourceKeyUpdate: description, policy, rotation, enabled state, tags."""
    kms, key = ctx.client("kms", region), entry.id
    if differs(olds, news, "description"):
        kms.update_key_description(KeyId=key, Description=news.get("description") or "")
    if differs(olds, news, "policy") and news.get("policy"):
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=news["policy"])
    if differs(olds, news, "enableKeyRotation"):
        (kms.enable_key_rotation if news.get("enableKeyRotation") else kms.disable_key_rotation)(KeyId=key)
    if as_json(olds.get("isEnabled", True)) != as_json(news.get("isEnabled", True)):
        (kms.enable_key if news.get("isEnabled", True) else kms.disable_key)(KeyId=key)
    retag(
        olds,
        news,
        lambda tags: kms.tag_resource(KeyId=key, Tags=tag_list(tags, "TagKey", "TagValue")),
        lambda gone: kms.untag_resource(KeyId=key, TagKeys=gone),
    )


def delete_key(ctx: Context, region: str, entry: Resource) -> None:
    """resourceKeyDelete: KMS never deletes a key at once: ScheduleKeyDeletion, after 7 to 30 days
    (the provider's default 30)."""
    kms = ctx.client("kms", region)
    if kms.describe_key(KeyId=entry.id)["KeyMetadata"]["KeyState"] != "PendingDeletion":
        days = int((entry.inputs or {}).get("deletionWindowInDays") or 30)
        kms.schedule_key_deletion(KeyId=entry.id, PendingWindowInDays=days)


def key_exists(ctx: Context, region: str, entry: Resource) -> bool:
    return bool(ctx.client("kms", region).describe_key(KeyId=entry.id)["KeyMetadata"]["KeyState"] != "PendingDeletion")


KEY = Provisioner(
    service="kms",
    identity=keys_of(id=lambda name, inputs: str(uuid.uuid4())),
    create=create_key,
    update=update_key,
    delete=delete_key,
    exists=held(key_exists),
    force_new=frozenset({"keyUsage", "customerMasterKeySpec", "keySpec", "multiRegion"}),
)

PROVISIONERS = {"aws:kms/key:Key": KEY}
