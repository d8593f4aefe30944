"""The app-side client, offline: outputs parsing, SigV4 signing (checked with botocore), error mapping, retries
against a scripted local HTTP server, part planning, path encoding, and whole transfers and the CLI against
moto's S3 served on 127.0.0.1."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from s3proxy_client import (
    AccessDeniedError,
    Bucket,
    ConflictError,
    ConnectionFailedError,
    InvalidRangeError,
    NotFoundError,
    NotModifiedError,
    OutputsError,
    PayloadTooLargeError,
    PreconditionFailedError,
    RouteNotAllowedError,
    S3ProxyClient,
    S3ProxyError,
    ServerError,
    ThrottledError,
    TransferResult,
    UploadedPart,
    cli,
)
from s3proxy_client.client import MULTIPART_ROUTES, ObjectEntry, multipart_etag
from s3proxy_client.errors import error_for, is_error_document, parse_error_body
from s3proxy_client.outputs import parse_outputs
from s3proxy_client.parts import (
    API_GATEWAY_PAYLOAD_LIMIT,
    MAX_PARTS,
    MIN_PART_SIZE,
    MiB,
    Part,
    encode_key,
    object_path,
    plan_parts,
)
from s3proxy_client.transport import RetryPolicy, Transport, canonical_query

CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
ARN = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/dev"
OUTPUTS = {
    "url": "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/dev",
    "rest_api_id": "a1b2c3d4e5",
    "stage_name": "dev",
    "execution_arn": ARN,
    "role_arn": "arn:aws:iam::123456789012:role/s3proxy",
    "policy": "{}",
    "openapi": "{}",
    "routes": ["GET / -> s3:ListAllMyBuckets", "GET /{folder}/{item+} -> s3:GetObject"],
}
FAST = {"backoff_base": 0.001, "backoff_max": 0.002}


# Stack outputs


def test_outputs_from_a_dict_a_path_and_the_cli_text(tmp_path):
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(OUTPUTS, indent=2))
    make_up_text = "Deploying stack dev\n" + json.dumps(OUTPUTS)  # `make up`: the last line is the object
    for source in (OUTPUTS, path, str(path), json.dumps(OUTPUTS, indent=2), make_up_text):
        parsed = parse_outputs(source)
        assert (parsed.url, parsed.region) == (OUTPUTS["url"], "eu-west-1")
        assert parsed.routes == tuple(OUTPUTS["routes"])
    client = S3ProxyClient.from_outputs(path, credentials=CREDENTIALS)
    assert (client.url, client.region, client.routes) == (OUTPUTS["url"], "eu-west-1", tuple(OUTPUTS["routes"]))


def test_region_from_the_arn_first_then_the_url_host_and_an_override_wins():
    localstack = {"url": "http://localhost:4566/restapis/abc/dev/_user_request_", "execution_arn": ARN}
    assert parse_outputs(localstack).region == "eu-west-1"  # the URL tells nothing, the ARN does
    assert parse_outputs({"url": "https://abc123.execute-api.ap-southeast-2.amazonaws.com/prod"}).region == (
        "ap-southeast-2"
    )
    assert parse_outputs({"url": "https://abc123.execute-api.cn-north-1.amazonaws.com.cn/x"}).region == "cn-north-1"
    assert parse_outputs(localstack, region="us-west-2").region == "us-west-2"
    assert parse_outputs(localstack, url="http://127.0.0.1:9/p").url == "http://127.0.0.1:9/p"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"execution_arn": ARN}, "no usable `url`"),
        ({"url": "http://localhost:4566/restapis/abc/dev/_user_request_"}, "cannot tell the API's region"),
        ('{"url": ', "not JSON"),
        ("[1, 2]", "not an object of stack outputs"),
        ("/nonexistent/outputs.json", "cannot read stack outputs"),
    ],
)
def test_bad_outputs_are_one_clear_error(source, message):
    with pytest.raises(OutputsError, match=message):
        parse_outputs(source)


def test_outputs_errors_say_exactly_what_is_wrong(tmp_path):
    """The messages an app developer reads: which key is missing, which file, what was expected."""
    cases = [
        (
            {"execution_arn": ARN, "stage_name": "dev"},
            "the stack outputs have no usable `url` (keys: execution_arn, stage_name)",
        ),
        ({}, "the stack outputs have no usable `url` (keys: none)"),
        (
            {"url": "http://localhost:4566/x"},
            "cannot tell the API's region: no `execution_arn` (arn:aws:execute-api:<region>:...) and the url's host "
            "is not <id>.execute-api.<region>.amazonaws.com; pass a region",
        ),
        (
            str(tmp_path / "none.json"),
            f"cannot read stack outputs from {tmp_path}/none.json: No such file or directory",
        ),
        ("[1, 2]", "the outputs text is JSON but not an object of stack outputs"),
        ("progress\nnot json", "the outputs text is not JSON (expected `pulumi stack output --json`)"),
    ]
    (tmp_path / "list.json").write_text("[1]")
    cases.append((str(tmp_path / "list.json"), f"{tmp_path}/list.json is JSON but not an object of stack outputs"))
    for source, message in cases:
        with pytest.raises(OutputsError) as raised:
            parse_outputs(source)
        assert str(raised.value) == message


def test_outputs_are_kept_whole_and_the_url_without_its_trailing_slash():
    progress = "Deploying stack dev\n  + created a\n  + created b\n" + json.dumps(
        OUTPUTS | {"url": OUTPUTS["url"] + "/"}
    )
    parsed = parse_outputs(progress)  # the last line of `make up`, after several lines of progress
    assert parsed.url == OUTPUTS["url"] and parsed.raw == OUTPUTS | {"url": OUTPUTS["url"] + "/"}
    assert parse_outputs("   " + json.dumps(OUTPUTS)).region == "eu-west-1"  # blanks before the object: text
    assert parse_outputs({"url": "https://x.example.com/p", "execution_arn": ARN}).routes is None
    assert parse_outputs({"url": "https://q1.execute-api.sa-east-1.amazonaws.com/p", "execution_arn": 5}).region == (
        "sa-east-1"
    )


def test_a_client_from_outputs_takes_the_overrides_and_the_options():
    client = S3ProxyClient.from_outputs(
        OUTPUTS, region="us-west-2", url="http://127.0.0.1:9/p", credentials=CREDENTIALS, read_timeout=7, max_attempts=2
    )
    assert (client.url, client.region, client.transport.timeout) == ("http://127.0.0.1:9/p", "us-west-2", (10.0, 7))
    assert client.transport.retry.max_attempts == 2 and client.transport.credentials is CREDENTIALS
    assert repr(client) == "S3ProxyClient('http://127.0.0.1:9/p', region='us-west-2')"


def test_credentials_come_from_the_boto3_chain_else_localstack_test_keys(monkeypatch, tmp_path):
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-from-env")
    found = Transport("http://127.0.0.1:9", "us-east-1").credentials.get_frozen_credentials()
    assert (found.access_key, found.secret_key) == ("AKIDFROMENV", "secret-from-env")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    fallback = Transport("http://127.0.0.1:9", "us-east-1").credentials.get_frozen_credentials()
    assert (fallback.access_key, fallback.secret_key) == ("test", "test")


# Signing


def test_requests_are_signed_with_sigv4_for_execute_api_in_the_api_region():
    transport = Transport("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/dev", "eu-west-1", CREDENTIALS)
    url = transport.url_for("bucket/a%20b.txt", {"partNumber": "1", "uploadId": "x/y+z"})
    headers = transport.sign("PUT", url, {"Content-Type": "application/octet-stream"}, b"payload")
    authorization = headers["Authorization"]
    date = headers["X-Amz-Date"]
    assert authorization.startswith(f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{date[:8]}/eu-west-1/execute-api/")

    # botocore, given the same request and timestamp, computes the same signature
    request = AWSRequest(method="PUT", url=url, data=b"payload", headers={"Content-Type": "application/octet-stream"})
    request.headers["X-Amz-Date"] = date
    request.context["timestamp"] = date
    auth = SigV4Auth(CREDENTIALS, "execute-api", "eu-west-1")
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    assert authorization.endswith(f"Signature={expected}")
    other_region = SigV4Auth(CREDENTIALS, "execute-api", "us-east-1")
    assert not authorization.endswith(
        other_region.signature(other_region.string_to_sign(request, other_region.canonical_request(request)), request)
    )


def test_temporary_credentials_send_their_session_token():
    transport = Transport("http://127.0.0.1:9", "us-east-1", Credentials("AKID", "SECRET", "TOKEN"))
    assert transport.sign("GET", transport.url_for(""), {}, b"")["X-Amz-Security-Token"] == "TOKEN"


def test_the_query_is_sent_as_sigv4_canonicalises_it():
    assert canonical_query({"list-type": "2", "prefix": "a b/ü", "continuation-token": "x/y+z="}) == (
        "list-type=2&prefix=a%20b%2F%C3%BC&continuation-token=x%2Fy%2Bz%3D"
    )
    assert canonical_query({"uploads": None}) == "uploads"


# Error mapping


def xml_error(code: str, message: str = "m", request_id: str = "REQ1") -> bytes:
    return (
        f"<?xml version='1.0' encoding='utf-8'?>\n<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (404, "NoSuchKey", NotFoundError),
        (404, "NoSuchBucket", NotFoundError),
        (404, "NoSuchUpload", NotFoundError),
        (400, "NoSuchKey", NotFoundError),  # the `tutorial` status mapping answers 400: the code decides
        (403, "AccessDenied", AccessDeniedError),
        (403, "SignatureDoesNotMatch", AccessDeniedError),
        (412, "PreconditionFailed", PreconditionFailedError),
        (409, "BucketNotEmpty", ConflictError),
        (409, "BucketAlreadyOwnedByYou", ConflictError),
        (416, "InvalidRange", InvalidRangeError),
        (503, "SlowDown", ThrottledError),
        (500, "InternalError", ServerError),
        (501, "NotImplemented", ServerError),
        (400, "InvalidArgument", S3ProxyError),
    ],
)
def test_s3_xml_errors_map_to_typed_exceptions(status, code, cls):
    error = error_for(status, xml_error(code, "The message."), {"x-amz-request-id": "HEADER-ID"})
    assert type(error) is cls
    assert (error.status, error.code, error.message, error.request_id) == (status, code, "The message.", "REQ1")
    assert str(error) == f"{code} (HTTP {status}): The message. [request id REQ1]"


@pytest.mark.parametrize(
    ("status", "body", "error_type", "cls"),
    [
        (
            403,
            b'{"message": "Missing Authentication Token"}',
            "MissingAuthenticationTokenException",
            RouteNotAllowedError,
        ),
        (
            403,
            b'{"Message": "User: arn:aws:iam::1:user/x is not authorized"}',
            "AccessDeniedException",
            AccessDeniedError,
        ),
        (403, b'{"message": "The security token included in the request is invalid."}', None, AccessDeniedError),
        (429, b'{"message": "Too Many Requests"}', "TooManyRequestsException", ThrottledError),
        (413, b'{"message": "Request Too Long"}', None, PayloadTooLargeError),
        (504, b'{"message": "Endpoint request timed out"}', None, ServerError),
    ],
)
def test_api_gateway_json_errors_map_too(status, body, error_type, cls):
    headers = {"x-amzn-RequestId": "GW-1"} | (
        {"x-amzn-ErrorType": f"{error_type}:http://internal"} if error_type else {}
    )
    error = error_for(status, body, headers)
    assert type(error) is cls
    assert error.request_id == "GW-1"
    assert json.loads(body).popitem()[1] in error.message
    if cls is RouteNotAllowedError:
        assert isinstance(error, AccessDeniedError) and "no such route" in str(error)


def test_answers_without_a_body():
    missing = error_for(404, b"", {})
    assert (type(missing), missing.code) == (NotFoundError, "NotFound")  # HEAD of a missing key
    assert type(error_for(304, b"", {})) is NotModifiedError
    assert type(error_for(502, b"garbage <", {})) is ServerError
    assert "\n" not in str(error_for(400, xml_error("Bad", "two\nlines"), {}))


@pytest.mark.parametrize(
    ("body", "headers", "parsed"),
    [
        (b"", {}, (None, "", None)),
        (b"<Error><Code>NoSuchKey</Code></Error>", {}, ("NoSuchKey", "", None)),  # no Message element
        (b"<Error><Code>NoSuchKey</Code><Message/><RequestId/></Error>", {}, ("NoSuchKey", "", None)),
        (b"<Other><Code>C</Code><Message>m</Message></Other>", {}, (None, "", None)),  # XML, not an error
        (b"<not xml", {"x-amz-request-id": "R2"}, (None, "", "R2")),
        (b'{"message": null}', {}, (None, "", None)),
        (b"{}", {}, (None, "", None)),
        (b'{"Message": "M"}', {}, (None, "M", None)),
        (b'{"__type": "ThrottlingException", "code": "Other"}', {}, ("ThrottlingException", "", None)),
        (b'{"code": "BadRequestException"}', {}, ("BadRequestException", "", None)),
        (b"[1, 2]", {}, (None, "", None)),  # JSON, not an object
        (b"{broken", {"X-Amzn-RequestId": "GW"}, (None, "", "GW")),
        (b"", {"x-amzn-ErrorType": "AccessDeniedException:http://internal:8080/"}, ("AccessDeniedException", "", None)),
        (xml_error("SlowDown"), {"x-amzn-ErrorType": "Other"}, ("SlowDown", "m", "REQ1")),  # the body's code wins
        (b"", {"X-Amz-Request-Id": "S3", "x-amzn-RequestId": "GW"}, (None, "", "S3")),  # S3's id first
    ],
)
def test_error_bodies_parse_to_code_message_and_request_id(body, headers, parsed):
    assert parse_error_body(body, headers) == parsed


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (404, b"", (NotFoundError, "NotFound", "Not Found")),
        (404, b'{"message": "gone"}', (NotFoundError, "NotFound", "gone")),
        (304, b"", (NotModifiedError, "NotModified", "Not Modified")),
        (304, xml_error("Custom", "kept"), (NotModifiedError, "Custom", "kept")),
        (500, b"", (ServerError, None, "")),  # no code invented for other statuses
        (
            403,
            b"{}",
            (
                RouteNotAllowedError,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token (the stack serves no such route or method)",
            ),
        ),
        (
            403,
            b'{"message": "Missing Authentication Token"}',
            (
                RouteNotAllowedError,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token (the stack serves no such route or method)",
            ),
        ),
    ],
)
def test_answers_without_a_code_get_the_status_code_and_message(status, body, expected):
    error_type = (
        {"x-amzn-ErrorType": "MissingAuthenticationTokenException"} if expected[0] is RouteNotAllowedError else {}
    )
    error = error_for(status, body, error_type)
    assert (type(error), error.code, error.message) == expected


def test_an_error_describes_itself_on_one_line_with_what_is_known():
    assert str(S3ProxyError(500, None, "")) == "Error (HTTP 500)"
    assert str(S3ProxyError(None, "X", "m")) == "X: m"
    assert S3ProxyError(None, "X", "m").attempts == 1
    assert (
        str(S3ProxyError(503, "SlowDown", "m", "R", attempts=2))
        == "SlowDown (HTTP 503): m [request id R] after 2 attempts"
    )


def test_only_an_s3_error_document_counts_as_one():
    assert is_error_document(b"  " + xml_error("InternalError"))
    assert not is_error_document(b"<CompleteMultipartUploadResult><ETag>e</ETag></CompleteMultipartUploadResult>")
    assert not is_error_document(b"<Error")  # not XML
    assert not is_error_document(b"Error")  # not XML either


def test_a_transient_code_is_retried_at_any_status_but_501():
    """A 200 whose body is an S3 `<Error>` (CompleteMultipartUpload) is retried when its code is transient;
    501 NotImplemented never is, whatever its code."""
    assert Transport._retryable(error_for(200, xml_error("InternalError"), {}))
    assert not Transport._retryable(error_for(200, xml_error("InvalidPart"), {}))
    assert not Transport._retryable(error_for(501, xml_error("ServiceUnavailable"), {}))
    assert Transport._retryable(error_for(502, b"", {}))


# Retries, against a scripted server on 127.0.0.1


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


@pytest.fixture
def scripted() -> Iterator[tuple[Script, str]]:
    script = Script([])
    with serving(script, "/restapis/abc/dev/_user_request_") as url:
        yield script, url


def client_for(url: str, **options: Any) -> S3ProxyClient:
    return S3ProxyClient(url, "us-east-1", credentials=Credentials("test", "test"), **(FAST | options))


def test_5xx_three_times_then_success(scripted):
    script, url = scripted
    script.actions = [(503, b"", {}), (502, b'{"message": "Internal server error"}', {}), (500, xml_error("X"), {})]
    client = client_for(url)
    body = os.urandom(1000)
    assert client.put_object("bkt", "k", body) == '"e1"'
    assert len(script.received) == 4
    assert all(entry[3] == body for entry in script.received)  # the whole body, sent again each time
    assert all(entry[2]["Authorization"].startswith("AWS4-HMAC-SHA256") for entry in script.received)
    assert client.transport.stats["retries"] == 3 and client.transport.stats["503"] == 1


def test_dropped_connections_are_retried_and_each_attempt_signed_afresh(scripted):
    script, url = scripted

    class CountingCredentials:
        frozen = 0

        def get_frozen_credentials(self) -> Credentials:
            self.frozen += 1
            return Credentials("test", "test")

    credentials = CountingCredentials()
    script.actions = ["drop", "drop"]
    client = S3ProxyClient(url, "us-east-1", credentials=credentials, **FAST)
    assert client.get_object("bkt", "a/b c.txt").body == script.payload
    assert len(script.received) == 3 and credentials.frozen == 3
    assert {entry[1] for entry in script.received} == {"/restapis/abc/dev/_user_request_/bkt/a/b%20c.txt"}


def test_dot_segments_of_a_key_go_out_encoded_exactly_as_signed(scripted):
    script, url = scripted
    client_for(url).get_object("bkt", "a/../b/./c")  # key text: no HTTP layer may resolve it to `b/c`
    assert script.received[0][1] == "/restapis/abc/dev/_user_request_/bkt/a/%2E%2E/b/%2E/c"


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


def test_a_read_timeout_is_retried(scripted):
    script, url = scripted
    retried = threading.Event()
    script.actions = [held_until(retried), setting(retried)]  # the first answer waits for the retry itself
    client = client_for(url, read_timeout=0.2)
    assert client.get_object("bkt", "k").body == script.payload
    assert len(script.received) == 2 and client.transport.stats["ReadTimeout"] == 1


def test_429_then_success_and_throttled_error_after_every_attempt(scripted):
    script, url = scripted
    script.actions = [(429, b'{"message": "Too Many Requests"}', {"Retry-After": "0"})]
    client = client_for(url, max_attempts=3)
    client.delete_object("bkt", "k")
    assert len(script.received) == 2
    script.received.clear()
    script.actions = [(503, xml_error("SlowDown"), {})] * 10
    with pytest.raises(ThrottledError) as raised:
        client.delete_object("bkt", "k")
    assert raised.value.attempts == 3 and len(script.received) == 3 and "after 3 attempts" in str(raised.value)


def test_connection_failures_on_every_attempt_end_in_one_error(scripted):
    script, url = scripted
    script.actions = ["drop"] * 10
    with pytest.raises(ConnectionFailedError) as raised:
        client_for(url, max_attempts=4).list_buckets()
    assert (raised.value.attempts, len(script.received), raised.value.status) == (4, 4, None)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [(501, "NotImplemented", ServerError), (404, "NoSuchKey", NotFoundError), (403, "AccessDenied", AccessDeniedError)],
)
def test_final_answers_are_not_retried(scripted, status, code, cls):
    script, url = scripted
    script.actions = [(status, xml_error(code), {})] * 5
    with pytest.raises(cls):
        client_for(url).get_object("bkt", "k")
    assert len(script.received) == 1


def test_a_body_cut_short_is_read_again_and_the_file_is_exact(scripted, tmp_path):
    script, url = scripted
    script.payload = os.urandom(6 * MiB + 123)
    script.actions = ["ok", "short"]  # the second range is cut in the middle
    client = client_for(url)
    result = client.download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=1)
    assert (tmp_path / "out").read_bytes() == script.payload
    assert (result.size, result.parts, len(script.received)) == (len(script.payload), 2, 3)
    assert all(entry[2].get("If-Match") == '"e1"' for entry in script.received[1:])  # same version only
    assert client.transport.stats["retries"] == 1


def test_backoff_is_exponential_with_full_jitter_and_capped():
    policy = RetryPolicy(max_attempts=10, base_delay=0.1, max_delay=1.0)
    rng = random.Random(7)
    for attempt in range(1, 10):
        ceiling = min(1.0, 0.1 * 2 ** (attempt - 1))
        delays = [policy.delay(attempt, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # jitter spreads over the whole interval
    assert policy.delay(1, rng, retry_after=0.5) >= 0.5  # a server's Retry-After is a floor
    assert policy.delay(1, rng, retry_after=30) == 1.0  # within our ceiling


def test_a_retry_after_is_waited_for_at_least(scripted):
    """S3's and API Gateway's Retry-After (seconds) is a floor on the back-off, within its ceiling."""
    script, url = scripted
    script.actions = [(503, xml_error("SlowDown"), {"Retry-After": "3"}), (429, b"{}", {"Retry-After": "9"})]
    waited: list[float] = []
    transport = Transport(url, "us-east-1", CREDENTIALS, retry=RetryPolicy(3, 0.001, 5.0), sleep=waited.append)
    assert transport.send("GET", "bkt/k").status_code == 200
    assert waited[0] >= 3 and waited[1] == 5.0  # the floor, then capped at max_delay
    script.actions = [(503, xml_error("SlowDown"), {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})]
    waited.clear()
    transport.send("GET", "bkt/k")  # an HTTP date is ignored: the jittered back-off applies
    assert len(waited) == 1 and waited[0] <= 0.001
    script.actions = [(503, xml_error("SlowDown"), {"Retry-After": "0"}), (503, b"", {"Retry-After": "-5"})]
    waited.clear()
    transport.send("GET", "bkt/k")
    assert len(waited) == 2 and max(waited) <= 0.002  # no floor (the ceilings: 0.001, 0.002), none negative


def test_a_well_formed_body_shorter_than_its_range_is_read_again(scripted, tmp_path):
    script, url = scripted
    script.payload = os.urandom(6 * MiB + 123)
    script.actions = ["ok", "short range"]  # the second range: Content-Length right, the body half its range
    client = client_for(url)
    client.download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=1)
    assert (tmp_path / "out").read_bytes() == script.payload
    assert len(script.received) == 3 and client.transport.stats["IncompleteBodyError"] == 1


def test_a_range_answered_at_another_offset_fails_and_leaves_no_file(scripted, tmp_path):
    """The right length and end, one byte early: written as told, it would overwrite part 1's last byte."""
    script, url = scripted
    script.payload = os.urandom(6 * MiB)
    early = script.payload[5 * MiB - 1 :]
    script.actions = ["ok", (206, early, {"Content-Range": f"bytes {5 * MiB - 1}-{6 * MiB - 1}/{6 * MiB}"})]
    with pytest.raises(S3ProxyError, match=rf"unexpected Content-Range 'bytes {5 * MiB - 1}-") as raised:
        client_for(url).download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=1)
    assert raised.value.code == "MalformedResponse"
    assert list(tmp_path.iterdir()) == []


