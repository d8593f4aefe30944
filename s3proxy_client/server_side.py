"""Operations S3 carries out itself, moving no object bytes through the API: CopyObject and DeleteObjects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import quote
from xml.sax.saxutils import escape

from .answers import S3_NS, metadata_headers, parse_xml, xml_children, xml_text
from .checksums import CHECKSUM_HEADER, sha256_base64
from .parts import object_path
from .results import CopyResult, DeleteFailure, DeleteResult
from .transfer import require_routes
from .transport import Transport

# DeleteObjects takes at most 1,000 keys a request (DeleteObjects API reference).
DELETE_BATCH = 1000
# `?delete` selects DeleteObjects by its presence; LocalStack's API Gateway drops a query parameter whose value is
# empty, so it is sent with a value, as CreateMultipartUpload's `uploads` (see MULTIPART_CREATE_QUERY).
DELETE_QUERY: dict[str, str | None] = {"delete": "1"}
COPY_ROUTE = "PUT /{folder}/{item+} [x-amz-copy-source]"
DELETE_ROUTE = "POST /{folder}?delete"


def copy_source(bucket: str, key: str, version_id: str | None = None) -> str:
    """`x-amz-copy-source`: `/bucket/key` URL-encoded, and `?versionId=` for one version. A header reaches S3 as
    sent, so unlike a path's key (see `parts.encode_key`) a source key may hold `+`."""
    source = f"/{quote(f'{bucket}/{key}', safe='/')}"
    return f"{source}?versionId={version_id}" if version_id else source


def delete_body(keys: list[str]) -> bytes:
    objects = "".join(f"<Object><Key>{escape(key)}</Key></Object>" for key in keys)
    return f'<Delete xmlns="{S3_NS}">{objects}</Delete>'.encode()


def batches(keys: Iterable[str], size: int = DELETE_BATCH) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class ServerSideOperations:
    """`S3ProxyClient`'s operations S3 carries out itself, defined once here (the client inherits them)."""

    transport: Transport
    routes: tuple[str, ...] | None

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
        and s3:PutObject. Nothing passes through the API. The copy keeps the source's metadata unless `metadata`
        or `content_type` replace it (`x-amz-metadata-directive: REPLACE`); `if_match` copies only while the
        source still has that ETag (PreconditionFailedError). Not offered by stacks with a key prefix."""
        require_routes(self.routes, (COPY_ROUTE,), "a server-side copy", "s3:GetObject and s3:PutObject")
        headers = {"x-amz-copy-source": copy_source(source_bucket, source_key, source_version_id)}
        if if_match:
            headers["x-amz-copy-source-if-match"] = if_match
        if metadata is not None or content_type is not None:
            headers["x-amz-metadata-directive"] = "REPLACE"
            headers |= {"Content-Type": content_type or "application/octet-stream"} | metadata_headers(metadata)
        # S3 may answer 200 and fail in the body (CopyObject API reference: "a 200 OK response can contain either
        # a success or an error").
        response = self.transport.send("PUT", object_path(bucket, key), headers=headers, error_in_200=True)
        root = parse_xml(response.content)
        return CopyResult(
            etag=xml_text(root, "ETag") or response.headers.get("ETag"),
            version_id=response.headers.get("x-amz-version-id"),
            source_version_id=response.headers.get("x-amz-copy-source-version-id"),
        )

    def delete_objects(self, bucket: str, keys: Iterable[str]) -> DeleteResult:
        """Delete the keys with DeleteObjects, 1,000 a request: the stack needs s3:DeleteObject (and no key prefix).
        A refused key is reported in the result's `errors`, not raised. Each body carries its SHA-256 checksum:
        S3 requires an integrity header on DeleteObjects and API Gateway drops Content-MD5."""
        require_routes(self.routes, (DELETE_ROUTE,), "a batch delete", "s3:DeleteObject")
        deleted: list[str] = []
        errors: list[DeleteFailure] = []
        requests = 0
        for batch in batches(dict.fromkeys(keys)):
            body = delete_body(batch)
            headers = {"Content-Type": "application/xml", CHECKSUM_HEADER: sha256_base64(body)}
            response = self.transport.send("POST", object_path(bucket), params=DELETE_QUERY, headers=headers, body=body)
            requests += 1
            root = parse_xml(response.content)
            deleted += [xml_text(item, "Key") or "" for item in xml_children(root, "Deleted")]
            errors += [
                DeleteFailure(xml_text(i, "Key") or "", xml_text(i, "Code") or "", xml_text(i, "Message") or "")
                for i in xml_children(root, "Error")
            ]
        return DeleteResult(deleted, errors, requests)
