"""`S3ProxyClient`: S3 through the `S3ProxyApi` REST API, SigV4-signed, with parallel streaming transfers.

Objects far beyond API Gateway's 10 MB payload limit go through as multipart uploads and ranged reads whose
every request stays below it. Transfers stream: each worker reads (or writes) only its own part, at its
offset in the file, so memory is bounded by part_size x concurrency whatever the file's size.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import mimetypes
import os
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus
from xml.sax.saxutils import escape

import requests

from .errors import (
    InvalidRangeError,
    NotFoundError,
    PreconditionFailedError,
    RouteNotAllowedError,
    S3ProxyError,
)
from .links import download_overrides, presigned_url
from .outputs import parse_outputs
from .parts import (
    API_GATEWAY_PAYLOAD_LIMIT,
    DEFAULT_CONCURRENCY,
    DEFAULT_PART_SIZE,
    DEFAULT_THRESHOLD,
    Part,
    object_path,
    plan_parts,
    validate_concurrency,
    validate_part_size,
)
from .transport import IncompleteBodyError, RetryPolicy, TransferCancelled, Transport

if TYPE_CHECKING:
    from .server_side import CopyResult, DeleteResult

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"

# CreateMultipartUpload is `POST /{key}?uploads` on S3: a valueless subresource. Through API Gateway the
# `uploads` query string is mapped to the integration (`method.request.querystring.uploads`), and
# LocalStack 2026.3.0's API Gateway drops a query parameter whose value is empty: `?uploads` and
# `?uploads=` both reach S3 as a bare `POST /{key}`, which fails (500 "Unable to find operation"),
# while `?uploads=1` reaches S3 as `?uploads=1` and starts the upload (measured through this API).
# S3 selects the operation by the subresource's presence, not its value: a third party measured real S3
# answering `?uploads` and `?uploads=` alike and models `uploads` as "present, at any value"
# (brekkylab/backlot#176, 2026-09). We have not measured a non-empty value against real S3 ourselves;
# sending one also keeps the parameter alive through any gateway that drops empty ones. Changing this
# constant is the only thing to do should S3 ever reject the value.
MULTIPART_CREATE_QUERY: dict[str, str | None] = {"uploads": "1"}
META_PREFIX = "x-amz-meta-"


def _version(version_id: str | None) -> dict[str, str | None] | None:
    """The `versionId` query of a request on one version, or none."""
    return {"versionId": version_id} if version_id else None


def _metadata_headers(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """User metadata as S3's `x-amz-meta-*` headers; a name that already has the prefix keeps it."""
    return {
        name if name.lower().startswith(META_PREFIX) else f"{META_PREFIX}{name}": value
        for name, value in (metadata or {}).items()
    }


# The routes (as the stack's `routes` output describes them) a multipart upload needs. The abort route is
# required too: without it a failed upload could not be cleaned up, and its parts would stay billed.
MULTIPART_ROUTES = (
    "POST /{folder}/{item+}?uploads",
    "PUT /{folder}/{item+}?partNumber&uploadId",
    "POST /{folder}/{item+}?uploadId",
    "DELETE /{folder}/{item+}?uploadId",
)

Progress = Callable[[int], object]
"""Called in the calling thread with the number of bytes just transferred (after each part)."""

CHUNK = 256 * 1024  # streamed reads of a response body
CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


@dataclass(frozen=True)
class Bucket:
    name: str
    creation_date: str | None


@dataclass(frozen=True)
class ObjectEntry:
    """A listed object, or (`is_prefix`) a common prefix when listing with a delimiter."""

    key: str
    size: int = 0
    etag: str | None = None
    last_modified: str | None = None
    storage_class: str | None = None
    is_prefix: bool = False


@dataclass(frozen=True)
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str | None
    content_type: str | None
    last_modified: str | None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    version_id: str | None = None
    """S3's `x-amz-version-id` (versioned buckets)."""
    metadata: Mapping[str, str] = field(default_factory=dict)
    """User metadata the stack returns (`metadata_headers`), by name without `x-amz-meta-`."""


@dataclass(frozen=True)
class GetObjectResult(ObjectInfo):
    body: bytes = b""
    content_range: str | None = None
    status: int = 200