def test_a_range_ignored_by_the_server_gives_the_whole_object_at_once(scripted, tmp_path):
    """A 200 to the first ranged read (a server or proxy that ignores Range) is the whole object: kept as sent,
    its length is the size; the rest are ranged reads as usual."""
    script, url = scripted
    script.payload = os.urandom(6 * MiB + 5)
    script.actions = [(200, script.payload, {})]
    client = client_for(url)
    result = client.download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB)
    assert (tmp_path / "out").read_bytes() == script.payload
    assert (result.bucket, result.key, result.size, result.etag, result.parts) == ("bkt", "k", 6 * MiB + 5, '"e1"', 2)
    script.payload = b"small object"
    script.actions = [(200, script.payload, {"ETag": '"e2"'})]
    small = client.download_file("bkt", "k", tmp_path / "small", part_size=5 * MiB)
    assert (tmp_path / "small").read_bytes() == b"small object"
    assert (small.size, small.etag, small.parts, len(script.received)) == (12, '"e2"', 1, 3)


def test_every_read_of_a_download_is_a_bodiless_get_conditional_on_the_first_etag(scripted, tmp_path):
    script, url = scripted
    script.payload = os.urandom(11 * MiB)
    client_for(url).download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=1)
    sent = [(method, headers["Range"], headers.get("If-Match"), body) for method, _, headers, body in script.received]
    assert sent == [
        ("GET", f"bytes=0-{5 * MiB - 1}", None, b""),
        ("GET", f"bytes={5 * MiB}-{10 * MiB - 1}", '"e1"', b""),
        ("GET", f"bytes={10 * MiB}-{11 * MiB - 1}", '"e1"', b""),
    ]


@pytest.mark.parametrize(
    ("answer", "status", "message"),
    [
        ((200, b"x" * MiB, {}), 200, "a ranged read answered <Response [200]>"),
        ((204, b"", {}), 204, "a ranged read answered <Response [204]>"),
        (
            (206, b"x" * 10, {"Content-Range": f"bytes {5 * MiB}-{5 * MiB + 9}/{6 * MiB}"}),
            206,
            f"asked bytes={5 * MiB}-{6 * MiB - 1}, got bytes {5 * MiB}-{5 * MiB + 9}",
        ),
        ((206, b"x" * MiB, {}), 206, "unexpected Content-Range None"),
        (
            (206, b"x" * MiB, {"Content-Range": f"bytes {5 * MiB}-{6 * MiB - 1}/*"}),
            206,
            f"unexpected Content-Range 'bytes {5 * MiB}-{6 * MiB - 1}/*'",
        ),
    ],
)
def test_a_later_read_answered_otherwise_than_asked_is_a_malformed_answer(scripted, tmp_path, answer, status, message):
    script, url = scripted
    script.payload = os.urandom(6 * MiB)
    script.actions = ["ok", answer]
    with pytest.raises(S3ProxyError) as raised:
        client_for(url).download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=1)
    assert (type(raised.value), raised.value.status, raised.value.code, raised.value.message) == (
        S3ProxyError,
        status,
        "MalformedResponse",
        message,
    )
    assert list(tmp_path.iterdir()) == []


