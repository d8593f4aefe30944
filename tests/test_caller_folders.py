"""Per-user folders, proven offline: two callers, alice and bob, under the `caller_policy` that `caller_folders`
renders, evaluated by moto's IAM policy evaluator (`moto.iam.access_control.IAMPolicy`, moto 5.2.5).

In caller mode S3 authorizes every request against the caller's own identity policy, so what the policy allows is
what the caller can do through the API (and S3 evaluates it after whatever normalisation the key went through on
the way). moto's evaluator decides actions, resource ARNs (`*` wildcards) and `StringEquals`; three documented IAM
rules it lacks are applied here, each exactly as the IAM User Guide states it:

- policy variables (IAM User Guide, "IAM policy elements: Variables and tags"): moto matches `${aws:username}`
  literally, so `substitute` replaces each variable with the caller's value from the request context, and a
  statement with a variable the caller has no value for matches nothing ("Policy variables with no value");
- `StringLike` (IAM User Guide, "IAM JSON policy elements: Condition operators": case-sensitive, `*` any characters,
  `?` one): moto 5.2.5 implements only `StringEquals` and passes any other operator, so `string_like` is added to
  its operator table (`test_moto_alone_would_pass_any_listing_prefix` shows why it must be);
- a condition key absent from the request context makes the condition false (same page, for operators other than
  `...IfExists` and `Null`): moto passes it, so such a statement is left out.
"""

import json
import posixpath
import re
from urllib.parse import unquote

import moto.iam.policy_conditions
import pytest
from moto.iam.access_control import IAMPolicy, PermissionResult

from components.caller_policy import render_caller_policy
from components.config import validate_args

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999999999999"
BUCKET = "acme-home"
STAGE_ARN = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:a1b2c3/prod"

# The request context values each kind of folder is named by, for alice and bob (IAM User Guide, "Request
# information that you can use for policy variables"; Amazon Cognito Developer Guide, "IAM roles").
CALLERS = {
    "username": {"alice": {"aws:username": "alice"}, "bob": {"aws:username": "bob"}},
    "userid": {"alice": {"aws:userid": "AIDAALICE0000000000001"}, "bob": {"aws:userid": "AIDABOB00000000000002"}},
    "cognito_identity": {
        "alice": {"cognito-identity.amazonaws.com:sub": "us-east-1:11111111-1111-1111-1111-111111111111"},
        "bob": {"cognito-identity.amazonaws.com:sub": "us-east-1:22222222-2222-2222-2222-222222222222"},
    },
}

# Each S3 operation of the API and the action S3 authorizes it with (the README's route table, written out).
OBJECT_OPERATIONS = {
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "DeleteObject": "s3:DeleteObject",
    "GetObjectVersion": "s3:GetObjectVersion",
    "DeleteObjectVersion": "s3:DeleteObjectVersion",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "ListParts": "s3:ListMultipartUploadParts",
}
LISTINGS = {"ListObjects": "s3:ListBucket", "ListObjectVersions": "s3:ListBucketVersions"}
BUCKET_WIDE = [  # (operation, action, resource)
    ("ListBuckets", "s3:ListAllMyBuckets", "*"),
    ("CreateBucket", "s3:CreateBucket", f"arn:aws:s3:::{BUCKET}"),
    ("DeleteBucket", "s3:DeleteBucket", f"arn:aws:s3:::{BUCKET}"),
]


