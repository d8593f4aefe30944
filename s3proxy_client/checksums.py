"""Integrity: the SHA-256 checksums S3 verifies and answers, and S3's ETag of a multipart object.

API Gateway drops Content-MD5 from requests (the "important notes" of its developer guide), so integrity
rides on S3's flexible checksums instead: `x-amz-checksum-sha256` on every PutObject and UploadPart, which
S3 verifies against the bytes it received (BadDigest otherwise) and echoes back.
"""

from __future__ import annotations

import base64
import hashlib
import re

from .errors import S3ProxyError

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


def verify_checksum(answered: str | None, expected: str, what: str, status: int | None) -> None:
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
