"""IAM proofs of the copy and batch-delete routes: the role's policy, evaluated by moto's IAM engine.

CopyObject is authorized as s3:GetObject on its source (s3:GetObjectVersion with `?versionId=`) and s3:PutObject on
its target; DeleteObjects as s3:DeleteObject on every key of its body (S3 API reference, CopyObject and
DeleteObjects, "Permissions"). The API does not confine a source header or a body's keys itself (which is why the
routes are not offered under a key prefix), so the role's grants must: what is inside the stack's buckets and
accounts is permitted, everything else refused. Expected answers are written here, not derived from the renderer."""

from __future__ import annotations

import json

import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult

from components.config import validate_args
from components.policy import render_policy

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999988887777"


def permitted(policy: dict, action: str, arn: str, account: str = ACCOUNT) -> bool:
    condition = {"s3:ResourceAccount": account}
    result = IAMPolicy(json.dumps(policy)).is_action_permitted(action, arn, incoming_condition_values=condition)
    return result is PermissionResult.PERMITTED


def policy_of(args: dict) -> dict:
    return render_policy(validate_args(args), "aws", "us-east-1", ACCOUNT)


COPY_AND_DELETE = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
SCOPED = {"allowed_actions": COPY_AND_DELETE, "buckets": ["alpha-bucket"]}


@pytest.mark.parametrize(
    "source, allowed",
    [
        ("arn:aws:s3:::alpha-bucket/report.pdf", True),
        ("arn:aws:s3:::alpha-bucket/deep/er/key", True),
        ("arn:aws:s3:::beta-bucket/report.pdf", False),  # another bucket
        ("arn:aws:s3:::alpha-bucket-2/report.pdf", False),  # a bucket whose name starts alike
        ("arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/report.pdf", False),  # an access point
    ],
)
def test_a_copy_reads_only_sources_inside_the_scope(source, allowed):
    policy = policy_of(SCOPED)
    assert permitted(policy, "s3:GetObject", source) is allowed
    assert not permitted(policy, "s3:GetObjectVersion", source)  # `?versionId=` sources need the version action


@pytest.mark.parametrize(
    "target, allowed",
    [
        ("arn:aws:s3:::alpha-bucket/copy.pdf", True),
        ("arn:aws:s3:::beta-bucket/copy.pdf", False),
        ("arn:aws:s3:::alpha-bucket-2/copy.pdf", False),
    ],
)
def test_a_copy_writes_and_a_batch_deletes_only_inside_the_scope(target, allowed):
    policy = policy_of(SCOPED)
    assert permitted(policy, "s3:PutObject", target) is allowed
    assert permitted(policy, "s3:DeleteObject", target) is allowed


def test_a_source_or_batch_in_a_bucket_of_another_account_is_refused():
    policy = policy_of(SCOPED)
    assert not permitted(policy, "s3:GetObject", "arn:aws:s3:::alpha-bucket/a", OTHER_ACCOUNT)
    assert not permitted(policy, "s3:DeleteObject", "arn:aws:s3:::alpha-bucket/a", OTHER_ACCOUNT)


def test_without_read_there_is_no_copy_and_no_source_is_readable():
    config = validate_args({"allowed_actions": ["s3:PutObject"], "buckets": ["alpha-bucket"]})
    assert [r.operation for r in config.routes if r.operation == "CopyObject"] == []
    policy = render_policy(config, "aws", "us-east-1", ACCOUNT)
    assert not permitted(policy, "s3:GetObject", "arn:aws:s3:::alpha-bucket/a")


def test_the_copy_route_grants_both_of_its_actions_and_nothing_more():
    policy = policy_of({"allowed_actions": ["s3:GetObject", "s3:PutObject"], "buckets": ["alpha-bucket"]})
    (objects,) = [s for s in policy["Statement"] if s["Sid"] == "ObjectActions"]
    assert (objects["Action"], objects["Resource"]) == (
        ["s3:GetObject", "s3:PutObject"],
        ["arn:aws:s3:::alpha-bucket/*"],
    )
    assert not permitted(policy, "s3:DeleteObject", "arn:aws:s3:::alpha-bucket/a")
