"""A stack's recorded state in LocalStack, kept so that a kill at any moment loses nothing.

Before a create, what it is about to make (its physical name, chosen id or token) is written as a
`PendingCreate`; once it exists, the pending create becomes a `Resource`. A kill between the two
leaves a pending create whose identity the next `up` or `down` finds in LocalStack and deletes.
Every write replaces the file atomically (a temporary file renamed over it), so a kill during a
write leaves the previous state, never a truncated one.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Properties = dict[str, Any]


@dataclass
class Resource:
    """One resource as the state records it, like an entry of a Pulumi checkpoint."""

    urn: str
    type: str
    name: str
    id: str
    region: str
    keys: Properties  # its identity: what finding and deleting it needs
    inputs: Properties | None  # as last applied; None while an update is under way (the next run applies all)
    outputs: Properties  # as the provider's Read returns them (compared with the next run's inputs)
    dependencies: list[str] = field(default_factory=list)  # URNs
    replaced: bool = False  # an old resource kept until its replacement is in use


@dataclass
class PendingCreate:
    """A create under way: enough to find what it made if the process dies before it returns."""

    urn: str
    type: str
    region: str
    keys: Properties


@dataclass
class StackState:
    path: Path
    endpoint: str
    region: str
    resources: list[Resource] = field(default_factory=list)  # creation order
    pending: list[PendingCreate] = field(default_factory=list)
    outputs: Properties = field(default_factory=dict)
    account: str | None = None  # the caller's account, so a preview renders the same trust policy
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path) -> StackState | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        return cls(
            path=path,
            endpoint=data["endpoint"],
            region=data["region"],
            resources=[Resource(**readable(entry)) for entry in data["resources"]],
            pending=[PendingCreate(**entry) for entry in data["pending"]],
            outputs=data["outputs"],
            account=data["account"],
        )

    def save(self) -> None:
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = {
                "endpoint": self.endpoint,
                "region": self.region,
                "resources": [dataclasses.asdict(entry) for entry in self.resources],
                "pending": [dataclasses.asdict(entry) for entry in self.pending],
                "outputs": self.outputs,
                "account": self.account,
            }
            temporary = self.path.with_name(self.path.name + ".tmp")
            temporary.write_text(json.dumps(data, indent=1, default=str))
            # A rename is atomic against a killed process (the data is in the page cache already);
            # no fsync: a power loss is not what this guards against.
            os.replace(temporary, self.path)

    def current(self, urn: str) -> Resource | None:
        """The live (not replaced) resource of `urn`."""
        with self.lock:
            return next((e for e in self.resources if e.urn == urn and not e.replaced), None)

    def intend(self, operation: PendingCreate) -> None:
        with self.lock:
            self.pending.append(operation)
            self.save()

    def settle(self, operation: PendingCreate, entry: Resource | None) -> None:
        """The pending `operation` is done: `entry` is what it made (None: nothing is left of it)."""
        with self.lock:
            self.pending.remove(operation)
            if entry is not None:
                self.resources.append(entry)
            self.save()

    def change(self, entry: Resource, **values: Any) -> None:
        with self.lock:
            for key, value in values.items():
                setattr(entry, key, value)
            self.save()

    def forget(self, entry: Resource) -> None:
        with self.lock:
            self.resources.remove(entry)
            self.save()


def readable(entry: Properties) -> Properties:
    """A recorded resource as `Resource` takes it: older records name the outputs `attributes`."""
    if "attributes" in entry:
        entry = {key: value for key, value in entry.items() if key != "attributes"} | {"outputs": entry["attributes"]}
    return entry


def deletion_order(entries: list[Resource]) -> list[Resource]:
    """`entries` ordered so that each is deleted after every one among them that depends on it
    (newest first among those ready: creation order is the fallback for what no URN says)."""
    remaining = list(entries)
    ordered: list[Resource] = []
    while remaining:
        needed = {urn for entry in remaining for urn in entry.dependencies}
        ready = [entry for entry in remaining if entry.urn not in needed] or remaining[-1:]  # a cycle: newest
        for entry in reversed(ready):
            ordered.append(entry)
            remaining.remove(entry)
    return ordered
