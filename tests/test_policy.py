import json
from itertools import combinations

import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult

from components.catalogue import ROUTES, SUPPORTED_ACTIONS, Scope
from components.config import validate_args
from components.policy import render_policy, render_trust_policy

ALL_SUBSETS = [list(c) for n in range(1, len(SUPPORTED_ACTIONS) + 1) for c in combinations(SUPPORTED_ACTIONS, n)]
SCOPES = [None, ["alpha-bucket", "beta.bucket"]]
PROBE_BUCKETS = ["alpha-bucket", "beta.bucket", "gamma-bucket"]
# Actions the component never supports: none of them may ever be permitted.
FOREIGN_ACTIONS = [
    "s3:GetObjectAcl",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutObjectAcl",
    "s3:*",
    "iam:PassRole",
]
SCOPE_OF = {route.action: route.scope for route in ROUTES}


def probe_arns():
    yield "*"
    for bucket in PROBE_BUCKETS:
        yield f"arn:aws:s3:::{bucket}"
        yield f"arn:aws:s3:::{bucket}/some/key.txt"


def needed(action, arn, buckets):
    """Whether a route of `action` needs `arn`: the scope an independent reading of the issue gives."""
    scope = SCOPE_OF[action]
    if scope is Scope.SERVICE:
        return True  # ListAllMyBuckets is only ever authorized on "*"
    bucket, _, key = arn.removeprefix("arn:aws:s3:::").partition("/")
    if arn == "*":
        return False
    if buckets is None:
        # `arn:aws:s3:::*` also covers object ARNs (IAM's `*` spans `/`). S3 authorizes bucket
        # actions against bucket ARNs only, so this grants no extra capability.
        return bool(key) or scope is Scope.BUCKET
    return bucket in buckets and (bool(key) if scope is Scope.OBJECT else not key)


def test_policy_permits_exactly_what_the_routes_need():
    cases = 0
    for allowed in ALL_SUBSETS:
        for buckets in SCOPES:
            config = validate_args({"allowed_actions": allowed} | ({"buckets": buckets} if buckets else {}))
            policy = IAMPolicy(json.dumps(render_policy(config, "aws")))
            for action in list(SUPPORTED_ACTIONS) + FOREIGN_ACTIONS:
                for arn in probe_arns():
                    permitted = policy.is_action_permitted(action, arn) == PermissionResult.PERMITTED
                    expected = action in allowed and needed(action, arn, buckets)
                    assert permitted == expected, (allowed, buckets, action, arn)
                    cases += 1
    print(f"policy evaluation: {cases} (policy, action, ARN) cases")
    assert cases == len(ALL_SUBSETS) * len(SCOPES) * (len(SUPPORTED_ACTIONS) + len(FOREIGN_ACTIONS)) * 7


@pytest.mark.parametrize("buckets", SCOPES)
def test_no_wildcard_actions_and_star_resource_only_for_listing_buckets(buckets):
    config = validate_args({"allowed_actions": ["s3:*"]} | ({"buckets": buckets} if buckets else {}))
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
        "Action": ["s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket"],
        "Resource": ["arn:aws-cn:s3:::alpha-bucket"],
    }
    assert statements["ObjectActions"]["Action"] == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert statements["ObjectActions"]["Resource"] == ["arn:aws-cn:s3:::alpha-bucket/*"]


def test_trust_policy_only_api_gateway_of_this_account():
    (statement,) = render_trust_policy("111122223333")["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}
