"""HTTP calls to the deployed API, signed with botocore's SigV4 for service `execute-api`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote, urlencode, urlsplit

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from s3proxy_client.transport import default_credentials


class SignedApi:
    """Requests to one stage's invoke URL, each SigV4-signed (as Postman's AWS Signature does)."""

    def __init__(self, url: str, region: str, credentials: Credentials | None = None) -> None:
        self.url = url.rstrip("/")
        self.region = region
        self.credentials = (credentials or default_credentials()).get_frozen_credentials()
        self.http = requests.Session()

    def url_for(self, path: str, params: Mapping[str, str] | None = None) -> str:
        """`path` is raw (e.g. `bucket/a b/c.txt`); it is percent-encoded here, `/` kept."""
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.url}/{quote(path.lstrip('/'), safe='/')}{query}"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> requests.Response:
        url = self.url_for(path, params)
        signed = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
        SigV4Auth(self.credentials, "execute-api", self.region).add_auth(signed)
        return self.http.request(method, url, data=body, headers=dict(signed.headers.items()), timeout=timeout)


AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[^,]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


def resign(
    method: str, url: str, headers: Mapping[str, str], body: bytes, credentials: Credentials
) -> tuple[re.Match[str], str]:
    """Check another client's SigV4 signature: (its parsed Authorization header, botocore's signature of the
    same request, its signed headers and X-Amz-Date, for the service and region it names). Signatures AWS
    accepts are botocore's; equal signatures mean that the other client signs as AWS verifies."""
    lowered = {name.lower(): value for name, value in headers.items()}
    match = AUTHORIZATION.match(lowered.get("authorization", ""))
    if not match:
        raise ValueError(f"not a SigV4 Authorization header: {lowered.get('authorization')!r}")
    signed = {name: lowered.get(name, urlsplit(url).netloc) for name in match["signed"].split(";")}  # host: the URL's
    request = AWSRequest(method=method, url=url, data=body, headers=signed)
    request.context["timestamp"] = lowered["x-amz-date"]
    signer = SigV4Auth(credentials, match["service"], match["region"])
    return match, signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
