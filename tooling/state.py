"""A stack's recorded state in LocalStack, kept so that a kill at any moment loses nothing.

Before a create, what it is about to make (its physical name, chosen id or token) is written as a
*pending* operation; once it exists, the pending operation becomes a resource entry. A kill between
the two leaves a pending operation whose identity the next `up` or `down` finds in LocalStack and
deletes. Every write replaces the file atomically (a temporary file renamed over it), so a kill
during a write leaves the previous state, never a truncated one.

A resource entry: `urn`, `type`, `name`, `id`, `region`, `keys` (its identity: what finding and
deleting it needs), `inputs` (as last applied; None while an update is under way, so that the next
run applies everything again), `attributes` (outputs beyond the inputs), `dependencies` (URNs), and
`replaced` (an old resource kept until its replacement is in use).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Entry = dict[str, Any]


@dataclass
class StackState:
    path: Path
    endpoint: str
    region: str
    resources: list[Entry] = field(default_factory=list)  # creation order
    pending: list[Entry] = field(default_factory=list)  # creates under way: urn, type, region, keys
    outputs: dict[str, Any] = field(default_factory=dict)
    account: str | None = None  # the caller's account, so a preview renders the same trust policy
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    FIELDS = ("endpoint", "region", "resources", "pending", "outputs", "account")

    @classmethod
    def load(cls, path: Path) -> StackState | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        return cls(path=path, **{key: data[key] for key in cls.FIELDS if key in data})

    def save(self) -> None:
        with self.lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps({key: getattr(self, key) for key in self.FIELDS}, indent=1, default=str)
            temporary = self.path.with_name(self.path.name + ".tmp")
            temporary.write_text(text)
            # A rename is atomic against a killed process (the data is in the page cache already);
            # no fsync: a power loss is not what this guards against.
            os.replace(temporary, self.path)

    def current(self, urn: str) -> Entry | None:
        """The live (not replaced) resource of `urn`."""
        with self.lock:
            return next((e for e in self.resources if e["urn"] == urn and not e.get("replaced")), None)

    def intend(self, operation: Entry) -> None:
        with self.lock:
            self.pending.append(operation)
            self.save()

    def settle(self, operation: Entry, entry: Entry | None) -> None:
        """The pending `operation` is done: `entry` is what it made (None: nothing is left of it)."""
        with self.lock:
            self.pending.remove(operation)
            if entry is not None:
                self.resources.append(entry)
            self.save()

    def change(self, entry: Entry, **values: Any) -> None:
        with self.lock:
            entry.update(values)
            self.save()

    def forget(self, entry: Entry) -> None:
        with self.lock:
            self.resources.remove(entry)
            self.save()


def deletion_order(entries: list[Entry]) -> list[Entry]:
    """`entries` ordered so that each is deleted after every one among them that depends on it
    (newest first among those ready: creation order is the fallback for what no URN says)."""
    remaining = list(entries)
    ordered: list[Entry] = []
    while remaining:
        needed = {urn for entry in remaining for urn in entry.get("dependencies", [])}
        ready = [entry for entry in remaining if entry["urn"] not in needed] or remaining[-1:]  # a cycle: newest
        for entry in reversed(ready):
            ordered.append(entry)
            remaining.remove(entry)
    return ordered
