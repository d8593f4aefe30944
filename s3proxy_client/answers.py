"""Reading S3's answers: its XML documents (with or without S3's namespace) and an object's headers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from .errors import S3ProxyError
from .results import ObjectInfo

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
META_PREFIX = "x-amz-meta-"


def parse_xml(body: bytes) -> ET.Element:
    try:
        return ET.fromstring(body)
    except ET.ParseError as error:
        raise S3ProxyError(None, "MalformedResponse", f"the API answered XML that cannot be parsed: {error}") from None


def xml_text(element: ET.Element, name: str) -> str | None:
    found = element.find(f"{{{S3_NS}}}{name}")
    if found is None:
        found = element.find(name)
    return None if found is None else (found.text or "")


def xml_children(element: ET.Element, name: str) -> list[ET.Element]:
    return element.findall(f"{{{S3_NS}}}{name}") or element.findall(name)


def object_info(bucket: str, key: str, headers: Mapping[str, str], *, head: bool = False) -> ObjectInfo:
    """What a HEAD or GET answer's headers tell of the object."""
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


def metadata_headers(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """User metadata as S3's `x-amz-meta-*` headers; a name that already has the prefix keeps it."""
    return {
        name if name.lower().startswith(META_PREFIX) else f"{META_PREFIX}{name}": value
        for name, value in (metadata or {}).items()
    }
