import pytest

from components.catalogue import (
    ROUTES,
    SUPPORTED_ACTIONS,
    Scope,
    integration_uri,
    partition_for,
    resolve_actions,
    resource_arns,
    routes_for,
)

# The route table of the issue and the tutorial: (verb, path, S3 operation, IAM action).
EXPECTED_ROUTES = {
    ("GET", "/", "ListBuckets", "s3:ListAllMyBuckets"),
    ("GET", "/{folder}", "ListObjects", "s3:ListBucket"),
    ("HEAD", "/{folder}", "HeadBucket", "s3:ListBucket"),
    ("PUT", "/{folder}", "CreateBucket", "s3:CreateBucket"),
    ("DELETE", "/{folder}", "DeleteBucket", "s3:DeleteBucket"),
    ("GET", "/{folder}/{item+}", "GetObject", "s3:GetObject"),
    ("HEAD", "/{folder}/{item+}", "HeadObject", "s3:GetObject"),
    ("PUT", "/{folder}/{item+}", "PutObject", "s3:PutObject"),
    ("DELETE", "/{folder}/{item+}", "DeleteObject", "s3:DeleteObject"),
    # Multipart uploads (issue: objects beyond API Gateway's 10 MB payload limit).
    ("POST", "/{folder}/{item+}", "CreateMultipartUpload", "s3:PutObject"),
    ("PUT", "/{folder}/{item+}", "UploadPart", "s3:PutObject"),
    ("POST", "/{folder}/{item+}", "CompleteMultipartUpload", "s3:PutObject"),
    ("DELETE", "/{folder}/{item+}", "AbortMultipartUpload", "s3:AbortMultipartUpload"),
    ("GET", "/{folder}/{item+}", "ListParts", "s3:ListMultipartUploadParts"),
    # Object versions (issue 11), each gated by its own action.
    ("GET", "/{folder}", "ListObjectVersions", "s3:ListBucketVersions"),
    ("GET", "/{folder}/{item+}", "GetObjectVersion", "s3:GetObjectVersion"),
    ("HEAD", "/{folder}/{item+}", "HeadObjectVersion", "s3:GetObjectVersion"),
    ("DELETE", "/{folder}/{item+}", "DeleteObjectVersion", "s3:DeleteObjectVersion"),
    # Server-side copy (also s3:GetObject, on its source) and batch delete.
    ("PUT", "/{folder}/{item+}", "CopyObject", "s3:PutObject"),
    ("POST", "/{folder}", "DeleteObjects", "s3:DeleteObject"),
}


def test_catalogue_is_the_route_table():
    assert {(r.verb, r.path, r.operation, r.action) for r in ROUTES} == EXPECTED_ROUTES


def test_operations_sharing_a_method_are_told_apart_by_their_query_string_or_a_header():
    by_method = {}
    for route in ROUTES:
        by_method.setdefault((route.verb, route.path), []).append(route)
    for routes in by_method.values():
        assert len({r.selector for r in routes}) == len(routes), routes
        assert len({r.s3_path() for r in routes}) == 1  # one integration URI per method
        for route in routes:
            # the selecting query parameters, or the selecting header, are passed through to S3
            if route.selector.startswith(" ["):
                assert route.selector.strip(" []") in route.request_headers, route
            else:
                wanted = [q for q in route.selector.lstrip("?").split("&") if q]
                assert set(wanted) <= set(route.query_strings), route
    assert len({r.describe() for r in ROUTES}) == len(ROUTES)


def test_supported_actions_are_the_catalogue_actions_without_duplicates():
    assert sorted(SUPPORTED_ACTIONS) == sorted({a for *_, a in EXPECTED_ROUTES})
    assert len(SUPPORTED_ACTIONS) == len(set(SUPPORTED_ACTIONS))


