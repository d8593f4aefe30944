"""`S3ProxyClient`: S3 through the `S3ProxyApi` REST API, SigV4-signed, one operation per call; whole-file
transfers (`upload_file`, `download_file`) are run by `transfer`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote_plus
from xml.sax.saxutils import escape

from . import transfer
from .answers import S3_NS, metadata_headers, object_info, parse_xml, xml_children, xml_text
from .checksums import (
    CHECKSUM_ALGORITHM,
    CHECKSUM_HEADER,
    composite_sha256,
    multipart_etag,
    sha256_base64,
    verify_checksum,
)
from .errors import NotFoundError, S3ProxyError
from .links import download_overrides, presigned_url
from .outputs import parse_outputs
from .parts import (
    API_GATEWAY_PAYLOAD_LIMIT,
    CONTENT_RANGE,
    DEFAULT_CONCURRENCY,
    DEFAULT_PART_SIZE,
    DEFAULT_THRESHOLD,
    object_path,
)
from .results import Bucket, GetObjectResult, ObjectEntry, ObjectInfo, TransferResult, UploadedPart
from .server_side import ServerSideOperations
from .transport import RetryPolicy, Transport

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


def _version(version_id: str | None) -> dict[str, str | None] | None:
    """The `versionId` query of a request on one version, or none."""
    return {"versionId": version_id} if version_id else None


class S3ProxyClient(ServerSideOperations):
    """S3 operations through a deployed `S3ProxyApi` stage (the server-side ones, `copy` and `delete_objects`,
    in server_side.py)."""

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
        root = parse_xml(self.transport.send("GET", "").content)
        return [
            Bucket(xml_text(b, "Name") or "", xml_text(b, "CreationDate"))
            for container in xml_children(root, "Buckets")
            for b in xml_children(container, "Bucket")
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
            root = parse_xml(self.transport.send("GET", object_path(bucket), params=params).content)
            encoded = (xml_text(root, "EncodingType") or "") == "url"

            def decode(value: str | None, encoded: bool = encoded) -> str:
                return unquote_plus(value or "") if encoded else (value or "")

            entries = [
                ObjectEntry(
                    key=decode(xml_text(item, "Key")),
                    size=int(xml_text(item, "Size") or 0),
                    etag=xml_text(item, "ETag"),
                    last_modified=xml_text(item, "LastModified"),
                    storage_class=xml_text(item, "StorageClass"),
                )
                for item in xml_children(root, "Contents")
            ]
            prefixes = xml_children(root, "CommonPrefixes")
            entries += [ObjectEntry(key=decode(xml_text(p, "Prefix")), is_prefix=True) for p in prefixes]
            yield from sorted(entries, key=lambda e: e.key)
            if (xml_text(root, "IsTruncated") or "").lower() != "true":
                return
            token = xml_text(root, "NextContinuationToken")
            if not token:
                raise S3ProxyError(None, "MalformedResponse", "a truncated listing came without a continuation token")
            params["continuation-token"] = token

    # Objects

    def head_object(
        self, bucket: str, key: str, *, if_match: str | None = None, version_id: str | None = None
    ) -> ObjectInfo:
        headers = {"If-Match": if_match} if if_match else {}
        response = self.transport.send("HEAD", object_path(bucket, key), headers=headers, params=_version(version_id))
        return object_info(bucket, key, response.headers, head=True)

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
        info = object_info(bucket, key, response.headers)
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
        headers = {"Content-Type": content_type, CHECKSUM_HEADER: checksum} | metadata_headers(metadata)
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        if if_match:
            headers["If-Match"] = if_match
        response = self.transport.send("PUT", object_path(bucket, key), body=data, headers=headers)
        verify_checksum(response.headers.get(CHECKSUM_HEADER), checksum, "PutObject", response.status_code)
        return response.headers.get("ETag")

    def delete_object(self, bucket: str, key: str, *, version_id: str | None = None) -> str | None:
        """Delete the object, or only its `version_id` (the stack needs `s3:DeleteObjectVersion`); returns S3's
        `x-amz-version-id` (of the delete marker, in a versioned bucket)."""
        response = self.transport.send("DELETE", object_path(bucket, key), params=_version(version_id))
        return response.headers.get("x-amz-version-id")

    # Multipart uploads, one call each

    def create_multipart_upload(
        self,
        bucket: str,
        key: str,
        *,
        content_type: str = "application/octet-stream",
        checksum: bool = True,
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        """Start a multipart upload; returns its upload id. With `checksum` it is created with the SHA-256
        checksum algorithm: every part must then carry its checksum, and so must the complete's part list.

        Retried like any request: should an attempt's answer be lost after S3 started an upload, that upload's
        id is never known, and the API has no ListMultipartUploads route to find it. A bucket lifecycle rule
        (AbortIncompleteMultipartUpload) is the safety net for that case."""
        headers = {"Content-Type": content_type} | metadata_headers(metadata)
        if checksum:
            headers["x-amz-checksum-algorithm"] = CHECKSUM_ALGORITHM
        response = self.transport.send("POST", object_path(bucket, key), params=MULTIPART_CREATE_QUERY, headers=headers)
        upload_id = xml_text(parse_xml(response.content), "UploadId")
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
        *,
        cancel: threading.Event | None = None,
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
            verify_checksum(answered, part_checksum, f"UploadPart {number}", response.status_code)
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
        root = parse_xml(response.content)
        checksums = [part.checksum_sha256 for part in uploaded if part.checksum_sha256]
        if checksums and len(checksums) == len(uploaded):
            composite = composite_sha256(checksums)
            answered = xml_text(root, "ChecksumSHA256")
            verify_checksum(answered, composite, "CompleteMultipartUpload", response.status_code)
        return xml_text(root, "ETag") or expected

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
            (int(xml_text(p, "PartNumber") or 0), xml_text(p, "ETag") or "", int(xml_text(p, "Size") or 0))
            for p in xml_children(parse_xml(response.content), "Part")
        ]

    # Transfers

    def upload_file(
        self,
        path: str | os.PathLike[str],
        bucket: str,
        key: str,
        *,
        content_type: str | None = None,
        part_size: int = DEFAULT_PART_SIZE,
        concurrency: int = DEFAULT_CONCURRENCY,
        threshold: int = DEFAULT_THRESHOLD,
        progress: transfer.Progress | None = None,
        checksum: bool = True,
        metadata: Mapping[str, str] | None = None,
    ) -> TransferResult:
        """Upload a file: one PUT up to `threshold` bytes, else a multipart upload of `part_size` parts sent
        by `concurrency` workers, each reading only its own part. A failure, or an interrupt, aborts the
        multipart upload (nothing is left behind); should the abort fail too, the original error is raised
        with the abort's failure noted on it. `checksum` sends the SHA-256 checksum of each part (and of a single
        PUT's body, always) for S3 to verify. `metadata` as for `put_object`."""
        config = transfer.TransferConfig(part_size, concurrency, threshold)
        return transfer.upload_file(
            self,
            path,
            bucket,
            key,
            config,
            content_type=content_type,
            progress=progress,
            checksum=checksum,
            metadata=metadata,
        )

    def download_file(
        self,
        bucket: str,
        key: str,
        path: str | os.PathLike[str],
        *,
        part_size: int = DEFAULT_PART_SIZE,
        concurrency: int = DEFAULT_CONCURRENCY,
        threshold: int = DEFAULT_THRESHOLD,
        progress: transfer.Progress | None = None,
    ) -> TransferResult:
        """Download an object to `path` in ranged reads of `part_size` (each below API Gateway's 10 MB limit),
        streamed to their offsets in the file: the first read tells the size, the rest run on `concurrency`
        workers when the object is larger than `threshold`. Every read after the first is conditional on the
        first's ETag, so an object replaced mid-download fails (PreconditionFailedError) instead of mixing
        versions. The file appears at `path` only when complete (written to a temporary file beside it)."""
        config = transfer.TransferConfig(part_size, concurrency, threshold)
        return transfer.download_file(self, bucket, key, path, config, progress=progress)

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
