"""Many buckets within IAM's limits: the role's policy split over its inline policy and customer-managed policies.

IAM's rule (IAM User Guide, "IAM and AWS STS quotas",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): a role's inline policies hold 10,240
characters in all, a customer-managed policy 6,144, whitespace not counted; a role may have 10 managed policies
attached (the default quota, adjustable to 20). The split must stay exact: the union of its documents permits what
the whole policy permits, nothing more, nothing less (moto's IAM engine evaluates them)."""

from __future__ import annotations

import json
import math
import re
from fnmatch import fnmatchcase
from functools import cache
from itertools import combinations
from typing import Any

import pulumi
import pytest
from conftest import RecordingMocks
from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, PermissionResult
from pulumi.runtime.mocks import MockMonitor

from components import S3ProxyApi, S3ProxyConfigError
from components.catalogue import ROUTES, SUPPORTED_ACTIONS, Scope
from components.config import validate_args
from components.inputs import with_stand_ins
from components.policy import render_deployer_policy, render_policy
from components.policy_split import (
    ATTACHED_POLICY_QUOTA,
    INLINE_LIMIT,
    MANAGED_LIMIT,
    iam_size,
    managed_policies_needed,
    plan_managed_policies,
    split_policy,
)
from tooling.placeholders import ACCOUNT_ID
from tooling.program import run_with_mocks

FOREIGN_ACTIONS = ["s3:GetObjectAcl", "s3:PutBucketPolicy", "s3:*"]
POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
SCOPE_OF = {route.action: route.scope for route in ROUTES}


@pytest.fixture(autouse=True)
def compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto compiles a Resource's regular expression at every check, and `re` caches only 512 while these policies
    hold thousands: the very same expressions as moto's `_match`, compiled once (the run takes seconds, not minutes)."""
    compiled = cache(lambda pattern: re.compile(f"^{pattern.replace('*', '.*')}$"))
    monkeypatch.setattr(
        IAMPolicyStatement, "_match", staticmethod(lambda pattern, value: compiled(pattern).match(value))
    )


def tenants(count: int) -> list[str]:
    """Realistic bucket names: acme-tenant-0001, acme-tenant-0002, ... (16 characters)."""
    return [f"acme-tenant-{n:04d}" for n in range(1, count + 1)]


def later(value: Any) -> pulumi.Output[Any]:
    """An Output of `value` that, like another resource's output, is not a literal."""
    return pulumi.Output.from_input(value).apply(lambda resolved: resolved)


def policy_of(count: int, partition: str = "aws") -> dict[str, Any]:
    return render_policy(validate_args({"allowed_actions": ["s3:*"], "buckets": tenants(count)}), partition)


def permitted(policies: list[IAMPolicy], action: str, arn: str) -> bool:
    # A request S3 authorizes carries `s3:prefix` (see tests/test_policy.py: moto counts an absent key as a match).
    conditions = {"s3:prefix": ""}
    return any(
        p.is_action_permitted(action, arn, incoming_condition_values=conditions) == PermissionResult.PERMITTED
        for p in policies
    )


def assert_exact_split(whole: dict[str, Any], parts: list[dict[str, Any]], buckets: list[str]) -> int:
    """Every part within its limit (as submitted, indented), and the parts together permit what `whole` does, for
    every supported and some foreign actions, on a sample of the named buckets and on buckets not named."""
    assert iam_size(json.dumps(parts[0], indent=2)) <= INLINE_LIMIT
    assert all(iam_size(json.dumps(part, indent=2)) <= MANAGED_LIMIT for part in parts[1:])
    assert all(statement["Resource"] for part in parts for statement in part["Statement"])  # IAM refuses empty ones
    sample = buckets[:2] + buckets[len(buckets) // 2 : len(buckets) // 2 + 1] + buckets[-2:]
    whole_policy, part_policies = [IAMPolicy(json.dumps(whole))], [IAMPolicy(json.dumps(part)) for part in parts]
    cases = 0
    for bucket in [*sample, "acme-tenant-99999", "other-bucket"]:
        requests = {
            "*": None,
            f"arn:aws:s3:::{bucket}": Scope.BUCKET,
            f"arn:aws:s3:::{bucket}/some/key.txt": Scope.OBJECT,
        }
        for arn, scope in requests.items():
            for action in [*SUPPORTED_ACTIONS, *FOREIGN_ACTIONS]:
                expected = permitted(whole_policy, action, arn)
                assert permitted(part_policies, action, arn) == expected, (bucket, arn, action)
                # And the whole policy is the one the issue asks for: ListAllMyBuckets, and the named buckets only.
                needed = action in SCOPE_OF and (
                    SCOPE_OF[action] is Scope.SERVICE or (bucket in buckets and SCOPE_OF[action] is scope)
                )
                assert expected == needed, (bucket, arn, action)
                cases += 1
    return cases


def test_iam_counts_characters_without_whitespace() -> None:
    # {"Version":"2012-10-17"}: 1 + 9 + 1 + 12 + 1 characters, by hand.
    assert iam_size({"Version": "2012-10-17"}) == 24
    assert iam_size('{\n  "Version": "2012-10-17"\n}') == 24  # as submitted, indented: the same
    statement = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}
    # {"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}
    assert iam_size(statement) == 1 + 8 + 1 + 7 + 1 + 8 + 1 + 16 + 1 + 10 + 1 + 20 + 1
    assert iam_size(json.dumps(statement, indent=4)) == iam_size(statement)


