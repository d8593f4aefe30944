"""Typed errors for what S3 (through API Gateway) or API Gateway itself answers.

S3 answers an XML `<Error><Code>..</Code><Message>..</Message><RequestId>..</RequestId></Error>`; API
Gateway's own refusals are JSON (`{"message": "..."}`) with the error type in `x-amzn-ErrorType`. The
code decides the class where one is known (so a `tutorial`-mapped stack, which answers 400 for S3's
404, still raises `NotFoundError`), then the status.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping


class S3ProxyError(Exception):
    """An error answer from the API (or no answer at all: `status` is None then)."""

    def __init__(
        self,
        status: int | None,
        code: str | None,
        message: str,
        request_id: str | None = None,
        *,
        attempts: int = 1,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.attempts = attempts
        """How many times the request was sent before this error was raised."""
        super().__init__(self.describe())

    def describe(self) -> str:
        parts = [self.code or "Error"]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        text = " ".join(parts) + (f": {self.message}" if self.message else "")
        if self.request_id:
            text += f" [request id {self.request_id}]"
        if self.attempts > 1:
            text += f" after {self.attempts} attempts"
        return " ".join(text.split())  # always one line


class NotFoundError(S3ProxyError):
    """NoSuchKey, NoSuchBucket, NoSuchUpload, or a 404 without a body (HEAD)."""


class AccessDeniedError(S3ProxyError):
    """403: S3's AccessDenied, or API Gateway refusing the caller's identity or signature."""


class RouteNotAllowedError(AccessDeniedError):
    """API Gateway has no such route: the stack does not allow the operation (`Missing Authentication
    Token` is what API Gateway answers for a path or verb it does not serve)."""


class PreconditionFailedError(S3ProxyError):
    """412: an If-Match / If-None-Match condition did not hold."""


class ConflictError(S3ProxyError):
    """409: e.g. BucketNotEmpty, BucketAlreadyExists, BucketAlreadyOwnedByYou."""


class NotModifiedError(S3ProxyError):
    """304: the object matches If-None-Match / has not changed since If-Modified-Since."""


class InvalidRangeError(S3ProxyError):
    """416: the requested range is not satisfiable."""


class PayloadTooLargeError(S3ProxyError):
    """413: the request exceeds API Gateway's 10 MB payload limit."""


class ThrottledError(S3ProxyError):
    """429, or S3's SlowDown (503), still answered after every retry."""


class ServerError(S3ProxyError):
    """Any other 5xx after every retry (501 NotImplemented is not retried)."""


class ConnectionFailedError(S3ProxyError):
    """No usable answer: the connection failed, was dropped or timed out on every attempt."""


class IncompleteBodyError(Exception):
    """A response body shorter (or longer) than announced: the connection broke mid-transfer."""


class TransferCancelled(Exception):
    """The transfer this request belongs to is being cancelled (another part failed, or an interrupt)."""


CODE_CLASSES: dict[str, type[S3ProxyError]] = {
    **dict.fromkeys(("NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NoSuchVersion", "NotFound"), NotFoundError),
    **dict.fromkeys(
        (
            "AccessDenied",
            "AllAccessDisabled",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "ExpiredToken",
            "AccessDeniedException",  # API Gateway: execute-api:Invoke denied
            "UnrecognizedClientException",  # API Gateway: unknown key id / bad token
            "InvalidSignatureException",  # API Gateway: signature mismatch or expired
            "IncompleteSignatureException",
        ),
        AccessDeniedError,
    ),
    "MissingAuthenticationTokenException": RouteNotAllowedError,
    "PreconditionFailed": PreconditionFailedError,
    **dict.fromkeys(
        (
            "BucketNotEmpty",
            "BucketAlreadyExists",
            "BucketAlreadyOwnedByYou",
            "OperationAborted",
            "ConditionalRequestConflict",
            "InvalidBucketState",
        ),
        ConflictError,
    ),
    "InvalidRange": InvalidRangeError,
    "NotModified": NotModifiedError,
    **dict.fromkeys(
        ("SlowDown", "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"),
        ThrottledError,
    ),
    "RequestEntityTooLarge": PayloadTooLargeError,
}

STATUS_CLASSES: dict[int, type[S3ProxyError]] = {
    304: NotModifiedError,
    403: AccessDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    413: PayloadTooLargeError,
    416: InvalidRangeError,
    429: ThrottledError,
}

# Codes S3 (or API Gateway) answers for a transient condition: the request is sent again.
RETRYABLE_CODES = frozenset(
    {"SlowDown", "InternalError", "RequestTimeout", "ServiceUnavailable", "Throttling", "ThrottlingException"}
)


def is_retryable_status(status: int) -> bool:
    """429 and 5xx are retried, except 501 NotImplemented (S3 will never implement it on a retry)."""
    return status == 429 or (status >= 500 and status != 501)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def is_error_document(body: bytes) -> bool:
    """Whether `body` is S3's XML `<Error>` document."""
    text = body.strip()
    if not text.startswith(b"<"):
        return False
    try:
        return _local(ET.fromstring(text).tag) == "Error"
    except ET.ParseError:
        return False


def parse_error_body(body: bytes, headers: Mapping[str, str]) -> tuple[str | None, str, str | None]:
    """(code, message, request id) from S3's XML error, API Gateway's JSON error, or neither."""
    code: str | None = None
    message = ""
    request_id: str | None = None
    text = body.strip()
    if text.startswith(b"<"):
        try:
            root = ET.fromstring(text)
        except ET.ParseError:
            root = None
        if root is not None and _local(root.tag) == "Error":
            fields = {_local(child.tag): (child.text or "") for child in root}
            code = fields.get("Code") or None
            message = fields.get("Message", "")
            request_id = fields.get("RequestId") or None
    elif text.startswith(b"{"):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if isinstance(document, dict):
            message = str(document.get("message") or document.get("Message") or "")
            code = document.get("__type") or document.get("code") or None
    lowered = {name.lower(): value for name, value in headers.items()}
    error_type = lowered.get("x-amzn-errortype")
    if not code and error_type:
        code = error_type.split(":", 1)[0]  # e.g. `AccessDeniedException:http://internal...`
    request_id = request_id or lowered.get("x-amz-request-id") or lowered.get("x-amzn-requestid")
    return code, message, request_id


def error_for(status: int | None, body: bytes, headers: Mapping[str, str], attempts: int = 1) -> S3ProxyError:
    """The typed error for an answer: by S3's or API Gateway's code where known, else by status."""
    code, message, request_id = parse_error_body(body, headers)
    cls = CODE_CLASSES.get(code or "")
    if cls is None and status is not None:
        cls = STATUS_CLASSES.get(status) or (ServerError if status >= 500 else S3ProxyError)
    if status == 404 and not code:
        code, message = "NotFound", message or "Not Found"  # HEAD: S3 sends no body
    if status == 304 and not code:
        code, message = "NotModified", message or "Not Modified"
    if code == "MissingAuthenticationTokenException":
        message = f"{message or 'Missing Authentication Token'} (the stack serves no such route or method)"
    return (cls or S3ProxyError)(status, code, message, request_id, attempts=attempts)
