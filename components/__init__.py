"""The S3 proxy component and the pure modules it is rendered from."""

from .config import S3ProxyConfigError
from .s3proxy import S3ProxyApi, S3ProxyApiArgs

__all__ = ["S3ProxyApi", "S3ProxyApiArgs", "S3ProxyConfigError"]
