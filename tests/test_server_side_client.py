"""The client's copy(), delete_objects() and download names, against moto's S3 on 127.0.0.1 (the ground truth
read with boto3) and, where moto cannot produce S3's answer, a loopback HTTP server answering S3's documented
XML."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse

import pytest
from fakes import client_for

from s3proxy_client import RouteNotAllowedError, S3ProxyError, cli
from s3proxy_client.links import content_disposition
from s3proxy_client.server_side import copy_source

HELLO = b"Hello, World!"
HELLO_ETAG = '"65a8e27d8879283831b664bd8b7f0ad4"'


def test_copy_keeps_the_sources_metadata_unless_told_to_replace_it(moto):
    client, s3, bucket = moto
    s3.put_object(Bucket=bucket, Key="a/src.txt", Body=HELLO, ContentType="text/plain", Metadata={"team": "red"})
    assert client.copy(bucket, "a/src.txt", bucket, "b/kept.txt").etag == HELLO_ETAG
    kept = s3.head_object(Bucket=bucket, Key="b/kept.txt")
    assert (kept["ContentType"], kept["Metadata"]) == ("text/plain", {"team": "red"})
    client.copy(bucket, "a/src.txt", bucket, "b/new.txt", metadata={"team": "blue"}, content_type="text/csv")
    replaced = s3.get_object(Bucket=bucket, Key="b/new.txt")
    assert (replaced["Body"].read(), replaced["ContentType"], replaced["Metadata"]) == (
        HELLO,
        "text/csv",
        {"team": "blue"},
    )


def test_a_copy_sends_its_source_condition_and_replaced_metadata_as_s3_headers(scripted):
    """moto ignores `x-amz-copy-source-if-match`; LocalStack honours it (tests/e2e/test_server_side.py)."""
    script, url = scripted
    result = b'<CopyObjectResult><ETag>"e2"</ETag></CopyObjectResult>'
    script.actions = [(200, result, {"x-amz-version-id": "v2", "x-amz-copy-source-version-id": "v1"})]
    copied = client_for(url).copy("src", "a.txt", "dst", "b.txt", if_match='"e1"', metadata={"team": "red"})
    assert (copied.etag, copied.version_id, copied.source_version_id) == ('"e2"', "v2", "v1")
    ((method, path, headers, body),) = script.received
    assert (method, path.rpartition("/_user_request_")[2], body) == ("PUT", "/dst/b.txt", b"")
    sent = {name.lower(): value for name, value in headers.items()}
    assert {name: sent[name] for name in sent if name.startswith("x-amz-") and "date" not in name} == {
        "x-amz-copy-source": "/src/a.txt",
        "x-amz-copy-source-if-match": '"e1"',
        "x-amz-metadata-directive": "REPLACE",
        "x-amz-meta-team": "red",
    }
    assert sent["content-type"] == "application/octet-stream"


def test_the_copy_source_header_is_url_encoded_and_names_a_version():
    assert copy_source("b", "dir/ü 50%+x.txt") == "/b/dir/%C3%BC%2050%25%2Bx.txt"
    assert (
        copy_source("b", "k", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY") == "/b/k?versionId=3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"
    )


def test_2500_keys_are_deleted_in_three_requests_of_at_most_1000(moto):
    client, s3, bucket = moto
    keys = [f"k/{n:04}" for n in range(2500)]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    s3.put_object(Bucket=bucket, Key="other", Body=b"")
    result = client.delete_objects(bucket, [*keys, keys[0]])  # a key given twice is deleted once
    assert (result.requests, sorted(result.deleted), result.errors) == (3, keys, [])
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["other"]


DELETE_RESULT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
    b"<Deleted><Key>uploads/a.txt</Key></Deleted>"
    b"<Error><Key>private/b.txt</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    b"</DeleteResult>"
)


def test_per_key_refusals_are_returned_and_every_batch_carries_its_checksum(scripted):
    """S3 answers 200 with a `DeleteResult` naming each key's outcome (DeleteObjects API reference, its example
    with an `<Error>`); the body's SHA-256 is the integrity header S3 requires, Content-MD5 being dropped by API
    Gateway."""
    script, url = scripted
    script.actions = [(200, DELETE_RESULT, {"Content-Type": "application/xml"})]
    result = client_for(url).delete_objects("bkt", ["uploads/a.txt", "private/b.txt"])
    assert result.deleted == ["uploads/a.txt"]
    assert [(e.key, e.code, e.message) for e in result.errors] == [("private/b.txt", "AccessDenied", "Access Denied")]
    ((method, path, headers, body),) = script.received
    assert (method, path.partition("?")[2]) == ("POST", "delete=1")
    assert body == (
        b'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>uploads/a.txt</Key></Object>'
        b"<Object><Key>private/b.txt</Key></Object></Delete>"
    )
    assert headers["x-amz-checksum-sha256"] == base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert script.signed == [True]


def test_a_copy_that_fails_inside_a_200_is_an_error(scripted):
    """CopyObject API reference: "a 200 OK response can contain either a success or an error"."""
    script, url = scripted
    error = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
    script.actions = [(200, error, {})] * 5
    with pytest.raises(S3ProxyError) as raised:
        client_for(url).copy("bkt", "a", "bkt", "b")
    assert raised.value.code == "SlowDown"


def test_without_the_route_nothing_is_sent_and_the_error_names_the_actions(scripted):
    script, url = scripted
    client = client_for(url, routes=("PUT /{folder}/{item+} -> s3:PutObject",))
    with pytest.raises(RouteNotAllowedError, match=r"allow the actions s3:GetObject and s3:PutObject"):
        client.copy("bkt", "a", "bkt", "b")
    with pytest.raises(RouteNotAllowedError, match=r"POST /\{folder\}\?delete.*allow the actions s3:DeleteObject"):
        client.delete_objects("bkt", ["a"])
    assert script.received == []


def test_a_download_name_is_rfc_6266_with_an_ascii_fallback():
    assert content_disposition("report.pdf") == "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    assert content_disposition('Q4 "résumé".txt') == (
        "attachment; filename=\"Q4 _r_sum__.txt\"; filename*=UTF-8''Q4%20%22r%C3%A9sum%C3%A9%22.txt"
    )
    for bad in ("", "a/b", "a\\b"):
        with pytest.raises(ValueError, match="a download name is a file name"):
            content_disposition(bad)


def test_get_object_asks_s3_for_the_download_name_and_type(moto):
    client, s3, bucket = moto
    s3.put_object(Bucket=bucket, Key="data.bin", Body=HELLO)
    got = client.get_object(bucket, "data.bin", download_name="hello.txt", response_content_type="text/plain")
    assert got.body == HELLO
    assert got.headers["Content-Disposition"] == "attachment; filename=\"hello.txt\"; filename*=UTF-8''hello.txt"
    assert got.content_type == "text/plain"


def test_a_download_link_is_signed_in_its_query_and_bounded_in_time(scripted):
    _, url = scripted
    link = client_for(url).download_link("bkt", "a b.txt", download_name="x.txt", expires_in=900)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    assert urllib.parse.urlsplit(link).path.endswith("/bkt/a%20b.txt")
    assert query["response-content-disposition"] == "attachment; filename=\"x.txt\"; filename*=UTF-8''x.txt"
    assert (query["X-Amz-Algorithm"], query["X-Amz-Expires"], query["X-Amz-SignedHeaders"]) == (
        "AWS4-HMAC-SHA256",
        "900",
        "host",
    )
    assert query["X-Amz-Credential"].endswith("/us-east-1/execute-api/aws4_request")
    for seconds in (0, 604801):
        with pytest.raises(ValueError, match="expires_in must be 1-604,800 seconds"):
            client_for(url).download_link("bkt", "k", expires_in=seconds)


def test_rm_recursive_deletes_only_keys_under_the_prefix_asked_for(scripted, tmp_path, capsys):
    """Under a key prefix the API pins listing to its own prefix and drops the client's `prefix`: the listing
    answered here holds keys outside `reports/`, and none of them may be deleted."""
    script, url = scripted
    listing = (
        b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated>'
        b"<Contents><Key>uploads/a.txt</Key><Size>1</Size></Contents>"
        b"<Contents><Key>reports/b.txt</Key><Size>1</Size></Contents></ListBucketResult>"
    )
    deleted = (
        b'<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Deleted><Key>reports/b.txt</Key></Deleted>'
        b"</DeleteResult>"
    )
    script.actions = [(200, listing, {}), (200, deleted, {})]
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"url": url, "execution_arn": "arn:aws:execute-api:us-east-1:123456789012:abc/dev"}))
    assert cli.main(["--outputs", str(outputs), "rm", "--recursive", "s3p://bkt/reports/"]) == 0
    deleted_line, summary = capsys.readouterr().out.splitlines()
    assert deleted_line == "delete: s3p://bkt/reports/b.txt"
    assert summary.startswith("delete: 1 of 1 objects in ") and summary.endswith(" s")
    (_, (method, _, _, body)) = [entry[:4] for entry in script.received]
    assert method == "POST" and b"uploads/a.txt" not in body and b"<Key>reports/b.txt</Key>" in body


def test_a_copy_names_its_source_version_and_takes_the_etag_from_the_header_when_the_body_has_none(scripted):
    script, url = scripted
    script.actions = [(200, b"<CopyObjectResult></CopyObjectResult>", {})]  # the server's ETag header: "e1"
    copied = client_for(url).copy("src", "a.txt", "dst", "b.txt", source_version_id="v1")
    assert (copied.etag, copied.version_id, copied.source_version_id) == ('"e1"', None, None)
    ((method, path, headers, _),) = script.received
    sent = {name.lower(): value for name, value in headers.items()}
    assert (method, path.rpartition("/_user_request_")[2]) == ("PUT", "/dst/b.txt")
    assert sent["x-amz-copy-source"] == "/src/a.txt?versionId=v1"
    assert "x-amz-metadata-directive" not in sent and "x-amz-copy-source-if-match" not in sent


def test_a_copy_without_its_route_says_which_route_and_actions(scripted):
    _, url = scripted
    with pytest.raises(RouteNotAllowedError) as refused:
        client_for(url, routes=("GET /{folder}/{item+} -> s3:GetObject",)).copy("bkt", "a", "bkt", "b")
    assert refused.value.message == (
        "a server-side copy needs PUT /{folder}/{item+} [x-amz-copy-source], which the stack does not serve "
        "(allow the actions s3:GetObject and s3:PutObject)"
    )


def test_a_download_name_keeps_every_printable_ascii_character_but_quotes_and_backslashes():
    assert content_disposition("X-ray (2).TXT") == (
        "attachment; filename=\"X-ray (2).TXT\"; filename*=UTF-8''X-ray%20%282%29.TXT"
    )


EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # of b"", the GET's payload


def query_signature_is_valid(link: str, secret: str) -> bool:
    """SigV4 in the query string, checked as API Gateway would (AWS SigV4 reference, "Create a signed request"):
    the canonical request of a GET (path segments encoded once more, for a service other than S3; the query
    sorted, without the signature; the host header; the empty payload's hash), its string to sign under the
    credential's scope, and the key derived from the secret for that date, region and service."""
    split = urllib.parse.urlsplit(link)
    pairs = urllib.parse.parse_qsl(split.query, keep_blank_values=True)
    query = dict(pairs)

    def encoded(text: str) -> str:
        return urllib.parse.quote(text, safe="-_.~")

    canonical_query = "&".join(sorted(f"{encoded(k)}={encoded(v)}" for k, v in pairs if k != "X-Amz-Signature"))
    canonical = "\n".join(
        ["GET", urllib.parse.quote(split.path, safe="/~"), canonical_query, f"host:{split.netloc}", "", "host"]
    )
    canonical += f"\n{EMPTY_SHA256}"
    scope = query["X-Amz-Credential"].partition("/")[2]
    date, region, service, _ = scope.split("/")
    to_sign = f"AWS4-HMAC-SHA256\n{query['X-Amz-Date']}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), query["X-Amz-Signature"])


def test_a_download_link_is_a_signed_get_for_an_hour_by_default_of_the_version_and_type_asked(scripted):
    _, url = scripted
    client = client_for(url)  # the secret key: "test"
    link = client.download_link("bkt", "a b.txt", version_id="v1", content_type="text/csv", download_name="x.csv")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    assert (query["X-Amz-Expires"], query["versionId"], query["response-content-type"]) == ("3600", "v1", "text/csv")
    assert query["response-content-disposition"] == "attachment; filename=\"x.csv\"; filename*=UTF-8''x.csv"
    assert query["X-Amz-Credential"].startswith("test/") and query_signature_is_valid(link, "test")
    assert not query_signature_is_valid(link.replace("v1", "v2"), "test")  # the check checks
    for seconds in (1, 604800):  # the bounds themselves: 1 s to 7 days
        bounded = client.download_link("bkt", "k", expires_in=seconds)
        assert dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(bounded).query))["X-Amz-Expires"] == str(seconds)
        assert query_signature_is_valid(bounded, "test")


