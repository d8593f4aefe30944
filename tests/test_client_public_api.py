"""The client's public surface, written out by hand: splitting the client by job (results, checksums, transfer,
server-side operations) must not move or drop a name an app imports or calls."""

import inspect

import s3proxy_client
from s3proxy_client import S3ProxyClient


def test_the_package_exports_the_documented_names():
    assert sorted(s3proxy_client.__all__) == sorted(
        [
            # the client, its settings and the stack's outputs
            "S3ProxyClient",
            "RetryPolicy",
            "StackOutputs",
            "parse_outputs",
            "OutputsError",
            "MULTIPART_CREATE_QUERY",
            "__version__",
            # parts
            "API_GATEWAY_PAYLOAD_LIMIT",
            "DEFAULT_PART_SIZE",
            "MIN_PART_SIZE",
            "Part",
            "plan_parts",
            # results
            "Bucket",
            "ObjectEntry",
            "ObjectInfo",
            "GetObjectResult",
            "TransferResult",
            "UploadedPart",
            "CopyResult",
            "DeleteResult",
            "DeleteFailure",
            # errors
            "S3ProxyError",
            "AccessDeniedError",
            "ConflictError",
            "ConnectionFailedError",
            "InvalidRangeError",
            "NotFoundError",
            "NotModifiedError",
            "PayloadTooLargeError",
            "PreconditionFailedError",
            "RouteNotAllowedError",
            "ServerError",
            "ThrottledError",
        ]
    )
    for name in s3proxy_client.__all__:
        assert hasattr(s3proxy_client, name), name


def test_the_client_offers_every_operation():
    # `make mutate` adds each method's mutants to the class as `xǁS3ProxyClientǁ<method>__mutmut_<n>`: not the API.
    public = {name for name in dir(S3ProxyClient) if not name.startswith("_") and "ǁ" not in name}
    assert public == {
        "from_outputs",
        "url",
        "region",
        "close",
        "list_buckets",
        "create_bucket",
        "delete_bucket",
        "list_objects",
        "head_object",
        "get_object",
        "put_object",
        "delete_object",
        "create_multipart_upload",
        "upload_part",
        "complete_multipart_upload",
        "abort_multipart_upload",
        "list_parts",
        "upload_file",
        "download_file",
        "download_link",
        "copy",
        "delete_objects",
    }


def test_the_server_side_operations_take_the_target_by_position_and_the_rest_by_name():
    copy = inspect.signature(S3ProxyClient.copy).parameters.values()
    assert [p.name for p in copy if p.kind is not inspect.Parameter.KEYWORD_ONLY] == [
        "self",
        "source_bucket",
        "source_key",
        "bucket",
        "key",
    ]
    assert [p.name for p in copy if p.kind is inspect.Parameter.KEYWORD_ONLY] == [
        "source_version_id",
        "if_match",
        "metadata",
        "content_type",
    ]
    assert list(inspect.signature(S3ProxyClient.delete_objects).parameters) == ["self", "bucket", "keys"]