def test_a_body_short_on_every_attempt_says_which_bytes_ended_where(scripted, tmp_path):
    script, url = scripted
    script.payload = os.urandom(6 * MiB)
    script.actions = ["ok"] + ["short range"] * 3
    with pytest.raises(ConnectionFailedError) as raised:
        client_for(url, max_attempts=3).download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB)
    assert raised.value.message.endswith(
        f": bytes {5 * MiB}-{6 * MiB - 1}: the connection ended at byte {5 * MiB + MiB // 2}"
    )


def test_an_empty_object_is_read_whole_and_what_that_read_finds_is_written(scripted, tmp_path):
    """An empty object has no byte 0 (416 to the first range): it is read again without a range, and that
    answer is the file, even if the object gained bytes in between."""
    script, url = scripted
    script.actions = [(416, xml_error("InvalidRange"), {}), (200, b"late", {})]
    result = client_for(url).download_file("bkt", "k", tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == b"late" and (result.size, result.etag) == (4, '"e1"')
    assert "Range" not in script.received[1][2]


def test_a_download_names_what_is_wrong_with_its_path_and_makes_a_file_readable_by_all(scripted, tmp_path):
    _, url = scripted
    client = client_for(url)
    with pytest.raises(IsADirectoryError) as raised:
        client.download_file("bkt", "k", tmp_path)
    assert (raised.value.errno, raised.value.strerror, raised.value.filename) == (
        21,
        "is a directory: name the file to download to",
        str(tmp_path),
    )
    with pytest.raises(FileNotFoundError) as missing:
        client.download_file("bkt", "k", tmp_path / "no" / "out")
    assert (missing.value.errno, missing.value.strerror, missing.value.filename) == (
        2,
        "no such directory",
        str(tmp_path / "no"),
    )
    previous = os.umask(0o022)
    try:
        client.download_file("bkt", "k", tmp_path / "out")
    finally:
        os.umask(previous)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o644


def test_head_and_get_report_size_type_version_metadata_and_every_header(scripted):
    script, url = scripted
    answered = {
        "Content-Type": "text/plain",
        "x-amz-version-id": "v1",
        "x-amz-meta-Owner": "Ann",
        "X-Amz-Meta-Lang": "fi",
        "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT",
    }
    script.actions = [
        (200, b"", answered | {"x-amzn-Remapped-Content-Length": "1234"}),  # through API Gateway
        (200, b"", answered | {"Content-Length": "77"}),  # straight from S3
        (200, b"hello", answered | {"x-amzn-Remapped-Content-Length": "999"}),  # a GET: the body's length
    ]
    client = client_for(url)
    head, direct, got = client.head_object("bkt", "k"), client.head_object("bkt", "k"), client.get_object("bkt", "k")
    assert (head.size, direct.size, got.size) == (1234, 77, 5)
    for info in (head, direct, got):
        assert (info.etag, info.content_type, info.version_id, info.last_modified) == (
            '"e1"',
            "text/plain",
            "v1",
            "Wed, 21 Oct 2026 07:28:00 GMT",
        )
        assert info.metadata == {"owner": "Ann", "lang": "fi"}
        assert (info.headers["x-amz-meta-Owner"], info.headers["ETag"]) == ("Ann", '"e1"')


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


def test_a_failed_read_stops_the_reads_waiting_to_retry(tmp_path):
    """The read at 10 MiB is told to retry in 20 s; the read at 5 MiB then fails for good: the download fails
    at once, the waiting read is cancelled (never sent again), and no file is left."""
    throttled = threading.Event()
    script = ByRange([])
    script.payload = os.urandom(15 * MiB)
    script.by_offset = {
        10 * MiB: [setting(throttled, (503, xml_error("SlowDown"), {"Retry-After": "20"}))],
        5 * MiB: [held_until(throttled, (403, xml_error("AccessDenied"), {}))],
    }
    with serving(script, "/dev") as url:
        client = client_for(url, backoff_max=30.0)
        with pytest.raises(AccessDeniedError):
            client.download_file("bkt", "k", tmp_path / "out", part_size=5 * MiB, concurrency=2)
    offsets = [int(headers["Range"].removeprefix("bytes=").partition("-")[0]) for _, _, headers, _ in script.received]
    assert sorted(offsets) == [0, 5 * MiB, 10 * MiB]
    assert list(tmp_path.iterdir()) == []


def test_every_call_is_sent_as_s3_expects_and_signed_as_sent(scripted):
    script, url = scripted
    xmlns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
    script.actions = [
        (
            200,
            f"<ListAllMyBucketsResult {xmlns}><Buckets><Bucket><Name>a-bucket</Name><CreationDate>"
            f"2026-01-02T03:04:05.000Z</CreationDate></Bucket><Bucket><Name>b-bucket</Name></Bucket></Buckets>"
            "</ListAllMyBucketsResult>".encode(),
            {},
        ),
        "ok",
        "ok",
        (204, b"", {}),
        (204, b"", {}),
        (206, b"56789", {"Content-Range": "bytes 5-9/10", "Content-Type": "text/plain"}),
        (
            200,
            f'<ListPartsResult {xmlns}><Part><PartNumber>1</PartNumber><ETag>"e1"</ETag><Size>5242880</Size>'
            '</Part><Part><PartNumber>2</PartNumber><ETag>"e2"</ETag><Size>7</Size></Part></ListPartsResult>'.encode(),
            {},
        ),
        (200, b"", {"x-amzn-Remapped-Content-Length": "1234", "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT"}),
    ]
    client = client_for(url)
    assert client.list_buckets() == [Bucket("a-bucket", "2026-01-02T03:04:05.000Z"), Bucket("b-bucket", None)]
    client.create_bucket("new-bucket", region="eu-west-1")
    client.create_bucket("east-bucket")  # the API's region, us-east-1: no LocationConstraint
    client.delete_bucket("new-bucket")
    client.delete_object("bkt", "a b")
    got = client.get_object("bkt", "k", range=(5, None), if_match='"e1"', if_none_match='"e0"')
    assert (got.bucket, got.key, got.status, got.body, got.size) == ("bkt", "k", 206, b"56789", 10)
    assert (got.content_range, got.content_type, got.etag) == ("bytes 5-9/10", "text/plain", '"e1"')
    assert client.list_parts("bkt", "k", "up-1") == [(1, '"e1"', 5242880), (2, '"e2"', 7)]
    info = client.head_object("bkt", "k", if_match='"e1"')
    assert (info.bucket, info.key, info.size, info.last_modified) == ("bkt", "k", 1234, "Wed, 21 Oct 2026 07:28:00 GMT")

    base = "/restapis/abc/dev/_user_request_"
    sent = [(method, path.removeprefix(base), body) for method, path, _, body in script.received]
    configuration = f"<CreateBucketConfiguration {xmlns}>"
    assert sent == [
        ("GET", "/", b""),
        (
            "PUT",
            "/new-bucket",
            f"{configuration}<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>".encode(),
        ),
        ("PUT", "/east-bucket", f"{configuration}</CreateBucketConfiguration>".encode()),
        ("DELETE", "/new-bucket", b""),
        ("DELETE", "/bkt/a%20b", b""),
        ("GET", "/bkt/k", b""),
        ("GET", "/bkt/k?uploadId=up-1", b""),
        ("HEAD", "/bkt/k", b""),
    ]
    assert script.signed == [True] * 8
    headers = [entry[2] for entry in script.received]
    assert headers[1]["Content-Type"] == headers[2]["Content-Type"] == "application/xml"
    assert (headers[5]["Range"], headers[5]["If-Match"], headers[5]["If-None-Match"]) == ("bytes=5-", '"e1"', '"e0"')
    assert headers[7]["If-Match"] == '"e1"' and "If-Match" not in headers[6]


def test_listing_sends_s3s_query_decodes_every_field_and_follows_tokens(scripted):
    script, url = scripted
    xmlns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'

    def page(body: str, truncated: str) -> tuple[int, bytes, dict[str, str]]:
        return (
            200,
            f"<ListBucketResult {xmlns}>{body}<IsTruncated>{truncated}</IsTruncated></ListBucketResult>".encode(),
            {},
        )

    entry = (
        "<Contents><Key>a%2Fb+c%3F</Key><Size>42</Size><ETag>&quot;e42&quot;</ETag>"
        "<LastModified>2026-01-02T03:04:05.000Z</LastModified><StorageClass>STANDARD</StorageClass></Contents>"
    )
    script.actions = [
        page(f"<EncodingType>url</EncodingType>{entry}<NextContinuationToken>t/1+</NextContinuationToken>", "true"),
        page("<EncodingType>url</EncodingType><CommonPrefixes><Prefix>d%2F</Prefix></CommonPrefixes>", "false"),
    ]
    client = client_for(url)
    listed = list(client.list_objects("bkt", "a", delimiter="/", start_after="a0", page_size=7))
    assert listed == [
        ObjectEntry("a/b c?", 42, '"e42"', "2026-01-02T03:04:05.000Z", "STANDARD"),
        ObjectEntry("d/", is_prefix=True),
    ]
    base = "/restapis/abc/dev/_user_request_/bkt?list-type=2&encoding-type=url&prefix=a&delimiter=%2F&start-after=a0"
    assert [path for _, path, _, _ in script.received] == [
        f"{base}&max-keys=7",
        f"{base}&max-keys=7&continuation-token=t%2F1%2B",
    ]
    script.actions = [page("<Contents><Key>a+b</Key></Contents>", "false")]  # not URL-encoded: kept as it is
    assert [(e.key, e.size, e.etag) for e in client.list_objects("bkt")] == [("a+b", 0, None)]
    assert script.received[-1][1].endswith("/bkt?list-type=2&encoding-type=url")
    script.actions = [page(entry, "true")]
    with pytest.raises(S3ProxyError) as raised:
        list(client.list_objects("bkt"))
    assert (raised.value.code, raised.value.message) == (
        "MalformedResponse",
        "a truncated listing came without a continuation token",
    )


def test_answers_missing_optional_fields_read_as_s3_means_them(scripted):
    """A range of unknown total (`bytes 0-4/*`): the size is the body's; a part listed without ETag or Size;
    upper-case hex ETags are md5s too."""
    script, url = scripted
    script.actions = [
        (206, b"01234", {"Content-Range": "bytes 0-4/*"}),
        (200, b"<ListPartsResult><Part><PartNumber>3</PartNumber></Part></ListPartsResult>", {}),
    ]
    client = client_for(url)
    assert client.get_object("bkt", "k", range=(0, 4)).size == 5
    assert client.list_parts("bkt", "k", "up-1") == [(3, "", 0)]
    upper = hashlib.md5(b"1").hexdigest().upper()
    assert multipart_etag([f'"{upper}"']) == f'"{hashlib.md5(hashlib.md5(b"1").digest()).hexdigest()}-1"'


def test_a_signature_is_verified_by_the_scripted_server(scripted):
    """The verifier itself: a signature made with another secret fails it."""
    script, url = scripted
    S3ProxyClient(url, "us-east-1", credentials=Credentials("test", "not-the-secret")).delete_object("bkt", "k")
    client_for(url).delete_object("bkt", "k")
    assert script.signed == [False, True]


# Multipart uploads against a scripted S3: each operation answered as S3 does, faults injected on events


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


@pytest.fixture
def fake_s3() -> Iterator[tuple[FakeS3, str]]:
    fake = FakeS3([])
    with serving(fake, "/dev") as url:
        yield fake, url


def parts_of(path: Path, part_size: int) -> list[bytes]:
    data = path.read_bytes()
    return [data[offset : offset + part_size] for offset in range(0, len(data), part_size)]


def test_every_part_and_single_put_carries_its_sha256_checksum_and_no_content_md5(fake_s3, tmp_path):
    """API Gateway drops Content-MD5 from requests (its developer guide's important notes), so S3's flexible
    checksum carries integrity: x-amz-checksum-sha256 = base64 of the body's SHA-256, which S3 verifies."""
    fake, url = fake_s3
    client = client_for(url)
    client.put_object("bkt", "hello.txt", b"Hello, World!")
    (put,) = fake.sent("PutObject")
    assert put[2]["x-amz-checksum-sha256"] == "3/1gIbsr1bCvZ2KQgJ7DpTGR3YHH9wpLKGiKNiGCmG8="  # sha256sum | base64
    assert "Content-MD5" not in put[2]

    source = random_file(tmp_path / "in.bin", 11 * MiB)
    result = client.upload_file(source, "bkt", "k", part_size=5 * MiB, concurrency=2)
    (create,) = fake.sent("CreateMultipartUpload")
    assert create[2]["x-amz-checksum-algorithm"] == "SHA256"
    expected = [b64_sha256(part) for part in parts_of(source, 5 * MiB)]
    sent = {int(parse_qs(urlsplit(p[1]).query)["partNumber"][0]): p[2] for p in fake.sent("UploadPart")}
    assert [sent[n]["x-amz-checksum-sha256"] for n in (1, 2, 3)] == expected
    assert not any("Content-MD5" in headers for headers in sent.values())
    # S3 requires each part's checksum in the Complete's list when the upload was created with an algorithm
    # (CompletedPart in the S3 API reference; S3 answers InvalidRequest otherwise, aws/aws-sdk-php#2648).
    (complete,) = fake.sent("CompleteMultipartUpload")
    listed = ET.fromstring(complete[3])
    namespace = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
    assert [p.findtext("s3:ChecksumSHA256", namespaces=namespace) for p in listed] == expected
    assert [p.findtext("s3:PartNumber", namespaces=namespace) for p in listed] == ["1", "2", "3"]
    assert result.etag == fake.etag and fake.state == "completed"


def test_without_checksums_no_part_and_no_complete_names_one(fake_s3, tmp_path):
    fake, url = fake_s3
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    client_for(url).upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0, checksum=False)
    assert all("x-amz-checksum-algorithm" not in e[2] and "x-amz-checksum-sha256" not in e[2] for e in fake.received)
    assert b"Checksum" not in fake.sent("CompleteMultipartUpload")[0][3]


