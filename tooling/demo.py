"""The seed walkthrough, step by step, against a deployed stack (LocalStack by default).

    python -m tooling.demo --stack dev [--outputs outputs.json]

Every request is SigV4-signed for `execute-api` with the usual boto3 credentials (LocalStack's test
keys when there are none), like the Postman calls of the walkthrough. Each step shows the method,
URL, status, key headers and a short body; a step whose result is not what S3 should answer stops
the demo with an error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

import requests

from .deploy import record_path
from .report import reporting_errors
from .signed import SignedApi

SHOWN_HEADERS = ("Content-Type", "Content-Length", "ETag", "Timestamp", "Last-Modified")


def tiny_png(width: int = 8, height: int = 8) -> bytes:
    """A valid RGB PNG with a gradient: bytes >= 0x80 that text handling would corrupt."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(c for x in range(width) for c in (x * 32, y * 32, 200)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def show(step: str, response: requests.Response, expect: int, body: str | None = None) -> None:
    request = response.request
    print(f"\n== {step}")
    print(f"   {request.method} {request.url}")
    print(f"   -> {response.status_code} {response.reason}")
    for header in SHOWN_HEADERS:
        if header in response.headers:
            print(f"      {header}: {response.headers[header]}")
    text = body if body is not None else response.content[:400].decode("utf-8", "replace")
    if text:
        print("      " + text.strip().replace("\n", "\n      "))
    if response.status_code != expect:
        raise SystemExit(f"demo: {step}: expected HTTP {expect}, got {response.status_code}: {response.text[:300]}")


def create_bucket_body(region: str) -> bytes:
    # The seed's body. us-east-1 is S3's default location and must not be named as a constraint.
    location = "" if region == "us-east-1" else f"<LocationConstraint>{region}</LocationConstraint>"
    return (
        f'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{location}</CreateBucketConfiguration>'
    ).encode()


def walkthrough(outputs: dict[str, Any], region: str) -> None:
    api = SignedApi(outputs["url"], region)
    bucket = f"apig-demo-{secrets.token_hex(3)}"
    print(f"API {outputs['rest_api_id']}, stage {outputs['stage_name']}: {outputs['url']}")
    print(f"Routes: {len(outputs['routes'])}; every request below is SigV4-signed for execute-api.")

    xml = {"Content-Type": "application/xml"}
    show(
        "Create a bucket (PUT /{folder})", api.request("PUT", bucket, body=create_bucket_body(region), headers=xml), 200
    )
    hello = b"Hello, World!"
    show(
        "Upload Readme.txt (PUT /{folder}/{item})",
        api.request("PUT", f"{bucket}/Readme.txt", body=hello, headers={"Content-Type": "text/plain"}),
        200,
    )
    got = api.request("GET", f"{bucket}/Readme.txt")
    show("Read it back (GET /{folder}/{item})", got, 200)
    if got.content != hello or got.headers.get("ETag") != f'"{hashlib.md5(hello).hexdigest()}"':
        raise SystemExit(f"demo: Readme.txt came back as {got.content!r}, ETag {got.headers.get('ETag')}")
    show("List the bucket (GET /{folder})", api.request("GET", bucket), 200)

    png = tiny_png()
    show(
        "Upload a PNG (PUT, binary)",
        api.request("PUT", f"{bucket}/images/logo.png", body=png, headers={"Content-Type": "image/png"}),
        200,
    )
    got = api.request("GET", f"{bucket}/images/logo.png", headers={"Accept": "*/*"})
    same = got.content == png
    show(
        "Download it with Accept: */* (GET, binary)",
        got,
        200,
        body=f"{len(got.content)} bytes, sha256 {hashlib.sha256(got.content).hexdigest()[:16]}, "
        f"{'byte-exact' if same else 'DIFFERENT from'} the {len(png)} bytes uploaded",
    )
    if not same:
        raise SystemExit("demo: the PNG did not round-trip byte-exact")
    show("Object metadata (HEAD /{folder}/{item})", api.request("HEAD", f"{bucket}/Readme.txt"), 200)
    show("Your buckets (GET /)", api.request("GET", ""), 200)
    for key in ("Readme.txt", "images/logo.png"):
        show(f"Delete {key} (DELETE /{{folder}}/{{item}})", api.request("DELETE", f"{bucket}/{key}"), 204)
    show("Delete the bucket (DELETE /{folder})", api.request("DELETE", bucket), 204)
    print("\nThe walkthrough ran through the API end to end; S3 is as it was before.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--outputs", type=Path, help="stack outputs JSON (default: the stack's LocalStack deployment)")
    options = parser.parse_args(argv)
    if options.outputs:
        outputs, region = json.loads(options.outputs.read_text()), None
    else:
        record = record_path(options.stack)
        if not record.is_file():
            raise SystemExit(f"demo: stack {options.stack} is not deployed: run `make up STACK={options.stack}` first")
        deployment = json.loads(record.read_text())
        outputs, region = deployment["outputs"], deployment["region"]
    walkthrough(outputs, region or outputs["execution_arn"].split(":")[3])
    return 0


if __name__ == "__main__":
    sys.exit(reporting_errors(main))
