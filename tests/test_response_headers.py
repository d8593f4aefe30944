"""Which headers each method passes back, per status: what S3 sends with that kind of answer, declared once.

Hand-written from the S3 API reference (each operation's "Response Syntax"), the S3 User Guide ("Working with
delete markers": a delete marker's 404, and its 405 by versionId, carry x-amz-version-id) and RFC 9110 (section
15.4.5: a 304 carries the validators and caching headers of the 200 it stands for). A client reads these today
(tests/e2e/test_response_headers.py reads them back from LocalStack): none may disappear.
"""

import pytest

from components.config import validate_args
from components.openapi import render_openapi, to_json

ROLE = "arn:aws:iam::123456789012:role/r"
ITEM, FOLDER = "/{folder}/{item+}", "/{folder}"

CHECKSUMS = {
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
    "x-amz-checksum-type",
}
LISTING = {"Content-Type", "Content-Length", "Timestamp", "Date"}
OBJECT = (
    LISTING
    | CHECKSUMS
    | {
        "ETag",
        "Last-Modified",
        "Accept-Ranges",
        "Content-Range",
        "Cache-Control",
        "Content-Disposition",
        "Content-Encoding",
        "x-amz-version-id",
    }
)
# Only GetObject and HeadObject take Range and the read conditions, so only they answer 206, 304 and 416 (S3 API
# reference, GetObject and HeadObject); other methods declare none of them.
READ_ONLY = (206, 304, 416)
OBJECT_BY_STATUS = {
    200: OBJECT,
    206: OBJECT,
    204: {"Timestamp", "Date", "x-amz-version-id"},
    304: {"Timestamp", "Date", "ETag", "Last-Modified", "Cache-Control", "x-amz-version-id"},
    400: {"Content-Type", "x-amz-version-id"},  # S3's 405 for a delete marker named by versionId
    404: {"Content-Type", "x-amz-version-id"},  # S3's 404 for a current delete marker
    **{status: {"Content-Type"} for status in (403, 409, 412, 416, 500, 501, 503)},
}
# GetObject's `response-expires` override comes back as Expires (GetObject API reference), a 304 keeps it (RFC 9110).
GET_OBJECT_BY_STATUS = OBJECT_BY_STATUS | {
    200: OBJECT | {"Expires"},
    206: OBJECT | {"Expires"},
    304: OBJECT_BY_STATUS[304] | {"Expires"},
}
WRITE_OBJECT_BY_STATUS = {status: headers for status, headers in OBJECT_BY_STATUS.items() if status not in READ_ONLY}
# CopyObject answers the version it copied from (CopyObject API reference, x-amz-copy-source-version-id).
PUT_OBJECT_BY_STATUS = WRITE_OBJECT_BY_STATUS | {200: OBJECT | {"x-amz-copy-source-version-id"}}
LISTING_BY_STATUS = {
    200: LISTING,
    204: {"Timestamp", "Date"},
    **{status: {"Content-Type"} for status in (400, 403, 404, 409, 412, 500, 501, 503)},
}
DEV_METHODS = {
    ("/", "get"): LISTING_BY_STATUS,
    **{(FOLDER, verb): LISTING_BY_STATUS for verb in ("get", "head", "put", "delete", "post")},
    (ITEM, "get"): GET_OBJECT_BY_STATUS,
    (ITEM, "head"): OBJECT_BY_STATUS,
    (ITEM, "put"): PUT_OBJECT_BY_STATUS,
    **{(ITEM, verb): WRITE_OBJECT_BY_STATUS for verb in ("delete", "post")},
}


def document(**args):
    return render_openapi(
        validate_args({"allowed_actions": ["s3:*"]} | args), title="t", region="us-east-1", role_arn=ROLE
    )


def mapped(operation, status):
    """The headers one status maps: what its integration response sets, each declared on the method response."""
    integration = operation["x-amazon-apigateway-integration"]
    (response,) = [r for r in integration["responses"].values() if r["statusCode"] == str(status)]
    parameters = response.get("responseParameters", {})
    headers = {name.removeprefix("method.response.header.") for name in parameters}
    assert headers == set(operation["responses"][str(status)]["headers"])
    for header in headers - {"Timestamp"}:  # Timestamp <- Date is the tutorial's own mapping
        assert parameters[f"method.response.header.{header}"] == f"integration.response.header.{header}"
    if "Timestamp" in headers:
        assert parameters["method.response.header.Timestamp"] == "integration.response.header.Date"
    return headers


@pytest.mark.parametrize("method", sorted(DEV_METHODS))
def test_each_status_maps_the_headers_s3_sends_with_it(method):
    path, verb = method
    operation = document()["paths"][path][verb]
    assert {int(status) for status in operation["responses"]} == set(DEV_METHODS[method])
    for status, headers in DEV_METHODS[method].items():
        assert mapped(operation, status) == headers, status


def test_metadata_comes_back_with_the_object_not_with_a_304_or_an_error():
    get = document(metadata_headers=["x-amz-meta-uploaded-by"])["paths"][ITEM]["get"]
    assert mapped(get, 200) == mapped(get, 206) == OBJECT | {"Expires", "x-amz-meta-uploaded-by"}
    assert mapped(get, 304) == GET_OBJECT_BY_STATUS[304]
    assert mapped(get, 404) == OBJECT_BY_STATUS[404]


def test_the_tutorial_mapping_passes_headers_on_its_200_only():
    get = document(status_mapping="tutorial")["paths"][ITEM]["get"]
    assert (mapped(get, 200), mapped(get, 400), mapped(get, 500)) == (OBJECT | {"Expires"}, set(), set())


def test_cors_exposes_per_status_what_a_script_could_not_read_otherwise():
    """Content-Type, Content-Length, Last-Modified and Cache-Control are CORS-safelisted response headers (Fetch
    standard): scripts read them unexposed. An error exposes the version id only where S3 may send it."""
    get = document(cors={"allow_origin": "*"})["paths"][ITEM]["get"]["x-amazon-apigateway-integration"]
    exposed = {
        response["statusCode"]: response["responseParameters"].get(
            "method.response.header.Access-Control-Expose-Headers"
        )
        for response in get["responses"].values()
    }
    assert exposed["304"] == "'Timestamp,Date,ETag,x-amz-version-id'"
    assert exposed["404"] == exposed["400"] == "'x-amz-version-id'"
    assert exposed["403"] is None and exposed["412"] is None and exposed["503"] is None
    for response in get["responses"].values():  # every answer may be read: the origin is allowed on each
        assert response["responseParameters"]["method.response.header.Access-Control-Allow-Origin"] == "'*'"


def test_the_dev_document_is_less_than_half_its_former_size():
    """Every header on every status made the dev document 185 KB; `make bench` prints both stacks'."""
    assert len(to_json(document())) <= 80_000