@pytest.mark.parametrize("operation", ["PutObject", "UploadPart", "CompleteMultipartUpload"])
def test_a_checksum_s3_answers_that_is_not_ours_is_an_error(fake_s3, tmp_path, operation):
    fake, url = fake_s3
    other = b64_sha256(b"other bytes")

    def replaced(answer: Any) -> Any:
        status, body, headers = answer
        if operation == "CompleteMultipartUpload":
            body = re.sub(rb"<ChecksumSHA256>[^<]*", f"<ChecksumSHA256>{other}-2".encode(), body)
        return (status, body, headers | {"x-amz-checksum-sha256": other})

    fake.faults["UploadPart 2" if operation == "UploadPart" else operation] = [replaced]
    client = client_for(url)
    what = {"UploadPart": "UploadPart 2", "CompleteMultipartUpload": "CompleteMultipartUpload"}.get(
        operation, operation
    )
    answered = re.escape(other + ("-2" if operation == "CompleteMultipartUpload" else ""))
    with pytest.raises(
        S3ProxyError,
        match=rf"^ChecksumMismatch \(HTTP 200\): {what}: S3 answered the SHA-256 checksum {answered}, expected ",
    ) as raised:
        if operation == "PutObject":
            client.put_object("bkt", "k", b"data")
        else:
            client.upload_file(
                random_file(tmp_path / "in.bin", 6 * MiB), "bkt", "k", part_size=5 * MiB, threshold=0, concurrency=1
            )
    assert (raised.value.code, raised.value.status) == ("ChecksumMismatch", 200)  # S3 said 200: the bytes differ


def test_a_failed_part_aborts_at_once_and_stops_the_parts_in_flight(fake_s3, tmp_path):
    """Part 1 fails while part 2 is held in the server: the upload is aborted before part 2 is answered (not
    after waiting for it), and part 2, answered 503 then, is not retried: the transfer is being cancelled."""
    fake, url = fake_s3
    part_2_held = threading.Event()
    released_by_the_abort: list[bool] = []

    def fail_part_1(answer: Any) -> Any:
        part_2_held.wait(10)
        return (403, xml_error("AccessDenied"), {})

    def hold_part_2(answer: Any) -> Any:
        part_2_held.set()
        released_by_the_abort.append(fake.aborted.wait(10))
        fake.log.append("part 2 answered")
        return (503, xml_error("SlowDown"), {})

    fake.faults = {"UploadPart 1": [fail_part_1], "UploadPart 2": [hold_part_2]}
    source = random_file(tmp_path / "in.bin", 10 * MiB)
    with pytest.raises(AccessDeniedError):
        client_for(url).upload_file(source, "bkt", "k", part_size=5 * MiB, concurrency=2)
    assert released_by_the_abort == [True]
    assert fake.log.index("AbortMultipartUpload") < fake.log.index("part 2 answered")
    assert fake.log.count("UploadPart 2") == 1  # not retried once cancelled
    assert "CompleteMultipartUpload" not in fake.log and fake.state == "aborted"
    aborted = [parse_qs(urlsplit(path).query)["uploadId"] for _, path, _, _ in fake.sent("AbortMultipartUpload")]
    assert aborted == [["up-1"], ["up-1"]]  # at once, then again once the parts in flight are done


def test_upload_file_puts_up_to_its_threshold_below_api_gateways_limit_and_sends_parts_above(fake_s3, tmp_path):
    fake, url = fake_s3
    client = client_for(url)
    progress: list[int] = []
    notes, blob = tmp_path / "notes.txt", tmp_path / "blob"
    notes.write_bytes(b"x" * 100)
    blob.write_bytes(b"y" * 101)
    put = client.upload_file(notes, "bkt", "notes", threshold=100, progress=progress.append)
    assert put == TransferResult("bkt", "notes", 100, f'"{hashlib.md5(b"x" * 100).hexdigest()}"', 1)
    assert progress == [100] and fake.sent("PutObject")[0][2]["Content-Type"] == "text/plain"  # guessed by name
    parted = client.upload_file(blob, "bkt", "blob", threshold=100)  # one byte over: a multipart upload
    assert (parted.bucket, parted.key, parted.size, parted.etag, parted.parts) == ("bkt", "blob", 101, fake.etag, 1)
    assert fake.sent("CreateMultipartUpload")[0][2]["Content-Type"] == "application/octet-stream"
    limit = random_file(tmp_path / "limit.bin", API_GATEWAY_PAYLOAD_LIMIT)
    at_limit = client.upload_file(limit, "bkt", "limit", part_size=5 * MiB, threshold=API_GATEWAY_PAYLOAD_LIMIT)
    assert at_limit.parts == 2 and len(fake.sent("PutObject")) == 1  # API Gateway refuses a 10 MB payload


def test_a_part_is_below_api_gateways_limit_sent_as_binary_with_its_checksum_and_must_get_an_etag(fake_s3):
    fake, url = fake_s3
    client = client_for(url)
    with pytest.raises(ValueError) as raised:
        client.upload_part("bkt", "k", "up-1", 1, b"x" * API_GATEWAY_PAYLOAD_LIMIT)
    assert (
        str(raised.value) == f"a part of {API_GATEWAY_PAYLOAD_LIMIT:,} bytes exceeds API Gateway's 10 MB payload limit"
    )
    client.create_multipart_upload("bkt", "k")
    part = client.upload_part("bkt", "k", "up-1", 1, b"x" * (API_GATEWAY_PAYLOAD_LIMIT - 1))
    headers = fake.sent("UploadPart")[0][2]
    assert (headers["Content-Type"], headers["x-amz-checksum-sha256"]) == (
        "application/octet-stream",
        part.checksum_sha256,
    ) and part.checksum_sha256 == b64_sha256(b"x" * (API_GATEWAY_PAYLOAD_LIMIT - 1))
    fake.faults["UploadPart 2"] = [lambda answer: (200, b"", {"ETag": ""})]
    with pytest.raises(S3ProxyError) as missing:
        client.upload_part("bkt", "k", "up-1", 2, b"y")
    assert (missing.value.status, missing.value.code, missing.value.message) == (
        200,
        "MalformedResponse",
        "UploadPart 2 answered no ETag",
    )


def test_a_complete_whose_answer_was_lost_is_recognised_as_done(fake_s3, tmp_path):
    """S3 completed it, the answer was lost (connection reset), the retry gets NoSuchUpload: the object's ETag
    being these parts' multipart ETag, the upload counts as completed and nothing is aborted."""
    fake, url = fake_s3
    fake.faults["CompleteMultipartUpload"] = [lambda answer: "drop"]
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    result = client_for(url).upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0)
    digests = b"".join(hashlib.md5(part).digest() for part in parts_of(source, 5 * MiB))
    assert result.etag == f'"{hashlib.md5(digests).hexdigest()}-2"' == fake.etag
    assert fake.log[-3:] == ["CompleteMultipartUpload", "CompleteMultipartUpload", "HeadObject"]
    assert "AbortMultipartUpload" not in fake.log and result.parts == 2
    assert [urlsplit(path).path for _, path, _, _ in fake.sent("HeadObject")] == ["/dev/bkt/k"]  # the object's


def test_a_no_such_upload_at_the_first_complete_is_an_error_without_looking_for_the_object(fake_s3, tmp_path):
    fake, url = fake_s3
    client = client_for(url)
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    client.upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0)
    parts = [UploadedPart(f'"{hashlib.md5(p).hexdigest()}"', b64_sha256(p)) for p in parts_of(source, 5 * MiB)]
    with pytest.raises(NotFoundError, match="NoSuchUpload"):
        client.complete_multipart_upload("bkt", "k", "up-1", parts)  # the object exists, but not by this call
    assert fake.log[-1] == "CompleteMultipartUpload"


def test_a_lost_complete_whose_object_differs_is_not_taken_for_done(fake_s3, tmp_path):
    fake, url = fake_s3

    def lost_and_replaced(answer: Any) -> Any:
        fake.etag = '"someone-else"'
        return "drop"

    fake.faults["CompleteMultipartUpload"] = [lost_and_replaced]
    with pytest.raises(NotFoundError, match="NoSuchUpload"):
        client_for(url).upload_file(
            random_file(tmp_path / "in.bin", 6 * MiB), "bkt", "k", part_size=5 * MiB, threshold=0
        )
    assert fake.log[-2:] == ["HeadObject", "AbortMultipartUpload"]


def test_a_200_error_on_complete_is_retried_when_transient_and_raised_otherwise(fake_s3, tmp_path):
    """CompleteMultipartUpload can answer 200 and fail in the body (S3 API reference): an InternalError is
    retried like a 500; InvalidPart is final, and the upload is aborted."""
    fake, url = fake_s3
    fake.faults["CompleteMultipartUpload"] = [lambda answer: (200, xml_error("InternalError"), {})]
    client = client_for(url)
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    result = client.upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0)
    assert fake.log.count("CompleteMultipartUpload") == 2 and result.etag == fake.etag

    fake.log.clear()
    fake.faults["CompleteMultipartUpload"] = [lambda answer: (200, xml_error("InvalidPart", "bad part"), {})]
    with pytest.raises(S3ProxyError, match="InvalidPart") as raised:
        client.upload_file(source, "bkt", "k2", part_size=5 * MiB, threshold=0)
    assert raised.value.status == 200
    assert fake.log[-2:] == ["CompleteMultipartUpload", "AbortMultipartUpload"]


def test_a_create_without_an_upload_id_is_a_malformed_answer_and_its_defaults_are_sha256_octets(fake_s3):
    fake, url = fake_s3
    client = client_for(url)
    assert client.create_multipart_upload("bkt", "k") == "up-1"
    headers = fake.sent("CreateMultipartUpload")[0][2]
    assert (headers["Content-Type"], headers["x-amz-checksum-algorithm"]) == ("application/octet-stream", "SHA256")
    fake.faults["CreateMultipartUpload"] = [lambda answer: (200, b"<InitiateMultipartUploadResult/>", {})]
    with pytest.raises(S3ProxyError) as raised:
        client.create_multipart_upload("bkt", "k")
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        200,
        "MalformedResponse",
        "CreateMultipartUpload answered no UploadId",
    )


def test_a_complete_sends_the_part_list_and_returns_s3s_etag_else_the_computed_one(scripted):
    script, url = scripted
    first, second = hashlib.md5(b"1").hexdigest(), hashlib.md5(b"2").hexdigest()
    answered = b"<CompleteMultipartUploadResult><ETag>&quot;from-s3&quot;</ETag></CompleteMultipartUploadResult>"
    script.actions = [(200, answered, {}), (200, b"<CompleteMultipartUploadResult/>", {})]
    client = client_for(url)
    assert client.complete_multipart_upload("bkt", "k", "up-1", [f'"{first}"', f'"{second}"']) == '"from-s3"'
    computed = hashlib.md5(hashlib.md5(b"1").digest() + hashlib.md5(b"2").digest()).hexdigest()
    assert client.complete_multipart_upload("bkt", "k", "up-1", [f'"{first}"', f'"{second}"']) == f'"{computed}-2"'
    method, path, headers, body = script.received[0]
    assert (method, path, headers["Content-Type"]) == (
        "POST",
        "/restapis/abc/dev/_user_request_/bkt/k?uploadId=up-1",
        "application/xml",
    )
    assert body.decode() == (
        '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f'<Part><PartNumber>1</PartNumber><ETag>"{first}"</ETag></Part>'
        f'<Part><PartNumber>2</PartNumber><ETag>"{second}"</ETag></Part></CompleteMultipartUpload>'
    )


