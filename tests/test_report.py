"""The tooling's error lines (tooling/report.py): an AWS error names the operation, the resource and AWS's message."""

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from tooling.report import acting_on, one_line, reporting_errors

# The error S3 answers DeleteBucket on a bucket that still holds objects (S3 API Reference, "Error responses":
# BucketNotEmpty, 409), as botocore raises it.
BUCKET_NOT_EMPTY = {"Error": {"Code": "BucketNotEmpty", "Message": "The bucket you tried to delete is not empty"}}


def test_an_aws_error_names_the_operation_the_resource_and_aws_message():
    with pytest.raises(ClientError) as raised, acting_on("deleting aws:s3/bucket:Bucket reports (reports-0410001)"):
        raise ClientError(BUCKET_NOT_EMPTY, "DeleteBucket")
    assert one_line(raised.value) == (
        "deleting aws:s3/bucket:Bucket reports (reports-0410001): AWS DeleteBucket failed: BucketNotEmpty: "
        "The bucket you tried to delete is not empty"
    )


def test_the_first_error_of_a_chain_is_the_one_named():
    try:
        try:
            raise ValueError("S3ProxyApi: invalid `buckets`: 'Bad_Bucket!' is not a valid S3 bucket name")
        except ValueError as first:
            raise ValueError("While processing input: 'policy'") from first
    except ValueError as wrapped:
        assert one_line(wrapped) == "S3ProxyApi: invalid `buckets`: 'Bad_Bucket!' is not a valid S3 bucket name"


def test_an_unreachable_endpoint_is_its_message_and_a_bug_names_its_type(capsys):
    def unreachable() -> int:
        raise EndpointConnectionError(endpoint_url="http://localhost:4640/")

    assert reporting_errors(unreachable) == 1
    assert capsys.readouterr().err == 'error: Could not connect to the endpoint URL: "http://localhost:4640/"\n'
    assert one_line(KeyError("routes")) == "KeyError: 'routes' (S3PROXY_DEBUG=1 shows the traceback)"


def test_s3proxy_debug_raises_the_error_itself(monkeypatch):
    monkeypatch.setenv("S3PROXY_DEBUG", "1")

    def failing() -> int:
        raise ClientError(BUCKET_NOT_EMPTY, "DeleteBucket")

    with pytest.raises(ClientError):
        reporting_errors(failing)
