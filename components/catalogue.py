"""The route catalogue: the single source of truth for what the API exposes.

Every S3 operation the proxy can expose is one `Route`. The OpenAPI document, the IAM policy, the
route list output and the tests are all derived from `ROUTES`; nothing else names a path, a verb or
an action. Plain Python on purpose: no Pulumi import, so it is cheap to test exhaustively.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import resources


class Scope(Enum):
    """What an operation acts on; decides its S3 path and the ARNs its IAM action needs."""

    SERVICE = "service"  # the caller's bucket list: no bucket in the path, IAM resource "*"
    BUCKET = "bucket"
    OBJECT = "object"


class ObjectData(Enum):
    """Whether a route writes or reads an object's data: where metadata headers and SSE-KMS apply."""

    NONE = "none"
    WRITE = "write"  # PutObject, CreateMultipartUpload: set the object's metadata and encryption
    READ = "read"  # GetObject, HeadObject (of a version too): return the object's metadata


class PrefixRule(Enum):
    """What a route becomes when the API is scoped to a key prefix (`key_prefix`)."""

    UNAFFECTED = "unaffected"  # the account's bucket list, bucket creation and deletion
    KEY = "key"  # the object key is placed under the prefix: clients cannot address keys outside it
    LISTING = "listing"  # listing is pinned to the prefix, and IAM allows listing only under it
    # HeadBucket: S3 authorizes it as a listing with no prefix. CopyObject's source header and DeleteObjects' body
    # name keys the integration cannot place under the prefix (a request parameter mapping takes one source, with
    # nothing to prepend), which would leave their confinement to IAM alone.
    UNAVAILABLE = "unavailable"


# API path parameter -> S3 (integration) path parameter, as named in the tutorial.
PATH_PARAMETERS = {"folder": "bucket", "item": "object"}

# The S3 path (after `arn:<partition>:apigateway:<region>:s3:path/`) of each scope. The service
# path is `/`, which yields the tutorial's `...:s3:path//`.
S3_PATHS = {Scope.SERVICE: "/", Scope.BUCKET: "{bucket}", Scope.OBJECT: "{bucket}/{object}"}

# S3's flexible checksums: a client sends one, S3 verifies the body against it and returns it.
# They replace Content-MD5, which API Gateway drops from every integration request (its "important
# notes for REST APIs"), so an MD5 would never reach S3. `x-amz-checksum-mode: ENABLED` asks
# GetObject/HeadObject for the stored checksum. S3 computes a CRC64NVME by default and answers with
# `x-amz-checksum-type` (FULL_OBJECT or COMPOSITE: what the checksum covers), S3 API reference "Checksum".
CHECKSUM_HEADERS = (
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
)
CHECKSUM_TYPE = "x-amz-checksum-type"
CHECKSUM_RESPONSE_HEADERS = tuple((header, header) for header in (*CHECKSUM_HEADERS, CHECKSUM_TYPE))
BODY_CHECKSUM_HEADERS = (*CHECKSUM_HEADERS, "x-amz-sdk-checksum-algorithm")

# Response headers: (method response header, integration response header it is mapped from).
# `Timestamp` <- `Date` is the tutorial's own mapping, kept so its clients keep working.
LISTING_RESPONSE_HEADERS = (
    ("Content-Type", "Content-Type"),
    ("Content-Length", "Content-Length"),
    ("Timestamp", "Date"),
    ("Date", "Date"),
)
OBJECT_RESPONSE_HEADERS = (
    *LISTING_RESPONSE_HEADERS,
    ("ETag", "ETag"),
    ("Last-Modified", "Last-Modified"),
    ("Accept-Ranges", "Accept-Ranges"),
    ("Content-Range", "Content-Range"),
    ("Cache-Control", "Cache-Control"),
    ("Content-Disposition", "Content-Disposition"),
    ("Content-Encoding", "Content-Encoding"),
    ("x-amz-version-id", "x-amz-version-id"),
    *CHECKSUM_RESPONSE_HEADERS,
)

