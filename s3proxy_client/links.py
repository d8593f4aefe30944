"""Download names: S3's `response-*` overrides of a GetObject's response headers, and links that carry them."""

from __future__ import annotations

from urllib.parse import quote

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest

from .transport import SERVICE, Transport

# SigV4 in the query string is valid for at most 7 days (AWS General Reference, "Authentication methods": the
# X-Amz-Expires maximum of 604,800 seconds).
MAX_LINK_SECONDS = 7 * 24 * 3600


def content_disposition(filename: str) -> str:
    """`attachment` under `filename`: an ASCII fallback, and the exact name as RFC 6266's UTF-8 `filename*`."""
    if not filename or "/" in filename or "\\" in filename:
        raise ValueError(f"a download name is a file name, without '/' or '\\': {filename!r}")
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_overrides(download_name: str | None = None, content_type: str | None = None) -> dict[str, str | None]:
    """The GetObject query parameters that make S3 answer with this file name and media type."""
    params: dict[str, str | None] = {}
    if download_name:
        params["response-content-disposition"] = content_disposition(download_name)
    if content_type:
        params["response-content-type"] = content_type
    return params


def presigned_url(transport: Transport, path: str, params: dict[str, str | None], expires_in: int) -> str:
    """A GET URL signed in its query string (SigV4, service execute-api), valid for `expires_in` seconds."""
    if not 1 <= expires_in <= MAX_LINK_SECONDS:
        raise ValueError(f"expires_in must be 1-{MAX_LINK_SECONDS:,} seconds, got {expires_in!r}")
    request = AWSRequest(method="GET", url=transport.url_for(path, params))
    frozen = transport.credentials.get_frozen_credentials()
    SigV4QueryAuth(frozen, SERVICE, transport.region, expires=expires_in).add_auth(request)
    return str(request.url)