def test_a_complete_checks_s3s_composite_checksum_only_when_every_part_has_one(scripted):
    script, url = scripted
    checksum = b64_sha256(b"1")
    wrong = (
        b"<CompleteMultipartUploadResult><ChecksumSHA256>not-ours-2</ChecksumSHA256></CompleteMultipartUploadResult>"
    )
    script.actions = [(200, wrong, {}), (200, wrong, {})]
    client = client_for(url)
    half = [UploadedPart('"e1"', checksum), UploadedPart('"e2"')]
    assert client.complete_multipart_upload("bkt", "k", "up-1", half) is None  # no checksum to compare
    with pytest.raises(
        S3ProxyError,
        match=r"^ChecksumMismatch \(HTTP 200\): CompleteMultipartUpload: S3 answered the SHA-256 checksum not-ours-2, ",
    ):
        client.complete_multipart_upload("bkt", "k", "up-1", [UploadedPart('"e1"', checksum)] * 2)


def test_a_missing_multipart_route_is_named_with_the_actions_to_allow(fake_s3, tmp_path):
    _, url = fake_s3
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    routes = tuple(f"{route} -> s3:PutObject" for route in MULTIPART_ROUTES)
    every = client_for(url, routes=routes)
    assert every.upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0).parts == 2
    some = client_for(url, routes=routes[1:3])
    with pytest.raises(RouteNotAllowedError) as raised:
        some.upload_file(source, "bkt", "k", part_size=5 * MiB, threshold=0)
    assert (raised.value.status, raised.value.code, raised.value.attempts, raised.value.message) == (
        None,
        "RouteNotDeployed",
        0,
        "a multipart upload needs POST /{folder}/{item+}?uploads, DELETE /{folder}/{item+}?uploadId, which the "
        "stack does not serve (allow the actions s3:PutObject and s3:AbortMultipartUpload)",
    )


@pytest.mark.parametrize(
    ("answer", "raised"),
    [((404, xml_error("NoSuchUpload"), {}), None), ((404, xml_error("NoSuchBucket"), {}), NotFoundError)],
)
def test_abort_of_an_upload_that_is_gone_counts_as_aborted(scripted, answer, raised):
    script, url = scripted
    script.actions = [answer]
    client = client_for(url)
    if raised is None:
        client.abort_multipart_upload("bkt", "k", "up-1")
    else:
        with pytest.raises(raised, match="NoSuchBucket"):
            client.abort_multipart_upload("bkt", "k", "up-1")
    assert script.received[0][:2] == ("DELETE", "/restapis/abc/dev/_user_request_/bkt/k?uploadId=up-1")


def test_a_connection_that_fails_every_time_is_named_with_its_method_and_url_without_the_query(scripted):
    script, url = scripted
    script.actions = ["drop"] * 2
    with pytest.raises(ConnectionFailedError) as raised:
        client_for(url, max_attempts=2).list_parts("bkt", "k", "up-1")
    error = raised.value
    assert (error.status, error.code, error.request_id, error.attempts) == (None, "ConnectionError", None, 2)
    assert error.message.startswith(f"GET {url}/bkt/k: ") and "uploadId" not in error.message


def test_redirects_and_3xx_answers_are_errors_not_followed(scripted):
    """S3 answers 307 TemporaryRedirect to another endpoint for a bucket in another region: following it
    would send a request signed for the API somewhere else."""
    script, url = scripted
    script.actions = [
        (307, xml_error("TemporaryRedirect"), {"Location": f"{url}/elsewhere"}),
        (300, b"", {}),
    ]
    client = client_for(url)
    with pytest.raises(S3ProxyError) as redirected:
        client.head_object("bkt", "k")
    with pytest.raises(S3ProxyError) as multiple:
        client.head_object("bkt", "k")
    assert (redirected.value.status, multiple.value.status, len(script.received)) == (307, 300, 2)


def test_the_standard_proxy_variables_are_honoured(scripted, monkeypatch):
    """Behind a corporate proxy (HTTP_PROXY/HTTPS_PROXY, as curl and boto3 read them): the request goes to the
    proxy, for the API's URL."""
    script, proxy = scripted
    monkeypatch.setenv("HTTP_PROXY", proxy.partition("/restapis")[0])
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = client_for("http://api.invalid/dev")
    client.put_object("bkt", "k", b"through the proxy")
    assert script.received[0][:2] == ("PUT", "http://api.invalid/dev/bkt/k")


def test_attempts_and_retries_are_counted_by_reason(scripted):
    script, url = scripted
    script.actions = [(503, b"", {}), "drop", (500, b"", {})]
    transport = client_for(url).transport
    transport.send("GET", "bkt/k")
    assert transport.stats == {"attempts": 4, "retries": 3, "503": 1, "ConnectionError": 1, "500": 1}


def test_a_client_has_documented_defaults_and_a_clean_base_url(scripted):
    script, url = scripted
    client = S3ProxyClient(f"{url}/", "us-east-1", credentials=Credentials("test", "test"))
    transport = client.transport
    assert (transport.retry, transport.timeout, transport.pool_size) == (RetryPolicy(5, 0.2, 5.0), (10.0, 60.0), 10)
    assert transport.url_for("/bkt/k", {"uploadId": "u"}) == f"{url}/bkt/k?uploadId=u"
    client.delete_object("bkt", "k")
    assert script.received[0][2]["User-Agent"] == "s3proxy-client/0.1"
    with pytest.raises(ValueError, match=r"^max_attempts must be >= 1$"):
        RetryPolicy(0)
    assert RetryPolicy(1).max_attempts == 1
    tuned = S3ProxyClient(
        url,
        "us-east-1",
        credentials=Credentials("test", "test"),
        max_attempts=2,
        backoff_base=0.5,
        backoff_max=7.0,
        connect_timeout=1.5,
        read_timeout=2.5,
        pool_size=3,
    )
    with pytest.raises(ValueError, match=r"^threshold must be >= 0$"):
        tuned.upload_file(os.devnull, "bkt", "k", threshold=-1)
    assert (tuned.transport.retry, tuned.transport.timeout, tuned.transport.pool_size) == (
        RetryPolicy(2, 0.5, 7.0),
        (1.5, 2.5),
        3,
    )


def test_xml_that_cannot_be_parsed_is_a_malformed_answer(scripted):
    script, url = scripted
    script.actions = [(200, b"<ListAllMyBucketsResult><Buckets>", {})]
    with pytest.raises(S3ProxyError) as raised:
        client_for(url).list_buckets()
    assert (raised.value.status, raised.value.code) == (None, "MalformedResponse")
    assert raised.value.message.startswith("the API answered XML that cannot be parsed: no element found")


def test_metadata_names_get_s3s_prefix_once_whatever_their_case(scripted):
    script, url = scripted
    client_for(url).put_object("bkt", "k", b"x", metadata={"Owner": "a", "X-Amz-Meta-Team": "b", "x-amz-meta-c": "d"})
    headers = script.received[0][2]
    assert {name: value for name, value in headers.items() if name.lower().startswith("x-amz-meta-")} == {
        "x-amz-meta-Owner": "a",
        "X-Amz-Meta-Team": "b",
        "x-amz-meta-c": "d",
    }


def test_a_file_that_shrinks_while_it_is_read_is_an_error_naming_where(tmp_path):
    from s3proxy_client.client import _read_at

    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    fd = os.open(path, os.O_RDONLY)
    try:
        assert _read_at(fd, 4, 3) == b"3456"
        with pytest.raises(OSError, match=r"^the file ended 5 bytes early at offset 10$"):
            _read_at(fd, 8, 7)
    finally:
        os.close(fd)


def test_sizes_and_concurrency_are_checked_with_their_limits_in_the_message():
    from s3proxy_client.parts import validate_concurrency, validate_part_size

    validate_concurrency(64)
    for refused in (65, 0, True, 2.0):
        with pytest.raises(ValueError, match=rf"^concurrency must be an int from 1 to 64, not {refused!r}$"):
            validate_concurrency(refused)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^part_size must be an int, not bool$"):
        validate_part_size(True)
    with pytest.raises(ValueError, match=r"^size must be >= 0, not -1$"):
        plan_parts(-1)
    with pytest.raises(ValueError) as raised:
        plan_parts(MAX_PARTS * MIN_PART_SIZE + 1, MIN_PART_SIZE)
    assert str(raised.value) == (
        f"{MAX_PARTS * MIN_PART_SIZE + 1:,} bytes in parts of {MIN_PART_SIZE:,} needs 10,001 parts; S3 allows "
        f"10,000, so use a larger part_size (objects through the API can reach {10_000 * 9_999_999:,} bytes)"
    )


def test_an_object_that_looks_like_an_s3_error_is_read_as_it_is(scripted):
    """Only CompleteMultipartUpload may fail inside a 200: a stored XML file shaped like `<Error>` is data."""
    script, url = scripted
    script.actions = [(200, xml_error("InternalError"), {})]
    assert client_for(url).get_object("bkt", "error.xml").body == xml_error("InternalError")
    assert len(script.received) == 1


def test_parts_run_on_the_clients_named_worker_threads():
    client = S3ProxyClient("http://127.0.0.1:9/dev", "us-east-1", credentials=Credentials("test", "test"))
    names = client._run_parts(
        plan_parts(11 * MiB, 5 * MiB), 2, None, lambda part, cancel: threading.current_thread().name
    )
    assert len(names) == 3 and all(re.fullmatch(r"s3p_[01]", name) for name in names)


# Part planning and paths


def test_parts_of_100_mb_in_8_mib():
    size = 100 * 1000 * 1000
    parts = plan_parts(size, 8 * MiB)
    assert len(parts) == 12
    assert [p.number for p in parts] == list(range(1, 13))
    assert all(p.size == 8 * MiB for p in parts[:-1]) and parts[-1].size == size - 11 * 8 * MiB
    assert all(b.offset == a.offset + a.size for a, b in itertools.pairwise(parts))
    assert sum(p.size for p in parts) == size
    assert parts[-1].range_header == f"bytes={11 * 8 * MiB}-{size - 1}"


def test_part_edges():
    assert plan_parts(0, MIN_PART_SIZE) == [Part(1, 0, 0)]
    assert plan_parts(10 * MiB, 5 * MiB) == [Part(1, 0, 5 * MiB), Part(2, 5 * MiB, 5 * MiB)]  # no empty tail
    assert plan_parts(10 * MiB + 1, 5 * MiB)[-1] == Part(3, 10 * MiB, 1)
    assert len(plan_parts(MAX_PARTS * MIN_PART_SIZE, MIN_PART_SIZE)) == MAX_PARTS
    with pytest.raises(ValueError, match="10,000"):
        plan_parts(MAX_PARTS * MIN_PART_SIZE + 1, MIN_PART_SIZE)
    assert len(plan_parts(MAX_PARTS * MIN_PART_SIZE + 1, MIN_PART_SIZE, max_parts=None)) == MAX_PARTS + 1  # reads


@pytest.mark.parametrize("part_size", [MIN_PART_SIZE - 1, API_GATEWAY_PAYLOAD_LIMIT, 10 * MiB, 0, -1, True])
def test_part_sizes_outside_s3_and_api_gateway_limits_are_refused(part_size):
    with pytest.raises(ValueError, match="part_size"):
        plan_parts(100 * MiB, part_size)


def test_part_sizes_at_the_limits_are_accepted():
    assert plan_parts(20 * MiB, MIN_PART_SIZE)[0].size == MIN_PART_SIZE
    assert plan_parts(20 * MiB, API_GATEWAY_PAYLOAD_LIMIT - 1)[0].size == API_GATEWAY_PAYLOAD_LIMIT - 1


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("a/b/c.txt", "a/b/c.txt"),
        ("with space/x y.txt", "with%20space/x%20y.txt"),
        ("unicode/ü-日本.txt", "unicode/%C3%BC-%E6%97%A5%E6%9C%AC.txt"),
        ("q?hash#pct%.txt", "q%3Fhash%23pct%25.txt"),
        ("a/../b/./c", "a/%2E%2E/b/%2E/c"),
        ("...", "..."),
        ("a//b/", "a//b/"),
    ],
)
def test_keys_are_percent_encoded_per_segment_keeping_slashes(key, path):
    assert encode_key(key) == path
    assert unquote(path) == key


@pytest.mark.parametrize("key", ["a+b.txt", "plus+sign/x", "+"])
def test_keys_with_plus_are_refused_since_s3_would_read_a_space(key):
    # API Gateway decodes `%2B` to `+` before the integration ("Amazon API Gateway important notes": REST
    # APIs decode URL-encoded request parameters), and S3 reads a raw `+` in the path as a space.
    with pytest.raises(ValueError, match=r"contains '\+'.*space"):
        encode_key(key)


def test_object_paths_refuse_what_cannot_be_a_bucket_or_key():
    assert object_path("bkt", "a b") == "bkt/a%20b"
    for bucket, key, message in (
        ("", "k", "invalid bucket name ''"),
        ("a/b", "k", "invalid bucket name 'a/b'"),
        ("bkt", "", "the object key is empty"),
    ):
        with pytest.raises(ValueError) as raised:
            object_path(bucket, key)
        assert str(raised.value) == message


def test_multipart_etag_is_s3s():
    parts = [os.urandom(100), os.urandom(50)]
    etags = [f'"{hashlib.md5(p).hexdigest()}"' for p in parts]
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    assert multipart_etag(etags) == f'"{digest}-2"'
    assert multipart_etag(['"not-md5"']) is None


