"""`tooling.signed.resign`, which the newman and browser tests use to check other clients' SigV4 signatures."""

from __future__ import annotations

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tooling.signed import resign

KEYS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/dev/bucket/a%20b.txt?uploadId=x"


def signed_headers(body: bytes) -> dict[str, str]:
    request = AWSRequest(method="PUT", url=URL, data=body, headers={"Content-Type": "text/plain", "x-api-key": "k"})
    SigV4Auth(KEYS, "execute-api", "eu-west-1").add_auth(request)
    return dict(request.headers.items())


def test_a_correct_signature_is_reproduced():
    headers = signed_headers(b"hello")
    authorization, expected = resign("PUT", URL, headers, b"hello", KEYS)
    assert (authorization["service"], authorization["region"]) == ("execute-api", "eu-west-1")
    assert authorization["signature"] == expected


@pytest.mark.parametrize(
    ("method", "url", "change", "body"),
    [
        ("GET", URL, {}, b"hello"),
        ("PUT", URL.replace("x", "y"), {}, b"hello"),
        ("PUT", URL, {"Content-Type": "text/html"}, b"hello"),
        ("PUT", URL, {}, b"hellO"),
    ],
)
def test_any_change_to_the_request_is_a_different_signature(method, url, change, body):
    headers = signed_headers(b"hello") | change
    authorization, expected = resign(method, url, headers, body, KEYS)
    assert authorization["signature"] != expected


def test_no_sigv4_header_is_an_error():
    with pytest.raises(ValueError, match="not a SigV4 Authorization header"):
        resign("GET", URL, {"Authorization": "Bearer x"}, b"", KEYS)
