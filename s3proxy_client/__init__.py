"""A client for apps that consume an `S3ProxyApi` stack: SigV4-signed S3 calls through API Gateway, and
transfers of objects far beyond its 10 MB payload limit.

    from s3proxy_client import S3ProxyClient

    client = S3ProxyClient.from_outputs("outputs.json")  # `pulumi stack output --json > outputs.json`
    client.upload_file("report.bin", "my-bucket", "reports/2026/report.bin")
"""

from pathlib import Path

from .client import MULTIPART_CREATE_QUERY, S3ProxyClient
from .errors import (
    AccessDeniedError,
    ConflictError,
    ConnectionFailedError,
    InvalidRangeError,
    NotFoundError,
    NotModifiedError,
    PayloadTooLargeError,
    PreconditionFailedError,
    RouteNotAllowedError,
    S3ProxyError,
    ServerError,
    ThrottledError,
)
from .outputs import OutputsError, StackOutputs, parse_outputs
from .parts import API_GATEWAY_PAYLOAD_LIMIT, DEFAULT_PART_SIZE, MIN_PART_SIZE, Part, plan_parts
from .results import (
    Bucket,
    CopyResult,
    DeleteFailure,
    DeleteResult,
    GetObjectResult,
    ObjectEntry,
    ObjectInfo,
    TransferResult,
    UploadedPart,
)
from .transport import RetryPolicy

# The one version of both distributions: the wheel carries VERSION in the package, a checkout one level up.
_here = Path(__file__).resolve().parent
__version__ = next(f for f in (_here / "VERSION", _here.parent / "VERSION") if f.is_file()).read_text().strip()

__all__ = [
    "API_GATEWAY_PAYLOAD_LIMIT",
    "DEFAULT_PART_SIZE",
    "MIN_PART_SIZE",
    "MULTIPART_CREATE_QUERY",
    "AccessDeniedError",
    "Bucket",
    "ConflictError",
    "ConnectionFailedError",
    "CopyResult",
    "DeleteFailure",
    "DeleteResult",
    "GetObjectResult",
    "InvalidRangeError",
    "NotFoundError",
    "NotModifiedError",
    "ObjectEntry",
    "ObjectInfo",
    "OutputsError",
    "Part",
    "PayloadTooLargeError",
    "PreconditionFailedError",
    "RetryPolicy",
    "RouteNotAllowedError",
    "S3ProxyClient",
    "S3ProxyError",
    "ServerError",
    "StackOutputs",
    "ThrottledError",
    "TransferResult",
    "UploadedPart",
    "__version__",
    "parse_outputs",
    "plan_parts",
]