# What S3 answers with besides a success's headers (S3 API reference, each operation's "Response Syntax";
# S3 User Guide, "Working with delete markers"; RFC 9110 section 15.4.5 for 304). A 304 carries the
# validators and caching headers of the 200 it stands for; an error, its XML's Content-Type; the 404 of
# an object whose current version is a delete marker, and the 405 of a delete marker named by versionId
# (which the faithful mapping selects as 400), the marker's version id.
NOT_MODIFIED_HEADERS = ("Timestamp", "Date", "ETag", "Last-Modified", "Cache-Control", "Expires", "x-amz-version-id")
ERROR_HEADERS = ("Content-Type",)
DELETE_MARKER_ERROR_HEADERS = (*ERROR_HEADERS, "x-amz-version-id")
# S3's 204 (DeleteObject, DeleteBucket, AbortMultipartUpload) has no body: no type, length or validators.
NO_CONTENT_HEADERS = ("Timestamp", "Date", "x-amz-version-id")
HEADERS_BY_STATUS = {
    204: NO_CONTENT_HEADERS,
    304: NOT_MODIFIED_HEADERS,
    400: DELETE_MARKER_ERROR_HEADERS,
    404: DELETE_MARKER_ERROR_HEADERS,
}


def headers_sent_with(status: int, headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Of a route's (method, integration) response header pairs, those S3 sends with `status`: all of
    them with a 200 or 206, else the ones its kind of answer carries."""
    if status in (200, 206):
        return headers
    names = HEADERS_BY_STATUS.get(status, ERROR_HEADERS)
    return tuple(pair for pair in headers if pair[0] in names)


# S3's overrides of a download's response headers (GetObject API reference, "Overriding response header
# values through the request"): a link that saves under a file name (`response-content-disposition`).
DOWNLOAD_QUERY_STRINGS = (
    "response-content-disposition",
    "response-content-type",
    "response-cache-control",
    "response-expires",
)
DOWNLOAD_RESPONSE_HEADERS = (*OBJECT_RESPONSE_HEADERS, ("Expires", "Expires"))

# Request headers S3 acts on, passed through unchanged.
READ_CONDITIONS = ("If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since")
OBJECT_READ_HEADERS = ("Range", *READ_CONDITIONS, "x-amz-checksum-mode")
OBJECT_WRITE_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Cache-Control",
    "Content-Encoding",
    "If-Match",
    "If-None-Match",
    *BODY_CHECKSUM_HEADERS,
)

# ListObjects query parameters. `list-type=2` selects ListObjectsV2 (continuation-token,
# start-after, fetch-owner); without it S3 answers ListObjects V1 (marker), as in the seeds.
LIST_QUERY_STRINGS = (
    "list-type",
    "prefix",
    "delimiter",
    "max-keys",
    "marker",
    "continuation-token",
    "start-after",
    "encoding-type",
    "fetch-owner",
)
# ListObjectVersions (`?versions`): its own markers besides the listing's prefix, delimiter and limits.
VERSION_LIST_QUERY_STRINGS = ("versions", "prefix", "delimiter", "max-keys", "key-marker", "version-id-marker")


@dataclass(frozen=True)
class Route:
    """One API method and the S3 operation it proxies."""

    operation: str
    """The S3 API operation, e.g. `GetObject`."""
    verb: str
    """HTTP verb of both the API method and the S3 request."""
    path: str
    """API resource path, e.g. `/{folder}/{item+}` (greedy: keys may contain `/`)."""
    action: str
    """The IAM action S3 authorizes the operation with."""
    scope: Scope
    """What the action acts on: its S3 path and IAM resource ARN follow from it."""
    request_headers: tuple[str, ...] = ()
    """Client headers passed through to S3."""
    query_strings: tuple[str, ...] = ()
    """Client query string parameters passed through to S3."""
    response_headers: tuple[tuple[str, str], ...] = LISTING_RESPONSE_HEADERS
    """(method response header, integration response header) pairs passed back."""
    under_prefix: PrefixRule = PrefixRule.UNAFFECTED
    """What the route becomes when the API is scoped to a key prefix."""
    selector: str = ""
    """The query string S3 tells this operation apart by, where another shares its method."""
    object_data: ObjectData = ObjectData.NONE
    """Whether it writes or reads an object's data (metadata headers, SSE-KMS)."""
    also_requires: tuple[str, ...] = ()
    """IAM actions S3 checks besides `action` (CopyObject reads its source): the route exists only when allowed."""

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """API path parameter names, without the greedy `+`."""
        return tuple(part.strip("{}+") for part in self.path.split("/") if part.startswith("{"))

    @property
    def multipart(self) -> bool:
        """Part of a multipart upload (S3 tells these apart by `uploads`/`uploadId`)."""
        return "uploads" in self.query_strings or "uploadId" in self.query_strings

    def s3_path(self, key_prefix: str | None = None) -> str:
        """The S3 path the integration requests; object keys are placed under `key_prefix`."""
        if key_prefix and self.under_prefix is PrefixRule.KEY:
            return f"{{bucket}}/{key_prefix}{{object}}"
        if self.scope is Scope.OBJECT and "item" not in self.path_parameters:
            return S3_PATHS[Scope.BUCKET]  # the keys are in the body (DeleteObjects)
        return S3_PATHS[self.scope]

    @property
    def actions(self) -> tuple[str, ...]:
        """Every IAM action the route needs."""
        return (self.action, *self.also_requires)

    def describe(self) -> str:
        return f"{self.verb} {self.path}{self.selector} -> {'+'.join(self.actions)}"


FOLDER = "/{folder}"
ITEM = "/{folder}/{item+}"


def object_route(
    operation: str,
    verb: str,
    action: str,
    *,
    selector: str = "",
    request_headers: tuple[str, ...] = (),
    query_strings: tuple[str, ...] = (),
    response_headers: tuple[tuple[str, str], ...] = OBJECT_RESPONSE_HEADERS,
    object_data: ObjectData = ObjectData.NONE,
    also_requires: tuple[str, ...] = (),
    under_prefix: PrefixRule = PrefixRule.KEY,
) -> Route:
    """A route on `/{folder}/{item+}`: the object's key goes under the key prefix, if any (`under_prefix`)."""
    return Route(
        operation,
        verb,
        ITEM,
        action,
        Scope.OBJECT,
        request_headers,
        query_strings,
        response_headers,
        under_prefix,
        selector,
        object_data,
        also_requires,
    )


# Multipart uploads let objects far beyond API Gateway's 10 MB payload limit through, part by part.
# They share the object methods: S3 tells them apart by the query string (the route's `selector`).
# `x-amz-checksum-algorithm` on create makes S3 require and verify a checksum on every part;
# `x-amz-checksum-type` chooses whether the object's checksum is FULL_OBJECT or COMPOSITE.
MULTIPART_UPLOAD_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Cache-Control",
    "Content-Encoding",
    "x-amz-checksum-algorithm",
    CHECKSUM_TYPE,
)

