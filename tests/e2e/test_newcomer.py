"""A newcomer's first commands, in a fresh clone: `make demo`, then `make postman`, `make outputs`, the `s3proxy`
command and `make down` work on what the demo deployed; and `make down` of a bucket that still holds objects
ends in one line naming the AWS operation, the resource and AWS's message."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from tooling.program import ROOT

from .conftest import client


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fresh_clone(directory: Path) -> Path:
    """This checkout's committed HEAD, cloned; the virtualenvs linked to this checkout's (installed already)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(directory)], check=True)
    subprocess.run(["git", "checkout", "--quiet", head.strip()], cwd=directory, check=True)
    for venv in (".venv", ".venv-localstack"):
        (directory / venv).symlink_to((ROOT / venv).resolve())
    return directory


def test_make_demo_then_postman_outputs_the_cli_and_down_work_in_a_fresh_clone(tmp_path):
    clone = fresh_clone(tmp_path / "s3proxy")
    # Its own LocalStack on a free port, as a newcomer's `make demo` starts one: the session's stays untouched.
    env = {k: v for k, v in os.environ.items() if k != "LOCALSTACK_ENDPOINT"} | {"LOCALSTACK_PORT": str(free_port())}

    def make(*target: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["make", "-s", *target], cwd=clone, env=env, capture_output=True, text=True)

    try:
        demo = make("demo")
        assert demo.returncode == 0, demo.stderr[-3000:]
        lines = demo.stdout.splitlines()
        summary = lines[lines.index("Stack dev is up:") :]
        url = summary[1].split()[1]
        assert summary[3] == "    routes       20 (`make outputs STACK=dev` lists them)"
        assert summary[4] == "    outputs      .local/dev/outputs.json (`make outputs STACK=dev` prints them as JSON)"
        assert summary[5].startswith("LocalStack does not enforce IAM: ")
        assert "The walkthrough ran through the API end to end; S3 is as it was before." in lines

        postman = make("postman")
        assert postman.returncode == 0, postman.stderr
        assert postman.stdout.splitlines()[-1] == (
            "postman: .local/dev/s3proxy.postman_collection.json: 20 routes and a 8-step walkthrough"
        )
        collection = json.loads((clone / ".local/dev/s3proxy.postman_collection.json").read_text())
        assert {"key": "baseUrl", "value": url} in [{k: v[k] for k in ("key", "value")} for v in collection["variable"]]

        outputs = make("outputs")
        assert outputs.returncode == 0, outputs.stderr
        shown = json.loads(outputs.stdout)
        assert shown["url"] == url and shown["stage_name"] == "dev" and len(shown["routes"]) == 20

        s3proxy = [str(clone / ".venv" / "bin" / "s3proxy")]
        bucket = f"fresh-clone-{os.urandom(3).hex()}"
        made = subprocess.run([*s3proxy, "mb", f"s3p://{bucket}"], cwd=clone, env=env, capture_output=True, text=True)
        assert (made.returncode, made.stdout, made.stderr) == (0, f"make_bucket: {bucket}\n", "")
        listed = subprocess.run([*s3proxy, "ls"], cwd=clone, env=env, capture_output=True, text=True)
        assert listed.returncode == 0 and bucket in listed.stdout.split()
        removed = subprocess.run(
            [*s3proxy, "rb", f"s3p://{bucket}"], cwd=clone, env=env, capture_output=True, text=True
        )
        assert removed.returncode == 0, removed.stderr

        down = make("down")
        assert down.returncode == 0, down.stderr
        gone = make("outputs")
        assert gone.returncode != 0
        assert gone.stderr.splitlines()[0] == (
            "error: stack dev has no outputs in .local/dev/outputs.json: "
            "`make up STACK=dev` (or `make demo`) writes them"
        )
    finally:
        make("localstack-stop")


def test_make_down_of_a_bucket_that_holds_objects_is_one_line(endpoint, tmp_path):
    """The embedding example owns a bucket (force_destroy off): S3 refuses to delete it while it holds an object
    (S3 API Reference, DeleteBucket: "All objects ... must be deleted before the bucket itself can be deleted")."""
    project = tmp_path / "embedded"
    shutil.copytree(ROOT / "examples" / "embedded", project)
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": {"aws:region": "us-east-1"}}))
    env = os.environ | {"LOCALSTACK_ENDPOINT": endpoint}
    command = [sys.executable, "-m", "tooling.deploy"]
    up = subprocess.run([*command, "up", "--cwd", str(project)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert up.returncode == 0, up.stderr[-2000:]
    bucket = json.loads(up.stdout.splitlines()[-1])["bucket"]
    s3 = client("s3", endpoint)
    s3.put_object(Bucket=bucket, Key="report.csv", Body=b"a,b\n")
    try:
        down = subprocess.run(
            [*command, "down", "--cwd", str(project)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert down.returncode == 1 and "Traceback" not in down.stderr
        assert down.stderr.splitlines()[-1] == (
            f"error: deleting aws:s3/bucket:Bucket reports ({bucket}): AWS DeleteBucket failed: BucketNotEmpty: "
            "The bucket you tried to delete is not empty"
        )
    finally:
        s3.delete_object(Bucket=bucket, Key="report.csv")
        subprocess.run([*command, "down", "--cwd", str(project)], cwd=ROOT, env=env, check=True, capture_output=True)
