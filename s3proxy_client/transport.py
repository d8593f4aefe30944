"""Signed HTTP with connection pooling, timeouts and retries.

Every attempt is signed afresh with botocore's SigV4 for service `execute-api` (a retry after a long
back-off would otherwise carry a stale `X-Amz-Date`), and its body is produced afresh: from bytes, or by
re-reading the file range it came from.
"""

from __future__ import annotations

import http.client
import random
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import boto3
import requests
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .errors import (
    RETRYABLE_CODES,
    ConnectionFailedError,
    IncompleteBodyError,
    S3ProxyError,
    TransferCancelled,
    error_for,
    is_error_document,
    is_retryable_status,
)

T = TypeVar("T")

SERVICE = "execute-api"
USER_AGENT = "s3proxy-client/0.1"


# Failures of the connection itself; the request is sent again (signed anew) after a back-off.
RETRYABLE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    requests.ConnectionError,  # refused, reset, dropped before the answer
    requests.Timeout,  # connect or read timeout
    requests.exceptions.ChunkedEncodingError,  # dropped while the body was streaming
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.ReadTimeoutError,
    http.client.IncompleteRead,
    ConnectionError,  # the built-in family: ConnectionResetError, BrokenPipeError, ...
    IncompleteBodyError,
)


def default_credentials() -> Any:
    """The standard boto3 credential chain; LocalStack's `test` keys only when it finds nothing."""
    found = boto3.Session().get_credentials()
    return found if found is not None else Credentials("test", "test")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with full jitter: attempt n waits uniform(0, min(max_delay, base_delay * 2**(n-1)))."""

    max_attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")

    def delay(self, failed_attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failed_attempt - 1))
        jittered = rng.uniform(0, ceiling)
        if retry_after is not None:  # a server's Retry-After is a floor, within our own ceiling
            return min(self.max_delay, max(jittered, retry_after))
        return jittered


def canonical_query(params: Mapping[str, str | None]) -> str:
    """`k=v&...` encoded as SigV4 canonicalises it (RFC 3986 unreserved kept, space as %20), so that the
    query botocore signs is byte for byte the one sent. A None value sends the bare name (`?uploads`)."""
    pairs = []
    for name, value in params.items():
        encoded = quote(name, safe="-_.~")
        pairs.append(encoded if value is None else f"{encoded}={quote(value, safe='-_.~')}")
    return "&".join(pairs)


class Transport:
    """Requests to one stage's invoke URL, SigV4-signed, pooled, timed out and retried."""

    def __init__(
        self,
        url: str,
        region: str,
        credentials: Any = None,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        pool_size: int = 10,
        rng: random.Random | None = None,
        sleep: Callable[[float], Any] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.region = region
        self.credentials = credentials if credentials is not None else default_credentials()
        self.timeout = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self.rng = rng or random.Random()
        self._sleep = sleep
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        self.pool_size = 0
        self.ensure_pool(pool_size)
        self._lock = threading.Lock()
        self.stats: Counter[str] = Counter()
        """`attempts`, `retries` and one count per retry reason (a status or an exception name)."""

    def ensure_pool(self, size: int) -> None:
        """Keep at least `size` pooled connections per host (call before starting `size` workers)."""
        if size <= self.pool_size:
            return
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=size, max_retries=0)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)
        self.pool_size = size

    def close(self) -> None:
        self.http.close()

    def url_for(self, path: str, params: Mapping[str, str | None] | None = None) -> str:
        """`path` is already encoded (see `parts.object_path`)."""
        query = f"?{canonical_query(params)}" if params else ""
        return f"{self.url}/{path.lstrip('/')}{query}"

    def sign(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
        """The headers to send: `headers` plus botocore's SigV4 (`X-Amz-Date`, `Authorization`, and
        `X-Amz-Security-Token` for temporary credentials)."""
        frozen = self.credentials.get_frozen_credentials()  # a refreshable chain refreshes here
        request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
        SigV4Auth(frozen, SERVICE, self.region).add_auth(request)
        return dict(request.headers.items())

    def _count(self, *names: str) -> None:
        with self._lock:
            self.stats.update(names)

    def _wait(self, seconds: float, cancel: threading.Event | None) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        elif cancel is not None:
            if cancel.wait(seconds):
                raise TransferCancelled()
        else:
            threading.Event().wait(seconds)

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | None] | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        cancel: threading.Event | None = None,
        error_in_200: bool = False,
    ) -> requests.Response:
        """Send until an answer that is not a transient failure; raise the typed error for an error answer.
        The response's body is read in full (answers here are small, or bounded by the 10 MB limit).
        `error_in_200`: the operation may answer 200 with an S3 `<Error>` body (CompleteMultipartUpload), which
        is then an error answer like any other, retried when its code is transient."""
        response: requests.Response = self._send(method, path, params, headers, body, None, cancel, error_in_200)
        return response

    def stream(
        self,
        method: str,
        path: str,
        consume: Callable[[requests.Response], T],
        *,
        headers: Mapping[str, str] | None = None,
        cancel: threading.Event | None = None,
    ) -> T:
        """As `send` (without a body), with the answer streamed to `consume(response)` inside the retry loop: a
        connection dropped while it reads is retried like any other failure (the request is sent again whole)."""
        result: T = self._send(method, path, None, headers, b"", consume, cancel, False)
        return result

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | None] | None,
        headers: Mapping[str, str] | None,
        body: bytes,
        consume: Callable[[requests.Response], Any] | None,
        cancel: threading.Event | None,
        error_in_200: bool,
    ) -> Any:
        url = self.url_for(path, params)
        policy = self.retry
        attempt = 0
        while True:
            attempt += 1
            if cancel is not None and cancel.is_set():
                raise TransferCancelled()
            signed = self.sign(method, url, headers or {}, body)
            self._count("attempts")
            retry_after: float | None = None
            try:
                prepared = self.http.prepare_request(requests.Request(method, url, data=body, headers=signed))
                # Exactly the URL signed: requests would decode `%2E` (a key's `.` and `..` segments, which must
                # reach API Gateway as key text, never as path navigation).
                prepared.url = url
                settings = self.http.merge_environment_settings(url, {}, consume is not None, None, None)
                response = self.http.send(prepared, timeout=self.timeout, allow_redirects=False, **settings)
                try:
                    if response.status_code < 300:
                        if consume is not None:
                            return consume(response)
                        if not (error_in_200 and is_error_document(response.content)):
                            return response
                    error = error_for(response.status_code, response.content, response.headers, attempt)
                finally:
                    if consume is not None:
                        response.close()
            except requests.exceptions.SSLError:
                raise  # a certificate problem does not go away on a retry
            except RETRYABLE_EXCEPTIONS as failure:
                reason = type(failure).__name__
                if attempt >= policy.max_attempts:
                    raise ConnectionFailedError(
                        None, reason, f"{method} {url.partition('?')[0]}: {failure}", None, attempts=attempt
                    ) from failure
            else:
                if not self._retryable(error) or attempt >= policy.max_attempts:
                    raise error
                reason = str(error.status)
                retry_after = _retry_after(response.headers.get("Retry-After"))
            self._count("retries", reason)
            self._wait(policy.delay(attempt, self.rng, retry_after), cancel)

    @staticmethod
    def _retryable(error: S3ProxyError) -> bool:
        if error.status is not None and is_retryable_status(error.status):
            return True
        return error.code in RETRYABLE_CODES and error.status != 501


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: ignored, the back-off applies