@pytest.mark.parametrize(
    "patterns, expected",
    [
        (["s3:GetObject"], {"s3:GetObject"}),
        (["S3:GETOBJECT"], {"s3:GetObject"}),
        (["s3:get*"], {"s3:GetObject", "s3:GetObjectVersion"}),
        (
            ["s3:List*"],
            {"s3:ListAllMyBuckets", "s3:ListBucket", "s3:ListBucketVersions", "s3:ListMultipartUploadParts"},
        ),
        (["s3:*Object"], {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}),
        (["s3:*"], set(SUPPORTED_ACTIONS)),
        (["*"], set(SUPPORTED_ACTIONS)),
        (["s3:GetObject", "s3:get*"], {"s3:GetObject", "s3:GetObjectVersion"}),
    ],
)
def test_resolve_actions_expands_wildcards_case_insensitively(patterns, expected):
    resolved = resolve_actions(patterns)
    assert set(resolved) == expected
    assert all("*" not in action for action in resolved)


def test_resolve_actions_keeps_catalogue_order():
    assert resolve_actions(["s3:PutObject", "s3:ListAllMyBuckets"]) == ("s3:ListAllMyBuckets", "s3:PutObject")


@pytest.mark.parametrize("pattern", ["s3:GetObjectAcl", "s3:Put", "ec2:*", "s3:Get*Acl", ""])
def test_pattern_matching_nothing_names_the_supported_actions(pattern):
    with pytest.raises(ValueError) as error:
        resolve_actions([pattern])
    assert repr(pattern) in str(error.value)
    assert all(action in str(error.value) for action in SUPPORTED_ACTIONS)


def test_routes_for_keeps_only_allowed_actions():
    routes = routes_for(("s3:GetObject",))
    assert [(r.verb, r.path) for r in routes] == [("GET", "/{folder}/{item+}"), ("HEAD", "/{folder}/{item+}")]
    uploads = routes_for(("s3:PutObject",))
    assert [r.operation for r in uploads] == [
        "PutObject",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
    ]


def test_greedy_item_path_and_parameters():
    item_routes = [r for r in ROUTES if r.scope is Scope.OBJECT and r.operation not in ("DeleteObjects", "CopyObject")]
    assert all(r.path == "/{folder}/{item+}" and r.path_parameters == ("folder", "item") for r in item_routes)
    assert all(r.s3_path() == "{bucket}/{object}" for r in item_routes)
    assert all(r.s3_path("uploads/") == "{bucket}/uploads/{object}" for r in item_routes)


def test_batch_delete_is_a_bucket_request_granted_on_its_objects():
    """DeleteObjects is `POST /bucket?delete` on S3, authorized as s3:DeleteObject on each key of its body
    (DeleteObjects API reference): its path is the bucket's; its grant the objects'."""
    (batch,) = [r for r in ROUTES if r.operation == "DeleteObjects"]
    assert (batch.path, batch.s3_path()) == ("/{folder}", "{bucket}")
    assert resource_arns(batch.scope, ("b",), "aws") == ["arn:aws:s3:::b/*"]
    assert batch.query_strings == ("delete",)


def test_under_a_key_prefix_neither_copy_nor_batch_delete_is_offered():
    """A copy's source header and a batch's body name keys the integration cannot place under the prefix (a
    mapping has one source, nothing to prepend): only IAM would confine them, so the routes are left out, as
    HeadBucket is."""
    every = {r.operation for r in routes_for(SUPPORTED_ACTIONS)}
    prefixed = {r.operation for r in routes_for(SUPPORTED_ACTIONS, prefixed=True)}
    assert every - prefixed == {"HeadBucket", "CopyObject", "DeleteObjects"}


def test_copy_exists_only_where_both_its_actions_are_allowed():
    """CopyObject reads its source (s3:GetObject) and writes its target (s3:PutObject): CopyObject API reference."""

    def copies(actions):
        return [r.describe() for r in routes_for(actions) if r.operation == "CopyObject"]

    assert copies(("s3:PutObject",)) == copies(("s3:GetObject",)) == []
    assert copies(("s3:GetObject", "s3:PutObject")) == [
        "PUT /{folder}/{item+} [x-amz-copy-source] -> s3:PutObject+s3:GetObject"
    ]