# Whole transfers and the CLI, against moto's S3 on 127.0.0.1


@pytest.fixture
def moto(moto_url: str) -> Iterator[tuple[S3ProxyClient, Any, str]]:
    """Our client and boto3 (the ground truth) on the same moto S3, and a fresh bucket."""
    s3 = boto3.client(
        "s3", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    bucket = f"unit-{os.urandom(4).hex()}"
    s3.create_bucket(Bucket=bucket)
    yield client_for(moto_url), s3, bucket


def random_file(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_upload_and_download_in_parts(moto, tmp_path):
    client, s3, bucket = moto
    source = random_file(tmp_path / "in.bin", 12 * MiB + 7)
    seen: list[int] = []
    up = client.upload_file(source, bucket, "dir/big file.bin", part_size=5 * MiB, concurrency=3, progress=seen.append)
    assert (up.size, up.parts, sum(seen), len(seen)) == (12 * MiB + 7, 3, 12 * MiB + 7, 3)
    stored = s3.get_object(Bucket=bucket, Key="dir/big file.bin")
    assert hashlib.sha256(stored["Body"].read()).hexdigest() == sha256(source)
    assert stored["ETag"] == up.etag and up.etag.endswith('-3"')
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    seen.clear()
    down = client.download_file(bucket, "dir/big file.bin", tmp_path / "out.bin", 5 * MiB, 3, progress=seen.append)
    assert sha256(tmp_path / "out.bin") == sha256(source)
    assert (down.size, down.parts, sum(seen)) == (12 * MiB + 7, 3, 12 * MiB + 7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.bin", "out.bin"]  # no temporary file left


@pytest.mark.parametrize("size", [0, 1, 5 * MiB, 5 * MiB + 1])
def test_small_and_edge_sizes_round_trip(moto, tmp_path, size):
    client, s3, bucket = moto
    source = random_file(tmp_path / "in.bin", size)
    client.upload_file(source, bucket, "k", part_size=5 * MiB, threshold=5 * MiB)
    assert s3.head_object(Bucket=bucket, Key="k")["ContentLength"] == size
    client.download_file(bucket, "k", tmp_path / "out.bin", part_size=5 * MiB)
    assert (tmp_path / "out.bin").read_bytes() == source.read_bytes()


@pytest.mark.parametrize("interrupt", [RuntimeError, KeyboardInterrupt])
def test_an_interrupted_upload_is_aborted(moto, tmp_path, interrupt):
    client, s3, bucket = moto
    source = random_file(tmp_path / "in.bin", 20 * MiB)
    done: list[int] = []

    def progress(size: int) -> None:
        done.append(size)
        if len(done) == 2:
            raise interrupt("stop")

    with pytest.raises(interrupt):
        client.upload_file(source, bucket, "k", part_size=5 * MiB, concurrency=2, progress=progress)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_a_failed_abort_is_noted_on_the_original_error(moto, tmp_path, monkeypatch):
    client, s3, bucket = moto
    source = random_file(tmp_path / "in.bin", 11 * MiB)

    def failing_abort(*args: Any) -> None:
        raise ConnectionFailedError(None, "ConnectionError", "the network is gone")

    def failing_part(*args: Any, **kwargs: Any) -> str:
        raise ServerError(500, "InternalError", "part failed")

    monkeypatch.setattr(client, "abort_multipart_upload", failing_abort)
    monkeypatch.setattr(client, "upload_part", failing_part)
    with pytest.raises(ServerError, match="part failed") as raised:
        client.upload_file(source, bucket, "k", part_size=5 * MiB)
    (note,) = raised.value.__notes__
    upload_id = s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["UploadId"]
    assert note == (
        f"aborting multipart upload {upload_id} of s3p://{bucket}/k failed too (ConnectionError: the network is "
        "gone): its parts stay stored until it is aborted"
    )
    for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):  # the orphan, as reported
        s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])


def test_a_stack_without_the_multipart_routes_is_told_before_anything_starts(moto_url, moto, tmp_path):
    _, s3, bucket = moto
    routes = tuple(f"{r} -> s3:PutObject" for r in MULTIPART_ROUTES if "DELETE" not in r)
    client = S3ProxyClient(moto_url, "us-east-1", credentials=Credentials("test", "test"), routes=routes)
    with pytest.raises(RouteNotAllowedError, match=r"DELETE /\{folder\}/\{item\+\}\?uploadId"):
        client.upload_file(random_file(tmp_path / "in.bin", 6 * MiB), bucket, "k", part_size=5 * MiB, threshold=0)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_an_object_replaced_mid_download_fails_and_leaves_no_file(moto, tmp_path):
    client, s3, bucket = moto
    s3.put_object(Bucket=bucket, Key="k", Body=os.urandom(11 * MiB))

    def replace(_: int) -> None:  # after the first part
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")

    with pytest.raises(PreconditionFailedError) as raised:
        client.download_file(bucket, "k", tmp_path / "out", 5 * MiB, 1, progress=replace)
    assert "changed during the download" in raised.value.__notes__[0]
    assert list(tmp_path.iterdir()) == []


def test_object_and_bucket_calls(moto):
    client, s3, bucket = moto
    client.create_bucket(f"{bucket}-2")
    assert f"{bucket}-2" in [b.name for b in client.list_buckets()]
    client.delete_bucket(f"{bucket}-2")
    keys = ["a/1", "a/2 x", "b/ü%", "c"]
    for key in keys:
        client.put_object(bucket, key, key, content_type="text/plain")
    assert [e.key for e in client.list_objects(bucket, page_size=2)] == keys  # two pages and a bit
    assert [(e.key, e.is_prefix) for e in client.list_objects(bucket, delimiter="/")] == [
        ("a/", True),
        ("b/", True),
        ("c", False),
    ]
    ranged = client.get_object(bucket, "b/ü%", range=(1, 2))
    assert (ranged.body, ranged.size, ranged.content_range) == ("b/ü%".encode()[1:3], 5, "bytes 1-2/5")
    info = client.head_object(bucket, "a/1")
    assert (info.size, info.content_type) == (3, "text/plain")
    with pytest.raises(NotModifiedError):
        client.get_object(bucket, "a/1", if_none_match=info.etag)
    with pytest.raises(PreconditionFailedError):
        client.put_object(bucket, "a/1", b"new", if_match='"0123"')
    with pytest.raises(InvalidRangeError):
        client.get_object(bucket, "c", range=(100, 200))
    with pytest.raises(NotFoundError):
        client.get_object(bucket, "missing")
    with pytest.raises(ConflictError):
        client.delete_bucket(bucket)
    with pytest.raises(ValueError, match="upload_file"):
        client.put_object(bucket, "big", b"0" * API_GATEWAY_PAYLOAD_LIMIT)
    client.delete_object(bucket, "c")
    assert "c" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_against_moto(moto, moto_url, tmp_path, capsys, monkeypatch):
    _, s3, bucket = moto
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"url": moto_url, "execution_arn": ARN.replace("eu-west-1", "us-east-1")}))
    base = ("--outputs", str(outputs))
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    args = ("--part-size", "5MiB", "--threshold", "5MiB", "--no-progress")
    assert run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}/d/", *args)[0] == 0
    assert s3.head_object(Bucket=bucket, Key="d/in.bin")["ContentLength"] == 6 * MiB
    code, out, _ = run_cli(capsys, *base, "ls", f"s3p://{bucket}")
    assert code == 0 and "PRE  d/" in out
    code, out, _ = run_cli(capsys, *base, "head", f"s3p://{bucket}/d/in.bin")
    assert code == 0 and json.loads(out)["size"] == 6 * MiB
    (tmp_path / "down").mkdir()
    assert run_cli(capsys, *base, "cp", f"s3p://{bucket}/d/in.bin", str(tmp_path / "down"))[0] == 0
    assert (tmp_path / "down" / "in.bin").read_bytes() == source.read_bytes()
    code, out, err = run_cli(capsys, *base, "rm", f"s3p://{bucket}/d/nope")
    assert (code, out) == (cli.EXIT_NOT_FOUND, "")
    assert err.count("\n") == 1 and err.startswith(f"s3proxy_client: error: s3p://{bucket}/d/nope: NotFound")
    code, _, err = run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}/x", "--part-size", "11MB")
    assert code == cli.EXIT_USAGE and "part_size" in err and err.count("\n") == 1


def test_cli_without_outputs_or_pulumi_says_what_to_do(capsys, monkeypatch):
    monkeypatch.delenv("S3PROXY_OUTPUTS", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    code, _, err = run_cli(capsys, "ls")
    assert code == cli.EXIT_ERROR and "pass --outputs FILE" in err and err.count("\n") == 1


def test_cli_sizes_and_uris():
    assert [cli.parse_size(s) for s in ("8388608", "8MiB", "8M", "5120KiB")] == [8 * MiB, 8 * MiB, 8_000_000, 5 * MiB]
    assert cli.split_uri("s3p://b/a/b c") == ("b", "a/b c")
    assert cli.split_uri("s3p://b") == ("b", "")
    with pytest.raises(cli.UsageError):
        cli.split_uri("s3://b/k")


@pytest.fixture
def cli_env(moto, moto_url, tmp_path, monkeypatch) -> tuple[Any, str, tuple[str, str]]:
    """boto3 on moto, a fresh bucket, and the `--outputs` arguments of a stack served by moto."""
    _, s3, bucket = moto
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.delenv("S3PROXY_OUTPUTS", raising=False)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"url": moto_url, "execution_arn": ARN.replace("eu-west-1", "us-east-1")}))
    return s3, bucket, ("--outputs", str(outputs))


def test_cli_options_and_their_defaults(monkeypatch):
    monkeypatch.setenv("S3PROXY_API_KEY", "key-from-env")
    top = cli.parser()
    listed = top.parse_args(["ls"])
    assert (listed.run, listed.location, listed.recursive) == (cli.command_ls, None, False)
    assert (listed.outputs, listed.stack, listed.region, listed.quiet, listed.api_key) == (
        None,
        None,
        None,
        False,
        "key-from-env",
    )
    every = top.parse_args(
        ["--outputs", "o.json", "--stack", "prod", "--region", "eu-west-1", "-q", "--api-key", "k2", "ls", "-r", "x"]
    )
    assert (every.outputs, every.stack, every.region, every.quiet, every.api_key) == (
        "o.json",
        "prod",
        "eu-west-1",
        True,
        "k2",
    )
    assert (every.recursive, every.location) == (True, "x")
    copy = top.parse_args(["cp", "a", "s3p://b/k"])
    assert (copy.run, copy.source, copy.destination) == (cli.command_cp, "a", "s3p://b/k")
    assert (copy.part_size, copy.concurrency, copy.threshold, copy.content_type, copy.progress) == (
        8 * MiB,
        4,
        8 * MiB,
        None,
        None,
    )
    tuned = top.parse_args(
        ["cp", "a", "b", "--part-size", "5MiB", "--concurrency", "2", "--threshold", "1M", "--content-type", "t/p"]
    )
    assert (tuned.part_size, tuned.concurrency, tuned.threshold, tuned.content_type) == (5 * MiB, 2, 10**6, "t/p")
    assert top.parse_args(["cp", "a", "b", "--progress"]).progress is True
    assert top.parse_args(["cp", "a", "b", "--no-progress"]).progress is False
    for name in ("rm", "mb", "rb", "head"):
        parsed = top.parse_args([name, "s3p://b/k"])
        assert (parsed.command, parsed.run, parsed.location) == (name, getattr(cli, f"command_{name}"), "s3p://b/k")
    assert top.parse_args(["mb", "s3p://b", "--bucket-region", "eu-west-1"]).bucket_region == "eu-west-1"
    for wrong in (["mb"], ["rb", "s3p://b", "--bucket-region", "x"], [], ["cp", "a"]):
        with pytest.raises(SystemExit):
            top.parse_args(wrong)