# CopyObject's source (`/bucket/key`, URL-encoded, `?versionId=` for a version), its conditions, and whether the
# copy keeps the source's metadata (COPY, the default) or takes the request's (REPLACE).
COPY_HEADERS = (
    "x-amz-copy-source",
    "x-amz-copy-source-if-match",
    "x-amz-copy-source-if-none-match",
    "x-amz-copy-source-if-modified-since",
    "x-amz-copy-source-if-unmodified-since",
    "x-amz-metadata-directive",
    *OBJECT_WRITE_HEADERS,
)

ROUTES: tuple[Route, ...] = (
    Route("ListBuckets", "GET", "/", "s3:ListAllMyBuckets", Scope.SERVICE),
    Route(
        "ListObjects",
        "GET",
        FOLDER,
        "s3:ListBucket",
        Scope.BUCKET,
        query_strings=LIST_QUERY_STRINGS,
        under_prefix=PrefixRule.LISTING,
    ),
    Route(
        "ListObjectVersions",
        "GET",
        FOLDER,
        "s3:ListBucketVersions",
        Scope.BUCKET,
        query_strings=VERSION_LIST_QUERY_STRINGS,
        under_prefix=PrefixRule.LISTING,
        selector="?versions",
    ),
    Route("HeadBucket", "HEAD", FOLDER, "s3:ListBucket", Scope.BUCKET, under_prefix=PrefixRule.UNAVAILABLE),
    Route("CreateBucket", "PUT", FOLDER, "s3:CreateBucket", Scope.BUCKET, request_headers=("Content-Type",)),
    Route("DeleteBucket", "DELETE", FOLDER, "s3:DeleteBucket", Scope.BUCKET),
    object_route(
        "GetObject",
        "GET",
        "s3:GetObject",
        request_headers=OBJECT_READ_HEADERS,
        query_strings=DOWNLOAD_QUERY_STRINGS,
        response_headers=DOWNLOAD_RESPONSE_HEADERS,
        object_data=ObjectData.READ,
    ),
    object_route(
        "HeadObject", "HEAD", "s3:GetObject", request_headers=OBJECT_READ_HEADERS, object_data=ObjectData.READ
    ),
    object_route(
        "PutObject", "PUT", "s3:PutObject", request_headers=OBJECT_WRITE_HEADERS, object_data=ObjectData.WRITE
    ),
    object_route("DeleteObject", "DELETE", "s3:DeleteObject"),
    # A version of an object: S3 authorizes a request carrying `versionId` with the version actions, so
    # `versionId` is mapped only when they are allowed (never forwarded otherwise).
    *(
        object_route(
            operation,
            verb,
            "s3:GetObjectVersion",
            selector="?versionId",
            request_headers=OBJECT_READ_HEADERS,
            query_strings=("versionId", *(DOWNLOAD_QUERY_STRINGS if verb == "GET" else ())),
            response_headers=DOWNLOAD_RESPONSE_HEADERS if verb == "GET" else OBJECT_RESPONSE_HEADERS,
            object_data=ObjectData.READ,
        )
        for operation, verb in (("GetObjectVersion", "GET"), ("HeadObjectVersion", "HEAD"))
    ),
    object_route(
        "DeleteObjectVersion", "DELETE", "s3:DeleteObjectVersion", selector="?versionId", query_strings=("versionId",)
    ),
    object_route(
        "CreateMultipartUpload",
        "POST",
        "s3:PutObject",
        selector="?uploads",
        request_headers=MULTIPART_UPLOAD_HEADERS,
        query_strings=("uploads",),
        object_data=ObjectData.WRITE,
    ),
    object_route(
        "UploadPart",
        "PUT",
        "s3:PutObject",
        selector="?partNumber&uploadId",
        request_headers=BODY_CHECKSUM_HEADERS,
        query_strings=("partNumber", "uploadId"),
    ),
    object_route(
        "CompleteMultipartUpload",
        "POST",
        "s3:PutObject",
        selector="?uploadId",
        request_headers=("Content-Type",),
        query_strings=("uploadId",),
    ),
    object_route(
        "AbortMultipartUpload", "DELETE", "s3:AbortMultipartUpload", selector="?uploadId", query_strings=("uploadId",)
    ),
    object_route(
        "ListParts",
        "GET",
        "s3:ListMultipartUploadParts",
        selector="?uploadId",
        query_strings=("uploadId", "max-parts", "part-number-marker"),
    ),
    # Server-side copy: PutObject's method, told apart by the header. S3 authorizes s3:GetObject on the source
    # (s3:GetObjectVersion with `?versionId=`) and s3:PutObject on the target (CopyObject API reference,
    # "Permissions"), so the role's own grants confine both; not offered under a key prefix (see PrefixRule). No
    # bytes pass through the API: objects up to S3's 5 GB single-copy limit.
    object_route(
        "CopyObject",
        "PUT",
        "s3:PutObject",
        selector=" [x-amz-copy-source]",
        request_headers=COPY_HEADERS,
        response_headers=(*OBJECT_RESPONSE_HEADERS, ("x-amz-copy-source-version-id", "x-amz-copy-source-version-id")),
        object_data=ObjectData.WRITE,
        also_requires=("s3:GetObject",),
        under_prefix=PrefixRule.UNAVAILABLE,
    ),
    # Batch delete of up to 1,000 keys named in the XML body. S3 authorizes s3:DeleteObject on each key (and
    # reports each refusal in the body) and requires an integrity header: Content-MD5, which API Gateway drops, or
    # a flexible checksum (DeleteObjects API reference).
    Route(
        "DeleteObjects",
        "POST",
        FOLDER,
        "s3:DeleteObject",
        Scope.OBJECT,
        request_headers=("Content-Type", *BODY_CHECKSUM_HEADERS),
        query_strings=("delete",),
        under_prefix=PrefixRule.UNAVAILABLE,
        selector="?delete",
    ),
)