def document_of_size(size: int) -> dict[str, Any]:
    """A one-statement policy of exactly `size` characters by IAM's count (its last ARN padded)."""
    arns = [f"arn:aws:s3:::bucket-{n:05d}" for n in range(500)]
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": arns}],
    }
    while iam_size(document) + 17 > size:
        arns.pop()
    arns.append("arn:aws:s3:::x")  # ,"arn:aws:s3:::x": 17 characters
    arns[-1] += "x" * (size - iam_size(document))
    assert iam_size(document) == size
    return document


def test_the_inline_policy_holds_10240_characters_and_not_one_more() -> None:
    assert managed_policies_needed(document_of_size(10_240)) == 0
    assert managed_policies_needed(document_of_size(10_241)) == 1
    whole = document_of_size(10_241)
    inline, managed = split_policy(whole, 1)
    assert iam_size(inline) <= 10_240 and iam_size(managed) <= 6_144
    assert inline["Statement"][0]["Resource"] + managed["Statement"][0]["Resource"] == whole["Statement"][0]["Resource"]


@pytest.mark.parametrize("count", [100, 200, 1000, 2000])
def test_many_buckets_split_exactly_within_the_limits(count: int) -> None:
    whole = policy_of(count)
    managed = managed_policies_needed(whole)
    # No split can use fewer than IAM's arithmetic allows; next fit loses less than one policy to overheads.
    fewest = max(0, math.ceil((iam_size(whole) - INLINE_LIMIT) / MANAGED_LIMIT))
    assert fewest <= managed <= fewest + 1
    parts = split_policy(whole, managed)
    assert len(parts) == 1 + managed
    grants = {(s["Sid"], tuple(s["Action"]), r) for s in whole["Statement"] for r in s["Resource"]}
    assert sorted(
        (s["Sid"], tuple(s["Action"]), r) for p in parts for s in p["Statement"] for r in s["Resource"]
    ) == sorted(grants)
    cases = assert_exact_split(whole, parts, tenants(count))
    print(
        f"{count} buckets: {iam_size(whole):,} characters, {managed} managed policies, "
        f"{[iam_size(p) for p in parts]}; {cases} moto cases"
    )


def test_a_thousand_realistic_names_fit_the_default_quota_and_two_thousand_do_not() -> None:
    assert iam_size(policy_of(100)) <= INLINE_LIMIT  # 100 buckets fit inline
    assert managed_policies_needed(policy_of(1000)) <= ATTACHED_POLICY_QUOTA
    assert managed_policies_needed(policy_of(2000)) > 20  # not even with the quota raised to its maximum


def test_spare_policies_are_never_empty_and_add_nothing() -> None:
    whole = policy_of(100)  # fits inline; asked for 3 managed policies (planned for longer names)
    parts = split_policy(whole, 3)
    assert len(parts) == 4
    assert_exact_split(whole, parts, tenants(100))
    single = render_policy(validate_args({"allowed_actions": ["s3:ListAllMyBuckets"]}), "aws")  # one grant
    assert split_policy(single, 2) == [single] * 3