@pytest.mark.parametrize(
    "region, partition",
    [
        ("us-east-1", "aws"),
        ("eu-west-3", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        # Regions newer than botocore's data resolve by the partitions' region patterns.
        ("us-east-9", "aws"),
        ("cn-south-7", "aws-cn"),
        ("us-gov-south-4", "aws-us-gov"),
    ],
)
def test_partition_for(region, partition):
    assert partition_for(region) == partition


def test_integration_uris_follow_the_tutorial():
    by_operation = {r.operation: r for r in ROUTES}
    assert integration_uri(by_operation["ListBuckets"], "us-west-2") == "arn:aws:apigateway:us-west-2:s3:path//"
    assert integration_uri(by_operation["ListObjects"], "us-west-2") == "arn:aws:apigateway:us-west-2:s3:path/{bucket}"
    assert (
        integration_uri(by_operation["GetObject"], "cn-north-1")
        == "arn:aws-cn:apigateway:cn-north-1:s3:path/{bucket}/{object}"
    )


def test_resource_arns():
    assert resource_arns(Scope.SERVICE, ("a-bucket",), "aws") == ["*"]
    assert resource_arns(Scope.BUCKET, None, "aws") == ["arn:aws:s3:::*"]
    assert resource_arns(Scope.OBJECT, None, "aws") == ["arn:aws:s3:::*/*"]
    assert resource_arns(Scope.BUCKET, ("a-bucket", "b-bucket"), "aws-cn") == [
        "arn:aws-cn:s3:::a-bucket",
        "arn:aws-cn:s3:::b-bucket",
    ]
    assert resource_arns(Scope.OBJECT, ("a-bucket",), "aws") == ["arn:aws:s3:::a-bucket/*"]


def test_object_route_is_an_object_scoped_route_on_the_greedy_item_path_with_the_key_under_the_prefix():
    # `object_route` runs when the catalogue is imported; calling it here is what lets a changed helper fail a
    # test (mutmut switches a mutant on only for calls made while the tests run).
    from components.catalogue import ObjectData, PrefixRule, Route, object_route

    plain = object_route("GetObject", "GET", "s3:GetObject")
    assert plain == Route(
        operation="GetObject",
        verb="GET",
        path="/{folder}/{item+}",
        action="s3:GetObject",
        scope=Scope.OBJECT,
        request_headers=(),
        query_strings=(),
        response_headers=plain.response_headers,
        under_prefix=PrefixRule.KEY,
        selector="",
        object_data=ObjectData.NONE,
    )
    # The default response headers are an object's: its ETag and version come back, not only a listing's.
    assert {"ETag", "Last-Modified", "Content-Range", "x-amz-version-id"} <= {h for h, _ in plain.response_headers}
    assert plain.s3_path("reports/") == "{bucket}/reports/{object}"

    given = object_route(
        "UploadPart",
        "PUT",
        "s3:PutObject",
        selector="?partNumber&uploadId",
        request_headers=("Content-Length",),
        query_strings=("partNumber", "uploadId"),
        response_headers=(("ETag", "ETag"),),
        object_data=ObjectData.WRITE,
    )
    assert (given.selector, given.request_headers, given.query_strings, given.response_headers, given.object_data) == (
        "?partNumber&uploadId",
        ("Content-Length",),
        ("partNumber", "uploadId"),
        (("ETag", "ETag"),),
        ObjectData.WRITE,
    )
    assert (given.path, given.scope, given.under_prefix) == ("/{folder}/{item+}", Scope.OBJECT, PrefixRule.KEY)


def test_regions_of_a_partition_are_its_real_regions_not_its_global_pseudo_regions():
    from components.catalogue import regions_of

    # botocore lists `aws-global` (and the like) beside the regions: no API can be deployed there.
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= set(regions_of("aws"))
    assert "aws-global" not in regions_of("aws")
    assert set(regions_of("aws-cn")) >= {"cn-north-1", "cn-northwest-1"}
    assert "aws-cn-global" not in regions_of("aws-cn")
    assert "aws-us-gov-global" not in regions_of("aws-us-gov")


def test_a_region_of_no_partition_is_an_error_naming_it():
    from components.catalogue import partition_of

    assert partition_for("xx-nowhere-1") is None
    with pytest.raises(ValueError) as raised:
        partition_of("xx-nowhere-1")
    assert str(raised.value) == "'xx-nowhere-1' belongs to no AWS partition"


def test_routes_for_defaults_to_an_api_without_prefix_or_encryption_key():
    assert [r.operation for r in routes_for(("s3:ListBucket",))] == ["ListObjects", "HeadBucket"]
    assert "UploadPart" in [r.operation for r in routes_for(("s3:PutObject",))]