# What `--help` tells, per command: hand-written from the options' purpose (README's CLI section).
HELP = {
    (): [
        "usage: s3proxy [-h]",
        "COMMAND ...",
        "rm, mb, rb and head through a deployed S3ProxyApi stack.",
        "write a Postman v2.1 collection of the stack (no request made)",
        "s3proxy --outputs outputs.json postman -o s3proxy.postman_collection.json",
        "--outputs FILE",
        "the stack outputs (`pulumi stack output --json` saved)",
        "--stack STACK",
        "the Pulumi stack to read outputs from (when --outputs is absent)",
        "--region REGION",
        "the API's region (default: from the outputs' execution_arn)",
        "--quiet, -q",
        "no summary lines",
        "--api-key API_KEY",
        "the API key, when the stack requires one (default: $S3PROXY_API_KEY)",
        "list buckets, or objects under s3p://bucket/prefix",
        "copy a file to s3p://bucket/key, an object to a file or to another key",
        "as cp, then delete the source",
        "print a signed link that downloads s3p://bucket/key (SigV4 query)",
        "delete s3p://bucket/key",
        "create s3p://bucket",
        "delete the empty bucket s3p://bucket",
        "show an object's size, ETag, type and date (JSON)",
        "4 access denied or route not deployed, 5 conflict or precondition failed, 130 interrupted.",
    ],
    ("ls",): ["s3p://bucket[/prefix]", "--recursive, -r", "every key, not one level"],
    ("cp",): [
        "--part-size PART_SIZE",
        "e.g. 8MiB (5 MiB to < 10 MB)",
        "--concurrency CONCURRENCY",
        "parallel requests (default 4)",
        "--threshold THRESHOLD",
        "multipart above this size",
        "--content-type CONTENT_TYPE",
        "of an upload (default: guessed from the file name)",
        "--progress, --no-progress",
        "progress bar (default: on a tty)",
        "--metadata NAME=VALUE",
        "user metadata of an upload or copy, sent as x-amz-meta-NAME (repeatable; the stack's metadata_headers)",
    ],
    ("mv",): ["--part-size PART_SIZE", "--metadata NAME=VALUE", "source", "destination"],
    ("link",): [
        "--name NAME",
        "the file name the browser saves it under (Content-Disposition: attachment)",
        "--expires EXPIRES",
        "seconds the link works (default 3600, max 604800)",
    ],
    ("rm",): [
        "--version-id VERSION_ID",
        "one version of the object (a versioned bucket)",
        "--recursive, -r",
        "every object under s3p://bucket/prefix (DeleteObjects)",
    ],
    ("head",): ["--version-id VERSION_ID", "one version of the object (a versioned bucket)"],
    ("postman",): [
        "--outputs FILE",
        "as before the command",
        "-o COLLECTION, --output COLLECTION",
        "the file to write",
    ],
    ("mb",): ["--bucket-region BUCKET_REGION", "the bucket's region (default: the API's)"],
}


@pytest.mark.parametrize("command", list(HELP), ids=lambda c: " ".join(c) or "top")
def test_cli_help_says_what_each_option_does(command, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # one line per option
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/s3proxy"])  # the console script, whoever runs the tests
    with pytest.raises(SystemExit) as done:
        cli.parser().parse_args([*command, "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    for phrase in HELP[command]:
        # Whole: between blanks (or line ends), so that neither a word more nor a word less passes.
        assert re.search(rf"(?<!\S){re.escape(phrase)}(?!\S)", shown), phrase


@pytest.mark.parametrize(
    "argv0, usage",
    [
        ("/usr/local/bin/s3proxy", "usage: s3proxy "),
        ("/app/s3proxy_client/__main__.py", "usage: python -m s3proxy_client "),
    ],
)
def test_cli_usage_names_the_command_as_it_was_run(argv0, usage, monkeypatch):
    monkeypatch.setattr(sys, "argv", [argv0])
    assert cli.parser().format_usage().startswith(usage)


def test_cli_reads_the_outputs_from_pulumi_or_the_environment(cli_env, capsys, monkeypatch, tmp_path):
    _, bucket, (_, outputs) = cli_env
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pulumi = bin_dir / "pulumi"  # a stand-in for the Pulumi CLI: records its arguments, prints the outputs
    pulumi.write_text(
        f'#!/bin/sh\necho "$@" > {tmp_path}/args\n'
        'if [ "$5" = missing ]; then\n'
        '  printf "warning: x\\nwarning: y\\nerror: no stack named missing\\n" >&2; exit 255\n'
        "fi\n"
        'if [ "$5" = silent ]; then exit 1; fi\n'
        f"cat {outputs}\n"
    )
    pulumi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    code, out, _ = run_cli(capsys, "--stack", "dev", "ls")
    assert code == 0 and bucket in out
    assert (tmp_path / "args").read_text() == "stack output --json --stack dev\n"
    run_cli(capsys, "ls")
    assert (tmp_path / "args").read_text() == "stack output --json\n"
    code, _, err = run_cli(capsys, "--stack", "missing", "ls")
    assert code == cli.EXIT_ERROR
    assert err == "s3proxy_client: error: `stack output --json --stack missing` failed: error: no stack named missing\n"
    assert run_cli(capsys, "--stack", "silent", "ls")[2].endswith("--stack silent` failed: no message\n")
    monkeypatch.setenv("S3PROXY_OUTPUTS", outputs)
    (tmp_path / "args").unlink()
    assert run_cli(capsys, "ls")[0] == 0 and not (tmp_path / "args").exists()  # the environment first


def test_cli_lists_buckets_and_objects_in_columns(cli_env, capsys):
    s3, bucket, base = cli_env
    s3.put_object(Bucket=bucket, Key="d/a.bin", Body=b"x" * 1234)
    s3.put_object(Bucket=bucket, Key="top.txt", Body=b"y")
    code, out, _ = run_cli(capsys, *base, "ls")
    (line,) = [line for line in out.splitlines() if line.endswith(f"  {bucket}")]
    assert code == 0 and re.fullmatch(rf"\d{{4}}-\d\d-\d\dT[0-9:.]+Z? *  {bucket}", line), line
    code, out, _ = run_cli(capsys, *base, "ls", f"s3p://{bucket}")
    assert out.splitlines()[0] == f"{'':<24}  {'PRE':>14}  d/"
    assert re.fullmatch(r".{24}  {14}1  top\.txt", out.splitlines()[1]), out
    code, out, _ = run_cli(capsys, *base, "ls", "-r", f"s3p://{bucket}/d/")
    assert [line[26:] for line in out.splitlines()] == [f"{'1,234':>14}  d/a.bin"]


def test_cli_copies_name_keys_and_files_and_report_what_they_did(cli_env, capsys, tmp_path):
    s3, bucket, base = cli_env
    source = random_file(tmp_path / "in.txt", 6 * MiB)
    args = ("--part-size", "5MiB", "--threshold", "5MiB", "--no-progress")
    code, out, _ = run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}", *args, "--content-type", "x/y")
    assert code == 0 and out.startswith(f"upload: {source} -> s3p://{bucket}/in.txt: 6,291,456 bytes in ")
    assert out.endswith(" MiB/s)\n")
    assert s3.head_object(Bucket=bucket, Key="in.txt")["ContentType"] == "x/y"
    code, out, _ = run_cli(capsys, *base, "-q", "cp", str(source), f"s3p://{bucket}/d/", *args)
    assert (code, out) == (0, "")
    assert s3.head_object(Bucket=bucket, Key="d/in.txt")["ContentType"] == "text/plain"  # guessed from the name
    assert s3.head_object(Bucket=bucket, Key="d/in.txt")["ETag"].endswith('-2"')  # above the threshold
    (tmp_path / "down").mkdir()
    code, out, _ = run_cli(capsys, *base, "cp", f"s3p://{bucket}/d/in.txt", f"{tmp_path}/down/", "--no-progress")
    assert out.startswith(f"download: s3p://{bucket}/d/in.txt -> {tmp_path}/down/in.txt: 6,291,456 bytes in ")
    assert (tmp_path / "down" / "in.txt").read_bytes() == source.read_bytes()
    code, _, _ = run_cli(capsys, *base, "cp", f"s3p://{bucket}/in.txt", str(tmp_path / "named.bin"), "--progress")
    assert code == 0 and (tmp_path / "named.bin").read_bytes() == source.read_bytes()

    for argv, expected_code, message in (
        (("cp", f"s3p://{bucket}/d/", str(tmp_path)), cli.EXIT_USAGE, f"s3p://{bucket}/d/ names no object"),
        (("cp", str(source), str(tmp_path / "x")), cli.EXIT_USAGE, "or one s3p:// object to another"),
        (("cp", str(tmp_path / "nope"), f"s3p://{bucket}/k"), cli.EXIT_NOT_FOUND, f"{tmp_path}/nope: no such file"),
        (("cp", str(source), f"s3p://{bucket}/k", "--concurrency", "0"), cli.EXIT_USAGE, "concurrency must be"),
        (("cp", f"s3p://{bucket}/missing", str(tmp_path / "m")), cli.EXIT_NOT_FOUND, f"s3p://{bucket}/missing: "),
    ):
        code, out, err = run_cli(capsys, *base, *argv)
        assert (code, out) == (expected_code, ""), argv
        assert err.startswith("s3proxy_client: error: ") and message in err and err.count("\n") == 1, err


def test_cli_bucket_and_object_commands_say_what_they_did(cli_env, capsys):
    s3, bucket, base = cli_env
    name = f"{bucket}-mb"
    assert run_cli(capsys, *base, "mb", f"s3p://{name}", "--bucket-region", "eu-west-1")[:2] == (
        0,
        f"make_bucket: {name}\n",
    )
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    assert run_cli(capsys, *base, "rb", f"s3p://{name}")[:2] == (0, f"remove_bucket: {name}\n")
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"hello", ContentType="text/plain")
    code, out, _ = run_cli(capsys, *base, "head", f"s3p://{bucket}/k.txt")
    shown = json.loads(out)
    assert code == 0 and list(shown) == [
        "bucket",
        "key",
        "size",
        "etag",
        "content_type",
        "last_modified",
        "version_id",
        "metadata",
    ]
    assert (shown["bucket"], shown["key"], shown["size"], shown["content_type"]) == (bucket, "k.txt", 5, "text/plain")
    assert shown["etag"] == '"5d41402abc4b2a76b9719d911017c592"'  # md5 of "hello"
    assert run_cli(capsys, *base, "rm", f"s3p://{bucket}/k.txt")[:2] == (0, f"delete: s3p://{bucket}/k.txt\n")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    for argv, message in (
        (("rm", f"s3p://{bucket}"), "names no object (use rb to delete a bucket)"),
        (("head", f"s3p://{bucket}/"), "names no object"),
        (("mb", f"s3p://{bucket}/k"), f"s3p://{bucket}/k: a bucket has no key"),
        (("rb", f"s3p://{bucket}/k"), "a bucket has no key"),
        (("ls", "s3://b"), "not a remote location"),
    ):
        code, _, err = run_cli(capsys, *base, *argv)
        assert code == cli.EXIT_USAGE and message in err, (argv, err)


def test_cli_errors_are_one_line_with_their_exit_code(cli_env, capsys, monkeypatch, tmp_path):
    s3, bucket, base = cli_env
    code, _, err = run_cli(capsys, *base, "rb", f"s3p://{bucket}-absent")
    assert code == cli.EXIT_NOT_FOUND and err.startswith(f"s3proxy_client: error: s3p://{bucket}-absent: NoSuchBucket")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    code, _, err = run_cli(capsys, *base, "rb", f"s3p://{bucket}")
    assert code == cli.EXIT_CONFLICT and "BucketNotEmpty" in err
    source = tmp_path / "up.txt"
    source.write_text("x")
    code, _, err = run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}-absent/k")  # names the remote side
    assert code == cli.EXIT_NOT_FOUND
    assert err.startswith(f"s3proxy_client: error: s3p://{bucket}-absent/k: NoSuchBucket")
    for error, expected in (
        (NotFoundError(404, "NoSuchKey", "m"), cli.EXIT_NOT_FOUND),
        (FileNotFoundError("f"), cli.EXIT_NOT_FOUND),
        (AccessDeniedError(403, "AccessDenied", "m"), cli.EXIT_DENIED),
        (PermissionError("p"), cli.EXIT_DENIED),
        (PreconditionFailedError(412, "PreconditionFailed", "m"), cli.EXIT_CONFLICT),
        (cli.UsageError("u"), cli.EXIT_USAGE),
        (ServerError(500, "InternalError", "m"), cli.EXIT_ERROR),
    ):
        assert cli.exit_code(error) == expected, error
    missing = FileNotFoundError(2, "No such file or directory", "/x/y")
    noted = ValueError("first\nline")
    noted.add_note("a note")
    assert (cli.one_line(missing), cli.one_line(noted), cli.one_line(KeyError())) == (
        "/x/y: No such file or directory",
        "first line; a note",
        "KeyError",
    )

    def broken(client: Any, options: Any) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "command_ls", broken)
    code, _, err = run_cli(capsys, *base, "ls")
    assert (code, err) == (cli.EXIT_ERROR, "s3proxy_client: internal error: RuntimeError: a bug\n")
    monkeypatch.setenv("S3PROXY_DEBUG", "1")
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main([*base, "ls"])


def test_cli_rates_and_progress_choices(monkeypatch):
    assert cli.rate(3 * MiB, 2.0) == "3,145,728 bytes in 2.0 s (1.5 MiB/s)"
    assert cli.rate(10, 0.0).startswith("10 bytes in 0.0 s (")  # no division by zero
    options = cli.parser().parse_args(["cp", "a", "b"])
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert cli.wants_progress(options, 8 * MiB + 1) and not cli.wants_progress(options, 8 * MiB)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert not cli.wants_progress(options, 100 * MiB)
    options.progress = True
    assert cli.wants_progress(options, 0)