def test_more_than_planned_is_an_error_naming_buckets() -> None:
    with pytest.raises(S3ProxyConfigError) as e:
        split_policy(policy_of(200), 0)
    assert e.value.field == "buckets"
    # The whole message: what was too large, the limits, why no more was planned, and the two ways out.
    assert str(e.value) == (
        "S3ProxyApi: invalid `buckets`: the role's policy has 13,687 characters (IAM counts them without "
        "whitespace): it needs the inline policy (at most 10,240) and 1 customer-managed policies (at most 6,144 "
        "each), more than the 0 planned at construction, when the list was one Output of unknown length: pass a "
        "list (its items may be Outputs) to have managed policies planned; name fewer buckets or cover them with "
        "`bucket_patterns` such as 'acme-tenant-*'"
    )


# --- under the mock runtime ----------------------------------------------------------------------------------------


class DependencyMonitor(MockMonitor):
    """The mock engine, also recording each resource's dependencies (depends_on and those of its inputs)."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.dependencies: dict[str, set[str]] = {}
        self.parents: dict[str, str] = {}

    def RegisterResource(self, request: Any) -> Any:
        self.dependencies[request.name] = {urn.split("::")[-1] for urn in request.dependencies}
        self.parents[request.name] = request.parent.split("::")[-1]
        return super().RegisterResource(request)


class PolicyMocks(RecordingMocks):
    """As AWS: a managed policy's ARN is `arn:aws:iam::<account>:policy/<name>`."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == POLICY:
            self.registrations.append(args)
            arn = f"arn:aws:iam::{ACCOUNT_ID}:policy/{args.name}"
            return arn, dict(args.inputs) | {"arn": arn, "name": args.name}
        return super().new_resource(args)


def deploy(args: dict[str, Any]) -> tuple[dict[str, Any], PolicyMocks, DependencyMonitor]:
    mocks = PolicyMocks("us-east-1")
    monitor = DependencyMonitor(mocks)

    def program() -> dict[str, Any]:
        api = S3ProxyApi("api", args)
        return {"policy": api.policy, "deployer_policy": api.deployer_policy}

    outputs, _ = run_with_mocks(
        program, mocks, project="test", stack="test", config={"aws:region": "us-east-1"}, monitor=monitor
    )
    return outputs, mocks, monitor


@pytest.mark.parametrize("as_outputs", [False, True], ids=["literal", "outputs"])
def test_a_thousand_buckets_register_managed_policies_attached_to_the_role(as_outputs: bool) -> None:
    names = tenants(1000)
    outputs, mocks, monitor = deploy(
        {
            "allowed_actions": ["s3:*"],
            "buckets": [later(n) for n in names] if as_outputs else names,
            "tags": {"team": "files"},
        }
    )
    registered = {r.name: r for r in mocks.registrations}
    policies = [f"api-policy-{i}" for i in range(1, ATTACHED_POLICY_QUOTA + 1)]
    assert sorted(n for n, r in registered.items() if r.typ == POLICY) == sorted(policies)
    assert sorted(n for n, r in registered.items() if r.typ == ATTACHMENT) == sorted(
        f"{p}-attachment" for p in policies
    )
    for i, policy in enumerate(policies, start=1):
        assert registered[policy].inputs["description"] == f"Part {i} of the permissions of the S3 proxy API api's role"
        assert registered[policy].inputs["tags"] == {"team": "files"}
        assert monitor.parents[policy] == monitor.parents[f"{policy}-attachment"] == "api"  # children of the API
        attachment = registered[f"{policy}-attachment"].inputs
        assert attachment == {"role": "api-role", "policyArn": f"arn:aws:iam::{ACCOUNT_ID}:policy/{policy}"}
        assert monitor.dependencies[f"{policy}-attachment"] >= {policy, "api-role"}
    # The API is deployed only once the role has all its permissions.
    assert monitor.dependencies["api-deployment"] >= {"api-policy", *(f"{p}-attachment" for p in policies)}
    parts = [json.loads(registered["api-policy"].inputs["policy"])]
    parts += [json.loads(registered[p].inputs["policy"]) for p in policies]
    assert_exact_split(json.loads(outputs["policy"]), parts, names)
    deployer = json.loads(outputs["deployer_policy"])
    assert "ManagedPolicies" in {s["Sid"] for s in deployer["Statement"]}


