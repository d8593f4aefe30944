"""The `s3proxy` console script of the installed `s3proxy-client` wheel (a fresh virtualenv, no Pulumi, no
checkout on its path), uploading and downloading through the dev stack deployed in LocalStack."""

from __future__ import annotations

import json

from tooling.files import MiB, file_sha256, write_random

from .test_client import stored_sha256


def test_the_installed_cli_uploads_and_downloads_through_the_deployed_api(client_venv, dev, s3, bucket, tmp_path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(dev.outputs.shown()))
    source = tmp_path / "report.bin"
    expected = write_random(source, 12 * MiB)  # above API Gateway's 10 MB payload limit: a multipart upload

    uploaded = client_venv.run("s3proxy", "--outputs", str(outputs), "cp", str(source), f"s3p://{bucket}/reports/")
    assert uploaded.returncode == 0, uploaded.stderr
    assert stored_sha256(s3, bucket, "reports/report.bin") == expected  # what S3 itself holds

    copy = tmp_path / "copy.bin"
    downloaded = client_venv.run(
        "s3proxy", "--outputs", str(outputs), "cp", f"s3p://{bucket}/reports/report.bin", str(copy)
    )
    assert downloaded.returncode == 0, downloaded.stderr
    assert file_sha256(copy) == expected
