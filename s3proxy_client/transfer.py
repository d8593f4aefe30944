"""Transfers of whole files, far beyond API Gateway's 10 MB payload limit: multipart uploads and ranged
downloads whose every request stays below it, run by a pool of workers.

Transfers stream: each worker reads (or writes) only its own part, at its offset in the file, so memory is
bounded by part_size x concurrency whatever the file's size.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from .errors import (
    IncompleteBodyError,
    InvalidRangeError,
    PreconditionFailedError,
    RouteNotAllowedError,
    S3ProxyError,
    TransferCancelled,
)
from .files import opened_for_reading, read_at, write_at, written_when_complete
from .parts import (
    API_GATEWAY_PAYLOAD_LIMIT,
    CONTENT_RANGE,
    DEFAULT_CONCURRENCY,
    DEFAULT_PART_SIZE,
    DEFAULT_THRESHOLD,
    Part,
    object_path,
    plan_parts,
    validate_concurrency,
    validate_part_size,
    validate_threshold,
)
from .results import TransferResult, UploadedPart

if TYPE_CHECKING:  # the operations call into transfers: the type only, for annotations
    from .client import S3ProxyClient

Progress = Callable[[int], object]
"""Called in the calling thread with the number of bytes just transferred (after each part)."""

CHUNK = 256 * 1024  # streamed reads of a response body

# The routes (as the stack's `routes` output describes them) a multipart upload needs. The abort route is
# required too: without it a failed upload could not be cleaned up, and its parts would stay billed.
MULTIPART_ROUTES = (
    "POST /{folder}/{item+}?uploads",
    "PUT /{folder}/{item+}?partNumber&uploadId",
    "POST /{folder}/{item+}?uploadId",
    "DELETE /{folder}/{item+}?uploadId",
)


@dataclass(frozen=True)
class TransferConfig:
    """How files are transferred, checked once here: parts of `part_size` bytes, sent or read by `concurrency`
    workers; an upload of up to `threshold` bytes is one PUT, a download of up to `threshold` bytes reads its
    ranges one after the other."""

    part_size: int = DEFAULT_PART_SIZE
    concurrency: int = DEFAULT_CONCURRENCY
    threshold: int = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        validate_part_size(self.part_size)
        validate_concurrency(self.concurrency)
        validate_threshold(self.threshold)


def require_routes(
    routes: tuple[str, ...] | None,
    needed: tuple[str, ...],
    what: str,
    actions: str = "s3:PutObject and s3:AbortMultipartUpload",
) -> None:
    """Fail before anything starts when the stack's `routes` (when known) lack one that `what` needs."""
    if routes is None:
        return  # not told which routes exist: the request will find out
    served = {route.partition(" -> ")[0] for route in routes}
    missing = [route for route in needed if route not in served]
    if missing:
        raise RouteNotAllowedError(
            None,
            "RouteNotDeployed",
            f"{what} needs {', '.join(missing)}, which the stack does not serve (allow the actions {actions})",
            attempts=0,
        )


def run_parts(
    parts: list[Part],
    concurrency: int,
    progress: Progress | None,
    work: Callable[[Part, threading.Event], Any],
    on_failure: Callable[[], object] | None = None,
) -> list[Any]:
    """`work(part, cancel)` for every part on `concurrency` threads; results in part order. The first
    failure (or an interrupt, or `progress` raising) cancels the parts not started, tells the running
    ones to stop retrying, calls `on_failure`, waits for the running ones, and is raised."""
    cancel = threading.Event()
    results: dict[int, Any] = {}
    pool = ThreadPoolExecutor(concurrency, thread_name_prefix="s3p")
    try:
        pending: set[Future[Any]] = set()
        queue = iter(parts)
        by_future: dict[Future[Any], Part] = {}
        while True:
            while len(pending) < concurrency * 2 and (part := next(queue, None)) is not None:
                future = pool.submit(work, part, cancel)
                by_future[future] = part
                pending.add(future)
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in sorted(done, key=lambda f: by_future[f].number):
                part = by_future.pop(future)
                results[part.number] = future.result()
                if progress is not None:
                    progress(part.size)
        return [results[part.number] for part in parts]
    except BaseException:
        cancel.set()
        if on_failure is not None:
            on_failure()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class MultipartUpload:
    """One started multipart upload, and how it is aborted when it fails."""

    client: S3ProxyClient
    bucket: str
    key: str
    upload_id: str

    def abort_quietly(self) -> None:
        with contextlib.suppress(Exception):  # `abort_noting_failure` tries again, and reports
            self.client.abort_multipart_upload(self.bucket, self.key, self.upload_id)

    def abort_noting_failure(self, error: BaseException) -> None:
        """Abort after `error`; should the abort fail too, say so on `error` (which the caller raises)."""
        try:
            self.client.abort_multipart_upload(self.bucket, self.key, self.upload_id)
        except BaseException as abort_error:
            error.add_note(
                f"aborting multipart upload {self.upload_id} of s3p://{self.bucket}/{self.key} failed too "
                f"({abort_error}): its parts stay stored until it is aborted"
            )


