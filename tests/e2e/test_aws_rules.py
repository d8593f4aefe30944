"""The AWS rules of tests/test_aws_rules.py where LocalStack can show their effect: S3 verifies the checksums
the API now passes, per-method settings land on the greedy path, the preflight answers under a network
policy.

What each awkward key becomes on its way through the integration is `test_routes.py::test_keys_reach_s3_exactly`."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .conftest import Deployed, deploy


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def crc64nvme_b64(data: bytes) -> str:
    """CRC-64/NVME as S3 computes it (reflected polynomial 0x9A6C9329AC4BC9B5, initial value and final xor all
    ones; the CRC catalogue's check value for b"123456789" is 0xAE8B14860A799888), big-endian, base64."""
    crc = 0xFFFFFFFFFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x9A6C9329AC4BC9B5 if crc & 1 else 0)
    return base64.b64encode((crc ^ 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")).decode()


def test_the_crc64nvme_helper_gives_the_catalogue_check_value() -> None:
    assert base64.b64decode(crc64nvme_b64(b"123456789")) == bytes.fromhex("AE8B14860A799888")


def keys_in(s3: Any, bucket: str) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


def test_s3_verifies_the_sha256_checksum_a_put_carries(dev: Deployed, s3: Any, bucket: str) -> None:
    body = b"Hello, World!"
    good = dev.api.request(
        "PUT",
        f"{bucket}/ok.txt",
        body=body,
        headers={"Content-Type": "text/plain", "x-amz-checksum-sha256": sha256_b64(body)},
    )
    assert good.status_code == 200, good.text
    assert good.headers["x-amz-checksum-sha256"] == sha256_b64(body)  # S3 computed and returned it
    wrong = dev.api.request(
        "PUT",
        f"{bucket}/bad.txt",
        body=body,
        headers={"Content-Type": "text/plain", "x-amz-checksum-sha256": sha256_b64(b"other")},
    )
    assert wrong.status_code == 400 and b"BadDigest" in wrong.content, wrong.text
    assert keys_in(s3, bucket) == {"ok.txt": body}  # the corrupted body was never stored


def test_a_crc64nvme_checksummed_put_reaches_s3_and_its_checksum_comes_back(dev: Deployed, s3: Any, bucket: str):
    """S3's default checksum (S3 API reference, "Checksum": ChecksumCRC64NVME, ChecksumType). An SDK sends
    x-amz-sdk-checksum-algorithm: CRC64NVME with x-amz-checksum-crc64nvme; without the value S3 answers 400."""
    body = b"Hello, World!"
    sent = {"Content-Type": "text/plain", "x-amz-sdk-checksum-algorithm": "CRC64NVME"}
    good = dev.api.request(
        "PUT", f"{bucket}/ok.txt", body=body, headers=sent | {"x-amz-checksum-crc64nvme": crc64nvme_b64(body)}
    )
    assert good.status_code == 200, good.text
    assert good.headers["x-amz-checksum-crc64nvme"] == crc64nvme_b64(body)
    assert good.headers["x-amz-checksum-type"] == "FULL_OBJECT"
    read = dev.api.request("GET", f"{bucket}/ok.txt", headers={"x-amz-checksum-mode": "ENABLED"})
    assert (read.status_code, read.content) == (200, body)
    assert read.headers["x-amz-checksum-crc64nvme"] == crc64nvme_b64(body)
    assert read.headers["x-amz-checksum-type"] == "FULL_OBJECT"
    wrong = dev.api.request(
        "PUT", f"{bucket}/bad.txt", body=body, headers=sent | {"x-amz-checksum-crc64nvme": crc64nvme_b64(b"other")}
    )
    assert wrong.status_code == 400 and b"BadDigest" in wrong.content, wrong.text
    assert keys_in(s3, bucket) == {"ok.txt": body}


def test_s3_verifies_the_checksum_of_every_part(dev: Deployed, s3: Any, bucket: str) -> None:
    created = dev.api.request(
        "POST", f"{bucket}/big.bin", params={"uploads": "1"}, headers={"x-amz-checksum-algorithm": "SHA256"}
    )
    assert created.status_code == 200, created.text
    upload_id = created.text.split("<UploadId>")[1].split("</UploadId>")[0]
    part = b"p" * 1024
    wrong = dev.api.request(
        "PUT",
        f"{bucket}/big.bin",
        body=part,
        params={"partNumber": "1", "uploadId": upload_id},
        headers={"x-amz-checksum-sha256": sha256_b64(b"not the part")},
    )
    assert wrong.status_code == 400 and b"BadDigest" in wrong.content, wrong.text
    good = dev.api.request(
        "PUT",
        f"{bucket}/big.bin",
        body=part,
        params={"partNumber": "1", "uploadId": upload_id},
        headers={"x-amz-checksum-sha256": sha256_b64(part)},
    )
    assert good.status_code == 200 and good.headers["x-amz-checksum-sha256"] == sha256_b64(part)
    assert dev.api.request("DELETE", f"{bucket}/big.bin", params={"uploadId": upload_id}).status_code == 204


@pytest.fixture(scope="module")
def throttled(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[Deployed]:
    config = {
        "s3proxy:allowedActions": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "s3proxy:stageName": "throttled",
        "s3proxy:methodThrottling": {
            "GET /{folder}/{item+}": {"rate_limit": 50, "burst_limit": 20},
            "GET /{folder}": {"rate_limit": 5},
        },
    }
    yield from deploy(tmp_path_factory, endpoint, "throttled", config)


def test_per_method_throttling_lands_on_the_greedy_path(throttled: Deployed, apigateway: Any) -> None:
    stage = apigateway.get_stage(restApiId=throttled.outputs["rest_api_id"], stageName="throttled")
    settings = {
        path: (s.get("throttlingRateLimit"), s.get("throttlingBurstLimit"))
        for path, s in stage["methodSettings"].items()
    }
    assert settings["~1{folder}~1{item+}/GET"] == (50.0, 20)
    assert settings["~1{folder}/GET"][0] == 5.0


@pytest.fixture(scope="module")
def fenced(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[Deployed]:
    config = {
        "s3proxy:allowedActions": ["s3:GetObject"],
        "s3proxy:stageName": "fenced",
        "s3proxy:corsAllowOrigin": "https://app.example.com",
        "s3proxy:allowedSourceCidrs": ["127.0.0.0/8"],
    }
    yield from deploy(tmp_path_factory, endpoint, "fenced", config)


def test_preflight_answers_unauthenticated_under_a_network_policy(fenced: Deployed, apigateway: Any) -> None:
    policy = apigateway.get_rest_api(restApiId=fenced.outputs["rest_api_id"]).get("policy", "")
    assert "OPTIONS" in policy.replace("\\", "")  # the imported document carries the anonymous preflight Allow
    preflight = requests.options(
        f"{fenced.outputs['url']}/bucket/a/b.txt",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