def test_fewer_buckets_register_no_managed_policy() -> None:
    outputs, mocks, _ = deploy({"allowed_actions": ["s3:*"], "buckets": tenants(100)})
    assert {r.typ for r in mocks.registrations}.isdisjoint({POLICY, ATTACHMENT})
    inline = next(r for r in mocks.registrations if r.name == "api-policy")
    assert inline.inputs["policy"] == outputs["policy"]
    assert "ManagedPolicies" not in {s["Sid"] for s in json.loads(outputs["deployer_policy"])["Statement"]}


def test_outputs_are_planned_at_their_longest_and_the_resolved_policy_fills_the_plan() -> None:
    # 100 Outputs of up to 63 characters may need more than the inline policy; these resolve to 16 characters.
    outputs, mocks, _ = deploy({"allowed_actions": ["s3:*"], "buckets": [later(n) for n in tenants(100)]})
    registered = {r.name: r for r in mocks.registrations}
    planned = sorted(n for n, r in registered.items() if r.typ == POLICY)
    assert planned  # (79 + 81 characters) x 100 > 10,240
    parts = [json.loads(registered[n].inputs["policy"]) for n in ["api-policy", *planned]]
    assert_exact_split(json.loads(outputs["policy"]), parts, tenants(100))


def test_a_literal_configuration_that_cannot_fit_fails_before_anything_is_registered() -> None:
    mocks = RecordingMocks("us-east-1")

    def program() -> dict[str, Any]:
        return {"url": S3ProxyApi("api", {"allowed_actions": ["s3:*"], "buckets": tenants(2000)}).url}

    with pytest.raises(S3ProxyConfigError) as e:
        run_with_mocks(program, mocks, project="test", stack="test", config={"aws:region": "us-east-1"})
    assert e.value.field == "buckets"
    assert str(e.value).endswith(
        "it needs the inline policy (at most 10,240) and 21 customer-managed policies (at most 6,144 each), more "
        "than the role's quota of 10 attached managed policies; name fewer buckets or cover them with "
        "`bucket_patterns` such as 'acme-tenant-*'"
    )
    assert mocks.registrations == []


def test_the_partition_counts_1000_names_fit_aws_but_not_aws_us_gov() -> None:
    # arn:aws-us-gov:s3::: is 7 characters longer than arn:aws:s3:::, for each of the 2,000 ARNs.
    assert managed_policies_needed(policy_of(1000, "aws-us-gov")) > ATTACHED_POLICY_QUOTA
    with pytest.raises(S3ProxyConfigError, match="invalid `buckets`"):
        S3ProxyApi("api", {"allowed_actions": ["s3:*"], "buckets": tenants(1000), "region": "us-gov-west-1"})


@pytest.mark.parametrize("one_output", [True, False], ids=["200-in-one-output", "2000-outputs"])
def test_outputs_that_resolve_too_large_fail_naming_buckets(one_output: bool) -> None:
    # One Output: its length is unknown at construction, so only the inline policy was planned, and 200 exceed it.
    buckets = later(tenants(200)) if one_output else [later(n) for n in tenants(2000)]
    # Raised inside the apply: the engine reports it as the failure of the resources that take the policy.
    with pytest.raises(Exception, match=r"invalid `buckets`: the role's policy has") as e:
        deploy({"allowed_actions": ["s3:*"], "buckets": buckets})
    assert ("one Output of unknown length" in str(e.value)) == one_output


# --- bucket name patterns ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "*",
        "ab*",
        "acme-*-logs",
        "acme-?",
        "Acme-*",
        "acme-tenant",
        "${aws:username}*",
        "-acme*",
        "a" * 63 + "*",
        "ac*me*",
    ],
)
def test_bad_bucket_patterns_are_errors(pattern: str) -> None:
    with pytest.raises(S3ProxyConfigError, match=r"invalid `bucket_patterns`: .* followed by one '\*'"):
        validate_args({"allowed_actions": ["s3:GetObject"], "bucket_patterns": [pattern]})


def test_bucket_patterns_do_not_combine_with_a_key_prefix() -> None:
    with pytest.raises(S3ProxyConfigError, match=r"invalid `bucket_patterns`: cannot be combined with `key_prefix`"):
        validate_args({"allowed_actions": ["s3:GetObject"], "bucket_patterns": ["acme-*"], "key_prefix": "uploads/"})