def string_like(expected: list[str] | str, actual: str) -> bool:
    """IAM's StringLike: case-sensitive, `*` any characters (`/` too, none at all), `?` exactly one."""
    patterns = [expected] if isinstance(expected, str) else expected
    regexes = ("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in p) for p in patterns)
    return any(re.fullmatch(regex, actual, re.DOTALL) for regex in regexes)


@pytest.fixture(autouse=True)
def moto_knows_string_like(monkeypatch):
    monkeypatch.setitem(moto.iam.policy_conditions.CONDITION_OPERATIONS, "StringLike", string_like)


def substitute(policy: dict, variables: dict[str, str]) -> dict:
    """The policy as IAM evaluates it for a caller: each `${key}` replaced by the caller's value; a statement whose
    variable has no value for this caller matches nothing, so it is left out."""
    statements = []
    for statement in policy["Statement"]:
        text = json.dumps(statement)
        for key, value in variables.items():
            text = text.replace("${" + key + "}", value)
        if "${" not in text:
            statements.append(json.loads(text))
    return policy | {"Statement": statements}


def allows(policy: dict, caller: dict[str, str], action: str, resource: str, context: dict[str, str]) -> bool:
    """IAM's decision on the caller's identity policy for one request (moto's evaluator, with the rules above)."""
    resolved = substitute(policy, caller)
    applicable = [
        s
        for s in resolved["Statement"]
        if all(key in context for values in s.get("Condition", {}).values() for key in values)
    ]
    evaluated = IAMPolicy(json.dumps(resolved | {"Statement": applicable}))
    result = evaluated.is_action_permitted(action, resource, incoming_condition_values=context)
    return result is PermissionResult.PERMITTED


def folder_policy(kind: str, **args) -> dict:
    config = validate_args(
        {
            "allowed_actions": ["s3:*"],
            "integration_credentials": "caller",
            "caller_folders": kind,
            "buckets": [BUCKET],
        }
        | args
    )
    policy = render_caller_policy(
        config, partition="aws", region="us-east-1", account_id=ACCOUNT, execution_arn=STAGE_ARN
    )
    assert policy is not None
    return policy


def folder_of(kind: str, name: str) -> str:
    (value,) = CALLERS[kind][name].values()
    return f"{value}/"


def object_arn(key: str) -> str:
    return f"arn:aws:s3:::{BUCKET}/{key}"


IN_BUCKET = {"s3:ResourceAccount": ACCOUNT}


@pytest.mark.parametrize("kind", CALLERS)
def test_alice_reads_writes_lists_and_completes_multipart_uploads_in_her_folder(kind):
    policy, alice, home = folder_policy(kind), CALLERS[kind]["alice"], folder_of(kind, "alice")
    for operation, action in OBJECT_OPERATIONS.items():
        for key in (f"{home}notes.txt", f"{home}photos/2026/cat.png"):
            assert allows(policy, alice, action, object_arn(key), IN_BUCKET), (operation, key)
    for operation, action in LISTINGS.items():
        for prefix in (home, f"{home}photos/"):
            context = IN_BUCKET | {"s3:prefix": prefix}
            assert allows(policy, alice, action, f"arn:aws:s3:::{BUCKET}", context), (operation, prefix)


@pytest.mark.parametrize("kind", CALLERS)
def test_everything_of_bobs_is_refused_to_alice(kind):
    policy, alice, bobs = folder_policy(kind), CALLERS[kind]["alice"], folder_of(kind, "bob")
    for operation, action in OBJECT_OPERATIONS.items():
        assert not allows(policy, alice, action, object_arn(f"{bobs}notes.txt"), IN_BUCKET), operation
    for operation, action in LISTINGS.items():
        context = IN_BUCKET | {"s3:prefix": bobs}
        assert not allows(policy, alice, action, f"arn:aws:s3:::{BUCKET}", context), operation
    # And bob, under the same policy, is refused alice's and served his own.
    bob, alices = CALLERS[kind]["bob"], folder_of(kind, "alice")
    assert not allows(policy, bob, "s3:GetObject", object_arn(f"{alices}notes.txt"), IN_BUCKET)
    assert allows(policy, bob, "s3:GetObject", object_arn(f"{bobs}notes.txt"), IN_BUCKET)


def resolved(key: str) -> str:
    """The key a normalising hop makes of `key`: percent-decoded, then `.` and `..` segments removed (RFC 3986,
    remove_dot_segments), as LocalStack does to the integration URL and as AWS might."""
    return posixpath.normpath(unquote(key))


@pytest.mark.parametrize(
    "sent",
    [
        "alice/../bob/notes.txt",
        "alice/%2e%2e/bob/notes.txt",
        "alice/%2E%2E/bob/notes.txt",
        "alice/./../bob/notes.txt",
        "alice/photos/../../bob/notes.txt",
        "alice/%2e%2e%2fbob/notes.txt",
    ],
)
def test_keys_with_dot_dot_segments_that_resolve_outside_her_folder_are_refused(sent):
    policy, alice = folder_policy("username"), CALLERS["username"]["alice"]
    assert resolved(sent) == "bob/notes.txt"
    for operation, action in OBJECT_OPERATIONS.items():
        assert not allows(policy, alice, action, object_arn(resolved(sent)), IN_BUCKET), operation
    # Unresolved, the same text is a key of her own folder (S3 keys are literal): never one of bob's objects.
    assert allows(policy, alice, "s3:GetObject", object_arn(sent), IN_BUCKET)


def test_a_sibling_folder_sharing_her_name_as_a_prefix_is_refused():
    policy, alice = folder_policy("username"), CALLERS["username"]["alice"]
    assert resolved("alice/../alice2/notes.txt") == "alice2/notes.txt"
    assert not allows(policy, alice, "s3:GetObject", object_arn("alice2/notes.txt"), IN_BUCKET)
    context = IN_BUCKET | {"s3:prefix": "alice"}  # would list alice2/... too
    assert not allows(policy, alice, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", context)


@pytest.mark.parametrize("prefix", ["", "a", "ali", "alice", "bob/", "Alice/", "photos/alice/"])
def test_listings_without_her_prefix_are_refused(prefix):
    policy, alice = folder_policy("username"), CALLERS["username"]["alice"]
    for action in LISTINGS.values():
        assert not allows(policy, alice, action, f"arn:aws:s3:::{BUCKET}", IN_BUCKET | {"s3:prefix": prefix})


def test_a_listing_with_no_prefix_at_all_is_refused():
    policy, alice = folder_policy("username"), CALLERS["username"]["alice"]
    assert not allows(policy, alice, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", IN_BUCKET)  # HeadBucket too


def test_bucket_wide_operations_are_refused_and_not_invokable_where_arns_tell_them_apart():
    policy, alice = folder_policy("username"), CALLERS["username"]["alice"]
    for operation, action, resource in BUCKET_WIDE:
        assert not allows(policy, alice, action, resource, IN_BUCKET), operation
    invoke = "execute-api:Invoke"
    assert allows(policy, alice, invoke, f"{STAGE_ARN}/GET/{BUCKET}/alice/notes.txt", {})
    assert allows(policy, alice, invoke, f"{STAGE_ARN}/GET/{BUCKET}", {})  # ListObjects
    # ListBuckets (`GET /`) is within ListObjects' `GET/*` (IAM's `*` also matches nothing); S3 refuses it above.
    assert allows(policy, alice, invoke, f"{STAGE_ARN}/GET/", {})
    assert not allows(policy, alice, invoke, f"{STAGE_ARN}/PUT/{BUCKET}", {})  # CreateBucket
    assert not allows(policy, alice, invoke, f"{STAGE_ARN}/HEAD/{BUCKET}", {})  # HeadBucket
    assert not allows(policy, alice, invoke, f"{STAGE_ARN}/DELETE/{BUCKET}", {})  # DeleteBucket


def test_her_folder_in_a_bucket_of_another_account_is_refused():
    policy, alice = folder_policy("username"), CALLERS["username"]["alice"]
    elsewhere = {"s3:ResourceAccount": OTHER_ACCOUNT}
    assert not allows(policy, alice, "s3:GetObject", object_arn("alice/notes.txt"), elsewhere)
    assert not allows(policy, alice, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", elsewhere | {"s3:prefix": "alice/"})


def test_a_caller_without_the_variable_gets_no_folder_at_all():
    # An assumed role has no aws:username: under a `username` policy it may touch nothing, not even a folder
    # named after the role session.
    policy, role_session = folder_policy("username"), {"aws:userid": "AROAEXAMPLE:alice"}
    for action in OBJECT_OPERATIONS.values():
        assert not allows(policy, role_session, action, object_arn("alice/notes.txt"), IN_BUCKET)
        assert not allows(policy, role_session, action, object_arn("${aws:username}/notes.txt"), IN_BUCKET)


def test_under_a_key_prefix_the_folder_is_inside_it_and_listing_is_not_granted():
    policy, alice = folder_policy("username", key_prefix="home/"), CALLERS["username"]["alice"]
    # The API puts every key under `home/`: alice's item `alice/notes.txt` is the S3 key `home/alice/notes.txt`.
    assert allows(policy, alice, "s3:PutObject", object_arn("home/alice/notes.txt"), IN_BUCKET)
    assert not allows(policy, alice, "s3:PutObject", object_arn("alice/notes.txt"), IN_BUCKET)
    assert not allows(policy, alice, "s3:GetObject", object_arn(resolved("home/alice/../bob/notes.txt")), IN_BUCKET)
    # The API pins listing's prefix to `home/` itself, above every folder: no listing is granted.
    assert not allows(policy, alice, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", IN_BUCKET | {"s3:prefix": "home/"})
    assert "ListingInCallerFolder" not in [s["Sid"] for s in policy["Statement"]]


def test_the_rendered_per_user_policy():
    # Written out in full: a change to what a caller may do shows here first.
    assert folder_policy("cognito_identity", allowed_actions=["s3:GetObject", "s3:PutObject", "s3:ListBucket"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeApi",
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": [
                    f"{STAGE_ARN}/GET/*",
                    f"{STAGE_ARN}/GET/*/*",
                    f"{STAGE_ARN}/HEAD/*/*",
                    f"{STAGE_ARN}/PUT/*/*",
                    f"{STAGE_ARN}/POST/*/*",
                ],
            },
            {
                "Sid": "ListingInCallerFolder",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{BUCKET}"],
                "Condition": {
                    "StringEquals": {"s3:ResourceAccount": [ACCOUNT]},
                    "StringLike": {"s3:prefix": "${cognito-identity.amazonaws.com:sub}/*"},
                },
            },
            {
                "Sid": "ObjectsInCallerFolder",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": [f"arn:aws:s3:::{BUCKET}/${{cognito-identity.amazonaws.com:sub}}/*"],
                "Condition": {"StringEquals": {"s3:ResourceAccount": [ACCOUNT]}},
            },
        ],
    }


def test_moto_alone_would_pass_any_listing_prefix(monkeypatch):
    # Why `string_like` is added: without it moto passes the StringLike condition, and alice could list bob's.
    monkeypatch.delitem(moto.iam.policy_conditions.CONDITION_OPERATIONS, "StringLike")
    policy, alice = folder_policy("username"), CALLERS["username"]["alice"]
    assert allows(policy, alice, "s3:ListBucket", f"arn:aws:s3:::{BUCKET}", IN_BUCKET | {"s3:prefix": "bob/"})


def test_moto_alone_would_refuse_alice_her_own_folder():
    # Why `substitute` is needed: moto reads `${aws:username}` as part of a regular expression, never as alice.
    unsubstituted = IAMPolicy(json.dumps(folder_policy("username")))
    decision = unsubstituted.is_action_permitted("s3:GetObject", object_arn("alice/x"), None, IN_BUCKET)
    assert decision is PermissionResult.NEUTRAL
