"""What the client's operations and transfers return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape


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


@dataclass(frozen=True)
class CopyResult:
    etag: str | None
    version_id: str | None = None
    """The new object's version (a versioned target bucket)."""
    source_version_id: str | None = None
    """The version that was copied (a versioned source bucket)."""


@dataclass(frozen=True)
class DeleteFailure:
    key: str
    code: str
    message: str


@dataclass(frozen=True)
class DeleteResult:
    deleted: list[str]
    """The keys S3 reports deleted (a key that did not exist counts as deleted, as in S3)."""
    errors: list[DeleteFailure]
    """Per-key refusals (e.g. AccessDenied outside the stack's key prefix)."""
    requests: int
