"""What every provisioner is made of, and the provider's rules for deciding no-op, update or replace.

A `Provisioner` makes, reads, changes and deletes one Pulumi resource type with the AWS calls the
provider makes for it. Properties are Pulumi's (camelCase); numbers arrive from the engine as floats
(`9.0`), so each API is sent the type it expects.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError

from ..state import Properties, Resource

# What "already gone" looks like in each service, for deletes that may repeat after a kill.
NOT_FOUND = frozenset(
    {
        "NotFoundException",
        "NoSuchEntity",
        "NoSuchBucket",
        "ResourceNotFoundException",
        "NoSuchEntityException",
        "404",
        "ResourceNotFound",  # CloudWatch's dashboards
    }
)


class Context(Protocol):
    @property
    def endpoint(self) -> str: ...

    def client(self, service: str, region: str) -> Any: ...

    def account(self, region: str) -> str: ...


Identity = Callable[[str, Properties], Properties]
Create = Callable[[Context, str, Properties, Properties], tuple[str, Properties]]
Update = Callable[[Context, str, Resource, Properties, Properties], Properties | None]
Delete = Callable[[Context, str, Resource], Any]
Exists = Callable[[Context, str, Resource], Any]
Find = Callable[[Context, str, Properties, set[str]], list[str]]


@dataclass(frozen=True, kw_only=True)
class Provisioner:
    """One resource type:
    - `identity(name, inputs)`: what the resource will be, chosen *before* it is created (a physical
      name as Pulumi auto-names it; an id LocalStack lets us choose; or a token tag), so a create
      interrupted by a kill can be found afterwards;
    - `create(ctx, region, inputs, keys)` -> (id, outputs as the provider's Read returns them);
    - `update(ctx, region, resource, olds, news)` -> the outputs after the change (None: unchanged),
      absent when every change replaces the resource;
    - `delete(ctx, region, resource)`; `exists(...)`: false (or NotFound) when LocalStack no longer
      holds it; `find(ctx, region, keys, known)`: the ids an interrupted create may have left;
    - `force_new`: the properties whose change replaces it (the provider's ForceNew);
    - `computed`: the Optional+Computed properties: left unset, the prior value stays;
    - `policies`: JSON policy properties, compared as documents (the provider suppresses the diff of
      an equivalent policy);
    - `read`: the input properties the provider's Read sets from AWS, compared even when the program
      leaves them out (a value AWS holds and the configuration does not is a change);
    - `suppressed`: the provider's DiffSuppressFuncs: (recorded, new) -> no change despite the difference;
    - `defaults`: the schema's Defaults: an unset property is planned (and created) with its default, a
      block's defaults are its fields' own; a Read value equal to the default is no change.
    """

    service: str
    identity: Identity
    create: Create
    delete: Delete
    exists: Exists
    update: Update | None = None
    find: Find | None = None
    force_new: frozenset[str] = frozenset()
    computed: frozenset[str] = frozenset()
    policies: frozenset[str] = frozenset()
    read: frozenset[str] = frozenset()
    suppressed: Mapping[str, Callable[[Any, Any], bool]] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def planned(self, prior: Properties, news: Properties) -> Properties:
        """The inputs as the provider plans them: an unset property with a Default has it; an Optional+Computed
        one left unset keeps its prior value (`region` is one on every resource of pulumi-aws 7); a policy
        equivalent to the prior one, or a suppressed difference, keeps the prior value too (no change to apply).
        With no prior state, the inputs a create is given."""
        planned = with_defaults(news, self.defaults)
        for key in self.policies | set(self.suppressed):
            if key in prior and self.same(key, prior[key], planned.get(key)):
                planned[key] = prior[key]
        for key in self.computed | {"region"}:
            if key not in prior:
                continue
            if unset(planned.get(key)):
                planned[key] = prior[key]
            elif isinstance(planned[key], dict) and isinstance(prior[key], dict):
                # A block's own Optional+Computed fields left unset keep theirs too.
                planned[key] = prior[key] | {field: v for field, v in planned[key].items() if not unset(v)}
        return planned

    def changed(self, recorded: Resource, news: Properties) -> set[str]:
        """The properties whose new input differs from what the state records (the outputs of the
        provider's Read where it returns one, else the input as applied); `{"*"}` when the recorded
        inputs are unknown (an interrupted update: everything is applied again)."""
        if recorded.inputs is None:
            return {"*"}
        prior = prior_state(recorded)
        planned = self.planned(prior, news)
        keys = set(planned) | set(recorded.inputs) | (self.read & set(recorded.outputs))
        return {key for key in keys if not self.same(key, prior.get(key), planned.get(key))}

    def same(self, key: str, old: Any, new: Any) -> bool:
        if key in self.defaults:
            old, new = (self.defaults[key] if unset(value) else value for value in (old, new))
        if key in self.suppressed and self.suppressed[key](old, new):
            return True
        if key in self.policies and isinstance(old, str) and isinstance(new, str) and old and new:
            return equivalent_policies(old, new)
        return comparable(old) == comparable(new)

    def replaces(self, changed: set[str]) -> bool:
        return self.update is None or bool(changed & self.force_new)


def with_defaults(values: Properties, defaults: Mapping[str, Any]) -> Properties:
    """`values` with every unset property that has a default given it (a block's fields within a given block)."""
    filled = dict(values)
    for key, default in defaults.items():
        if isinstance(default, Mapping):
            if isinstance(filled.get(key), dict):
                filled[key] = with_defaults(filled[key], default)
        elif unset(filled.get(key)):
            filled[key] = default
    return filled


def prior_state(recorded: Resource) -> Properties:
    """The state the provider compares a new plan with: the inputs as applied, overlaid by Read's outputs."""
    return (recorded.inputs or {}) | recorded.outputs


def unset(value: Any) -> bool:
    return value is None


def comparable(value: Any) -> Any:
    """A value as the diff compares it: JSON, with an empty string, list or map equal to none."""
    value = as_json(value)
    return None if value in ("", [], {}) else value


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def equivalent_policies(first: str, second: str) -> bool:
    """IAM policy documents equal as JSON (the provider's awspolicyequivalence also equates a single
    string with a one-element list; the documents this project renders never differ that way)."""
    try:
        return bool(json.loads(first) == json.loads(second))
    except ValueError:
        return first == second


def differs(old: Properties, new: Properties, *keys: str) -> bool:
    """d.HasChange of any of `keys`: an empty string, list or map is no value, as the SDK reads them."""
    return any(comparable(old.get(key)) != comparable(new.get(key)) for key in keys)


# What Go's json.Marshal escapes beyond what `json.dumps` does.
GO_ESCAPES = {ord(c): f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"}


def normalize_json(document: str) -> str:
    """structure.NormalizeJsonString: the document as Go's json.Marshal writes it back: keys sorted, no spaces,
    `<`, `>`, `&`, U+2028 and U+2029 escaped, whole numbers without a fraction (Go decodes every number as a
    float64 and writes 1.0 as `1`)."""

    def go(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
            return int(value)
        if isinstance(value, dict):
            return {key: go(item) for key, item in value.items()}
        return [go(item) for item in value] if isinstance(value, list) else value

    text = json.dumps(go(json.loads(document)), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.translate(GO_ESCAPES)


def policy_to_set(configured: str | None, held_document: str, normalize: Callable[[str], str] = normalize_json) -> str:
    """verify.PolicyToSet (LegacyPolicyToSet with another `normalize`): what Read records of the document AWS
    holds: the configured one where equivalent (SecondJSONUnlessEquivalent), normalised."""
    if not held_document.strip():
        return ""
    if configured and configured.strip() != "{}" and equivalent_policies(configured, held_document):
        return normalize(configured)
    return normalize(held_document)


def auto_name(name: str, inputs: Properties, explicit: str = "name", prefix: str = "namePrefix") -> str:
    """The physical name Pulumi gives: the explicit one, or `<prefix or name-><7 random hex>`."""
    if inputs.get(explicit):
        return str(inputs[explicit])
    if inputs.get(prefix):
        return f"{inputs[prefix]}{secrets.token_hex(4)[:7]}"
    return f"{name}-{secrets.token_hex(4)[:7]}"


def token(name: str, inputs: Properties) -> str:
    return secrets.token_hex(8)


def logical(name: str, inputs: Properties) -> str:
    return name


def field_of(key: str, default: Any = None) -> Callable[[str, Properties], Any]:
    return lambda name, inputs: inputs.get(key) or default


def keys_of(**fields: Callable[[str, Properties], Any]) -> Identity:
    return lambda name, inputs: {key: make(name, inputs) for key, make in fields.items()}


def retag(
    old: Properties, new: Properties, add: Callable[[dict[str, str]], Any], remove: Callable[[list[str]], Any]
) -> None:
    """Apply a change of the `tags` input: tags no longer wanted removed, new or changed ones set."""
    before, after = old.get("tags") or {}, new.get("tags") or {}
    if gone := [key for key in before if key not in after]:
        remove(gone)
    if changed := {key: value for key, value in after.items() if before.get(key) != value}:
        add(changed)


def rfc3339(when: datetime) -> str:
    """An AWS timestamp as the provider's Read records it (Go's `time.RFC3339`, in UTC)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def given(**values: Any) -> Properties:
    """Only the arguments that have a value: several APIs refuse an empty string."""
    return {key: value for key, value in values.items() if value not in (None, "")}


def tag_list(tags: dict[str, str] | None, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in (tags or {}).items()]


def replace(path: str, value: Any) -> dict[str, str]:
    return {"op": "replace", "path": path, "value": patch_value(value)}


def patch(path: str, value: Any) -> Properties:
    return {"patchOperations": [replace(path, value)]}


def patch_value(value: Any) -> str:
    """API Gateway's patch values are strings: booleans lower case, whole numbers without `.0`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def call_with_keys(service: str, method: str, **arguments: str) -> Callable[[Context, str, Resource], Any]:
    """A call of `method` with the resource's keys (`arguments`: API parameter -> key; `id` is its id)."""

    def call(ctx: Context, region: str, entry: Resource) -> Any:
        values = entry.keys | {"id": entry.id}
        return getattr(ctx.client(service, region), method)(**{p: values[k] for p, k in arguments.items()})

    return call


def held(check: Exists) -> Callable[[Context, str, Resource], bool]:
    """`check` as a yes/no: a NotFound answer means LocalStack no longer holds the resource."""

    def exists(ctx: Context, region: str, entry: Resource) -> bool:
        try:
            return check(ctx, region, entry) is not False
        except ClientError as error:
            if error.response["Error"]["Code"] in NOT_FOUND:
                return False
            raise

    return exists


def forgotten(keys: Properties) -> Resource:
    """A stand-in record for what an interrupted create made: its identity, nothing applied."""
    return Resource(urn="", type="", name="", id=keys.get("id", ""), region="", keys=keys, inputs={}, outputs={})
