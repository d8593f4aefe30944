"""The engine: what `pulumi up` / `preview` / `destroy` do with the resources a program registers.

The program runs unchanged under the Pulumi SDK's mock runtime (`tooling.program`); every resource it
registers comes here. `Planner` (no call at all) and `Provisioning` (LocalStack) share the decision:
compared with the stack's recorded state (`tooling.state`) on the provider's terms (see
`Provisioner.changed`), a resource is left alone, updated in place, replaced (the new one first, the old
one deleted once nothing uses it; ForceNew), or created; what the program no longer registers is
deleted afterwards. `Provisioning` answers with LocalStack's real ids and outputs, so the program's
outputs (its `url` included) are usable.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pulumi
from botocore.config import Config
from botocore.exceptions import ClientError
from pulumi.runtime.mocks import MockMonitor

from .localstack import aws_session
from .placeholders import ACCOUNT_ID, PreviewMocks
from .program import ROOT, provider_id, read_yaml
from .provisioners import REGISTRY
from .provisioners.base import NOT_FOUND, Provisioner, as_json, forgotten
from .report import acting_on
from .state import PendingCreate, Properties, Resource, StackState, deletion_order


class UnsupportedResourceError(RuntimeError):
    """The program registers resource types LocalStack cannot hold."""


class Registrations(MockMonitor):
    """The mock monitor, also telling the engine each registration's URN and dependencies (which
    `MockResourceArgs` lacks): the state is keyed by URN, and deletions follow dependencies."""

    def __init__(self, engine: pulumi.runtime.Mocks) -> None:
        super().__init__(engine)
        self.current = threading.local()  # registrations run on several threads at once

    def RegisterResource(self, request: Any) -> Any:
        self.current.urn = self.make_urn(request.parent, request.type, request.name)
        self.current.dependencies = sorted(set(request.dependencies))
        return super().RegisterResource(request)


@dataclass
class Step:
    """One decision about one resource: `+` create, `~` update, `+-` replace, `-` delete, ` ` same."""

    op: str
    type: str
    name: str
    changed: tuple[str, ...] = ()
    old: Properties | None = None
    new: Properties | None = None


def decide(provisioner: Provisioner, entry: Resource | None, typ: str, name: str, inputs: Properties) -> Step:
    """What the engine does with a registered resource, given its recorded entry (if any)."""
    if entry is None:
        return Step("+", typ, name, new=inputs)
    changed = provisioner.changed(entry, inputs)
    if not changed:
        return Step(" ", typ, name)
    op = "+-" if provisioner.replaces(changed) else "~"
    # "*": the recorded inputs are unknown (an update was interrupted), so everything is applied.
    old = (entry.inputs or {}) | entry.outputs
    return Step(op, typ, name, tuple(sorted(changed)), old, inputs)


class Engine(pulumi.runtime.Mocks):
    """What planning and provisioning share: providers' regions, lookups, URNs, the decision per resource."""

    def __init__(self, state: StackState | None, region: str, root: Path, unavailable: frozenset[str]) -> None:
        self.state = state
        self.root = root
        self.region = region
        self.unavailable = unavailable  # services LocalStack does not run
        self.monitor = Registrations(self)
        self.provider_regions: dict[str, str] = {}  # explicit provider id -> region
        self.steps: list[Step] = []
        self.unsupported: list[tuple[str, str]] = []  # (type, name)
        self.seen: set[str] = set()  # URNs registered in this run
        self.lock = threading.Lock()

    def region_of(self, args: pulumi.runtime.MockResourceArgs | pulumi.runtime.MockCallArgs) -> str:
        inputs = getattr(args, "inputs", None) or {}
        return inputs.get("region") or self.provider_regions.get(provider_id(args.provider), self.region)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        region = self.region_of(args)
        if args.token == "aws:index/getRegion:getRegion":
            return {"region": region, "name": region, "id": region}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            account = self.account(region)
            return {"accountId": account, "arn": f"arn:aws:iam::{account}:root", "userId": account, "id": account}
        raise UnsupportedResourceError(f"the LocalStack tooling cannot answer function {args.token}")

    def account(self, region: str) -> str:
        return (self.state.account if self.state else None) or ACCOUNT_ID

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":  # read, not registered: `custom` is unset
            return args.name, {"name": args.name, "outputs": self.referenced_outputs(args.name)}
        if not args.custom:  # a component: nothing to provision
            return f"{args.name}-component", dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            self.provider_regions[f"provider-{args.name}"] = args.inputs.get("region", self.region)
            return f"provider-{args.name}", dict(args.inputs)
        urn, dependencies = self.monitor.current.urn, self.monitor.current.dependencies
        provisioner = REGISTRY.get(args.typ)
        if provisioner is None or provisioner.service in self.unavailable:
            with self.lock:
                self.unsupported.append((args.typ, args.name))
            return self.unprovisioned(args)
        with self.lock:
            self.seen.add(urn)
        entry = self.state.current(urn) if self.state else None
        step = decide(provisioner, entry, args.typ, args.name, dict(args.inputs))
        with self.lock:
            self.steps.append(step)
        with acting_on(f"{args.typ} {args.name}"):
            return self.apply(step, provisioner, entry, args, urn, dependencies)

    def referenced_outputs(self, reference: str) -> dict[str, Any]:
        """A StackReference `<organization>/<project>/<stack>`, read as a local backend would: the
        outputs recorded by `up` of that project's stack, in this project's directory or beside it."""
        project, stack = reference.split("/")[-2:]
        root = self.root
        for candidate in [root, *sorted(root.parent.iterdir())]:
            manifest = candidate / "Pulumi.yaml"
            if manifest.is_file() and read_yaml(manifest).get("name") == project:
                recorded = StackState.load(record_path(stack, candidate))
                if recorded is not None and recorded.outputs:
                    return recorded.outputs
        raise UnsupportedResourceError(
            f"StackReference {reference!r}: no `up` of stack {stack!r} of project {project!r} is recorded "
            f"in {root} or beside it; deploy that stack first"
        )

    def unprovisioned(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return f"skipped-{hashlib.sha256(args.name.encode()).hexdigest()[:10]}", dict(args.inputs)

    def apply(
        self,
        step: Step,
        provisioner: Provisioner,
        entry: Resource | None,
        args: pulumi.runtime.MockResourceArgs,
        urn: str,
        dependencies: list[str],
    ) -> tuple[str | None, dict[str, Any]]:
        raise NotImplementedError

    def deletions(self) -> list[Step]:
        """What the program no longer registers, once the run is complete."""
        if self.state is None:
            return []
        return [Step("-", e.type, e.name) for e in self.state.resources if e.urn not in self.seen and not e.replaced]


def record_path(stack: str, root: Path = ROOT) -> Path:
    return root / ".local" / stack / "deployment.json"


class Planner(Engine, PreviewMocks):
    """The decisions against the recorded state, without a call: recorded ids and outputs for what
    stays, AWS-shaped placeholders for what would be created."""

    def __init__(self, state: StackState | None, region: str, root: Path) -> None:
        Engine.__init__(self, state, region, root, frozenset())
        PreviewMocks.__init__(self, region)

    def unprovisioned(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return PreviewMocks.new_resource(self, args)

    def apply(self, step, provisioner, entry, args, urn, dependencies):  # type: ignore[no-untyped-def]
        if entry is not None and step.op in (" ", "~"):
            prior = (entry.inputs or {}) | entry.outputs
            return entry.id, prior | provisioner.planned(prior, dict(args.inputs))
        return PreviewMocks.new_resource(self, args)


class Provisioning(Engine):
    """Make, change and delete in LocalStack what each registered resource's decision requires."""

    def __init__(
        self,
        state: StackState,
        root: Path,
        unavailable: frozenset[str] = frozenset(),
        skip_unsupported: bool = False,
        log: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(state, state.region, root, unavailable)
        self.state: StackState = state
        self.skip_unsupported = skip_unsupported
        self.log = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self.sessions: dict[str, boto3.Session] = {}
        self.clients: dict[tuple[str, str], Any] = {}
        self.vanished: dict[str, Properties] = {}  # URN -> identity of what LocalStack forgot

    @property
    def endpoint(self) -> str:
        return self.state.endpoint

    def client(self, service: str, region: str | None = None) -> Any:
        """One boto3 client per service and region (creating one costs tens of milliseconds)."""
        region = region or self.region
        with self.lock:
            if region not in self.sessions:
                self.sessions[region] = aws_session(region)  # a shared session loads each model once
            if (service, region) not in self.clients:
                self.clients[service, region] = self.sessions[region].client(
                    service, endpoint_url=self.endpoint, config=Config(retries={"mode": "standard"})
                )
            return self.clients[service, region]

    def account(self, region: str) -> str:
        with self.state.lock:
            if self.state.account is None:
                self.state.account = self.client("sts", region).get_caller_identity()["Account"]
                self.state.save()
            return self.state.account

    def unprovisioned(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not self.skip_unsupported:  # the plan refused it before anything was created
            raise UnsupportedResourceError(f"cannot provision resource type {args.typ!r} (resource {args.name!r})")
        self.log(f"  skipped {args.typ} {args.name}: LocalStack cannot hold it")
        return super().unprovisioned(args)

    def apply(self, step, provisioner, entry, args, urn, dependencies):  # type: ignore[no-untyped-def]
        region, inputs = self.region_of(args), dict(args.inputs)
        recorded = as_json(inputs)
        if entry is not None and step.op == " ":
            self.state.change(entry, dependencies=dependencies)
            prior = (entry.inputs or {}) | entry.outputs
            return entry.id, prior | provisioner.planned(prior, inputs)
        if entry is not None and step.op == "~":
            prior = (entry.inputs or {}) | entry.outputs
            planned = provisioner.planned(prior, inputs)
            self.state.change(entry, inputs=None)  # a kill during the update: the next run applies it all again
            outputs = provisioner.update(self, region, entry, prior, planned)  # type: ignore[misc]
            outputs = entry.outputs | (outputs or {})
            self.state.change(entry, inputs=recorded, outputs=as_json(outputs), dependencies=dependencies)
            self.log(f"  ~ {args.typ} {args.name} ({entry.id}): {', '.join(step.changed)}")
            return entry.id, planned | outputs
        keys = self.vanished.pop(urn, None) if entry is None else None
        keys = keys or provisioner.identity(args.name, inputs)
        if entry is not None:  # a replacement: the new one first, the old one deleted at the end
            if keys.get("id") is not None and keys == entry.keys:  # the same physical name: delete first
                self.delete(entry)
            else:
                self.state.change(entry, replaced=True)
        operation = PendingCreate(urn=urn, type=args.typ, region=region, keys=keys)
        self.state.intend(operation)
        try:
            resource_id, outputs = provisioner.create(self, region, provisioner.planned({}, inputs), keys)
        except BaseException:
            self.sweep(operation)  # whatever the failed create left
            raise
        created = Resource(
            urn=urn,
            type=args.typ,
            name=args.name,
            id=resource_id,
            region=region,
            keys=keys,
            inputs=recorded,
            outputs=as_json(outputs),
            dependencies=dependencies,
        )
        self.state.settle(operation, created)
        self.log(f"  {step.op} {args.typ} {args.name} ({resource_id})")
        return resource_id, inputs | outputs

    # --- deleting ---

    def delete(self, entry: Resource) -> None:
        """Delete a recorded resource (already gone is not an error) and forget it."""
        with acting_on(f"deleting {entry.type} {entry.name} ({entry.id})"):
            gone = self.delete_quietly(REGISTRY[entry.type], entry.region, entry)
        self.log(f"  - {'already gone: ' if gone else ''}{entry.type} {entry.name} ({entry.id})")
        self.state.forget(entry)

    def delete_quietly(self, provisioner: Provisioner, region: str, entry: Resource) -> bool:
        """True when it was already gone."""
        try:
            provisioner.delete(self, region, entry)
        except ClientError as error:
            if error.response["Error"]["Code"] not in NOT_FOUND:
                raise
            return True
        return False

    def sweep(self, operation: PendingCreate) -> None:
        """Delete what an interrupted create may have made, found by the identity chosen before it."""
        provisioner, keys, region = REGISTRY[operation.type], operation.keys, operation.region
        known = {e.id for e in self.state.resources}
        found = provisioner.find(self, region, keys, known) if provisioner.find else [keys["id"]]
        for resource_id in found:
            gone = self.delete_quietly(provisioner, region, forgotten(keys | {"id": resource_id}))
            if not gone:
                self.log(f"  - left by an interrupted create: {operation.type} {resource_id}")
        self.state.settle(operation, None)

    def refresh(self) -> list[Resource]:
        """Forget the recorded resources LocalStack no longer holds (it keeps nothing across a
        restart), so this run creates them again; returns them."""
        entries = list(self.state.resources)
        with ThreadPoolExecutor(8) as pool:
            held = list(pool.map(lambda e: REGISTRY[e.type].exists(self, e.region, e), entries))
        vanished = [entry for entry, exists in zip(entries, held, strict=True) if not exists]
        for entry in vanished:
            self.log(f"  gone from LocalStack (it will be created again): {entry.type} {entry.name}")
            self.state.forget(entry)
            self.vanished[entry.urn] = entry.keys  # made again under the same names and ids
        return vanished

    def recover(self) -> None:
        """Finish what an interrupted run left: every pending create is found and deleted."""
        for operation in list(self.state.pending):
            self.sweep(operation)

    def delete_unregistered(self) -> None:
        """After a complete run: replaced resources and those the program no longer registers,
        each after everything that depends on it."""
        stale = [e for e in self.state.resources if e.replaced or e.urn not in self.seen]
        for entry in deletion_order(stale):
            self.delete(entry)

    def destroy(self) -> None:
        self.recover()
        for entry in deletion_order(self.state.resources):
            self.delete(entry)


WORDS = {"+": "create", "~": "update", "+-": "replace", "-": "delete", " ": "same"}


def shown(value: Any) -> str:
    """A value as the diff shows it: long text by size and digest."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if len(text) <= 80:
        return text
    return f"<{len(text)} bytes, sha256 {hashlib.sha256(text.encode()).hexdigest()[:12]}>"


def plan_lines(steps: list[Step]) -> list[str]:
    """`pulumi preview --diff`'s view: one line per resource, the changed inputs under it."""
    lines = [f"     {'Type':<50} {'Name':<36} Plan"]
    for step in steps:
        info = f"  [diff: {' '.join('~' + key for key in step.changed)}]" if step.changed else ""
        lines.append(f" {step.op:<3} {step.type:<50} {step.name:<36} {WORDS[step.op]}{info}")
        for key in step.changed:
            if key == "*":
                lines.append("       (an interrupted update: every input is applied again)")
                continue
            old, new = (step.old or {}).get(key), (step.new or {}).get(key)
            lines.append(f"       {'~' if step.op == '~' else '+-'} {key}: {shown(old)} => {shown(new)}")
    counts = {op: sum(1 for step in steps if step.op == op) for op in WORDS}
    summary = [f"{op} {counts[op]} to {WORDS[op]}" for op in ("+", "~", "+-", "-") if counts[op]]
    lines.append(f"\nResources:\n    {', '.join(summary) or 'no changes'}; {counts[' ']} unchanged")
    return lines
