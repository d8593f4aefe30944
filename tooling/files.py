"""Large files for tests and benchmarks, written and hashed in 1 MiB chunks (never held whole)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

MiB = 1024 * 1024


def write_random(path: Path, size: int) -> str:
    """`size` random bytes at `path`; returns their sha256."""
    digest = hashlib.sha256()
    with path.open("wb") as file:
        for offset in range(0, size, MiB):
            chunk = os.urandom(min(MiB, size - offset))
            digest.update(chunk)
            file.write(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(MiB):
            digest.update(chunk)
    return digest.hexdigest()