SUPPORTED_ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(route.action for route in ROUTES))


@cache
def _partitions() -> list[dict]:
    """botocore's partition data: the same table the AWS SDKs resolve regions with."""
    return json.loads(resources.files("botocore").joinpath("data/partitions.json").read_text())["partitions"]


def partition_ids() -> tuple[str, ...]:
    """Every partition botocore knows, e.g. `aws`, `aws-cn`, `aws-us-gov`."""
    return tuple(str(partition["id"]) for partition in _partitions())


def regions_of(partition: str) -> tuple[str, ...]:
    """The regions botocore lists for a partition (not its `*-global` pseudo-regions)."""
    (regions,) = [p["regions"] for p in _partitions() if p["id"] == partition]
    return tuple(region for region in regions if not region.endswith("-global"))


def partition_for(region: str) -> str | None:
    """The AWS partition a region belongs to (it prefixes every ARN), or None for no known partition.

    As botocore resolves it: a region a partition lists, else the first partition whose region
    pattern matches (so regions newer than the data still resolve)."""
    partitions = _partitions()
    for partition in partitions:
        if region in partition["regions"]:
            return str(partition["id"])
    for partition in partitions:
        if re.match(partition["regionRegex"], region):
            return str(partition["id"])
    return None


def integration_uri(route: Route, region: str, key_prefix: str | None = None) -> str:
    """The API Gateway AWS-service integration URI of a route (path-style S3 request)."""
    return f"arn:{partition_of(region)}:apigateway:{region}:s3:path/{route.s3_path(key_prefix)}"


