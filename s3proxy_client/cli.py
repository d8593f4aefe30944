"""`s3proxy` (the console script of `s3proxy-client`; `python -m s3proxy_client` in a checkout): ls, cp,
rm, mb, rb and head through a deployed S3ProxyApi stack.

    s3proxy --outputs outputs.json ls                       # buckets
    s3proxy --outputs outputs.json ls s3p://bucket/prefix/  # objects
    s3proxy --outputs outputs.json cp big.iso s3p://bucket/isos/
    s3proxy --outputs outputs.json cp s3p://bucket/isos/big.iso ./
    s3proxy --outputs outputs.json cp --recursive ./photos s3p://bucket/photos/   # a directory, both ways
    s3proxy --outputs outputs.json cp s3p://bucket/isos/big.iso s3p://bucket/old/  # S3 copies it (CopyObject)
    s3proxy --outputs outputs.json mv s3p://bucket/isos/big.iso s3p://bucket/old/big.iso
    s3proxy --outputs outputs.json head s3p://bucket/isos/big.iso
    s3proxy --outputs outputs.json link s3p://bucket/isos/big.iso --name ubuntu.iso  # downloads as ubuntu.iso
    s3proxy --outputs outputs.json rm s3p://bucket/isos/big.iso
    s3proxy --outputs outputs.json rm --recursive s3p://bucket/photos/  # every object under it (DeleteObjects)
    s3proxy --outputs outputs.json mb s3p://bucket
    s3proxy --outputs outputs.json rb s3p://bucket
    s3proxy --outputs outputs.json postman -o s3proxy.postman_collection.json

Without --outputs (or $S3PROXY_OUTPUTS), the outputs come from `.local/<stack>/outputs.json` in the current
directory (`make up` and `make demo` write it in a checkout; --stack, default dev), else from
`pulumi stack output --json` when the Pulumi CLI is installed. Errors are one line on stderr; exit codes:
1 error, 2 usage, 3 not found,
4 access denied or route not deployed, 5 conflict or precondition failed, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .client import S3ProxyClient
from .errors import AccessDeniedError, ConflictError, NotFoundError, PreconditionFailedError, S3ProxyError
from .outputs import OutputsError, load_outputs
from .parts import (
    DEFAULT_CONCURRENCY,
    DEFAULT_PART_SIZE,
    DEFAULT_THRESHOLD,
    validate_concurrency,
    validate_part_size,
)
from .postman import write_collection
from .server_side import DELETE_ROUTE
from .tree import Job, Transfer, as_prefix, delete_jobs, download_jobs, run_jobs, upload_jobs

PROG = "s3proxy_client"
SCHEME = "s3p://"
EXIT_ERROR, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_DENIED, EXIT_CONFLICT, EXIT_INTERRUPTED = 1, 2, 3, 4, 5, 130
UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 1000**2, "mb": 1000**2, "mib": 1024**2}


class UsageError(ValueError):
    """A command line that cannot be carried out (exit code 2)."""


def parse_size(text: str) -> int:
    """`8388608`, `8MiB`, `8M` (= MB, decimal), `5120KiB`."""
    match = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]*)\s*", text)
    if not match or match[2].lower() not in UNITS:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 8MiB, 8388608)")
    return int(match[1]) * UNITS[match[2].lower()]


def split_uri(uri: str) -> tuple[str, str]:
    """`s3p://bucket/key` -> (bucket, key); the key may be empty."""
    if not uri.startswith(SCHEME):
        raise UsageError(f"not a remote location: {uri!r} (expected {SCHEME}bucket/key)")
    bucket, _, key = uri[len(SCHEME) :].partition("/")
    if not bucket:
        raise UsageError(f"no bucket in {uri!r}")
    return bucket, key


def stack_outputs(options: argparse.Namespace) -> Any:
    """--outputs FILE, else $S3PROXY_OUTPUTS, else the local deployment's `.local/<stack>/outputs.json` in the
    current directory (a checkout after `make up` or `make demo`), else `pulumi stack output --json` when the
    CLI exists."""
    source = options.outputs or os.environ.get("S3PROXY_OUTPUTS")
    if source:
        return load_outputs(Path(source))
    local = Path(".local", options.stack or "dev", "outputs.json")
    if local.is_file():
        return load_outputs(local)
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise OutputsError(
            f"no stack outputs: pass --outputs FILE (written by `pulumi stack output --json > FILE`), run in a "
            f"checkout after `make up` (which writes {local}), or install the Pulumi CLI"
        )
    command = [pulumi, "stack", "output", "--json", *(["--stack", options.stack] if options.stack else [])]
    ran = subprocess.run(command, capture_output=True, text=True)
    if ran.returncode != 0:
        reason = (ran.stderr.strip().splitlines() or ["no message"])[-1]
        raise OutputsError(f"`{' '.join(command[1:])}` failed: {reason}")
    return load_outputs(ran.stdout)


@contextmanager
def progress_bar(enabled: bool, description: str, total: int | None) -> Iterator[Callable[[int], object] | None]:
    """A rich progress bar on stderr, advanced by the transfer's progress callback."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.advance(task, done)


