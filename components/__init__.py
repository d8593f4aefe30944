"""The S3 proxy component and the pure modules it is rendered from (installed as `pulumi_s3proxy`)."""

from pathlib import Path

from .config import S3ProxyConfigError
from .s3proxy import (
    AccessLogSettings,
    ApiKeySettings,
    AuthorizerSettings,
    CorsSettings,
    CustomDomainSettings,
    MethodThrottle,
    S3ProxyApi,
    S3ProxyApiArgs,
)

# The one version of both distributions: the wheel carries VERSION in the package, a checkout one level up.
_here = Path(__file__).resolve().parent
__version__ = next(f for f in (_here / "VERSION", _here.parent / "VERSION") if f.is_file()).read_text().strip()

__all__ = [
    "AccessLogSettings",
    "ApiKeySettings",
    "AuthorizerSettings",
    "CorsSettings",
    "CustomDomainSettings",
    "MethodThrottle",
    "S3ProxyApi",
    "S3ProxyApiArgs",
    "S3ProxyConfigError",
    "__version__",
]