def upload_file(
    client: S3ProxyClient,
    path: str | os.PathLike[str],
    bucket: str,
    key: str,
    config: TransferConfig,
    *,
    content_type: str | None,
    progress: Progress | None,
    checksum: bool,
    metadata: Mapping[str, str] | None,
) -> TransferResult:
    """See `S3ProxyClient.upload_file`."""
    content_type = content_type or mimetypes.guess_type(str(path))[0] or "application/octet-stream"
    with opened_for_reading(path) as fd:
        size = os.fstat(fd).st_size
        if size <= config.threshold and size < API_GATEWAY_PAYLOAD_LIMIT:
            etag = client.put_object(bucket, key, read_at(fd, size, 0), content_type=content_type, metadata=metadata)
            if progress is not None:
                progress(size)
            return TransferResult(bucket, key, size, etag, 1)
        plan = plan_parts(size, config.part_size)
        require_routes(client.routes, MULTIPART_ROUTES, "a multipart upload")
        client.transport.ensure_pool(config.concurrency)
        upload_id = client.create_multipart_upload(
            bucket, key, content_type=content_type, checksum=checksum, metadata=metadata
        )
        upload = MultipartUpload(client, bucket, key, upload_id)

        def send(part: Part, cancel: threading.Event) -> UploadedPart:
            data = read_at(fd, part.size, part.offset)
            return client.upload_part(bucket, key, upload_id, part.number, data, cancel=cancel, checksum=checksum)

        try:
            uploaded = run_parts(
                plan,
                config.concurrency,
                progress,
                send,
                # Abort at once, before waiting for the parts in flight: should that wait be cut short
                # (a second Ctrl-C), nothing is left behind. Aborted again below, once they are done.
                on_failure=upload.abort_quietly,
            )
            etag = client.complete_multipart_upload(bucket, key, upload_id, uploaded)
        except BaseException as error:
            upload.abort_noting_failure(error)
            raise
        return TransferResult(bucket, key, size, etag, len(plan))


@dataclass(frozen=True)
class RangedDownload:
    """One object read in ranges into the file open at `fd`."""

    client: S3ProxyClient
    bucket: str
    key: str
    fd: int

    def read(
        self, part: Part, etag: str | None, cancel: threading.Event | None, *, first: bool = False
    ) -> tuple[int, str | None]:
        """GET one range and stream it to its offset in the file; (object size, ETag). The first read may find
        the object smaller than the range (or the range ignored: 200), which tells the size."""
        headers = {"Range": part.range_header}
        if etag:
            headers["If-Match"] = etag

        def consume(response: requests.Response) -> tuple[int, str | None]:
            if response.status_code == 206:
                match = CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
                if not match or int(match[1]) != part.offset or match[3] == "*":
                    raise S3ProxyError(
                        206, "MalformedResponse", f"unexpected Content-Range {response.headers.get('Content-Range')!r}"
                    )
                start, end, total = int(match[1]), int(match[2]), int(match[3])
                if not first and end != part.last_byte:
                    raise S3ProxyError(206, "MalformedResponse", f"asked {part.range_header}, got bytes {start}-{end}")
            elif response.status_code == 200 and first:
                start, end, total = 0, -1, -1  # the whole object: its length is what arrives
            else:
                raise S3ProxyError(response.status_code, "MalformedResponse", f"a ranged read answered {response}")
            position = start
            for chunk in response.iter_content(CHUNK):
                write_at(self.fd, chunk, position)
                position += len(chunk)
                if cancel is not None and cancel.is_set():
                    raise TransferCancelled()
            if total < 0:  # the whole object came: its size is what arrived
                total, end = position, position - 1
            if position != end + 1:
                raise IncompleteBodyError(f"bytes {start}-{end}: the connection ended at byte {position}")
            return total, response.headers.get("ETag")

        path = object_path(self.bucket, self.key)
        return self.client.transport.stream("GET", path, consume, headers=headers, cancel=cancel)

    def read_first(self, part_size: int) -> tuple[int, str | None]:
        """Read the first range, which tells the object's size and ETag; an empty object has no byte 0 and is
        read whole."""
        try:
            return self.read(Part(1, 0, part_size), None, None, first=True)
        except InvalidRangeError:
            got = self.client.get_object(self.bucket, self.key)
            write_at(self.fd, got.body, 0)
            return len(got.body), got.etag


def download_file(
    client: S3ProxyClient,
    bucket: str,
    key: str,
    path: str | os.PathLike[str],
    config: TransferConfig,
    *,
    progress: Progress | None,
) -> TransferResult:
    """See `S3ProxyClient.download_file`."""
    with written_when_complete(Path(path)) as fd:
        download = RangedDownload(client, bucket, key, fd)
        total, etag = download.read_first(config.part_size)
        if progress is not None:
            progress(min(total, config.part_size))
        rest = plan_parts(total, config.part_size, max_parts=None)[1:] if total > config.part_size else []
        if rest:
            client.transport.ensure_pool(config.concurrency)
            try:
                run_parts(
                    rest,
                    config.concurrency if total > config.threshold else 1,
                    progress,
                    lambda part, cancel: download.read(part, etag, cancel),
                )
            except PreconditionFailedError as error:
                error.add_note(f"s3p://{bucket}/{key} changed during the download (its ETag was {etag})")
                raise
    return TransferResult(bucket, key, total, etag, 1 + len(rest))