def wants_progress(options: argparse.Namespace, size: int) -> bool:
    if options.progress is not None:
        return bool(options.progress)
    return sys.stderr.isatty() and size > options.threshold


def report(options: argparse.Namespace, line: str) -> None:
    if not options.quiet:
        print(line, flush=True)


def rate(size: int, seconds: float) -> str:
    return f"{size:,} bytes in {seconds:.1f} s ({size / max(seconds, 1e-9) / 1024**2:.1f} MiB/s)"


def command_ls(client: S3ProxyClient, options: argparse.Namespace) -> int:
    if not options.location:
        for found in client.list_buckets():
            print(f"{found.creation_date or '-':<24}  {found.name}")
        return 0
    bucket, prefix = split_uri(options.location)
    for entry in client.list_objects(bucket, prefix or None, delimiter=None if options.recursive else "/"):
        if entry.is_prefix:
            print(f"{'':<24}  {'PRE':>14}  {entry.key}")
        else:
            print(f"{entry.last_modified or '-':<24}  {entry.size:>14,}  {entry.key}")
    return 0


def metadata_pair(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


def run_tree(options: argparse.Namespace, verb: str, jobs: list[Job]) -> int:
    """Every job, with a progress bar over their bytes, a line per object done, each failure on stderr and a
    summary; the exit code of the first failure."""
    started, total = time.perf_counter(), sum(job.size for job in jobs)
    shown = total > 0 and wants_progress(options, total)  # deletions move no bytes: no bar
    with progress_bar(shown, f"{verb} {len(jobs)} objects", total) as advance:
        outcome = run_jobs(
            jobs,
            concurrency=getattr(options, "concurrency", DEFAULT_CONCURRENCY),
            threshold=options.threshold,
            progress=advance,
            finished=lambda job: report(options, f"{verb}: {job.name}"),
        )
    elapsed = time.perf_counter() - started
    for job, error in outcome.failed:
        print(f"{PROG}: error: {job.name}: {one_line(error)}", file=sys.stderr)
    moved = f": {rate(outcome.size, elapsed)}" if total else f" in {elapsed:.1f} s"
    failed = f", {len(outcome.failed)} failed" if outcome.failed else ""
    report(options, f"{verb}: {len(outcome.done)} of {len(jobs)} objects{failed}{moved}")
    return exit_code(outcome.failed[0][1]) if outcome.failed else 0


def copy_tree(client: S3ProxyClient, options: argparse.Namespace, transfer: Transfer) -> int:
    source, destination = options.source, options.destination
    if not source.startswith(SCHEME) and destination.startswith(SCHEME):
        if not Path(source).is_dir():
            raise UsageError(f"{source}: not a directory (cp --recursive copies a directory's files)")
        bucket, prefix = split_uri(destination)
        metadata = dict(options.metadata or [])
        return run_tree(options, "upload", upload_jobs(client, Path(source), bucket, prefix, transfer, metadata))
    if source.startswith(SCHEME) and not destination.startswith(SCHEME):
        bucket, prefix = split_uri(source)
        return run_tree(options, "download", download_jobs(client, bucket, prefix, Path(destination), transfer))
    raise UsageError("cp --recursive copies between a directory and s3p://bucket/prefix: exactly one side is remote")


def command_cp(client: S3ProxyClient, options: argparse.Namespace) -> int:
    source, destination = options.source, options.destination
    try:
        validate_part_size(options.part_size)
        validate_concurrency(options.concurrency)
    except ValueError as error:
        raise UsageError(str(error)) from None
    transfer = Transfer(part_size=options.part_size, concurrency=options.concurrency, threshold=options.threshold)
    if options.recursive:
        return copy_tree(client, options, transfer)
    started = time.perf_counter()
    if not source.startswith(SCHEME) and destination.startswith(SCHEME):
        local = Path(source)
        if local.is_dir():
            raise UsageError(f"{source} is a directory: copy it with cp --recursive")
        if not local.is_file():
            raise FileNotFoundError(f"{source}: no such file")
        bucket, key = split_uri(destination)
        if not key or key.endswith("/"):
            key += local.name
        size = local.stat().st_size
        with progress_bar(wants_progress(options, size), f"upload {local.name}", size) as advance:
            result = client.upload_file(
                local,
                bucket,
                key,
                content_type=options.content_type,
                progress=advance,
                metadata=dict(options.metadata or []),
                **transfer,
            )
        elapsed = time.perf_counter() - started
        report(options, f"upload: {source} -> {SCHEME}{bucket}/{key}: {rate(result.size, elapsed)}")
        return 0
    if source.startswith(SCHEME) and not destination.startswith(SCHEME):
        bucket, key = split_uri(source)
        if not key or key.endswith("/"):
            raise UsageError(f"{source} names no object")
        local = Path(destination)
        if local.is_dir() or destination.endswith(("/", os.sep)):
            local = local / key.rpartition("/")[2]
        # The bar's total costs a HEAD: asked for only when a bar may be shown (--progress, or on a tty).
        maybe_shown = options.progress or (options.progress is None and sys.stderr.isatty())
        size = client.head_object(bucket, key).size if maybe_shown else 0
        with progress_bar(wants_progress(options, size), f"download {local.name}", size or None) as advance:
            result = client.download_file(bucket, key, local, progress=advance, **transfer)
        elapsed = time.perf_counter() - started
        report(options, f"download: {source} -> {local}: {rate(result.size, elapsed)}")
        return 0
    if source.startswith(SCHEME) and destination.startswith(SCHEME):
        return copy_remote(client, options)
    raise UsageError("cp copies a local file and s3p://bucket/key either way, or one s3p:// object to another")


def copy_remote(client: S3ProxyClient, options: argparse.Namespace) -> int:
    """S3 copies the object itself (CopyObject): no byte passes through this machine or the API."""
    source_bucket, source_key = split_uri(options.source)
    if not source_key or source_key.endswith("/"):
        raise UsageError(f"{options.source} names no object")
    bucket, key = split_uri(options.destination)
    if not key or key.endswith("/"):
        key += source_key.rpartition("/")[2]
    metadata = dict(options.metadata) if options.metadata else None
    client.copy(source_bucket, source_key, bucket, key, metadata=metadata, content_type=options.content_type)
    report(options, f"copy: {options.source} -> {SCHEME}{bucket}/{key}")
    return 0


def command_mv(client: S3ProxyClient, options: argparse.Namespace) -> int:
    """cp, then the source is deleted: only once the copy has succeeded."""
    if options.recursive:  # mv's parser is cp's: the option is always there
        raise UsageError("mv moves one file or object: no --recursive")
    command_cp(client, options)
    if options.source.startswith(SCHEME):
        client.delete_object(*split_uri(options.source))
    else:
        Path(options.source).unlink()
    report(options, f"delete: {options.source}")
    return 0


def remove_recursive(client: S3ProxyClient, options: argparse.Namespace) -> int:
    """Every object under s3p://bucket/prefix, 1,000 keys a DeleteObjects request; each refused key on stderr."""
    bucket, key = split_uri(options.location)
    prefix = as_prefix(key)  # `logs` and `logs/` alike: never `logs-old/`
    # Only keys under the one asked for are deleted, whatever the listing holds.
    keys = [entry.key for entry in client.list_objects(bucket, prefix or None) if entry.key.startswith(prefix)]
    started = time.perf_counter()
    result = client.delete_objects(bucket, keys)
    for deleted in result.deleted:
        report(options, f"delete: {SCHEME}{bucket}/{deleted}")
    for failure in result.errors:
        print(f"{PROG}: error: {SCHEME}{bucket}/{failure.key}: {failure.code}: {failure.message}", file=sys.stderr)
    failed = f", {len(result.errors)} failed" if result.errors else ""
    elapsed = time.perf_counter() - started
    report(options, f"delete: {len(result.deleted)} of {len(keys)} objects{failed} in {elapsed:.1f} s")
    return EXIT_DENIED if any(f.code == "AccessDenied" for f in result.errors) else int(bool(result.errors))


def serves_batch_delete(client: S3ProxyClient) -> bool:
    """Whether the stack serves DeleteObjects: not known without its routes (then it is tried), absent under a key
    prefix or without s3:DeleteObject."""
    return client.routes is None or any(route.startswith(f"{DELETE_ROUTE} ") for route in client.routes)


def command_rm(client: S3ProxyClient, options: argparse.Namespace) -> int:
    bucket, key = split_uri(options.location)
    if options.recursive:
        if options.version_id:
            raise UsageError("--version-id names one object's version: not with --recursive")
        if serves_batch_delete(client):
            return remove_recursive(client, options)
        return run_tree(options, "delete", delete_jobs(client, bucket, key))  # one DeleteObject each
    if not key:
        raise UsageError(f"{options.location} names no object (use rb to delete a bucket)")
    client.head_object(bucket, key, version_id=options.version_id)  # S3 deletes a missing key silently: say so
    client.delete_object(bucket, key, version_id=options.version_id)
    report(options, f"delete: {options.location}")
    return 0


def command_link(client: S3ProxyClient, options: argparse.Namespace) -> int:
    """Print a link that downloads the object, under --name when given (S3's response-content-disposition)."""
    bucket, key = split_uri(options.location)
    if not key or key.endswith("/"):
        raise UsageError(f"{options.location} names no object")
    print(client.download_link(bucket, key, download_name=options.name, expires_in=options.expires))
    return 0


def bucket_only(location: str) -> str:
    bucket, key = split_uri(location)
    if key:
        raise UsageError(f"{location}: a bucket has no key")
    return bucket


def command_mb(client: S3ProxyClient, options: argparse.Namespace) -> int:
    bucket = bucket_only(options.location)
    client.create_bucket(bucket, options.bucket_region)
    report(options, f"make_bucket: {bucket}")
    return 0


def command_rb(client: S3ProxyClient, options: argparse.Namespace) -> int:
    bucket = bucket_only(options.location)
    client.delete_bucket(bucket)
    report(options, f"remove_bucket: {bucket}")
    return 0


def command_head(client: S3ProxyClient, options: argparse.Namespace) -> int:
    bucket, key = split_uri(options.location)
    if not key:
        raise UsageError(f"{options.location} names no object")
    info = client.head_object(bucket, key, version_id=options.version_id)
    fields = ("bucket", "key", "size", "etag", "content_type", "last_modified", "version_id", "metadata")
    print(json.dumps({name: getattr(info, name) for name in fields}, indent=2, ensure_ascii=False))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m s3proxy_client" if Path(sys.argv[0]).name == "__main__.py" else "s3proxy",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]) if __doc__ else None,
    )
    top.add_argument("--outputs", metavar="FILE", help="the stack outputs (`pulumi stack output --json` saved)")
    top.add_argument("--stack", help="the Pulumi stack to read outputs from (when --outputs is absent)")
    top.add_argument("--region", help="the API's region (default: from the outputs' execution_arn)")
    top.add_argument("--quiet", "-q", action="store_true", help="no summary lines")
    top.add_argument(
        "--api-key",
        default=os.environ.get("S3PROXY_API_KEY"),
        help="the API key, when the stack requires one (default: $S3PROXY_API_KEY)",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ls = commands.add_parser("ls", help="list buckets, or objects under s3p://bucket/prefix")
    ls.add_argument("location", nargs="?", help="s3p://bucket[/prefix]")
    ls.add_argument("--recursive", "-r", action="store_true", help="every key, not one level")
    ls.set_defaults(run=command_ls)

    cp = commands.add_parser("cp", help="copy a file to s3p://bucket/key, an object to a file or to another key")
    cp.add_argument("source")
    cp.add_argument("destination")
    cp.add_argument(
        "--recursive", "-r", action="store_true", help="a directory to s3p://bucket/prefix/, or every object under it"
    )
    cp.add_argument("--part-size", type=parse_size, default=DEFAULT_PART_SIZE, help="e.g. 8MiB (5 MiB to < 10 MB)")
    cp.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="parallel requests (default 4)")
    cp.add_argument("--threshold", type=parse_size, default=DEFAULT_THRESHOLD, help="multipart above this size")
    cp.add_argument("--content-type", help="of an upload (default: guessed from the file name)")
    cp.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar (default: on a tty)"
    )
    cp.add_argument(
        "--metadata",
        type=metadata_pair,
        action="append",
        default=None,
        metavar="NAME=VALUE",
        help="user metadata of an upload or copy, sent as x-amz-meta-NAME (repeatable; the stack's metadata_headers)",
    )
    cp.set_defaults(run=command_cp)
    mv = commands.add_parser("mv", help="as cp, then delete the source", parents=[cp], add_help=False)
    mv.set_defaults(run=command_mv)

    for name, run, text in (
        ("rm", command_rm, "delete s3p://bucket/key"),
        ("mb", command_mb, "create s3p://bucket"),
        ("rb", command_rb, "delete the empty bucket s3p://bucket"),
        ("head", command_head, "show an object's size, ETag, type and date (JSON)"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("location")
        sub.set_defaults(run=run)
        if name == "mb":
            sub.add_argument("--bucket-region", help="the bucket's region (default: the API's)")
        if name in ("rm", "head"):
            sub.add_argument("--version-id", help="one version of the object (a versioned bucket)")
        if name == "rm":
            sub.add_argument(
                "--recursive", "-r", action="store_true", help="every object under s3p://bucket/prefix (DeleteObjects)"
            )

    link = commands.add_parser("link", help="print a signed link that downloads s3p://bucket/key (SigV4 query)")
    link.add_argument("location")
    link.add_argument("--name", help="the file name the browser saves it under (Content-Disposition: attachment)")
    link.add_argument("--expires", type=int, default=3600, help="seconds the link works (default 3600, max 604800)")
    link.set_defaults(run=command_link)

    postman = commands.add_parser("postman", help="write a Postman v2.1 collection of the stack (no request made)")
    postman.add_argument("--outputs", default=argparse.SUPPRESS, metavar="FILE", help="as before the command")
    postman.add_argument("-o", "--output", required=True, type=Path, metavar="COLLECTION", help="the file to write")
    return top


def exit_code(error: BaseException) -> int:
    if isinstance(error, NotFoundError | FileNotFoundError):
        return EXIT_NOT_FOUND
    if isinstance(error, AccessDeniedError | PermissionError):
        return EXIT_DENIED
    if isinstance(error, ConflictError | PreconditionFailedError):
        return EXIT_CONFLICT
    if isinstance(error, UsageError):
        return EXIT_USAGE
    return EXIT_ERROR


def one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror and error.filename:
        text = f"{error.filename}: {error.strerror}"
    else:
        text = str(error) or type(error).__name__
    notes = getattr(error, "__notes__", None) or []
    return " ".join("; ".join([text, *notes]).split())


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    options.threshold = getattr(options, "threshold", DEFAULT_THRESHOLD)
    try:
        outputs = stack_outputs(options)
        if options.command == "postman":
            report(options, write_collection(outputs, options.output, options.region))
            return 0
        # A connection for each request `cp` may have in flight (files, or parts, `--concurrency` at a time).
        pool_size = max(10, getattr(options, "concurrency", 0))
        with S3ProxyClient.from_outputs(
            outputs, region=options.region, api_key=options.api_key, pool_size=pool_size
        ) as client:
            code: int = options.run(client, options)
            return code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (S3ProxyError, OutputsError, OSError, ValueError) as error:
        where = getattr(options, "location", None) or getattr(options, "source", None)
        if isinstance(error, S3ProxyError) and where:  # name what the failed request was about
            remote = where if where.startswith(SCHEME) else options.destination
            print(f"{PROG}: error: {remote}: {one_line(error)}", file=sys.stderr)
        else:
            print(f"{PROG}: error: {one_line(error)}", file=sys.stderr)
        return exit_code(error)
    except Exception as error:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("S3PROXY_DEBUG"):
            raise
        print(f"{PROG}: internal error: {type(error).__name__}: {one_line(error)}", file=sys.stderr)
        return EXIT_ERROR
