import json
from itertools import combinations

import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult

from components.catalogue import ROUTES, SUPPORTED_ACTIONS, Scope
from components.config import validate_args
from components.policy import render_policy

ALL_SUBSETS = [list(c) for n in range(1, len(SUPPORTED_ACTIONS) + 1) for c in combinations(SUPPORTED_ACTIONS, n)]
PREFIX = "uploads/"
# (buckets, key_prefix): all buckets, two named buckets, a named bucket with a prefix, every bucket with a prefix.
SCOPES = [(None, None), (["alpha-bucket", "beta.bucket"], None), (["alpha-bucket"], PREFIX), (None, PREFIX)]
PROBE_BUCKETS = ["alpha-bucket", "beta.bucket", "gamma-bucket"]
PROBE_KEYS = ["uploads/key.txt", "uploads/deep/er.png", "some/key.txt", "uploads-evil/x", "uploadsx", "up/loads/x"]
# The `s3:prefix` a listing request carries (S3 sends it with every ListBucket request; "" = none).
PROBE_LISTING_PREFIXES = [PREFIX, "", "other/", "uploads/sub/", "uploads"]
# Actions the component never supports: none of them may ever be permitted.
FOREIGN_ACTIONS = ["s3:GetObjectAcl", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutObjectAcl", "s3:*"]
SCOPE_OF = {route.action: route.scope for route in ROUTES}


def probe_requests():
    """(ARN, condition values) of requests S3 could authorize against the role.

    moto counts an absent condition key as a match where AWS counts it as a mismatch, so every
    probe states `s3:prefix`: object requests an empty one, which no object statement looks at."""
    yield "*", {"s3:prefix": ""}
    for bucket in PROBE_BUCKETS:
        for listing_prefix in PROBE_LISTING_PREFIXES:
            yield f"arn:aws:s3:::{bucket}", {"s3:prefix": listing_prefix}
        for key in PROBE_KEYS:
            yield f"arn:aws:s3:::{bucket}/{key}", {"s3:prefix": ""}


def needed(action, arn, conditions, buckets, prefix):
    """Whether a route of `action` needs this request: the scope an independent reading of the issue gives."""
    scope = SCOPE_OF[action]
    if scope is Scope.SERVICE:
        return True  # ListAllMyBuckets is only ever authorized on "*"
    if arn == "*":
        return False
    bucket, _, key = arn.removeprefix("arn:aws:s3:::").partition("/")
    if buckets is not None and bucket not in buckets:
        return False
    if scope is Scope.OBJECT:
        return bool(key) and key.startswith(prefix or "")
    # `arn:aws:s3:::*` also covers object ARNs (IAM's `*` spans `/`). S3 authorizes bucket actions
    # against bucket ARNs only, so this grants no extra capability.
    resource_matches = not key or buckets is None
    if prefix and action == "s3:ListBucket":
        return resource_matches and conditions["s3:prefix"] == prefix  # listing only exactly under the prefix
    return resource_matches


def test_policy_permits_exactly_what_the_routes_need():
    cases = 0
    for allowed in ALL_SUBSETS:
        for buckets, prefix in SCOPES:
            args = {"allowed_actions": allowed, "buckets": buckets, "key_prefix": prefix}
            config = validate_args({k: v for k, v in args.items() if v is not None})
            policy = IAMPolicy(json.dumps(render_policy(config, "aws")))
            for action in list(SUPPORTED_ACTIONS) + FOREIGN_ACTIONS:
                for arn, conditions in probe_requests():
                    result = policy.is_action_permitted(action, arn, incoming_condition_values=conditions)
                    expected = action in allowed and needed(action, arn, conditions, buckets, prefix)
                    assert (result == PermissionResult.PERMITTED) == expected, (allowed, buckets, prefix, action, arn)
                    cases += 1
    print(f"policy evaluation: {cases} (policy, action, request) cases")
    requests = 1 + len(PROBE_BUCKETS) * (len(PROBE_LISTING_PREFIXES) + len(PROBE_KEYS))
    assert cases == len(ALL_SUBSETS) * len(SCOPES) * (len(SUPPORTED_ACTIONS) + len(FOREIGN_ACTIONS)) * requests


@pytest.mark.parametrize("buckets, prefix", SCOPES)
def test_no_wildcard_actions_and_star_resource_only_for_listing_buckets(buckets, prefix):
    args = {"allowed_actions": ["s3:*"], "buckets": buckets, "key_prefix": prefix}
    config = validate_args({k: v for k, v in args.items() if v is not None})
    for statement in render_policy(config, "aws")["Statement"]:
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in statement["Action"])
        if "*" in statement["Resource"]:
            assert statement["Action"] == ["s3:ListAllMyBuckets"] and statement["Resource"] == ["*"]


def test_statements_are_grouped_by_resource():
    config = validate_args({"allowed_actions": ["s3:*"], "buckets": ["alpha-bucket"]})
    statements = {s["Sid"]: s for s in render_policy(config, "aws-cn")["Statement"]}
    assert statements["ServiceActions"]["Resource"] == ["*"]
    assert statements["BucketActions"] == {
        "Sid": "BucketActions",
        "Effect": "Allow",
        "Action": ["s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:ListBucketVersions"],
        "Resource": ["arn:aws-cn:s3:::alpha-bucket"],
    }
    assert statements["ObjectActions"]["Action"] == [
        "s3:AbortMultipartUpload",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
    ]
    assert statements["ObjectActions"]["Resource"] == ["arn:aws-cn:s3:::alpha-bucket/*"]


def test_key_prefix_scopes_objects_and_pins_listing():
    config = validate_args({"allowed_actions": ["s3:*"], "buckets": ["alpha-bucket"], "key_prefix": "uploads/"})
    statements = {s["Sid"]: s for s in render_policy(config, "aws")["Statement"]}
    assert statements["ObjectActions"]["Resource"] == ["arn:aws:s3:::alpha-bucket/uploads/*"]
    assert statements["ListingUnderPrefix"] == {
        "Sid": "ListingUnderPrefix",
        "Effect": "Allow",
        "Action": ["s3:ListBucket", "s3:ListBucketVersions"],
        "Resource": ["arn:aws:s3:::alpha-bucket"],
        "Condition": {"StringEquals": {"s3:prefix": "uploads/"}},
    }
    assert statements["BucketActions"]["Action"] == ["s3:CreateBucket", "s3:DeleteBucket"]
