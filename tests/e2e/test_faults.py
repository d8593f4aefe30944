"""LocalStack stopped and restarted in the middle of a 100 MB transfer.

The stop is driven by an event: the client's progress callback, once 24 MB of parts are
acknowledged, stops LocalStack and starts it again before the transfer may go on. The client must
then either complete after its retries or fail with a typed `S3ProxyError`; it never leaves a
corrupt file, and once S3 is back no multipart upload is left. LocalStack community keeps no state
across a restart: the API, the role and the bucket are gone afterwards, so `up` must notice and make
them again (under the same ids: the same URL), and "no upload left" is also what a forgetful S3 shows.

It runs its own LocalStack (a copy of the script in a temporary directory, on a free port), so the
session's LocalStack and the deployments other tests share are not disturbed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3proxy_client import S3ProxyClient, S3ProxyError
from tooling.deploy import down, up
from tooling.files import MiB, file_sha256, write_random
from tooling.program import ROOT

from .conftest import REGION, client, project_copy

SIZE = 100 * 1000 * 1000
STOP_AFTER = 24 * 1000 * 1000


class RestartableLocalStack:
    def __init__(self, directory: Path) -> None:
        (directory / "localstack").mkdir(parents=True)
        for name in ("localstack.sh", "requirements.lock"):
            shutil.copy(ROOT / "localstack" / name, directory / "localstack" / name)
        (directory / ".venv-localstack").symlink_to((ROOT / ".venv-localstack").resolve())
        self.script = directory / "localstack" / "localstack.sh"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.endpoint = f"http://localhost:{self.port}"
        self.restarts = 0

    def run(self, command: str) -> None:
        environment = os.environ | {"LOCALSTACK_PORT": str(self.port)}
        subprocess.run([self.script, command], check=True, env=environment, capture_output=True)

    def restart(self) -> None:
        self.run("stop")
        self.run("start")
        self.restarts += 1


@pytest.fixture(scope="module")
def localstack(tmp_path_factory: pytest.TempPathFactory, endpoint: str) -> Iterator[RestartableLocalStack]:
    del endpoint  # the session's LocalStack: built its venv, which this one shares
    own = RestartableLocalStack(tmp_path_factory.mktemp("faulty"))
    own.run("start")
    yield own
    own.run("stop")


@pytest.fixture
def deployed(tmp_path: Path, localstack: RestartableLocalStack) -> Iterator[tuple[dict[str, Any], Path]]:
    project = project_copy(tmp_path, "faulty", {"aws:region": REGION, "s3proxy:allowedActions": ["s3:*"]})
    outputs = up("faulty", project, localstack.endpoint)
    yield outputs, project
    down("faulty", project, localstack.endpoint)


def restart_once(localstack: RestartableLocalStack) -> Any:
    """A progress callback: at the first report past STOP_AFTER bytes, LocalStack restarts."""
    acknowledged = 0

    def progress(size: int) -> None:
        nonlocal acknowledged
        acknowledged += size
        if acknowledged >= STOP_AFTER and localstack.restarts == 0:
            localstack.restart()

    return progress


def test_a_restart_during_an_upload_ends_typed_or_complete_and_leaves_no_upload(tmp_path, localstack, deployed):
    outputs, project = deployed
    s3 = client("s3", localstack.endpoint)
    s3.create_bucket(Bucket="faulty")
    source = tmp_path / "source.bin"
    digest = write_random(source, SIZE)
    api = S3ProxyClient(outputs["url"], REGION)
    outcome: BaseException | None = None
    try:
        api.upload_file(source, "faulty", "big.bin", part_size=8 * MiB, progress=restart_once(localstack))
    except S3ProxyError as error:  # typed: anything else fails the test
        outcome = error
    assert localstack.restarts == 1
    # LocalStack forgot the deployment: `up` makes it again, under the same id and URL.
    again = up("faulty", project, localstack.endpoint)
    assert (again["rest_api_id"], again["url"]) == (outputs["rest_api_id"], outputs["url"])
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    if outcome is None:  # completed: then S3 holds exactly the file
        s3_digest = file_sha256_of_object(s3, tmp_path / "check.bin")
        assert s3_digest == digest
    else:
        assert "faulty" not in buckets or not s3.list_objects_v2(Bucket="faulty").get("Contents")
    uploads = s3.list_multipart_uploads(Bucket="faulty").get("Uploads", []) if "faulty" in buckets else []
    assert uploads == []
    print(f"\nupload across a restart: {outcome!r}; buckets after: {buckets}")


def test_a_restart_during_a_download_never_leaves_a_corrupt_file(tmp_path, localstack, deployed):
    outputs, _ = deployed
    s3 = client("s3", localstack.endpoint)
    s3.create_bucket(Bucket="faulty-down")
    source = tmp_path / "source.bin"
    digest = write_random(source, SIZE)
    s3.upload_file(str(source), "faulty-down", "big.bin")
    target = tmp_path / "target.bin"
    api = S3ProxyClient(outputs["url"], REGION)
    localstack.restarts = 0
    try:
        api.download_file("faulty-down", "big.bin", target, part_size=8 * MiB, progress=restart_once(localstack))
    except S3ProxyError as error:
        print(f"\ndownload across a restart: {error!r}")
        assert not target.exists()
    else:
        assert file_sha256(target) == digest
    assert localstack.restarts == 1
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".part")] == []  # no temporary file left


def file_sha256_of_object(s3: Any, path: Path) -> str:
    s3.download_file("faulty", "big.bin", str(path))
    return file_sha256(path)
