"""Fakes for the client's offline tests: a scripted HTTP server on 127.0.0.1 (answers in turn, by range, or as
S3's multipart operations, with faults injected on events rather than timing), SigV4 verified as API Gateway
would, and the helpers that build clients and files for them."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from s3proxy_client import S3ProxyClient

CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
ARN = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/dev"
FAST = {"backoff_base": 0.001, "backoff_max": 0.002}  # retries without waiting


def xml_error(code: str, message: str = "m", request_id: str = "REQ1") -> bytes:
    return (
        f"<?xml version='1.0' encoding='utf-8'?>\n<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()


@dataclass
class Script:
    """What the server does for each request in turn (then `ok`), and what it received."""

    actions: list[Any]
    payload: bytes = b"0123456789" * 100
    received: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    signed: list[bool] = field(default_factory=list)  # whether each request's SigV4 signature is right
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self, entry: tuple[str, str, dict[str, str], bytes]) -> Any:
        with self.lock:
            self.received.append(entry)
            return self.actions.pop(0) if self.actions else "ok"


SECRETS = {"test": "test", CREDENTIALS.access_key: CREDENTIALS.secret_key}


AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([^/]+)/\d{8}/([^/]+)/execute-api/aws4_request, "
    r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$"
)


def signature_is_valid(method: str, path: str, headers: dict[str, str], body: bytes) -> bool:
    """Verify a request's SigV4 signature as API Gateway would: recomputed (with botocore) from what arrived:
    the method, path and query, the headers it names as signed, and the body."""
    match = AUTHORIZATION.match(headers.get("Authorization", ""))
    if not match:
        return False
    key_id, region, signed_names, signature = match.groups()
    lowered = {name.lower(): value for name, value in headers.items()}
    request = AWSRequest(
        method=method,
        url=f"http://{lowered['host']}{path}",
        data=body,
        headers={name: lowered[name] for name in signed_names.split(";")},
    )
    request.context["timestamp"] = lowered["x-amz-date"]
    auth = SigV4Auth(Credentials(key_id, SECRETS[key_id]), "execute-api", region)
    return auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request) == signature


class ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def handle_any(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.script.signed.append(signature_is_valid(self.command, self.path, dict(self.headers.items()), body))
        action = self.server.script.next((self.command, self.path, dict(self.headers.items()), body))
        while callable(action):  # scripted with events: it may block until the test (or another request) says
            action = action()
        payload = self.server.script.payload
        if action == "drop":  # abruptly: a TCP reset, no answer at all
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        status, extra, content = 200, {}, payload
        if isinstance(action, tuple):
            status, content, extra = action
        elif self.headers.get("Range"):
            first, last = (int(n) for n in self.headers["Range"].removeprefix("bytes=").split("-"))
            status, content = 206, payload[first : last + 1]
            extra = {"Content-Range": f"bytes {first}-{first + len(content) - 1}/{len(payload)}"}
        announced = len(content)
        if action == "short":  # announces the whole body, sends half, and drops the connection
            content = content[: len(content) // 2]
            self.close_connection = True
        elif action == "short range":  # well-formed HTTP whose body is shorter than its Content-Range says
            content = content[: len(content) // 2]
            announced = len(content)
        self.send_response(status)
        for name, value in {"Content-Length": str(announced), "ETag": '"e1"', **extra}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)
        if action == "short":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    def log_message(self, *args: Any) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the dropped connections are on purpose


@contextlib.contextmanager
def serving(script: Script, base: str) -> Iterator[str]:
    """`script` answering on a fresh loopback port; the URL of `base` there."""
    server = QuietServer(("127.0.0.1", 0), ScriptedHandler)
    server.script = script  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{base}"
    finally:
        server.shutdown()
        server.server_close()


def client_for(url: str, **options: Any) -> S3ProxyClient:
    return S3ProxyClient(url, "us-east-1", credentials=Credentials("test", "test"), **(FAST | options))


def held_until(event: threading.Event, then: Any = "ok") -> Callable[[], Any]:
    """An answer held until `event` is set. Bounded, so that a client that never gives up fails the test
    instead of hanging it."""

    def hold() -> Any:
        event.wait(30)
        return then

    return hold


def setting(event: threading.Event, then: Any = "ok") -> Callable[[], Any]:
    """An answer that first sets `event` (releasing whatever waits for this request)."""

    def signal() -> Any:
        event.set()
        return then

    return signal


@dataclass
class ByRange(Script):
    """Answers each ranged read by its first byte: `by_offset[offset]` lists the actions for that range's
    requests in turn (then `ok`, the range itself)."""

    by_offset: dict[int, list[Any]] = field(default_factory=dict)

    def next(self, entry: tuple[str, str, dict[str, str], bytes]) -> Any:
        with self.lock:
            self.received.append(entry)
            offset = int(entry[2]["Range"].removeprefix("bytes=").partition("-")[0])
            actions = self.by_offset.get(offset) or []
            return actions.pop(0) if actions else "ok"


def b64_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@dataclass
class FakeS3(Script):
    """S3's multipart operations for the scripted server: a part is answered with its MD5 ETag and its SHA-256
    checksum (x-amz-checksum-sha256, as S3 does), Complete assembles the object (ETag and composite checksum
    as S3 computes them), HEAD finds it. `faults[request]` (a `log` name: `UploadPart 2`, `HeadObject`) lists
    functions that turn the next answers to that request (computed, and acted upon, as usual) into other
    actions, called in the handler's thread (so they may wait on events); `log` is what happened, in order."""

    faults: dict[str, list[Callable[[Any], Any]]] = field(default_factory=dict)
    parts: dict[int, bytes] = field(default_factory=dict)
    state: str = "none"  # then "open", "aborted" or "completed"
    etag: str | None = None
    log: list[str] = field(default_factory=list)
    aborted: threading.Event = field(default_factory=threading.Event)

    def next(self, entry: tuple[str, str, dict[str, str], bytes]) -> Any:
        method, path, _, body = entry
        query = parse_qs(urlsplit(path).query, keep_blank_values=True)
        with self.lock:
            self.received.append(entry)
            operation = self.operation(method, query)
            request = operation + (f" {query['partNumber'][0]}" if "partNumber" in query else "")
            self.log.append(request)
            answer = self.answer(operation, query, body)
            faults = self.faults.get(request) or []
            fault = faults.pop(0) if faults else None
        return answer if fault is None else (lambda: fault(answer))

    @staticmethod
    def operation(method: str, query: dict[str, list[str]]) -> str:
        if method == "POST":
            return "CreateMultipartUpload" if "uploads" in query else "CompleteMultipartUpload"
        if "uploadId" in query:
            return {"PUT": "UploadPart", "DELETE": "AbortMultipartUpload", "GET": "ListParts"}[method]
        return {"PUT": "PutObject", "HEAD": "HeadObject", "GET": "GetObject", "DELETE": "DeleteObject"}[method]

    def answer(self, operation: str, query: dict[str, list[str]], body: bytes) -> Any:
        no_such_upload = (404, xml_error("NoSuchUpload"), {})
        if operation == "CreateMultipartUpload":
            self.state, self.parts = "open", {}
            return (
                200,
                b"<InitiateMultipartUploadResult><UploadId>up-1</UploadId></InitiateMultipartUploadResult>",
                {},
            )
        if operation == "UploadPart":
            if self.state != "open":
                return no_such_upload
            self.parts[int(query["partNumber"][0])] = body
            return (200, b"", {"ETag": f'"{hashlib.md5(body).hexdigest()}"', "x-amz-checksum-sha256": b64_sha256(body)})
        if operation == "CompleteMultipartUpload":
            if self.state != "open":
                return no_such_upload
            self.state = "completed"
            digests = [hashlib.md5(self.parts[n]).digest() for n in sorted(self.parts)]
            self.etag = f'"{hashlib.md5(b"".join(digests)).hexdigest()}-{len(digests)}"'
            sha = [hashlib.sha256(self.parts[n]).digest() for n in sorted(self.parts)]
            composite = f"{b64_sha256(b''.join(sha))}-{len(sha)}"
            result = f"<CompleteMultipartUploadResult><ETag>{self.etag}</ETag><ChecksumSHA256>{composite}"
            return (200, f"{result}</ChecksumSHA256></CompleteMultipartUploadResult>".encode(), {})
        if operation == "AbortMultipartUpload":
            if self.state != "open":
                return no_such_upload
            self.state = "aborted"
            self.aborted.set()
            return (204, b"", {})
        if operation == "HeadObject":
            return (200, b"", {"ETag": self.etag}) if self.state == "completed" else (404, b"", {})
        if operation == "PutObject":
            return (200, b"", {"ETag": f'"{hashlib.md5(body).hexdigest()}"', "x-amz-checksum-sha256": b64_sha256(body)})
        raise AssertionError(f"not scripted: {operation}")

    def sent(self, operation: str) -> list[tuple[str, str, dict[str, str], bytes]]:
        return [
            entry
            for entry in self.received
            if self.operation(entry[0], parse_qs(urlsplit(entry[1]).query)) == operation
        ]


def parts_of(path: Path, part_size: int) -> list[bytes]:
    data = path.read_bytes()
    return [data[offset : offset + part_size] for offset in range(0, len(data), part_size)]


def random_file(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
