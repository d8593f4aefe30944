"""Part planning for multipart uploads and ranged downloads, and path encoding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

MiB = 1024 * 1024
MIN_PART_SIZE = 5 * MiB
"""S3's smallest part (every part but the last)."""
API_GATEWAY_PAYLOAD_LIMIT = 10_000_000
"""API Gateway's payload quota is "10 MB" (requests and responses, not raisable). Read as decimal megabytes
it is the stricter of the two readings, so every part and every ranged read stays strictly below it."""
MAX_PARTS = 10_000
"""S3's most parts in one multipart upload."""
DEFAULT_PART_SIZE = 8 * MiB
DEFAULT_THRESHOLD = 8 * MiB
DEFAULT_CONCURRENCY = 4
CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")
"""A ranged answer's `Content-Range`: first byte, last byte, and the object's size (`*` when unknown)."""


@dataclass(frozen=True)
class Part:
    """One part of an object: S3's 1-based part number and its byte range."""

    number: int
    offset: int
    size: int

    @property
    def last_byte(self) -> int:
        """The inclusive end of the range, as an HTTP `Range` names it."""
        return self.offset + self.size - 1

    @property
    def range_header(self) -> str:
        return f"bytes={self.offset}-{self.last_byte}"


def validate_part_size(part_size: int) -> None:
    if not isinstance(part_size, int) or isinstance(part_size, bool):
        raise ValueError(f"part_size must be an int, not {type(part_size).__name__}")
    if not MIN_PART_SIZE <= part_size < API_GATEWAY_PAYLOAD_LIMIT:
        raise ValueError(
            f"part_size {part_size:,} bytes is out of range: S3 needs >= {MIN_PART_SIZE:,} (5 MiB) per part but the "
            f"last, and API Gateway carries < {API_GATEWAY_PAYLOAD_LIMIT:,} bytes (10 MB) per request"
        )


def validate_concurrency(concurrency: int) -> None:
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or not 1 <= concurrency <= 64:
        raise ValueError(f"concurrency must be an int from 1 to 64, not {concurrency!r}")


def validate_threshold(threshold: int) -> None:
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
        raise ValueError(f"threshold must be an int >= 0, not {threshold!r}")


def plan_parts(size: int, part_size: int = DEFAULT_PART_SIZE, max_parts: int | None = MAX_PARTS) -> list[Part]:
    """The parts of an object of `size` bytes: all `part_size` long but the last, which holds the rest.

    An empty object is one empty part (S3 accepts an empty last part). Raises ValueError for a part size
    outside S3's and API Gateway's limits, or an object that would need more than `max_parts` parts (S3's
    10,000 for an upload; ranged reads have no such limit: None).
    """
    validate_part_size(part_size)
    if size < 0:
        raise ValueError(f"size must be >= 0, not {size}")
    count = max(1, -(-size // part_size))
    if max_parts is not None and count > max_parts:
        largest = max_parts * (API_GATEWAY_PAYLOAD_LIMIT - 1)
        raise ValueError(
            f"{size:,} bytes in parts of {part_size:,} needs {count:,} parts; S3 allows {max_parts:,}, so use a larger "
            f"part_size (objects through the API can reach {largest:,} bytes)"
        )
    return [Part(n + 1, n * part_size, min(part_size, size - n * part_size)) for n in range(count)]


def encode_segment(segment: str) -> str:
    """Percent-encode one path segment (UTF-8). `.` and `..` are encoded too (`%2E`), so that no HTTP
    library or proxy on the way removes them as dot-segments: they are key text, not path navigation."""
    if segment and set(segment) == {"."} and len(segment) <= 2:
        return "%2E" * len(segment)
    return quote(segment, safe="")


def encode_key(key: str) -> str:
    """A key as a URL path: each `/`-separated segment percent-encoded, the `/` kept (`{item+}` is greedy).

    A `+` cannot be sent: API Gateway decodes the path parameter (`%2B` -> `+`) and passes it raw, and S3
    reads a raw `+` in a path as a space, so `a+b` would be stored and read as `a b` on AWS. Spaces, `%`
    and unicode arrive exactly (API Gateway re-encodes `%`, and UTF-8 is passed as unicode)."""
    if "+" in key:
        raise ValueError(
            f"the object key {key!r} contains '+': through API Gateway, S3 would read it as a space; "
            "use another character (spaces, '%' and unicode are passed exactly)"
        )
    return "/".join(encode_segment(segment) for segment in key.split("/"))


def object_path(bucket: str, key: str | None = None) -> str:
    """`bucket` or `bucket/key`, encoded, relative to the stage URL."""
    if not bucket or "/" in bucket:
        raise ValueError(f"invalid bucket name {bucket!r}")
    if key is None:
        return encode_segment(bucket)
    if not key:
        raise ValueError("the object key is empty")
    return f"{encode_segment(bucket)}/{encode_key(key)}"
