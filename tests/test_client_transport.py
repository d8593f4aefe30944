"""Signed HTTP against a scripted server: SigV4 for execute-api, retries and their back-off, connection
failures, redirects, proxies, and the client's defaults."""

from __future__ import annotations

import os
import random
import threading

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from fakes import CREDENTIALS, FAST, client_for, held_until, setting, xml_error

from s3proxy_client import (
    AccessDeniedError,
    ConnectionFailedError,
    NotFoundError,
    S3ProxyClient,
    S3ProxyError,
    ServerError,
    ThrottledError,
)
from s3proxy_client.transport import RetryPolicy, Transport, canonical_query


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


def test_a_signature_is_verified_by_the_scripted_server(scripted):
    """The verifier itself: a signature made with another secret fails it."""
    script, url = scripted
    S3ProxyClient(url, "us-east-1", credentials=Credentials("test", "not-the-secret")).delete_object("bkt", "k")
    client_for(url).delete_object("bkt", "k")
    assert script.signed == [False, True]


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
    with pytest.raises(ValueError, match=r"^threshold must be an int >= 0, not -1$"):
        tuned.upload_file(os.devnull, "bkt", "k", threshold=-1)
    assert (tuned.transport.retry, tuned.transport.timeout, tuned.transport.pool_size) == (
        RetryPolicy(2, 0.5, 7.0),
        (1.5, 2.5),
        3,
    )


def test_a_transport_keeps_its_url_and_paths_as_given_but_the_slashes_between_them():
    transport = Transport("http://127.0.0.1:9/restapis/X/DEVX/", "us-east-1", Credentials("test", "test"))
    assert transport.url == "http://127.0.0.1:9/restapis/X/DEVX"
    assert transport.url_for("/XB/k", {"a": "1"}) == "http://127.0.0.1:9/restapis/X/DEVX/XB/k?a=1"
    assert (transport.timeout, transport.pool_size) == ((10.0, 60.0), 10)  # the defaults: seconds, connections