def test_bucket_patterns_render_as_arn_wildcards_beside_named_buckets() -> None:
    config = validate_args(
        {"allowed_actions": ["s3:*"], "buckets": ["alpha-bucket"], "bucket_patterns": ["acme-tenant-*"]}
    )
    statements = {s["Sid"]: s["Resource"] for s in render_policy(config, "aws")["Statement"]}
    assert statements["BucketActions"] == ["arn:aws:s3:::alpha-bucket", "arn:aws:s3:::acme-tenant-*"]
    assert statements["ObjectActions"] == ["arn:aws:s3:::alpha-bucket/*", "arn:aws:s3:::acme-tenant-*/*"]


def test_a_bucket_patterns_output_reaches_the_policy() -> None:
    outputs, _, _ = deploy({"allowed_actions": ["s3:GetObject"], "bucket_patterns": [later("acme-tenant-*")]})
    (statement,) = json.loads(outputs["policy"])["Statement"]
    assert statement["Resource"] == ["arn:aws:s3:::acme-tenant-*/*"]


# No '.' in these patterns: moto leaves it unescaped in its regular expression (any character), IAM does not.
PATTERN_SCOPES = [(["alpha-bucket"], ["gamma-*"]), (None, ["beta-b*"])]
PATTERN_PROBES = [
    "alpha-bucket",
    "gamma-bucket",
    "gamma-x.y",
    "gammax-bucket",
    "xgamma-bucket",
    "beta-bucket",
    "beta.bucket",
]


def test_policy_with_patterns_permits_exactly_what_the_routes_need() -> None:
    """The exhaustive proof of tests/test_policy.py for patterns: every subset of the supported actions."""
    cases = 0
    for size in range(1, len(SUPPORTED_ACTIONS) + 1):
        for allowed in combinations(SUPPORTED_ACTIONS, size):
            for buckets, patterns in PATTERN_SCOPES:
                args = {"allowed_actions": list(allowed), "buckets": buckets, "bucket_patterns": patterns}
                config = validate_args({k: v for k, v in args.items() if v is not None})
                policy = IAMPolicy(json.dumps(render_policy(config, "aws")))
                for bucket in PATTERN_PROBES:
                    # The name is one of the buckets or starts with a pattern's prefix (its `*` the only wildcard).
                    in_scope = bucket in (buckets or ()) or any(fnmatchcase(bucket, p) for p in patterns)
                    for arn, is_object in (
                        ("*", False),
                        (f"arn:aws:s3:::{bucket}", False),
                        (f"arn:aws:s3:::{bucket}/k/e.y", True),
                    ):
                        for action in [*SUPPORTED_ACTIONS, *FOREIGN_ACTIONS]:
                            result = policy.is_action_permitted(
                                action, arn, incoming_condition_values={"s3:prefix": ""}
                            )
                            if action == "s3:ListAllMyBuckets":
                                expected = action in allowed
                            elif arn == "*" or action not in allowed:
                                expected = False
                            elif action in (
                                "s3:ListBucket",
                                "s3:ListBucketVersions",
                                "s3:CreateBucket",
                                "s3:DeleteBucket",
                            ):
                                # A pattern's `*` spans `/`, so its bucket ARN matches object ARNs too: S3 authorizes
                                # bucket actions on bucket ARNs only, so that grants nothing (as `*` in test_policy).
                                expected = in_scope and (not is_object or any(fnmatchcase(bucket, p) for p in patterns))
                            else:
                                expected = in_scope and is_object
                            assert (result == PermissionResult.PERMITTED) == expected, (allowed, patterns, action, arn)
                            cases += 1
    print(f"policy evaluation with bucket patterns: {cases} (policy, action, request) cases")


