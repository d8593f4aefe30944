"""Whole directories and prefixes, for `s3proxy cp --recursive` and `rm --recursive` (as in the AWS CLI).

At most `concurrency` requests are in flight: files up to the multipart threshold go `concurrency` at a
time, larger ones one after another, each with `concurrency` parts. A file that fails does not stop the
others; every failure is returned. Only the client's public methods are used.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TypedDict

from .client import S3ProxyClient
from .parts import API_GATEWAY_PAYLOAD_LIMIT


class Transfer(TypedDict):
    """The transfer options every file's upload or download gets (see `S3ProxyClient.upload_file`)."""

    part_size: int
    concurrency: int
    threshold: int


@dataclass(frozen=True)
class Job:
    """One file or object: `name` is how lines show it, `size` what the progress bar counts."""

    name: str
    size: int
    run: Callable[[Callable[[int], object] | None], object]


@dataclass
class Outcome:
    done: list[Job] = field(default_factory=list)
    failed: list[tuple[Job, Exception]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(job.size for job in self.done)


def as_prefix(key: str) -> str:
    """A key prefix as a directory: `photos` and `photos/` are both `photos/`; the bucket's root is ``."""
    return key if not key or key.endswith("/") else f"{key}/"


def local_target(root: Path, relative_key: str) -> Path:
    """Where an object goes under `root`; a key that would climb out of it (`../x`, `/etc/x`) is refused."""
    parts = PurePosixPath(relative_key).parts
    # PurePosixPath drops `.` segments (and `.` alone has no parts): only `..` can climb.
    if not parts or relative_key.startswith("/") or ".." in parts:
        raise ValueError(f"the object key part {relative_key!r} would be written outside {root}: not downloaded")
    return root.joinpath(*parts)


def run_jobs(
    jobs: Iterable[Job],
    *,
    concurrency: int,
    threshold: int,
    progress: Callable[[int], object] | None = None,
    finished: Callable[[Job], object] | None = None,
) -> Outcome:
    """Run the small jobs `concurrency` at a time, then the large ones in turn (each runs its own parts)."""
    outcome, lock = Outcome(), threading.Lock()
    single_request = min(threshold, API_GATEWAY_PAYLOAD_LIMIT - 1)  # the client's own choice of one request

    def attempt(job: Job) -> None:
        try:
            job.run(progress)
        except Exception as error:  # the others go on; the caller reports every failure
            with lock:
                outcome.failed.append((job, error))
            return
        with lock:
            outcome.done.append(job)
            if finished:
                finished(job)

    listed = list(jobs)
    with ThreadPoolExecutor(concurrency, thread_name_prefix="s3proxy-tree") as pool:
        list(pool.map(attempt, [job for job in listed if job.size <= single_request]))
    for job in listed:
        if job.size > single_request:
            attempt(job)
    return outcome


def upload_jobs(
    client: S3ProxyClient,
    root: Path,
    bucket: str,
    prefix: str,
    transfer: Transfer,
    metadata: Mapping[str, str] | None = None,
) -> list[Job]:
    """Every regular file under `root`, to `prefix` + its path relative to `root` (with `/`)."""
    files = sorted(path for path in root.rglob("*") if path.is_file())

    def job(path: Path) -> Job:
        key = as_prefix(prefix) + path.relative_to(root).as_posix()
        return Job(
            f"{path} -> s3p://{bucket}/{key}",
            path.stat().st_size,
            lambda progress: client.upload_file(path, bucket, key, progress=progress, metadata=metadata, **transfer),
        )

    return [job(path) for path in files]


def download_jobs(client: S3ProxyClient, bucket: str, prefix: str, root: Path, transfer: Transfer) -> list[Job]:
    """Every object under `prefix` (folder markers, keys ending in `/`, aside) to `root` + the rest of its key."""
    base = as_prefix(prefix)

    def job(key: str, size: int) -> Job:
        def run(progress: Callable[[int], object] | None) -> object:
            target = local_target(root, key[len(base) :])
            target.parent.mkdir(parents=True, exist_ok=True)
            return client.download_file(bucket, key, target, progress=progress, **transfer)

        return Job(f"s3p://{bucket}/{key} -> {root / key[len(base) :]}", size, run)

    listed = client.list_objects(bucket, base or None)
    return [job(entry.key, entry.size) for entry in listed if not entry.key.endswith("/")]


def delete_jobs(client: S3ProxyClient, bucket: str, prefix: str) -> list[Job]:
    """Every object under `prefix` (the whole bucket for ``)."""
    base = as_prefix(prefix)

    def job(key: str) -> Job:
        return Job(f"s3p://{bucket}/{key}", 0, lambda _: client.delete_object(bucket, key))

    return [job(entry.key) for entry in client.list_objects(bucket, base or None)]
