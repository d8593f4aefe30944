"""What went wrong, in one line: how the tooling's commands (`make up/preview/down/demo/outputs`) end on an error.

An error raised inside the program reaches the entry point wrapped by the Pulumi SDK once per resource
and input it flowed through (`While processing input: ...`); the line names the error that started the
chain, once. `S3PROXY_DEBUG=1` shows the traceback instead.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pulumi
from botocore.exceptions import BotoCoreError, ClientError

DEBUG = "S3PROXY_DEBUG"
# Bad input (S3ProxyConfigError is a ValueError), the program's refusal, a missing file, an unreachable endpoint,
# what LocalStack cannot hold: their messages say it all.
EXPECTED = (ValueError, pulumi.RunError, OSError, BotoCoreError, RuntimeError)


def original(error: BaseException) -> BaseException:
    """The first error of an `raise ... from` chain (the SDK's wrappers are the later ones)."""
    seen = {id(error)}
    while error.__cause__ is not None and id(error.__cause__) not in seen:
        error = error.__cause__
        seen.add(id(error))
    return error


def one_line(error: BaseException) -> str:
    """The line to print: what failed (the AWS operation, a notes' resource) and why, whitespace folded."""
    cause = original(error)
    if isinstance(cause, ClientError):
        details = cause.response.get("Error", {})
        code, message = details.get("Code", "?"), details.get("Message") or "no message"
        text = f"AWS {cause.operation_name} failed: {code}: {message}"
    elif isinstance(cause, EXPECTED):
        text = str(cause) or type(cause).__name__
    else:  # a bug rather than a bad input or an unreachable service: say which exception, and how to see where
        text = f"{type(cause).__name__}: {cause} ({DEBUG}=1 shows the traceback)"
    return " ".join(": ".join([*getattr(cause, "__notes__", []), text]).split())


@contextmanager
def acting_on(resource: str) -> Iterator[None]:
    """Name `resource` in the line of an AWS error raised while working on it."""
    try:
        yield
    except ClientError as error:
        error.add_note(resource)
        raise


def reporting_errors(main: Callable[[], int]) -> int:
    """`main()`'s exit code; an error ends it with one line on stderr and exit code 1 (the traceback
    with S3PROXY_DEBUG=1). KeyboardInterrupt and SystemExit pass through."""
    try:
        return main()
    except Exception as error:
        if os.environ.get(DEBUG):
            raise
        print(f"error: {one_line(error)}", file=sys.stderr)
    # The failed run's event loop is held in reference cycles through the error's frames: collected now, not
    # during interpreter shutdown, where closing it prints "Exception ignored in: BaseEventLoop.__del__".
    gc.collect()
    return 1