def test_the_deployer_may_manage_and_attach_only_this_components_policies() -> None:
    config = validate_args({"allowed_actions": ["s3:GetObject"]})
    kwargs = {"name": "api", "partition": "aws", "region": "us-east-1", "account_id": ACCOUNT_ID}
    without = render_deployer_policy(config, **kwargs)
    assert not {"ManagedPolicies", "AttachManagedPolicies"} & {s["Sid"] for s in without["Statement"]}
    statements = render_deployer_policy(config, **kwargs, managed_policies=3)["Statement"]
    deployer = IAMPolicy(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    ours = f"arn:aws:iam::{ACCOUNT_ID}:policy/api-policy-1-0a1b2c3"
    theirs = f"arn:aws:iam::{ACCOUNT_ID}:policy/AdministratorAccess"
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/api-role-0a1b2c3"
    for action in (
        "iam:CreatePolicy",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicyVersion",
        "iam:DeletePolicy",
        # Read and update, as the AWS provider's aws_iam_policy does on refresh and on a changed document.
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:ListPolicyVersions",
        "iam:TagPolicy",
        "iam:UntagPolicy",
    ):
        assert deployer.is_action_permitted(action, ours) == PermissionResult.PERMITTED
        assert deployer.is_action_permitted(action, theirs) != PermissionResult.PERMITTED
    # Attaching: moto evaluates only StringEquals conditions, so the ArnLike one is read here with IAM's wildcard.
    for action in ("iam:AttachRolePolicy", "iam:DetachRolePolicy"):
        assert deployer.is_action_permitted(action, role) == PermissionResult.PERMITTED
        assert (
            deployer.is_action_permitted(action, role.replace("api-role", "other-role")) != PermissionResult.PERMITTED
        )
    (attach,) = [s for s in statements if s["Sid"] == "AttachManagedPolicies"]
    (allowed_policies,) = attach["Condition"]["ArnLike"].values()
    assert fnmatchcase(ours, allowed_policies) and not fnmatchcase(theirs, allowed_policies)


# --- the plan, for inputs the engine resolves later -----------------------------------------------------------------


class Unknown:
    """An input resolved later (an Output): what `is_output` tells apart from a literal."""


def plan(args: dict[str, Any]) -> int:
    def unknown(value: Any) -> bool:
        return isinstance(value, Unknown)

    return plan_managed_policies(validate_args(with_stand_ins(args, unknown)), args, unknown)


def needed_for(args: dict[str, Any]) -> int:
    """Managed policies the resolved `args` need, in us-east-1."""
    return managed_policies_needed(render_policy(validate_args(args), "aws", "us-east-1"))


# Distinct names of the longest valid length (63), a key prefix of the longest (512): the worst case.
LONG_NAMES = [f"t{n:0>62}" for n in range(150)]
LONG_PREFIX = "p" * 511 + "/"


def test_the_plan_holds_the_longest_values_unknown_names_and_prefix_can_take():
    base = {"allowed_actions": ["s3:*"], "region": "us-east-1"}
    names = LONG_NAMES[:40]  # under the quota of 10 even at their longest
    unknowns = base | {"buckets": ["literal-bucket", *(Unknown() for _ in names)], "key_prefix": Unknown()}
    worst = base | {"buckets": ["literal-bucket", *names], "key_prefix": LONG_PREFIX}
    assert plan(unknowns) == needed_for(worst) > needed_for(worst | {"key_prefix": "a/"}) > 0
    assert needed_for(worst) < ATTACHED_POLICY_QUOTA
    # A literal prefix is planned as it is, not at its longest.
    assert plan(unknowns | {"key_prefix": "a/"}) == needed_for(worst | {"key_prefix": "a/"})


def test_the_plan_holds_the_longest_patterns_unknown_patterns_can_take():
    base = {"allowed_actions": ["s3:GetObject"], "region": "us-east-1"}
    longest_patterns = [f"p{n:0>61}*" for n in range(len(LONG_NAMES))]  # 62 characters and the `*`
    assert (
        plan(base | {"bucket_patterns": [Unknown() for _ in LONG_NAMES]})
        >= needed_for(base | {"bucket_patterns": longest_patterns})
        > 0
    )


@pytest.mark.parametrize(
    "lists",
    [
        {"buckets": Unknown()},
        {"bucket_patterns": Unknown()},
        {"buckets": Unknown(), "bucket_patterns": ["acme-*"]},
        {"buckets": ["a-bucket"], "bucket_patterns": Unknown()},
    ],
    ids=["buckets", "patterns", "buckets-beside-patterns", "patterns-beside-buckets"],
)
def test_a_list_that_is_one_unknown_plans_the_inline_policy_alone(lists: dict[str, Any]) -> None:
    # Its length is unknown until it resolves: nothing to plan for (a resolved list too long is an error then).
    assert plan({"allowed_actions": ["s3:GetObject"], "region": "us-east-1"} | lists) == 0