def test_a_batch_delete_without_its_route_says_which_route_and_action(scripted):
    _, url = scripted
    with pytest.raises(RouteNotAllowedError) as refused:
        client_for(url, routes=("GET /{folder} -> s3:ListBucket",)).delete_objects("bkt", ["a"])
    assert refused.value.message == (
        "a batch delete needs POST /{folder}?delete, which the stack does not serve (allow the actions s3:DeleteObject)"
    )


def test_routes_given_without_their_actions_are_served_routes(scripted):
    script, url = scripted
    script.actions = [(200, b"<DeleteResult/>", {})]
    assert client_for(url, routes=("POST /{folder}?delete",)).delete_objects("bkt", ["a"]).requests == 1


def test_every_batch_is_xml_and_each_batchs_refusals_are_kept(scripted):
    """1,001 keys: two requests; the first's refusal stays in the result beside the second's; an entry S3 sent
    without a Key, Code or Message reads as empty."""
    script, url = scripted
    first = (
        b"<DeleteResult><Error><Key>k/0000</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
        b"</DeleteResult>"
    )
    second = b"<DeleteResult><Deleted><Key/></Deleted><Error/></DeleteResult>"
    script.actions = [(200, first, {}), (200, second, {})]
    result = client_for(url).delete_objects("bkt", [f"k/{n:04}" for n in range(1001)])
    assert (result.requests, result.deleted) == (2, [""])
    assert [(e.key, e.code, e.message) for e in result.errors] == [
        ("k/0000", "AccessDenied", "Access Denied"),
        ("", "", ""),
    ]
    assert [
        {name.lower(): value for name, value in headers.items()}["content-type"] for _, _, headers, _ in script.received
    ] == ["application/xml", "application/xml"]
    assert [body.count(b"<Object>") for _, _, _, body in script.received] == [1000, 1]