@dataclass(frozen=True)
class UploadedPart:
    """What CompleteMultipartUpload needs of an uploaded part: its ETag, and its checksum when the upload
    was created with one."""

    etag: str
    checksum_sha256: str | None = None

    def xml(self, number: int) -> str:
        checksum = f"<ChecksumSHA256>{self.checksum_sha256}</ChecksumSHA256>" if self.checksum_sha256 else ""
        return f"<Part><PartNumber>{number}</PartNumber><ETag>{escape(self.etag)}</ETag>{checksum}</Part>"


@dataclass(frozen=True)
class TransferResult:
    bucket: str
    key: str
    size: int
    etag: str | None
    parts: int
    """1 for a single request; the number of parts (uploads) or ranged reads (downloads) otherwise."""


def _xml(body: bytes) -> ET.Element:
    try:
        return ET.fromstring(body)
    except ET.ParseError as error:
        raise S3ProxyError(None, "MalformedResponse", f"the API answered XML that cannot be parsed: {error}") from None


def _text(element: ET.Element, name: str) -> str | None:
    found = element.find(f"{{{S3_NS}}}{name}")
    if found is None:
        found = element.find(name)
    return None if found is None else (found.text or "")


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return element.findall(f"{{{S3_NS}}}{name}") or element.findall(name)


# API Gateway drops Content-MD5 from requests (the "important notes" of its developer guide), so integrity
# rides on S3's flexible checksums instead: `x-amz-checksum-sha256` on every PutObject and UploadPart, which
# S3 verifies against the bytes it received (BadDigest otherwise) and echoes back.
CHECKSUM_HEADER = "x-amz-checksum-sha256"
CHECKSUM_ALGORITHM = "SHA256"


def sha256_base64(data: bytes) -> str:
    """The value of `x-amz-checksum-sha256`: base64 of the body's SHA-256 digest."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def composite_sha256(part_checksums: list[str]) -> str:
    """S3's checksum of a multipart object uploaded with SHA-256 part checksums (COMPOSITE type): base64 of
    the SHA-256 of the parts' binary digests, `-` the part count."""
    digests = b"".join(base64.b64decode(checksum) for checksum in part_checksums)
    return f"{sha256_base64(digests)}-{len(part_checksums)}"


def _verify_checksum(answered: str | None, expected: str, what: str, status: int | None) -> None:
    """S3 answers the checksum it computed (where the API passes it back): it must be ours."""
    if answered and answered != expected:
        raise S3ProxyError(
            status, "ChecksumMismatch", f"{what}: S3 answered the SHA-256 checksum {answered}, expected {expected}"
        )


def multipart_etag(part_etags: list[str]) -> str | None:
    """S3's ETag of a completed multipart upload: md5 of the parts' binary md5s, `-` the part count.
    None when a part's ETag is not a plain md5 (e.g. SSE-KMS)."""
    digests = []
    for etag in part_etags:
        plain = etag.strip('"')
        if not re.fullmatch(r"[0-9a-fA-F]{32}", plain):
            return None
        digests.append(bytes.fromhex(plain))
    return f'"{hashlib.md5(b"".join(digests), usedforsecurity=False).hexdigest()}-{len(part_etags)}"'


