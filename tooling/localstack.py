"""Deploy the unchanged program into LocalStack the way the Pulumi engine would, without its CLI.

`LocalStackMocks` is a `pulumi.runtime.Mocks` that compares every resource the program registers
with the stack's recorded state (`tooling.state`) and then, like the engine: leaves it alone when its
inputs are unchanged (same id, same URL), updates it in place where AWS can, replaces it (new one
first, old one deleted once nothing uses it) where the provider must, and creates what is new; what
the program no longer registers is deleted afterwards. The answers are the real ids and attributes,
so the program's outputs (its `url` included) are LocalStack's usable values.

`PlanMocks` makes no call: it computes the same decisions against the recorded state, for
`make preview` and for refusing, before anything is created, the types LocalStack cannot hold.

LocalStack 2026.3.0 divergences from AWS are worked around in `tooling.resources`, never in the product.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pulumi
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError
from pulumi.runtime.mocks import MockMonitor

from .preview import ACCOUNT_ID, PreviewMocks
from .program import provider_id
from .report import acting_on
from .resources import EXISTS, KINDS, NOT_FOUND, TOP_LEVEL_MEDIA_TYPES, Entry, Kind, as_json, changed_inputs
from .state import StackState, deletion_order

__all__ = ["TOP_LEVEL_MEDIA_TYPES", "LocalStackMocks", "PlanMocks", "UnsupportedResourceError", "default_endpoint"]


def default_endpoint() -> str:
    return os.environ.get("LOCALSTACK_ENDPOINT") or f"http://localhost:{os.environ.get('LOCALSTACK_PORT', '4566')}"


def aws_session(region: str) -> boto3.Session:
    """The usual boto3 credential chain; LocalStack's test keys when it finds nothing."""
    session = boto3.Session(region_name=region)
    if session.get_credentials() is None:
        session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=region)
    return session


class UnsupportedResourceError(RuntimeError):
    """The program registers resource types LocalStack cannot hold."""


class Registrations(MockMonitor):
    """The mock monitor, also telling the mocks each registration's URN and dependencies (which
    `MockResourceArgs` lacks): the state is keyed by URN, and deletions follow dependencies."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
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
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None


def decide(kind: Kind, entry: Entry | None, typ: str, name: str, inputs: dict[str, Any]) -> Step:
    """What the engine does with a registered resource, given its recorded entry (if any)."""
    if entry is None:
        return Step("+", typ, name, new=inputs)
    changed = changed_inputs(entry["inputs"], inputs)
    if not changed:
        return Step(" ", typ, name)
    op = "+-" if kind.needs_replacement(changed) else "~"
    # "*": the recorded inputs are unknown (an update was interrupted), so everything is applied.
    return Step(op, typ, name, tuple(sorted(changed)), entry["inputs"], inputs)


class StackEngine(pulumi.runtime.Mocks):
    """What planning and deploying share: providers' regions, lookups, URNs, the decision per resource."""

    def __init__(
        self, state: StackState | None, region: str, skip_unsupported: bool = False, root: Path | None = None
    ) -> None:
        self.state = state
        self.root = root or (state.path.parents[2] if state else Path.cwd())  # <root>/.local/<stack>/...
        self.region = region
        self.skip_unsupported = skip_unsupported
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
        kind = KINDS.get(args.typ)
        if kind is None:
            with self.lock:
                self.unsupported.append((args.typ, args.name))
            return self.unprovisioned(args)
        with self.lock:
            self.seen.add(urn)
        entry = self.state.current(urn) if self.state else None
        step = decide(kind, entry, args.typ, args.name, dict(args.inputs))
        with self.lock:
            self.steps.append(step)
        with acting_on(f"{args.typ} {args.name}"):
            return self.apply(step, kind, entry, args, urn, dependencies)

    def referenced_outputs(self, reference: str) -> dict[str, Any]:
        """A StackReference `<organization>/<project>/<stack>`, read as a local backend would: the
        outputs recorded by `up` of that project's stack, in this project's directory or beside it."""
        project, stack = reference.split("/")[-2:]
        root = self.root
        for candidate in [root, *sorted(root.parent.iterdir())]:
            manifest = candidate / "Pulumi.yaml"
            if manifest.is_file() and yaml.safe_load(manifest.read_text()).get("name") == project:
                recorded = StackState.load(candidate / ".local" / stack / "deployment.json")
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
        kind: Kind,
        entry: Entry | None,
        args: pulumi.runtime.MockResourceArgs,
        urn: str,
        dependencies: list[str],
    ) -> tuple[str | None, dict[str, Any]]:
        raise NotImplementedError

    def deletions(self) -> list[Step]:
        """What the program no longer registers (and replaced resources), once the run is complete."""
        if self.state is None:
            return []
        return [
            Step("-", e["type"], e["name"])
            for e in self.state.resources
            if e["urn"] not in self.seen and not e.get("replaced")
        ]