def dns_suffix(partition: str) -> str:
    """The partition's DNS suffix (`amazonaws.com`, `amazonaws.com.cn`, ...), as in its service endpoints."""
    (suffix,) = [p["outputs"]["dnsSuffix"] for p in _partitions() if p["id"] == partition]
    return str(suffix)


def partition_of(region: str) -> str:
    """The partition of a region already validated to have one."""
    partition = partition_for(region)
    if partition is None:
        raise ValueError(f"{region!r} belongs to no AWS partition")
    return partition


def resource_arns(
    scope: Scope, buckets: tuple[str, ...] | None, partition: str, key_prefix: str | None = None
) -> list[str]:
    """The IAM resources an action of `scope` needs: named buckets, or every bucket when None;
    object actions only on keys under `key_prefix` when given."""
    if scope is Scope.SERVICE:
        return ["*"]  # ListAllMyBuckets has no resource-level permissions
    suffix = f"/{key_prefix or ''}*" if scope is Scope.OBJECT else ""
    return [f"arn:{partition}:s3:::{bucket}{suffix}" for bucket in (buckets or ("*",))]


def resolve_actions(patterns: list[str]) -> tuple[str, ...]:
    """Expand IAM action names or wildcard patterns (case-insensitive) to supported actions.

    Returns the matched actions in catalogue order. Raises `ValueError` for a pattern that matches
    no supported action, so a typo never silently produces a narrower API than intended.
    """
    allowed: set[str] = set()
    for pattern in patterns:
        matched = {a for a in SUPPORTED_ACTIONS if fnmatch.fnmatchcase(a.lower(), pattern.lower())}
        if not matched:
            raise ValueError(f"{pattern!r} matches no supported action; supported: {', '.join(SUPPORTED_ACTIONS)}")
        allowed |= matched
    return tuple(a for a in SUPPORTED_ACTIONS if a in allowed)


def routes_for(actions: tuple[str, ...], prefixed: bool = False, encrypted: bool = False) -> tuple[Route, ...]:
    """The routes whose actions are allowed, in catalogue order; with a key prefix, not those the integration
    cannot confine to it; with a server-side encryption key (`encrypted`), no multipart upload.

    The SSE-KMS headers are static values of the PutObject and CreateMultipartUpload integrations,
    which share their methods with UploadPart and CompleteMultipartUpload, and S3 refuses those headers
    on the latter two (400 InvalidArgument "x-amz-server-side-encryption header is not supported for
    this operation": aws/aws-sdk-java#1876, ClickHouse/ClickHouse#64570)."""
    return tuple(
        route
        for route in ROUTES
        if all(action in actions for action in route.actions)
        and not (prefixed and route.under_prefix is PrefixRule.UNAVAILABLE)
        and not (encrypted and route.multipart)
    )
