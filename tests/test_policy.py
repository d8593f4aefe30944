"""The rendered IAM policy, evaluated offline with moto's policy engine: exactly what the routes need.

The proof is exhaustive over every subset S of SUPPORTED_ACTIONS (4,095 of 12 actions), in two steps,
because evaluating every request under every subset's policy P(S) would take 9.5 million moto evaluations
for the four scopes without an SSE key (measured: 16 ms per policy, about 4.5 minutes; 5.5 with it):

1. Locality, checked on the rendered documents for every subset S (cheap: no evaluation). Every statement
   is an `Allow` with only Sid/Effect/Action/Resource/Condition, and lists actions by their literal names,
   each one the component supports or a KMS action it may grant. Then IAM decides a request for action `a`
   from the statements that list `a` alone: with no Deny, no NotAction/NotResource and no wildcard action,
   the request is allowed iff one of those statements matches its resource and conditions ("Policy
   evaluation logic", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
   moto decides the same way: `IAMPolicyStatement.is_action_permitted` returns NEUTRAL for a statement whose
   Action does not match, so only those statements count. The check: for every S and every action `a`, the
   statements listing `a` in P(S) are exactly those listing `a` in P(S & D(a)), where D(a), written out below
   by hand, is the set of actions that decide `a`'s grant (its statement group, or for KMS actions the object
   read and write actions), and P(empty set) lists nothing. (A D(a) written too small fails this check; one
   too large would only cost time.)
2. Evaluation: the decision for `a` under P(S) is therefore moto's decision under P(T) for T = S & D(a),
   a subset of D(a); for T empty nothing lists `a`, so it is refused, as it must be (`a` is in D(a), so
   not in S). So every action of each group is evaluated, for every request probed, under the policy of
   every non-empty subset of its group, and must be permitted exactly when `needed` says so.
"""

import json
from dataclasses import replace
from functools import cache
from itertools import combinations

import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult

from components.catalogue import SUPPORTED_ACTIONS
from components.config import validate_args
from components.policy import render_policy

# The statement groups, by kind of resource (the "one statement per kind of resource"), written out.
SERVICE_ACTIONS = ("s3:ListAllMyBuckets",)
LISTING_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions")  # under a key prefix: only with `s3:prefix` = it
BUCKET_ACTIONS = ("s3:CreateBucket", "s3:DeleteBucket")
OBJECT_ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:GetObjectVersion",
    "s3:DeleteObjectVersion",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
MULTIPART_ONLY_ACTIONS = ("s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")  # no route with an SSE key
# What S3 needs of a KMS key for the role: to read an object (GetObject, GetObjectVersion), to write one (PutObject).
KMS_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
KMS_WRITE_ACTIONS = ("s3:PutObject",)
KMS_GRANTED = ("kms:Decrypt", "kms:GenerateDataKey")

