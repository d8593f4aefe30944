"""The generated Postman collection, run by newman (npm, pinned) against the dev stack on LocalStack.

Newman's exit code decides: 0 only when every `pm.test` assertion passed. LocalStack does not verify SigV4
signatures, so each request newman sent is re-signed here with botocore (whose signatures AWS accepts) from
the same method, URL, headers and X-Amz-Date (`tooling.signed.resign`): the signatures must be identical.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from botocore.credentials import Credentials

from s3proxy_client.postman import HELLO_ETAG, WALKTHROUGH, write_collection
from tooling.program import ROOT
from tooling.signed import resign

from .conftest import REGION, Deployed

NEWMAN = ROOT / "node_modules" / ".bin" / "newman"
CREDENTIALS = Credentials("test", "test")  # LocalStack's keys, given to newman as --env-var


def newman(collection: Path, report: Path) -> subprocess.CompletedProcess[str]:
    if not NEWMAN.is_file():
        pytest.fail(f"{NEWMAN} is missing: `make node-deps` installs newman from package-lock.json")
    command = [
        str(NEWMAN),
        "run",
        str(collection),
        "--folder",
        WALKTHROUGH,
        "--env-var",
        f"accessKeyId={CREDENTIALS.access_key}",
        "--env-var",
        f"secretAccessKey={CREDENTIALS.secret_key}",
        "--reporters",
        "cli,json",
        "--reporter-json-export",
        str(report),
        "--color",
        "off",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module", params=["dev", "prefixed"])
def walkthrough_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """The walkthrough run by newman on the dev stack, and on a stack whose keys live under `uploads/`."""
    stack: Deployed = request.getfixturevalue(request.param)
    directory = tmp_path_factory.mktemp("postman")
    collection, report = directory / "collection.json", directory / "report.json"
    write_collection(stack.outputs.shown(), collection)  # as `pulumi stack output --json` shows them
    ran = newman(collection, report)
    return ran, json.loads(report.read_text())


def test_newman_runs_the_walkthrough_with_no_failed_assertion(walkthrough_run, s3):
    ran, report = walkthrough_run
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assertions = report["run"]["stats"]["assertions"]
    assert (assertions["failed"], assertions["total"]) == (0, 15)
    names = {a["assertion"] for execution in report["run"]["executions"] for a in execution.get("assertions", [])}
    assert {"body is Hello, World!", "the seed's ETag", "one item: Readme.txt, 13 bytes, the seed's ETag"} <= names
    statuses = [execution["response"]["code"] for execution in report["run"]["executions"]]
    assert statuses == [200, 200, 200, 200, 200, 200, 204, 204]
    bucket = re.search(r"apig-demo-[0-9a-f]+", json.dumps(report["run"]["executions"][0]["request"]["url"]))
    assert bucket and bucket[0] not in {b["Name"] for b in s3.list_buckets()["Buckets"]}  # it cleaned up


def test_a_failed_assertion_fails_newman(dev, tmp_path):
    """The harness can fail: the same collection expecting another ETag makes newman exit non-zero."""
    collection, report = tmp_path / "collection.json", tmp_path / "report.json"
    write_collection(dev.outputs.shown(), collection)
    collection.write_text(collection.read_text().replace(HELLO_ETAG.strip('"'), "0" * 32))
    ran = newman(collection, report)
    assert ran.returncode == 1
    assertions = json.loads(report.read_text())["run"]["stats"]["assertions"]
    assert assertions["failed"] == 4  # the ETag checks of the PUT, the GET, the listing and the HEAD


def test_newman_signs_as_botocore_does(walkthrough_run):
    _, report = walkthrough_run
    executions = report["run"]["executions"]
    for execution in executions:
        request = execution["request"]
        headers = {h["key"]: h["value"] for h in request["header"] if not h.get("disabled")}
        url = request["url"]
        query = "&".join(f"{q['key']}={q['value']}" for q in url.get("query", []))
        full = f"{url['protocol']}://{'.'.join(url['host'])}:{url['port']}/{'/'.join(url['path'])}"
        full += f"?{query}" if query else ""
        body = (request.get("body") or {}).get("raw", "").encode()
        authorization, expected = resign(request["method"], full, headers, body, CREDENTIALS)
        assert (authorization["key"], authorization["region"], authorization["service"]) == (
            "test",
            REGION,
            "execute-api",
        )
        assert {"host", "x-amz-date"} <= set(authorization["signed"].split(";"))
        assert authorization["signature"] == expected, f"{request['method']} {full}"
    assert len(executions) == 8