class PlanMocks(StackEngine, PreviewMocks):
    """The decisions against the recorded state, without a call: recorded ids and attributes for
    what stays, AWS-shaped placeholders (the preview's) for what would be created."""

    def __init__(self, state: StackState | None, region: str, root: Path | None = None) -> None:
        StackEngine.__init__(self, state, region, root=root)
        PreviewMocks.__init__(self, region)

    def unprovisioned(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return PreviewMocks.new_resource(self, args)

    def apply(self, step, kind, entry, args, urn, dependencies):  # type: ignore[no-untyped-def]
        if entry is not None and step.op in (" ", "~"):
            return entry["id"], dict(args.inputs) | entry["attributes"]
        return PreviewMocks.new_resource(self, args)


class LocalStackMocks(StackEngine):
    """Provision each registered resource in LocalStack as its recorded state requires."""

    def __init__(
        self, state: StackState, skip_unsupported: bool = False, log: Callable[[str], None] | None = None
    ) -> None:
        super().__init__(state, state.region, skip_unsupported)
        self.state: StackState = state
        self.log = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self.sessions: dict[str, boto3.Session] = {}
        self.clients: dict[tuple[str, str], Any] = {}
        self.vanished: dict[str, dict[str, Any]] = {}  # URN -> identity of what LocalStack forgot

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

    def apply(self, step, kind, entry, args, urn, dependencies):  # type: ignore[no-untyped-def]
        region, inputs = self.region_of(args), dict(args.inputs)
        recorded = as_json(inputs)
        if entry is not None and step.op == " ":
            self.state.change(entry, dependencies=dependencies)
            return entry["id"], inputs | entry["attributes"]
        if entry is not None and step.op == "~":
            old = entry["inputs"] or {}
            self.state.change(entry, inputs=None)  # a kill during the update: the next run applies it all again
            attributes = entry["attributes"] | (kind.update(self, region, entry, old, inputs) or {})  # type: ignore[misc]
            self.state.change(entry, inputs=recorded, attributes=attributes, dependencies=dependencies)
            self.log(f"  ~ {args.typ} {args.name} ({entry['id']}): {', '.join(step.changed)}")
            return entry["id"], inputs | attributes
        keys = self.vanished.pop(urn, None) if entry is None else None
        keys = keys or kind.identity(args.name, inputs)
        if entry is not None:  # a replacement: the new one first, the old one deleted at the end
            if keys.get("id") is not None and keys == entry["keys"]:  # the same physical name: delete first
                self.delete(entry)
            else:
                self.state.change(entry, replaced=True)
        operation = {"urn": urn, "type": args.typ, "region": region, "keys": keys}
        self.state.intend(operation)
        try:
            resource_id, attributes = kind.create(self, region, inputs, keys)
        except BaseException:
            self.sweep(operation)  # whatever the failed create left
            raise
        created = {
            "urn": urn,
            "type": args.typ,
            "name": args.name,
            "id": resource_id,
            "region": region,
            "keys": keys,
            "inputs": recorded,
            "attributes": attributes,
            "dependencies": dependencies,
        }
        self.state.settle(operation, created)
        self.log(f"  {step.op} {args.typ} {args.name} ({resource_id})")
        return resource_id, inputs | attributes

    # --- deleting ---

    def delete(self, entry: Entry) -> None:
        """Delete a recorded resource (already gone is not an error) and forget it."""
        kind = KINDS[entry["type"]]
        with acting_on(f"deleting {entry['type']} {entry['name']} ({entry['id']})"):
            gone = self.delete_quietly(kind, entry["region"], entry)
        self.log(f"  - {'already gone: ' if gone else ''}{entry['type']} {entry['name']} ({entry['id']})")
        self.state.forget(entry)

    def delete_quietly(self, kind: Kind, region: str, entry: Entry) -> bool:
        """True when it was already gone."""
        try:
            kind.delete(self, region, entry)
        except ClientError as error:
            if error.response["Error"]["Code"] not in NOT_FOUND:
                raise
            return True
        return False

    def sweep(self, operation: Entry) -> None:
        """Delete what an interrupted create may have made, found by the identity chosen before it."""
        kind, keys, region = KINDS[operation["type"]], operation["keys"], operation["region"]
        known = {e["id"] for e in self.state.resources}
        found = kind.find(self, region, keys, known) if kind.find else [keys["id"]]
        for resource_id in found:
            gone = self.delete_quietly(kind, region, {"id": resource_id, "keys": keys, "inputs": {}})
            if not gone:
                self.log(f"  - left by an interrupted create: {operation['type']} {resource_id}")
        self.state.settle(operation, None)

    def refresh(self) -> list[Entry]:
        """Forget the recorded resources LocalStack no longer holds (it keeps nothing across a
        restart), so this run creates them again; returns them."""
        with ThreadPoolExecutor(8) as pool:
            held = list(pool.map(lambda e: EXISTS[e["type"]](self, e["region"], e), list(self.state.resources)))
        vanished = [entry for entry, exists in zip(list(self.state.resources), held, strict=True) if not exists]
        for entry in vanished:
            self.log(f"  gone from LocalStack (it will be created again): {entry['type']} {entry['name']}")
            self.state.forget(entry)
            self.vanished[entry["urn"]] = entry["keys"]  # made again under the same names and ids
        return vanished

    def recover(self) -> None:
        """Finish what an interrupted run left: every pending create is found and deleted."""
        for operation in list(self.state.pending):
            self.sweep(operation)

    def delete_unregistered(self) -> None:
        """After a complete run: replaced resources and those the program no longer registers,
        each after everything that depends on it."""
        stale = [e for e in self.state.resources if e.get("replaced") or e["urn"] not in self.seen]
        for entry in deletion_order(stale):
            self.delete(entry)

    def destroy(self) -> None:
        self.recover()
        for entry in deletion_order(self.state.resources):
            self.delete(entry)