PREFIX = "uploads/"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# Settings besides allowed_actions: all buckets, two named buckets, a named bucket with a prefix, every bucket
# with a prefix, and a named bucket whose objects are written with an SSE-KMS key (no multipart routes then).
SCOPES = [
    {},
    {"buckets": ["alpha-bucket", "beta.bucket"]},
    {"buckets": ["alpha-bucket"], "key_prefix": PREFIX},
    {"key_prefix": PREFIX},
    {"buckets": ["alpha-bucket"], "sse_kms_key_arn": KEY},
]
PROBE_BUCKETS = ["alpha-bucket", "beta.bucket", "gamma-bucket"]
PROBE_KEYS = ["uploads/key.txt", "uploads/deep/er.png", "some/key.txt", "uploads-evil/x", "uploadsx", "up/loads/x"]
# The `s3:prefix` a listing request carries (S3 sends it with every ListBucket request; "" = none).
PROBE_LISTING_PREFIXES = [PREFIX, "", "other/", "uploads/sub/", "uploads"]
# Actions the component never supports: none of them may ever be permitted.
FOREIGN_ACTIONS = ["s3:GetObjectAcl", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutObjectAcl", "s3:*"]
# No Deny, NotAction, NotResource or Principal: the elements whose meaning step 1 relies on.
STATEMENT_ELEMENTS = {"Sid", "Effect", "Action", "Resource", "Condition"}
# Requests per (policy, action): "*", and per bucket its ARN with each listing prefix and each object ARN.
REQUESTS = 1 + 3 * (5 + 6)


def groups(scope):
    """The statement groups of a scope: under a key prefix, listing has its own (conditional) statement."""
    if scope.get("key_prefix"):
        return [SERVICE_ACTIONS, LISTING_ACTIONS, BUCKET_ACTIONS, OBJECT_ACTIONS]
    return [SERVICE_ACTIONS, LISTING_ACTIONS + BUCKET_ACTIONS, OBJECT_ACTIONS]


def deciding(scope):
    """D(a) of every action: the actions whose presence decides `a`'s grant."""
    decides = {action: frozenset(group) for group in groups(scope) for action in group}
    return decides | dict.fromkeys(KMS_GRANTED, frozenset(KMS_READ_ACTIONS + KMS_WRITE_ACTIONS))


def subsets(actions):
    """Every non-empty subset, in catalogue order (as `allowed_actions` resolves them)."""
    ordered = [a for a in SUPPORTED_ACTIONS if a in actions]
    return [c for n in range(1, len(ordered) + 1) for c in combinations(ordered, n)]


def statements_listing(policy, action):
    """What IAM decides `action` from: the statements that list it, less their Action (sorted, as JSON)."""
    return sorted(
        json.dumps({k: v for k, v in s.items() if k != "Action"}, sort_keys=True)
        for s in policy["Statement"]
        if action in s["Action"]
    )


def assert_grants_are_local(scope, region="us-east-1", partition="aws"):
    """Step 1 of the module's argument, for every subset of SUPPORTED_ACTIONS; returns the (subset, action) count."""
    base = validate_args({"allowed_actions": ["s3:*"], **scope})
    decides = deciding(scope)

    @cache
    def reference(allowed):
        if not allowed:
            return {}
        policy = render_policy(replace(base, allowed_actions=allowed), partition, region)
        return {action: statements_listing(policy, action) for action in decides}

    checked = 0
    for allowed in subsets(SUPPORTED_ACTIONS):
        # `validate_args` resolves literal actions to themselves in catalogue order (the `subsets` order), and
        # derives no other field from them: step 2 asserts the equality for each configuration it evaluates.
        policy = render_policy(replace(base, allowed_actions=allowed), partition, region)
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow" and set(statement) <= STATEMENT_ELEMENTS, statement
            assert isinstance(statement["Action"], list), statement
            assert set(statement["Action"]) <= set(SUPPORTED_ACTIONS + KMS_GRANTED), statement
        for action, decided_by in decides.items():
            local = tuple(a for a in allowed if a in decided_by)
            assert statements_listing(policy, action) == reference(local).get(action, []), (scope, allowed, action)
            checked += 1
    return checked


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


def needed(action, arn, conditions, scope):
    """Whether a route of `action` needs this request: the scope an independent reading of the issue gives."""
    buckets, prefix = scope.get("buckets"), scope.get("key_prefix")
    if scope.get("sse_kms_key_arn") and action in MULTIPART_ONLY_ACTIONS:
        return False  # with an SSE key there are no multipart routes
    if action in SERVICE_ACTIONS:
        return True  # ListAllMyBuckets is only ever authorized on "*"
    if arn == "*":
        return False
    bucket, _, key = arn.removeprefix("arn:aws:s3:::").partition("/")
    if buckets is not None and bucket not in buckets:
        return False
    if action in OBJECT_ACTIONS:
        return bool(key) and key.startswith(prefix or "")
    # `arn:aws:s3:::*` also covers object ARNs (IAM's `*` spans `/`). S3 authorizes bucket actions
    # against bucket ARNs only, so this grants no extra capability.
    resource_matches = not key or buckets is None
    if prefix and action in LISTING_ACTIONS:
        return resource_matches and conditions["s3:prefix"] == prefix  # listing only exactly under the prefix
    return resource_matches


@pytest.mark.parametrize("scope", SCOPES, ids=lambda scope: ",".join(scope) or "all-buckets")
def test_policy_permits_exactly_what_the_routes_need(scope):
    """Exhaustive over every subset of SUPPORTED_ACTIONS by the module's two-step argument."""
    assert sorted(a for group in groups(scope) for a in group) == sorted(SUPPORTED_ACTIONS)  # a partition
    local = assert_grants_are_local(scope)
    assert local == 4095 * (12 + 2)  # every subset, every S3 action and both KMS actions

    full = validate_args({"allowed_actions": ["s3:*"], **scope})
    cases = 0
    for group in groups(scope):
        for allowed in subsets(group):
            config = validate_args({"allowed_actions": list(allowed), **scope})
            assert config == replace(full, allowed_actions=allowed)  # the configuration step 1 renders
            policy = IAMPolicy(json.dumps(render_policy(config, "aws", "us-east-1")))
            for action in group:
                for arn, conditions in probe_requests():
                    result = policy.is_action_permitted(action, arn, incoming_condition_values=conditions)
                    expected = action in allowed and needed(action, arn, conditions, scope)
                    assert (result == PermissionResult.PERMITTED) == expected, (allowed, scope, action, arn, conditions)
                    cases += 1
    everything = IAMPolicy(json.dumps(render_policy(full, "aws", "us-east-1")))
    for action in FOREIGN_ACTIONS:
        for arn, conditions in probe_requests():
            assert everything.is_action_permitted(action, arn, incoming_condition_values=conditions) != (
                PermissionResult.PERMITTED
            ), (scope, action, arn)
            cases += 1
    print(
        f"policy evaluation {scope}: {local} (subset, action) locality checks, {cases} (policy, action, request) cases"
    )
    # Per group of n actions, n actions under 2**n - 1 policies: 1*1 + 4*15 + 7*127 = 950 without a key prefix,
    # 1*1 + 2*3 + 2*3 + 7*127 = 902 with one; then the foreign actions under the policy of every action.
    per_request = 902 if scope.get("key_prefix") else 950
    assert cases == (per_request + len(FOREIGN_ACTIONS)) * REQUESTS


# KMS: keys in three partitions, and keys the role must never use (another key, region or account).
KEY_2 = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"
CN_KEY = "arn:aws-cn:kms:cn-north-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321"
CN_SSE_KEY = "arn:aws-cn:kms:cn-north-1:111122223333:key/11111111-2222-3333-4444-555555555555"
GOV_KEY = "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/66666666-7777-8888-9999-000000000000"
UNRELATED_KEYS = [
    "arn:aws:kms:us-east-1:111122223333:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
]
# (region, partition, inputs, the keys granted, the kms:ViaService value S3 of that region presents).
KMS_SETTINGS = {
    "bucket-keys": ("us-east-1", "aws", {"kms_key_arns": [KEY, KEY_2]}, {KEY, KEY_2}, "s3.us-east-1.amazonaws.com"),
    "china-bucket-and-sse-keys": (
        "cn-north-1",
        "aws-cn",
        {"kms_key_arns": [CN_KEY], "sse_kms_key_arn": CN_SSE_KEY, "buckets": ["alpha-bucket"], "key_prefix": PREFIX},
        {CN_KEY, CN_SSE_KEY},
        "s3.cn-north-1.amazonaws.com.cn",
    ),
    "govcloud-sse-key": (
        "us-gov-west-1",
        "aws-us-gov",
        {"sse_kms_key_arn": GOV_KEY},
        {GOV_KEY},
        "s3.us-gov-west-1.amazonaws.com",
    ),
}
PROBE_KMS_KEYS = [KEY, KEY_2, CN_KEY, CN_SSE_KEY, GOV_KEY, *UNRELATED_KEYS]
PROBE_KMS_ACTIONS = [
    *KMS_GRANTED,
    "kms:Encrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:CreateGrant",
    "kms:DescribeKey",
]
PROBE_VIA_SERVICES = [
    "s3.us-east-1.amazonaws.com",
    "s3.cn-north-1.amazonaws.com.cn",
    "s3.us-gov-west-1.amazonaws.com",
    "s3.us-west-2.amazonaws.com",
    "s3.cn-north-1.amazonaws.com",
    "dynamodb.us-east-1.amazonaws.com",
    "s3-object-lambda.us-east-1.amazonaws.com",
]
NEITHER_READS_NOR_WRITES = ("s3:ListBucket", "s3:DeleteObject", "s3:DeleteObjectVersion")


def kms_needed(action, allowed):
    """The KMS actions S3 needs for the role's requests: Decrypt to read or write, GenerateDataKey to write."""
    writes = any(a in KMS_WRITE_ACTIONS for a in allowed)
    reads = any(a in KMS_READ_ACTIONS for a in allowed)
    return (action == "kms:Decrypt" and (reads or writes)) or (action == "kms:GenerateDataKey" and writes)


@pytest.mark.parametrize("name", KMS_SETTINGS)
def test_kms_grants_exactly_the_configured_keys_to_s3_of_the_region(name):
    """Exhaustive over every subset of SUPPORTED_ACTIONS by the module's argument: step 1 shows the KMS
    grants of P(S) are those of P(S & {GetObject, GetObjectVersion, PutObject}), evaluated here for each."""
    region, partition, scope, granted, via = KMS_SETTINGS[name]
    assert assert_grants_are_local(scope, region, partition) == 4095 * (12 + 2)

    cases = 0
    for allowed in [NEITHER_READS_NOR_WRITES, *subsets(KMS_READ_ACTIONS + KMS_WRITE_ACTIONS)]:
        document = render_policy(validate_args({"allowed_actions": list(allowed), **scope}), partition, region)
        for statement in document["Statement"]:
            if any(action.startswith("kms:") for action in statement["Action"]):
                # As written: moto evaluates StringEquals for a request that states kms:ViaService but lets one
                # without it through (AWS refuses it), so the condition must be exactly this operator and key.
                assert statement["Condition"] == {"StringEquals": {"kms:ViaService": via}}, statement
        policy = IAMPolicy(json.dumps(document))
        for action in PROBE_KMS_ACTIONS:
            for key in PROBE_KMS_KEYS:
                for via_service in PROBE_VIA_SERVICES:
                    conditions = {"kms:ViaService": via_service}
                    result = policy.is_action_permitted(action, key, incoming_condition_values=conditions)
                    expected = kms_needed(action, allowed) and key in granted and via_service == via
                    assert (result == PermissionResult.PERMITTED) == expected, (allowed, action, key, via_service)
                    cases += 1
    print(f"KMS {name}: {cases} (policy, action, key, kms:ViaService) cases")
    assert cases == (1 + 7) * 8 * 9 * 7  # policies (neither, every non-empty subset of 3), actions, keys, services


@pytest.mark.parametrize("scope", SCOPES, ids=lambda scope: ",".join(scope) or "all-buckets")
def test_no_wildcard_actions_and_star_resource_only_for_listing_buckets(scope):
    config = validate_args({"allowed_actions": ["s3:*"], **scope})
    for statement in render_policy(config, "aws", "us-east-1")["Statement"]:
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


def test_the_policy_document_has_exactly_iams_two_elements():
    # IAM's element names are case-sensitive: `version` would be refused (MalformedPolicyDocument).
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    config = validate_args({"allowed_actions": ["s3:GetObject"], "kms_key_arns": [key]})
    document = render_policy(config, "aws", "us-east-1")
    assert list(document) == ["Version", "Statement"] and document["Version"] == "2012-10-17"
