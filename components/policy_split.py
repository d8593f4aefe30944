"""Fit the execution role's policy within IAM's size limits: its inline policy plus customer-managed policies.

IAM counts a policy's characters without whitespace: a role's inline policies may hold 10,240 of them in all,
a customer-managed policy 6,144, and a role may have 10 managed policies attached (the default quota, which
can be raised to 20) (IAM User Guide, "IAM and AWS STS quotas",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).

A policy is a sequence of grants, one per (statement, resource), in document order. The split cuts that
sequence into contiguous runs by next fit (each run takes as many grants as fit its policy) and renders each
run as a document of the statements it touches, each with the statement's own Sid, actions and condition and
the run's resources: together the documents grant exactly what the whole policy grants, nothing more or less.

Next fit is optimal for cutting a sequence into contiguous runs (each of its runs ends no earlier than the
same run of any other cutting), and a run only shrinks when grants are left out or get shorter. So the number
of documents is monotone: a policy whose grants are a subsequence of another's, none longer, never needs more.
That lets the component decide at construction how many managed policies to create, from the longest values
its Outputs can resolve to, and render the real documents into them when the Outputs resolve. No Pulumi here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from .catalogue import partition_ids, partition_of, regions_of
from .config import ProxyConfig, S3ProxyConfigError
from .policy import render_policy

INLINE_LIMIT = 10_240  # all of a role's inline policies together
MANAGED_LIMIT = 6_144  # each customer-managed policy
ATTACHED_POLICY_QUOTA = 10  # managed policies attached to a role, IAM's default quota
LONGEST_BUCKET_NAME = 63  # S3's limit; a bucket pattern is no longer either
LONGEST_KEY_PREFIX = 512  # `key_prefix`'s limit (config.py)
SHORTEST_KEY_PREFIX = "a/"
PLANNING_ACCOUNT = "0" * 12  # an account id is always 12 digits: the planned size is the real one

Grant = tuple[int, str]  # (index of the statement, one of its resources)


def iam_size(document: Mapping[str, Any] | str) -> int:
    """The size IAM checks against its limits: the policy's characters, whitespace not counted."""
    text = document if isinstance(document, str) else json.dumps(document, separators=(",", ":"))
    return sum(not character.isspace() for character in text)


def limit_of(position: int) -> int:
    """The limit of the `position`-th document of a split: the inline policy first, then managed ones."""
    return INLINE_LIMIT if position == 0 else MANAGED_LIMIT


def managed_policies_needed(document: Mapping[str, Any]) -> int:
    """How many managed policies `document` needs besides the inline policy (0 when it fits inline)."""
    return len(_runs(document)) - 1


def split_policy(document: Mapping[str, Any], managed: int) -> list[dict[str, Any]]:
    """`document` as exactly `1 + managed` documents, the inline policy's first, each within its limit.

    When fewer would do, a grant of the largest run is moved to a run of its own (IAM refuses an empty policy),
    or, with one grant per run, the last run is repeated (a grant given twice grants nothing more). Raises
    `S3ProxyConfigError` naming `buckets` when more managed policies would be needed."""
    runs = _runs(document)
    if len(runs) > 1 + managed:
        raise S3ProxyConfigError("buckets", _too_large(document, len(runs) - 1, managed))
    while len(runs) < 1 + managed:
        largest = max(range(len(runs)), key=lambda position: len(runs[position]))
        if len(runs[largest]) > 1:
            runs.insert(largest + 1, [runs[largest].pop()])  # one grant fits any policy
        else:
            runs.append(list(runs[-1]))
    return [_render(document, run) for run in runs]


