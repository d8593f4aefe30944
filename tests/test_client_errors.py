"""Error answers (S3's XML, API Gateway's JSON, bodiless) mapped to typed exceptions."""

from __future__ import annotations

import json

import pytest
from fakes import xml_error

from s3proxy_client import (
    AccessDeniedError,
    ConflictError,
    InvalidRangeError,
    NotFoundError,
    NotModifiedError,
    PayloadTooLargeError,
    PreconditionFailedError,
    RouteNotAllowedError,
    S3ProxyError,
    ServerError,
    ThrottledError,
)
from s3proxy_client.errors import error_for, is_error_document, parse_error_body
from s3proxy_client.transport import Transport


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


def test_an_error_in_s3s_namespace_is_read_like_one_without():
    body = (
        b'<Error xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Code>NoSuchKey</Code><Message>gone</Message>'
        b"<RequestId>R9</RequestId></Error>"
    )
    assert parse_error_body(body, {}) == ("NoSuchKey", "gone", "R9")
