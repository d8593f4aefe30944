"""The client from stack outputs: parsing, the region, overrides, and the credential chain."""

from __future__ import annotations

import json

import pytest
from fakes import ARN, CREDENTIALS

from s3proxy_client import OutputsError, S3ProxyClient
from s3proxy_client.outputs import parse_outputs
from s3proxy_client.transport import Transport

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


def test_only_trailing_slashes_leave_the_url():
    assert parse_outputs({"url": "https://x.example.com/DEVX//", "execution_arn": ARN}).url == (
        "https://x.example.com/DEVX"
    )