def _read_at(fd: int, size: int, offset: int) -> bytes:
    """Exactly `size` bytes of the file at `offset` (a short read means the file shrank under us)."""
    chunks = []
    remaining = size
    while remaining:
        chunk = os.pread(fd, remaining, offset + size - remaining)
        if not chunk:
            raise OSError(f"the file ended {remaining:,} bytes early at offset {offset + size - remaining:,}")
        chunks.append(chunk)
        remaining -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _write_at(fd: int, data: bytes | memoryview, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


class S3ProxyClient:
    """S3 operations through a deployed `S3ProxyApi` stage."""

    def __init__(
        self,
        url: str,
        region: str,
        *,
        credentials: Any = None,
        routes: tuple[str, ...] | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        max_attempts: int = 5,
        backoff_base: float = 0.2,
        backoff_max: float = 5.0,
        pool_size: int = 10,
        api_key: str | None = None,
    ) -> None:
        """`url` is the stage's invoke URL; `credentials` default to the boto3 chain (LocalStack's `test`
        keys when it finds none); `routes` (the stack's `routes` output) lets transfers check up front that
        the routes they need exist; `api_key` is sent as `x-api-key` when the stack requires API keys."""
        self.transport = Transport(
            url,
            region,
            credentials,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retry=RetryPolicy(max_attempts, backoff_base, backoff_max),
            pool_size=pool_size,
        )
        self.routes = routes
        if api_key:
            self.transport.http.headers["x-api-key"] = api_key  # on every request, beside SigV4

    @classmethod
    def from_outputs(
        cls,
        outputs: Mapping[str, Any] | str | os.PathLike[str],
        *,
        region: str | None = None,
        url: str | None = None,
        **options: Any,
    ) -> S3ProxyClient:
        """A client for a stack, from its outputs: a dict, a path to a JSON file, or the text of
        `pulumi stack output --json`. The region comes from `execution_arn` (or an AWS invoke URL's host)
        unless given; `url` replaces the invoke URL (e.g. to go through a proxy)."""
        parsed = parse_outputs(outputs, region=region, url=url)
        return cls(parsed.url, parsed.region, routes=parsed.routes, **options)

    @property
    def url(self) -> str:
        return self.transport.url

    @property
    def region(self) -> str:
        return self.transport.region

    def __repr__(self) -> str:
        return f"S3ProxyClient({self.url!r}, region={self.region!r})"

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> S3ProxyClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # Buckets

    def list_buckets(self) -> list[Bucket]:
        root = _xml(self.transport.send("GET", "").content)
        return [
            Bucket(_text(b, "Name") or "", _text(b, "CreationDate"))
            for container in _children(root, "Buckets")
            for b in _children(container, "Bucket")
        ]

    def create_bucket(self, name: str, region: str | None = None) -> None:
        """Create a bucket in `region` (the API's region by default). S3 wants no LocationConstraint for
        us-east-1, and the region's name as one anywhere else."""
        region = region or self.region
        constraint = "" if region == "us-east-1" else f"<LocationConstraint>{escape(region)}</LocationConstraint>"
        body = f'<CreateBucketConfiguration xmlns="{S3_NS}">{constraint}</CreateBucketConfiguration>'.encode()
        self.transport.send("PUT", object_path(name), body=body, headers={"Content-Type": "application/xml"})

    def delete_bucket(self, name: str) -> None:
        """Delete an empty bucket (ConflictError `BucketNotEmpty` otherwise)."""
        self.transport.send("DELETE", object_path(name))

    def list_objects(
        self,
        bucket: str,
        prefix: str | None = None,
        *,
        delimiter: str | None = None,
        start_after: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[ObjectEntry]:
        """Every object (and, with a delimiter, every common prefix) in key order, following continuation
        tokens page by page (ListObjectsV2). Keys come back URL-encoded (`encoding-type=url`) so that any
        key, control characters included, survives the XML; they are decoded here."""
        params: dict[str, str | None] = {"list-type": "2", "encoding-type": "url"}
        for name, value in (("prefix", prefix), ("delimiter", delimiter), ("start-after", start_after)):
            if value:
                params[name] = value
        if page_size is not None:
            params["max-keys"] = str(page_size)
        while True:
            root = _xml(self.transport.send("GET", object_path(bucket), params=params).content)
            encoded = (_text(root, "EncodingType") or "") == "url"

            def decode(value: str | None, encoded: bool = encoded) -> str:
                return unquote_plus(value or "") if encoded else (value or "")

            entries = [
                ObjectEntry(
                    key=decode(_text(item, "Key")),
                    size=int(_text(item, "Size") or 0),
                    etag=_text(item, "ETag"),
                    last_modified=_text(item, "LastModified"),
                    storage_class=_text(item, "StorageClass"),
                )
                for item in _children(root, "Contents")
            ]
            entries += [
                ObjectEntry(key=decode(_text(p, "Prefix")), is_prefix=True) for p in _children(root, "CommonPrefixes")
            ]
            yield from sorted(entries, key=lambda e: e.key)
            if (_text(root, "IsTruncated") or "").lower() != "true":
                return
            token = _text(root, "NextContinuationToken")
            if not token:
                raise S3ProxyError(None, "MalformedResponse", "a truncated listing came without a continuation token")
            params["continuation-token"] = token

    # Objects

    def head_object(
        self, bucket: str, key: str, *, if_match: str | None = None, version_id: str | None = None
    ) -> ObjectInfo:
        headers = {"If-Match": if_match} if if_match else {}
        response = self.transport.send("HEAD", object_path(bucket, key), headers=headers, params=_version(version_id))
        return self._info(bucket, key, response, head=True)

    def get_object(
        self,
        bucket: str,
        key: str,
        *,
        range: str | tuple[int, int | None] | None = None,  # S3's name for it (shadows the builtin here only)
        if_match: str | None = None,
        if_none_match: str | None = None,
        version_id: str | None = None,
        download_name: str | None = None,
        response_content_type: str | None = None,
    ) -> GetObjectResult:
        """The object's bytes (whole, or the `range`: `"bytes=0-99"` or `(first, last)` inclusive, `last`
        None for the rest), of its `version_id` when given (the stack needs `s3:GetObjectVersion`). Through
        API Gateway a response is limited to 10 MB: read larger objects in ranges, or with `download_file`.
        Raises NotModifiedError for a matching `if_none_match`. `download_name` and `response_content_type` make S3
        answer `Content-Disposition: attachment` under that name and that `Content-Type`."""
        headers: dict[str, str] = {}
        if range is not None:
            if isinstance(range, tuple):
                first, last = range
                range = f"bytes={first}-{'' if last is None else last}"
            headers["Range"] = range
        if if_match:
            headers["If-Match"] = if_match
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        params = (_version(version_id) or {}) | download_overrides(download_name, response_content_type)
        response = self.transport.send("GET", object_path(bucket, key), headers=headers, params=params or None)
        info = self._info(bucket, key, response)
        fields = {name: getattr(info, name) for name in ObjectInfo.__dataclass_fields__}
        if (match := CONTENT_RANGE.match(response.headers.get("Content-Range", ""))) and match[3] != "*":
            fields["size"] = int(match[3])  # the object's size, not the range's
        return GetObjectResult(
            **fields,
            body=response.content,
            content_range=response.headers.get("Content-Range"),
            status=response.status_code,
        )

    def put_object(
        self,
        bucket: str,
        key: str,
        body: bytes | str,
        *,
        content_type: str = "application/octet-stream",
        if_none_match: str | None = None,
        if_match: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> str | None:
        """Store `body` (str is sent as UTF-8) in one request; returns the ETag. `if_none_match="*"` refuses
        to overwrite an existing key (PreconditionFailedError). Its SHA-256 checksum lets S3 reject a corrupted
        body. `metadata` (name -> value) is sent as `x-amz-meta-<name>`: the stack passes the names its
        `metadata_headers` lists. Bodies of 10 MB or more exceed API Gateway's limit: use `upload_file`."""
        data = body.encode() if isinstance(body, str) else bytes(body)
        if len(data) >= API_GATEWAY_PAYLOAD_LIMIT:
            raise ValueError(
                f"a body of {len(data):,} bytes exceeds API Gateway's 10 MB payload limit: use upload_file, which "
                "sends it as a multipart upload"
            )
        checksum = sha256_base64(data)
        headers = {"Content-Type": content_type, CHECKSUM_HEADER: checksum} | _metadata_headers(metadata)
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        if if_match:
            headers["If-Match"] = if_match
        response = self.transport.send("PUT", object_path(bucket, key), body=data, headers=headers)
        _verify_checksum(response.headers.get(CHECKSUM_HEADER), checksum, "PutObject", response.status_code)
        return response.headers.get("ETag")

    def delete_object(self, bucket: str, key: str, *, version_id: str | None = None) -> str | None:
        """Delete the object, or only its `version_id` (the stack needs `s3:DeleteObjectVersion`); returns S3's
        `x-amz-version-id` (of the delete marker, in a versioned bucket)."""
        response = self.transport.send("DELETE", object_path(bucket, key), params=_version(version_id))
        return response.headers.get("x-amz-version-id")

    def download_link(
        self,
        bucket: str,
        key: str,
        *,
        download_name: str | None = None,
        content_type: str | None = None,
        version_id: str | None = None,
        expires_in: int = 3600,
    ) -> str:
        """A URL that downloads the object for `expires_in` seconds without further signing (SigV4 in its query
        string), saved as `download_name` when given. Anyone holding it may use it until then."""
        params = (_version(version_id) or {}) | download_overrides(download_name, content_type)
        return presigned_url(self.transport, object_path(bucket, key), params, expires_in)

    # Server-side operations: S3 does the work, no object bytes pass through the API

    def copy(
        self,
        source_bucket: str,
        source_key: str,
        bucket: str,
        key: str,
        *,
        source_version_id: str | None = None,
        if_match: str | None = None,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> CopyResult:
        """Copy an object inside S3 (CopyObject, up to S3's 5 GB single-copy limit): the stack needs s3:GetObject
        and s3:PutObject. The copy keeps the source's metadata unless `metadata` or `content_type` replace it;
        `if_match` copies only while the source has that ETag. Not offered by stacks with a key prefix."""
        from .server_side import COPY_ROUTE, copy_object

        self._require_routes((COPY_ROUTE,), "a server-side copy", "s3:GetObject and s3:PutObject")
        return copy_object(
            self,
            source_bucket,
            source_key,
            bucket,
            key,
            source_version_id=source_version_id,
            if_match=if_match,
            metadata=metadata,
            content_type=content_type,
        )

    def delete_objects(self, bucket: str, keys: Iterable[str]) -> DeleteResult:
        """Delete the keys with DeleteObjects, 1,000 a request: the stack needs s3:DeleteObject (and no key prefix).
        A refused key is reported in the result's `errors`, not raised."""
        from .server_side import DELETE_ROUTE, delete_objects

        self._require_routes((DELETE_ROUTE,), "a batch delete", "s3:DeleteObject")
        return delete_objects(self, bucket, keys)

    # Multipart uploads, one call each

    def create_multipart_upload(
        self,
        bucket: str,
        key: str,
        content_type: str = "application/octet-stream",
        *,
        checksum: bool = True,
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        """Start a multipart upload; returns its upload id. With `checksum` it is created with the SHA-256
        checksum algorithm: every part must then carry its checksum, and so must the complete's part list.

        Retried like any request: should an attempt's answer be lost after S3 started an upload, that upload's
        id is never known, and the API has no ListMultipartUploads route to find it. A bucket lifecycle rule
        (AbortIncompleteMultipartUpload) is the safety net for that case."""
        headers = {"Content-Type": content_type} | _metadata_headers(metadata)
        if checksum:
            headers["x-amz-checksum-algorithm"] = CHECKSUM_ALGORITHM
        response = self.transport.send("POST", object_path(bucket, key), params=MULTIPART_CREATE_QUERY, headers=headers)
        upload_id = _text(_xml(response.content), "UploadId")
        if not upload_id:
            raise S3ProxyError(response.status_code, "MalformedResponse", "CreateMultipartUpload answered no UploadId")
        return upload_id

    def upload_part(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        number: int,
        data: bytes,
        cancel: threading.Event | None = None,
        *,
        checksum: bool = True,
    ) -> UploadedPart:
        """Upload one part (below 10 MB); returns its ETag and checksum. With `checksum` (the upload was created
        with it), its SHA-256 checksum lets S3 reject a part corrupted on the way (BadDigest)."""
        if len(data) >= API_GATEWAY_PAYLOAD_LIMIT:
            raise ValueError(f"a part of {len(data):,} bytes exceeds API Gateway's 10 MB payload limit")
        # The Content-Type is for API Gateway: it decides that the body is binary and passes it untouched.
        headers = {"Content-Type": "application/octet-stream"}
        part_checksum = sha256_base64(data) if checksum else None
        if part_checksum:
            headers[CHECKSUM_HEADER] = part_checksum
        params: dict[str, str | None] = {"partNumber": str(number), "uploadId": upload_id}
        response = self.transport.send(
            "PUT", object_path(bucket, key), params=params, headers=headers, body=data, cancel=cancel
        )
        etag = response.headers.get("ETag")
        if not etag:
            raise S3ProxyError(response.status_code, "MalformedResponse", f"UploadPart {number} answered no ETag")
        if part_checksum:
            answered = response.headers.get(CHECKSUM_HEADER)
            _verify_checksum(answered, part_checksum, f"UploadPart {number}", response.status_code)
        return UploadedPart(etag, part_checksum)

    def complete_multipart_upload(
        self, bucket: str, key: str, upload_id: str, parts: list[UploadedPart] | list[str]
    ) -> str | None:
        """Complete the upload from its parts (in part order: what `upload_part` returned, or bare ETags for an
        upload created without checksums); returns the object's ETag.

        S3 requires each part's checksum in the list when the upload was created with a checksum algorithm
        (CompletedPart, S3 API reference: `ChecksumSHA256` "is present if the multipart upload request was
        created with the SHA256 checksum algorithm"; S3 otherwise answers InvalidRequest "The complete request
        must include the checksum for each part", aws/aws-sdk-php#2648). The object's composite checksum S3
        answers is checked against the parts'.

        A retried complete whose first attempt succeeded unseen gets NoSuchUpload: the object is then checked
        (its ETag is S3's multipart ETag of these parts) and the upload counts as completed.
        """
        uploaded = [UploadedPart(part) if isinstance(part, str) else part for part in parts]
        part_etags = [part.etag for part in uploaded]
        body = f'<CompleteMultipartUpload xmlns="{S3_NS}">{"".join(p.xml(n) for n, p in enumerate(uploaded, 1))}'
        body += "</CompleteMultipartUpload>"
        expected = multipart_etag(part_etags)
        try:
            response = self.transport.send(
                "POST",
                object_path(bucket, key),
                params={"uploadId": upload_id},
                headers={"Content-Type": "application/xml"},
                body=body.encode(),
                error_in_200=True,  # S3 may answer 200 and fail in the body: retried like a 500 when transient
            )
        except NotFoundError as error:
            if error.code == "NoSuchUpload" and error.attempts > 1 and expected:
                try:
                    if self.head_object(bucket, key).etag == expected:
                        return expected
                except S3ProxyError:
                    pass
            raise
        root = _xml(response.content)
        checksums = [part.checksum_sha256 for part in uploaded if part.checksum_sha256]
        if checksums and len(checksums) == len(uploaded):
            composite = composite_sha256(checksums)
            _verify_checksum(_text(root, "ChecksumSHA256"), composite, "CompleteMultipartUpload", response.status_code)
        return _text(root, "ETag") or expected

    def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        """Abort the upload and free its parts. An upload that no longer exists counts as aborted."""
        try:
            self.transport.send("DELETE", object_path(bucket, key), params={"uploadId": upload_id})
        except NotFoundError as error:
            if error.code != "NoSuchUpload":
                raise

    def list_parts(self, bucket: str, key: str, upload_id: str) -> list[tuple[int, str, int]]:
        """(part number, ETag, size) of each part uploaded so far."""
        response = self.transport.send("GET", object_path(bucket, key), params={"uploadId": upload_id})
        return [
            (int(_text(p, "PartNumber") or 0), _text(p, "ETag") or "", int(_text(p, "Size") or 0))
            for p in _children(_xml(response.content), "Part")
        ]

    # Transfers

    def upload_file(
        self,
        path: str | os.PathLike[str],
        bucket: str,
        key: str,
        content_type: str | None = None,
        part_size: int = DEFAULT_PART_SIZE,
        concurrency: int = DEFAULT_CONCURRENCY,
        threshold: int = DEFAULT_THRESHOLD,
        progress: Progress | None = None,
        *,
        checksum: bool = True,
        metadata: Mapping[str, str] | None = None,
    ) -> TransferResult:
        """Upload a file: one PUT up to `threshold` bytes, else a multipart upload of `part_size` parts sent
        by `concurrency` workers, each reading only its own part. A failure, or an interrupt, aborts the
        multipart upload (nothing is left behind); should the abort fail too, the original error is raised
        with the abort's failure noted on it. `checksum` sends the SHA-256 checksum of each part (and of a single
        PUT's body, always) for S3 to verify. `metadata` as for `put_object`."""
        validate_part_size(part_size)
        validate_concurrency(concurrency)
        if threshold < 0:
            raise ValueError("threshold must be >= 0")
        content_type = content_type or mimetypes.guess_type(str(path))[0] or "application/octet-stream"
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            if size <= threshold and size < API_GATEWAY_PAYLOAD_LIMIT:
                etag = self.put_object(bucket, key, _read_at(fd, size, 0), content_type=content_type, metadata=metadata)
                if progress is not None:
                    progress(size)
                return TransferResult(bucket, key, size, etag, 1)
            plan = plan_parts(size, part_size)
            self._require_routes(MULTIPART_ROUTES, "a multipart upload")
            self.transport.ensure_pool(concurrency)
            upload_id = self.create_multipart_upload(bucket, key, content_type, checksum=checksum, metadata=metadata)
            try:
                uploaded = self._run_parts(
                    plan,
                    concurrency,
                    progress,
                    lambda part, cancel: self.upload_part(
                        bucket,
                        key,
                        upload_id,
                        part.number,
                        _read_at(fd, part.size, part.offset),
                        cancel,
                        checksum=checksum,
                    ),
                    # Abort at once, before waiting for the parts in flight: should that wait be cut short
                    # (a second Ctrl-C), nothing is left behind. Aborted again below, once they are done.
                    on_failure=lambda: self._abort_quietly(bucket, key, upload_id),
                )
                etag = self.complete_multipart_upload(bucket, key, upload_id, uploaded)
            except BaseException as error:
                self._abort_after(error, bucket, key, upload_id)
                raise
            return TransferResult(bucket, key, size, etag, len(plan))
        finally:
            os.close(fd)

    def download_file(
        self,
        bucket: str,
        key: str,
        path: str | os.PathLike[str],
        part_size: int = DEFAULT_PART_SIZE,
        concurrency: int = DEFAULT_CONCURRENCY,
        threshold: int = DEFAULT_THRESHOLD,
        progress: Progress | None = None,
    ) -> TransferResult:
        """Download an object to `path` in ranged reads of `part_size` (each below API Gateway's 10 MB limit),
        streamed to their offsets in the file: the first read tells the size, the rest run on `concurrency`
        workers when the object is larger than `threshold`. Every read after the first is conditional on the
        first's ETag, so an object replaced mid-download fails (PreconditionFailedError) instead of mixing
        versions. The file appears at `path` only when complete (written to a temporary file beside it)."""
        validate_part_size(part_size)
        validate_concurrency(concurrency)
        target = Path(path)
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory: name the file to download to", str(target))
        if not target.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "no such directory", str(target.parent))
        temporary = target.with_name(f".{target.name}.s3p-{secrets.token_hex(4)}.part")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            try:
                total, etag = self._read_part(fd, bucket, key, Part(1, 0, part_size), None, None, first=True)
            except InvalidRangeError:  # an empty object has no byte 0: read it whole
                got = self.get_object(bucket, key)
                _write_at(fd, got.body, 0)
                total, etag = len(got.body), got.etag
            if progress is not None:
                progress(min(total, part_size))
            rest = plan_parts(total, part_size, max_parts=None)[1:] if total > part_size else []
            if rest:
                self.transport.ensure_pool(concurrency)
                try:
                    self._run_parts(
                        rest,
                        concurrency if total > threshold else 1,
                        progress,
                        lambda part, cancel: self._read_part(fd, bucket, key, part, etag, cancel),
                    )
                except PreconditionFailedError as error:
                    error.add_note(f"s3p://{bucket}/{key} changed during the download (its ETag was {etag})")
                    raise
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            temporary.unlink(missing_ok=True)
            raise
        os.close(fd)
        os.replace(temporary, target)
        return TransferResult(bucket, key, total, etag, 1 + len(rest))

    # Internals

    def _info(self, bucket: str, key: str, response: requests.Response, head: bool = False) -> ObjectInfo:
        headers = response.headers
        # API Gateway moves the integration's Content-Length to x-amzn-Remapped-Content-Length where it
        # recomputes its own (LocalStack answers HEAD with Content-Length: 0 and the size there).
        length = headers.get("x-amzn-Remapped-Content-Length") if head else None
        length = length or headers.get("Content-Length") or "0"
        return ObjectInfo(
            bucket=bucket,
            key=key,
            size=int(length),
            etag=headers.get("ETag"),
            content_type=headers.get("Content-Type"),
            last_modified=headers.get("Last-Modified"),
            headers=dict(headers),
            version_id=headers.get("x-amz-version-id"),
            metadata={
                name.lower().removeprefix(META_PREFIX): value
                for name, value in headers.items()
                if name.lower().startswith(META_PREFIX)
            },
        )

    def _require_routes(
        self, needed: tuple[str, ...], what: str, actions: str = "s3:PutObject and s3:AbortMultipartUpload"
    ) -> None:
        if self.routes is None:
            return  # not told which routes exist: the request will find out
        served = {route.partition(" -> ")[0] for route in self.routes}
        missing = [route for route in needed if route not in served]
        if missing:
            raise RouteNotAllowedError(
                None,
                "RouteNotDeployed",
                f"{what} needs {', '.join(missing)}, which the stack does not serve (allow the actions {actions})",
                attempts=0,
            )

    def _run_parts(
        self,
        parts: list[Part],
        concurrency: int,
        progress: Progress | None,
        work: Callable[[Part, threading.Event], Any],
        on_failure: Callable[[], object] | None = None,
    ) -> list[Any]:
        """`work(part, cancel)` for every part on `concurrency` threads; results in part order. The first
        failure (or an interrupt, or `progress` raising) cancels the parts not started, tells the running
        ones to stop retrying, calls `on_failure`, waits for the running ones, and is raised."""
        cancel = threading.Event()
        results: dict[int, Any] = {}
        pool = ThreadPoolExecutor(concurrency, thread_name_prefix="s3p")
        try:
            pending: set[Future[Any]] = set()
            queue = iter(parts)
            by_future: dict[Future[Any], Part] = {}
            while True:
                while len(pending) < concurrency * 2 and (part := next(queue, None)) is not None:
                    future = pool.submit(work, part, cancel)
                    by_future[future] = part
                    pending.add(future)
                if not pending:
                    break
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in sorted(done, key=lambda f: by_future[f].number):
                    part = by_future.pop(future)
                    results[part.number] = future.result()
                    if progress is not None:
                        progress(part.size)
            return [results[part.number] for part in parts]
        except BaseException:
            cancel.set()
            if on_failure is not None:
                on_failure()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _read_part(
        self,
        fd: int,
        bucket: str,
        key: str,
        part: Part,
        etag: str | None,
        cancel: threading.Event | None,
        *,
        first: bool = False,
    ) -> tuple[int, str | None]:
        """GET one range and stream it to its offset in `fd`; (object size, ETag). The first read may find
        the object smaller than the range (or the range ignored: 200), which tells the size."""
        headers = {"Range": part.range_header}
        if etag:
            headers["If-Match"] = etag

        def consume(response: requests.Response) -> tuple[int, str | None]:
            if response.status_code == 206:
                match = CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
                if not match or int(match[1]) != part.offset or match[3] == "*":
                    raise S3ProxyError(
                        206, "MalformedResponse", f"unexpected Content-Range {response.headers.get('Content-Range')!r}"
                    )
                start, end, total = int(match[1]), int(match[2]), int(match[3])
                if not first and end != part.last_byte:
                    raise S3ProxyError(206, "MalformedResponse", f"asked {part.range_header}, got bytes {start}-{end}")
            elif response.status_code == 200 and first:
                start, end, total = 0, -1, -1  # the whole object: its length is what arrives
            else:
                raise S3ProxyError(response.status_code, "MalformedResponse", f"a ranged read answered {response}")
            position = start
            for chunk in response.iter_content(CHUNK):
                _write_at(fd, chunk, position)
                position += len(chunk)
                if cancel is not None and cancel.is_set():
                    raise TransferCancelled()
            if total < 0:  # the whole object came: its size is what arrived
                total, end = position, position - 1
            if position != end + 1:
                raise IncompleteBodyError(f"bytes {start}-{end}: the connection ended at byte {position}")
            return total, response.headers.get("ETag")

        return self.transport.stream("GET", object_path(bucket, key), consume, headers=headers, cancel=cancel)

    def _abort_quietly(self, bucket: str, key: str, upload_id: str) -> None:
        with contextlib.suppress(Exception):  # `_abort_after` tries again, and reports
            self.abort_multipart_upload(bucket, key, upload_id)

    def _abort_after(self, error: BaseException, bucket: str, key: str, upload_id: str) -> None:
        try:
            self.abort_multipart_upload(bucket, key, upload_id)
        except BaseException as abort_error:
            error.add_note(
                f"aborting multipart upload {upload_id} of s3p://{bucket}/{key} failed too ({abort_error}): "
                "its parts stay stored until it is aborted"
            )