def plan_managed_policies(shape: ProxyConfig, args: Mapping[str, Any], is_output: Callable[[Any], bool]) -> int:
    """How many managed policies to create besides the inline one, decided at construction from `shape` (the
    configuration with stand-ins for Outputs) and `args` (the inputs as given, telling which are Outputs).

    Enough for the longest values the Outputs can resolve to (names of 63 characters, a key prefix of 512, the
    longest partition when the region is the provider's), capped at the role's quota: `split_policy` then fits
    the resolved policy into them, or fails naming `buckets`. With `buckets` or `bucket_patterns` one whole
    Output, how many there will be is unknown: the inline policy alone. Raises `S3ProxyConfigError` naming
    `buckets` when the literal values alone, in the shortest partition, cannot fit."""
    buckets, patterns = (_items(args.get(field), is_output) for field in ("buckets", "bucket_patterns"))
    prefix_is_output = is_output(args.get("key_prefix"))
    partitions = (partition_of(shape.region),) if shape.region else partition_ids()

    def bounded(names: Callable[[tuple[str | None, ...]], tuple[str, ...]], key_prefix: str) -> ProxyConfig:
        return replace(
            shape,
            buckets=None if shape.buckets is None else names(buckets or ()),
            bucket_patterns=None if shape.bucket_patterns is None else names(patterns or ()),
            key_prefix=key_prefix if prefix_is_output else shape.key_prefix,
        )

    def literal(items: tuple[str | None, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(item for item in items if item))  # an Output may repeat a literal name

    def longest(items: tuple[str | None, ...]) -> tuple[str, ...]:
        # In the order given and not deduplicated: the resolved names are a subsequence of these, none longer.
        return tuple(item or f"{n:0>{LONGEST_BUCKET_NAME}}" for n, item in enumerate(items))

    def region_in(partition: str, pick: Callable[..., str]) -> str:
        # KMS grants name the region (kms:ViaService): the provider's may be any of the partition's.
        return shape.region or pick(regions_of(partition), key=len)

    shortest = min(partitions, key=len)
    document = render_policy(
        bounded(literal, SHORTEST_KEY_PREFIX), shortest, region_in(shortest, min), PLANNING_ACCOUNT
    )
    needed = managed_policies_needed(document)
    if needed > ATTACHED_POLICY_QUOTA:
        raise S3ProxyConfigError("buckets", _too_large(document, needed, ATTACHED_POLICY_QUOTA))
    if (shape.buckets is not None and buckets is None) or (shape.bucket_patterns is not None and patterns is None):
        return 0
    longest_prefix = "a" * (LONGEST_KEY_PREFIX - 1) + "/"
    largest = bounded(longest, longest_prefix)
    return min(
        ATTACHED_POLICY_QUOTA,
        max(
            managed_policies_needed(render_policy(largest, partition, region_in(partition, max), PLANNING_ACCOUNT))
            for partition in partitions
        ),
    )


def _items(value: Any, is_output: Callable[[Any], bool]) -> tuple[str | None, ...] | None:
    """A list input's items as given, None for each Output among them; None when the list is one Output."""
    if is_output(value):
        return None
    return tuple(None if is_output(item) else item for item in value or ())


def _runs(document: Mapping[str, Any]) -> list[list[Grant]]:
    """The grants of `document` cut by next fit into runs, each within the limit of its position."""
    statements = document["Statement"]
    empty = iam_size({**document, "Statement": []})
    runs: list[list[Grant]] = []
    size = 0
    for index, statement in enumerate(statements):
        alone = iam_size({**statement, "Resource": []})  # the statement with an empty Resource list
        for resource in statement["Resource"]:
            grant = (index, resource)
            same_statement = bool(runs) and runs[-1][-1][0] == index
            # One more resource in the run's last statement: `,"arn"`; else a new statement: `,{...["arn"]}`.
            cost = iam_size(json.dumps(resource)) + (1 if same_statement else alone + 1)
            if runs and size + cost <= limit_of(len(runs) - 1):
                runs[-1].append(grant)
                size += cost
            else:
                runs.append([grant])
                size = empty + alone + iam_size(json.dumps(resource))
    return runs


def _render(document: Mapping[str, Any], run: list[Grant]) -> dict[str, Any]:
    resources: dict[int, list[str]] = {}
    for index, resource in run:
        resources.setdefault(index, []).append(resource)
    statements = document["Statement"]
    return {**document, "Statement": [{**statements[index], "Resource": r} for index, r in resources.items()]}


def _too_large(document: Mapping[str, Any], needed: int, managed: int) -> str:
    why = (
        f"the role's quota of {ATTACHED_POLICY_QUOTA} attached managed policies"
        if managed == ATTACHED_POLICY_QUOTA
        else f"the {managed} planned at construction, when the list was one Output of unknown length: "
        "pass a list (its items may be Outputs) to have managed policies planned"
    )
    return (
        f"the role's policy has {iam_size(document):,} characters (IAM counts them without whitespace): it needs "
        f"the inline policy (at most {INLINE_LIMIT:,}) and {needed} customer-managed policies (at most "
        f"{MANAGED_LIMIT:,} each), more than {why}; name fewer buckets or cover them with `bucket_patterns` "
        "such as 'acme-tenant-*'"
    )
