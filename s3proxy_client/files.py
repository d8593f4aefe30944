"""File I/O of transfers: reads and writes at an offset, so that each worker touches only its own part, and a
download's file that appears only when complete."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def read_at(fd: int, size: int, offset: int) -> bytes:
    """Exactly `size` bytes of the file at `offset` (a short read means the file shrank under us)."""
    chunks = []
    remaining = size
    while remaining:
        chunk = os.pread(fd, remaining, offset + size - remaining)
        if not chunk:
            raise OSError(f"the file ended {remaining:,} bytes early at offset {offset + size - remaining:,}")
        chunks.append(chunk)
        remaining -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def write_at(fd: int, data: bytes | memoryview, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


@contextmanager
def opened_for_reading(path: str | os.PathLike[str]) -> Iterator[int]:
    fd = os.open(path, os.O_RDONLY)
    try:
        yield fd
    finally:
        os.close(fd)


@contextmanager
def written_when_complete(target: Path) -> Iterator[int]:
    """A descriptor of a new temporary file beside `target`, which replaces `target` once the block completes
    (synced to disk first); should the block fail, the temporary file is removed and `target` is untouched."""
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a directory: name the file to download to", str(target))
    if not target.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such directory", str(target.parent))
    temporary = target.with_name(f".{target.name}.s3p-{secrets.token_hex(4)}.part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        yield fd
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(temporary, target)