def test_cli_head_prints_unicode_as_is_and_downloads_name_the_file_after_the_last_segment(cli_env, capsys, tmp_path):
    s3, bucket, base = cli_env
    s3.put_object(Bucket=bucket, Key="a/b/ü.txt", Body=b"hi", ContentType="text/plain")
    code, out, _ = run_cli(capsys, *base, "head", f"s3p://{bucket}/a/b/ü.txt")
    modified = json.loads(out)["last_modified"]
    assert code == 0
    assert out == (
        f'{{\n  "bucket": "{bucket}",\n  "key": "a/b/ü.txt",\n  "size": 2,\n'
        f'  "etag": "\\"{hashlib.md5(b"hi").hexdigest()}\\"",\n  "content_type": "text/plain",\n'
        f'  "last_modified": "{modified}",\n  "version_id": null,\n  "metadata": {{}}\n}}\n'
    )
    (tmp_path / "here").mkdir()
    assert run_cli(capsys, *base, "-q", "cp", f"s3p://{bucket}/a/b/ü.txt", str(tmp_path / "here"))[:2] == (0, "")
    assert (tmp_path / "here" / "ü.txt").read_bytes() == b"hi"


def test_cli_metadata_is_name_equals_value_the_value_may_hold_equals_signs(capsys):
    options = cli.parser().parse_args(
        ["cp", "--metadata", "owner=team=files", "--metadata", "empty=", "f", "s3p://b/k"]
    )
    assert options.metadata == [("owner", "team=files"), ("empty", "")]
    for wrong in ("owner", "=files"):
        with pytest.raises(SystemExit) as usage:
            cli.parser().parse_args(["cp", "--metadata", wrong, "f", "s3p://b/k"])
        assert usage.value.code == 2
        assert f"argument --metadata: {wrong!r} is not NAME=VALUE" in capsys.readouterr().err


def test_object_versions_are_read_and_deleted_by_their_id(moto):
    client, s3, bucket = moto
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="v.txt", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="v.txt", Body=b"three")["VersionId"]
    got = client.get_object(bucket, "v.txt", version_id=first)
    assert (got.body, got.version_id) == (b"one", first)
    assert client.get_object(bucket, "v.txt").body == b"three"
    assert client.head_object(bucket, "v.txt", version_id=first).size == 3
    assert client.delete_object(bucket, "v.txt", version_id=first) == first  # that version only
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == [second]
    marker = client.delete_object(bucket, "v.txt")  # the current object: S3 puts a delete marker on top
    (deleted,) = s3.list_object_versions(Bucket=bucket)["DeleteMarkers"]
    assert marker == deleted["VersionId"] != second


def test_the_cli_heads_and_deletes_a_version_by_its_id(cli_env, capsys):
    # --version-id reaches both the HEAD that checks the version exists and the DELETE.
    s3, bucket, base = cli_env
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["VersionId"]
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"newer")["VersionId"]
    code, out, _ = run_cli(capsys, *base, "head", "--version-id", old, f"s3p://{bucket}/k")
    assert (code, json.loads(out)["size"], json.loads(out)["version_id"]) == (0, 3, old)
    assert run_cli(capsys, *base, "rm", "--version-id", old, f"s3p://{bucket}/k")[0] == 0
    versions = s3.list_object_versions(Bucket=bucket)
    assert [v["VersionId"] for v in versions["Versions"]] == [new]
    assert "DeleteMarkers" not in versions  # the version was deleted, no marker put on the current object
    code, _, err = run_cli(capsys, *base, "rm", "--version-id", old, f"s3p://{bucket}/k")
    assert code == cli.EXIT_NOT_FOUND, err  # the version is gone: said, not deleted silently


def test_a_put_sends_its_type_metadata_and_conditions(moto):
    client, s3, bucket = moto
    client.put_object(bucket, "m.bin", b"x", metadata={"owner": "files"})
    head = s3.head_object(Bucket=bucket, Key="m.bin")
    assert (head["ContentType"], head["Metadata"]) == ("application/octet-stream", {"owner": "files"})
    with pytest.raises(PreconditionFailedError):
        client.put_object(bucket, "m.bin", b"y", if_none_match="*")  # exists: not overwritten
    assert s3.get_object(Bucket=bucket, Key="m.bin")["Body"].read() == b"x"
    client.put_object(bucket, "new.bin", b"n", if_none_match="*")
    assert s3.get_object(Bucket=bucket, Key="new.bin")["Body"].read() == b"n"


def test_a_put_of_10_mb_or_more_is_refused_pointing_at_upload_file(moto):
    client, _, bucket = moto
    with pytest.raises(ValueError) as refused:
        client.put_object(bucket, "big", b"\0" * 10_000_000)
    assert str(refused.value) == (
        "a body of 10,000,000 bytes exceeds API Gateway's 10 MB payload limit: use upload_file, which sends it "
        "as a multipart upload"
    )


def recorded_bars(monkeypatch: Any) -> tuple[list[tuple[bool, str, int | None]], list[int]]:
    """The CLI's progress bars, recorded instead of drawn: (switch, title, total) of each, and every advance of
    the enabled ones."""
    shown: list[tuple[bool, str, int | None]] = []
    advanced: list[int] = []

    @contextlib.contextmanager
    def recording_bar(enabled: bool, description: str, total: int | None) -> Iterator[Any]:
        shown.append((enabled, description, total))
        yield advanced.append if enabled else None

    monkeypatch.setattr(cli, "progress_bar", recording_bar)
    return shown, advanced


def test_cli_cp_progress_shows_each_transfer_by_name_and_size(cli_env, capsys, tmp_path, monkeypatch):
    """The bar itself is rich's; what the CLI owes it is the right switch, title and total, and every byte."""
    _, bucket, base = cli_env
    shown, advanced = recorded_bars(monkeypatch)
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    args = ("--part-size", "5MiB", "--threshold", "5MiB")
    assert run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}/in.bin", *args, "--progress")[0] == 0
    assert (shown, sum(advanced)) == ([(True, "upload in.bin", 6 * MiB)], 6 * MiB)
    shown.clear(), advanced.clear()
    assert run_cli(capsys, *base, "cp", f"s3p://{bucket}/in.bin", str(tmp_path / "out.bin"), "--progress")[0] == 0
    assert (shown, advanced) == ([(True, "download out.bin", 6 * MiB)], [6 * MiB])  # one read of 8 MiB
    shown.clear(), advanced.clear()
    command = ("cp", f"s3p://{bucket}/in.bin", str(tmp_path / "parts.bin"), "--progress", *args)
    assert run_cli(capsys, *base, *command)[0] == 0
    assert advanced == [5 * MiB, MiB]  # the download's reads are of --part-size
    shown.clear()
    assert run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}/again.bin", *args, "--no-progress")[0] == 0
    assert shown == [(False, "upload in.bin", 6 * MiB)]


def test_cli_cp_on_a_terminal_shows_a_bar_for_what_is_above_the_threshold_and_heads_only_for_one(
    cli_env, capsys, tmp_path, monkeypatch
):
    _, bucket, base = cli_env
    shown, _ = recorded_bars(monkeypatch)
    big, small = random_file(tmp_path / "big.bin", 6 * MiB), random_file(tmp_path / "small.bin", 5)
    args = ("--threshold", "5MiB")
    for terminal in (True, False):
        monkeypatch.setattr(sys.stderr, "isatty", lambda terminal=terminal: terminal)
        for command in (
            ("cp", str(big), f"s3p://{bucket}/big.bin", *args),
            ("cp", str(small), f"s3p://{bucket}/small.bin", *args),
            ("cp", f"s3p://{bucket}/big.bin", str(tmp_path / "down.bin"), *args),
            ("cp", f"s3p://{bucket}/big.bin", str(tmp_path / "quiet.bin"), *args, "--no-progress"),
        ):
            assert run_cli(capsys, *base, *command)[0] == 0
    assert shown == [
        (True, "upload big.bin", 6 * MiB),
        (False, "upload small.bin", 5),
        (True, "download down.bin", 6 * MiB),  # the total from a HEAD
        (False, "download quiet.bin", None),  # no bar: no HEAD for its total
        (False, "upload big.bin", 6 * MiB),
        (False, "upload small.bin", 5),
        (False, "download down.bin", None),
        (False, "download quiet.bin", None),
    ]


def test_cli_cp_to_a_path_ending_in_a_slash_names_a_directory_which_must_exist(cli_env, capsys, tmp_path):
    s3, bucket, base = cli_env
    s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"hello")
    assert run_cli(capsys, *base, "cp", f"s3p://{bucket}/a/b.txt", f"{tmp_path}/new/")[0] != 0
    assert list(tmp_path.iterdir()) == [tmp_path / "outputs.json"]  # no file named `new`
    started = time.perf_counter()
    code, out, _ = run_cli(capsys, *base, "cp", f"s3p://{bucket}/a/b.txt", f"{tmp_path}/")
    took = time.perf_counter() - started
    assert code == 0 and (tmp_path / "b.txt").read_bytes() == b"hello"
    assert float(re.search(r" bytes in ([0-9.]+) s ", out)[1]) <= round(took, 1) + 0.05


def test_cli_ls_recursive_lists_every_key_not_one_level(cli_env, capsys):
    s3, bucket, base = cli_env
    for key in ("top.txt", "d/one.txt", "d/e/two.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"12345")
    code, out, _ = run_cli(capsys, *base, "ls", "--recursive", f"s3p://{bucket}")
    assert code == 0
    assert [line.split()[-1] for line in out.splitlines()] == ["d/e/two.txt", "d/one.txt", "top.txt"]
    assert all(line.split()[-2] == "5" for line in out.splitlines())
    code, out, _ = run_cli(capsys, *base, "ls", f"s3p://{bucket}")
    assert [line.split()[-1] for line in out.splitlines()] == ["d/", "top.txt"]


@pytest.mark.parametrize("size", ["eight", "8XB", "", "8 MiB 2"])
def test_cli_sizes_that_are_not_sizes_are_usage_errors(size, capsys):
    with pytest.raises(SystemExit) as usage:
        cli.parser().parse_args(["cp", "--part-size", size, "a", "s3p://b/k"])
    assert usage.value.code == 2
    assert f"argument --part-size: not a size: {size!r} (e.g. 8MiB, 8388608)" in capsys.readouterr().err


def test_cli_region_and_api_key_reach_every_request(scripted, tmp_path, capsys, monkeypatch):
    script, url = scripted
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.delenv("S3PROXY_API_KEY", raising=False)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"url": url, "execution_arn": ARN.replace("eu-west-1", "us-east-1")}))
    base = ("--outputs", str(outputs), "--region", "eu-central-1", "--api-key", "k3y")
    assert run_cli(capsys, *base, "rm", "s3p://b/k")[:2] == (0, "delete: s3p://b/k\n")
    assert [(method, path.rpartition("/_user_request_")[2]) for method, path, _, _ in script.received] == [
        ("HEAD", "/b/k"),
        ("DELETE", "/b/k"),
    ]
    for _, _, headers, _ in script.received:
        assert headers["x-api-key"] == "k3y"
        assert AUTHORIZATION.match(headers["Authorization"])[2] == "eu-central-1"  # signed for the region given


def test_cli_usage_errors_and_interruptions_say_what_happened(cli_env, capsys, monkeypatch):
    _, _, base = cli_env
    assert run_cli(capsys, *base, "ls", "s3p:///k") == (
        cli.EXIT_USAGE,
        "",
        "s3proxy_client: error: no bucket in 's3p:///k'\n",
    )

    def interrupted(client: Any, options: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "command_ls", interrupted)
    assert run_cli(capsys, *base, "ls") == (cli.EXIT_INTERRUPTED, "", "s3proxy_client: interrupted\n")
    monkeypatch.delenv("S3PROXY_OUTPUTS", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")  # no Pulumi CLI
    assert run_cli(capsys, "ls") == (
        cli.EXIT_ERROR,
        "",
        "s3proxy_client: error: no stack outputs: pass --outputs FILE (written by `pulumi stack output --json > "
        "FILE`, or the last line of `make up`), or install the Pulumi CLI\n",
    )


def test_the_rate_reported_is_bytes_over_seconds_in_mib():
    assert cli.rate(3 * 1024**2, 2.0) == "3,145,728 bytes in 2.0 s (1.5 MiB/s)"
    assert cli.rate(1024**2, 0.25) == "1,048,576 bytes in 0.2 s (4.0 MiB/s)"  # under a second too
    assert cli.rate(5, 0.0).startswith("5 bytes in 0.0 s (")  # a transfer faster than the clock: no error
    assert cli.rate(100 * 1024**2, 1.0) == "104,857,600 bytes in 1.0 s (100.0 MiB/s)"  # MiB: 1024², not 1025²


def test_cli_cp_sends_metadata_and_reports_the_time_the_copy_took(cli_env, capsys, tmp_path):
    s3, bucket, base = cli_env
    source = tmp_path / "note.txt"
    source.write_text("hello")
    for destination, args in ((f"s3p://{bucket}/small.txt", ()), (f"s3p://{bucket}/big.txt", ("--threshold", "0"))):
        started = time.perf_counter()
        code, out, _ = run_cli(capsys, *base, "cp", str(source), destination, "--metadata", "owner=files", *args)
        took = time.perf_counter() - started
        assert code == 0
        assert s3.head_object(Bucket=bucket, Key=destination.rpartition("/")[2])["Metadata"] == {"owner": "files"}
        reported = float(re.search(r" bytes in ([0-9.]+) s ", out)[1])
        assert reported <= round(took, 1) + 0.05  # the copy's own duration, within the call's
