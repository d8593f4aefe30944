"""Fuzzing: schemathesis, driven by the exported OpenAPI document, against the dev stack in LocalStack.

Every operation of the deployed document gets generated requests (keys, headers and query strings
free; buckets confined to ones this test creates), each SigV4-signed. A case fails when the API
answers a status its operation does not declare, or a 5xx that is not S3's own error passed through
(API Gateway's `{"message": "Internal server error"}` and the like mean our mapping broke).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import pytest
import requests
import schemathesis
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.specs.openapi.checks import status_code_conformance

EXAMPLES_PER_OPERATION = 100
MIN_CASES = 500
UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")  # CreateMultipartUpload's answer
S3_ERROR = re.compile(rb"<Error>\s*<Code>([^<]+)</Code>")  # S3's error body

# The order operations are fuzzed in, by method and by what the path names (0: nothing, 1: a bucket,
# 2: an object): buckets exist before objects are written, deletions come last. Others go before deletions.
ORDER = (
    ("GET", 0),  # ListBuckets
    ("PUT", 1),  # CreateBucket
    ("HEAD", 1),  # HeadBucket
    ("GET", 1),  # ListObjects
    ("PUT", 2),  # PutObject (UploadPart)
    ("POST", 2),  # multipart uploads
    ("GET", 2),  # GetObject (ListParts)
    ("HEAD", 2),  # HeadObject
    ("DELETE", 2),  # DeleteObject (AbortMultipartUpload)
    ("DELETE", 1),  # DeleteBucket
)
# Only these may be sent to a bucket the test does not own (a generated `folder`): S3 reads change nothing.
READ_ONLY = frozenset({"GET", "HEAD"})
# Objects put in the test's bucket beforehand, so reads, conditions and ranges also meet existing keys.
SEEDED = {
    "Readme.txt": b"Hello, World!",
    "dir/sub/data.bin": bytes(range(256)),
    "unicode/ü 日本 😀.txt": "ü 日本 😀".encode(),
    "plus+sign&amp.txt": b"+",
}

# Reproducers show generated values (`max-keys` is not a secret); only the signature is filtered.
CONFIG = schemathesis.Config.from_dict(
    {
        "output": {
            "sanitization": {
                "keys-to-sanitize": ["authorization", "x-amz-security-token"],
                "sensitive-markers": ["authorization", "security-token"],
            }
        }
    }
)
# Hop-by-hop, or rewritten on the way (CloudFront normalises Accept-Encoding): not signed.
UNSIGNED = frozenset({"connection", "keep-alive", "accept-encoding", "te", "upgrade"})
SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,  # the same cases on every run
    database=None,  # no example database (no `.hypothesis/` directory)
    deadline=None,
    phases=[Phase.generate],  # every case runs once: results are collected, not raised, so nothing shrinks
    suppress_health_check=list(HealthCheck),
)


class SigV4(requests.auth.AuthBase):
    """Signs the request as sent (final URL, end-to-end headers, body) for service `execute-api`."""

    def __init__(self, credentials: Credentials, region: str) -> None:
        self.credentials = credentials
        self.region = region

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        signed = AWSRequest(
            method=request.method,
            url=request.url,
            data=body.encode() if isinstance(body, str) else body,
            headers={name: value for name, value in request.headers.items() if name.lower() not in UNSIGNED},
        )
        SigV4Auth(self.credentials, "execute-api", self.region).add_auth(signed)
        request.headers.update(dict(signed.headers.items()))
        return request


def fuzzable(document: dict[str, Any]) -> dict[str, Any]:
    """The deployed document as plain OpenAPI tools read it (the stage URL is given as schemathesis' base URL).

    API Gateway's greedy `{item+}` becomes `{item}` (the test puts real `/` back into generated keys),
    and the `sigv4` security scheme goes: the test signs every request itself, instead of
    schemathesis generating `Authorization` values for an `apiKey` scheme.
    """
    loaded = json.loads(json.dumps(document).replace("{item+}", "{item}"))
    loaded.pop("securityDefinitions", None)
    for methods in loaded["paths"].values():
        for operation in methods.values():
            operation.pop("security", None)
    return loaded


def stays_in_its_bucket(key: str) -> bool:
    """False for a key with a `.`/`..` segment, however often percent-encoded: LocalStack's router resolves
    even `%2E%2E` before routing, so `PUT {bucket}/%2E%2E/{other}` would be CreateBucket `other`."""
    decoded = key
    while (once := unquote(decoded)) != decoded:
        decoded = once
    return not {".", ".."} & set(decoded.replace("\\", "/").split("/"))


def gateway_error(response: schemathesis.Response) -> str | None:
    """Why a 5xx is API Gateway's own error rather than S3's error passed through; None when it is S3's."""
    if response.status_code < 500:
        return None
    if "x-amzn-errortype" in response.headers:  # schemathesis lowercases header names
        return f"API Gateway's {response.headers['x-amzn-errortype'][0]}: {response.content[:200]!r}"
    if response.request.method == "HEAD" and not response.content:
        # No body to show S3's code: S3's error still says it is XML (the gateway's own are JSON or text).
        content_type = response.headers.get("content-type", [""])[0]
        return None if content_type.startswith("application/xml") else f"HEAD {response.status_code} ({content_type})"
    # Matched, not parsed: S3's messages may quote request values, control characters included.
    if not S3_ERROR.search(response.content):
        return f"not S3's <Error><Code> body: {response.content[:200]!r}"
    return None


def s3_error_passed_through(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """A schemathesis check: a 5xx must be S3's own error with S3's status, never one API Gateway made."""
    if reason := gateway_error(response):
        raise AssertionError(f"{response.status_code} caused by the mapping, {reason}")


@dataclass
class Outcome:
    operation: str
    request: str
    status: int | None
    answer: str  # who answered what: S3's error code, API Gateway's error type, or "" for a success
    failure: str | None
    owned: bool  # sent to one of the test's buckets (or to no bucket), not to a generated bucket name


def answer(response: schemathesis.Response) -> str:
    if error_type := response.headers.get("x-amzn-errortype"):
        return f"API Gateway {error_type[0]}"
    if code := S3_ERROR.search(response.content):
        return code.group(1).decode(errors="replace")
    return ""


@dataclass
class Owned:
    """Bucket names only this test uses, and the multipart uploads its cases started in them."""

    objects_bucket: str  # created and seeded by the test
    names: list[str]  # the objects bucket, and names that CreateBucket and DeleteBucket cases create and delete
    uploads: list[tuple[str, str, str]] = field(default_factory=list)  # (bucket, key, upload id)

    def record_upload(self, case: schemathesis.Case, response: schemathesis.Response) -> None:
        if case.method.upper() == "POST" and (upload := UPLOAD_ID.search(response.content)):
            key = unquote(case.path_parameters.get("item", ""))
            self.uploads.append((case.path_parameters["folder"], key, upload.group(1).decode()))


def strategy(operation: schemathesis.APIOperation, owned: Owned) -> st.SearchStrategy[schemathesis.Case]:
    """The operation's generated cases, with `folder` confined to the test's buckets (any name for reads)
    and generated keys sent with real `/`, as a client of the greedy path would."""
    parameters = {name for name in ("folder", "item") if f"{{{name}}}" in operation.path}
    folders: st.SearchStrategy[str | None]
    if operation.method.upper() == "DELETE" and "item" not in parameters:  # DeleteBucket: not the objects bucket
        folders = st.sampled_from([bucket for bucket in owned.names if bucket != owned.objects_bucket])
    else:  # mostly the objects bucket; reads also go to generated bucket names (None: the generated folder)
        ours = st.sampled_from(owned.names), st.just(owned.objects_bucket), st.just(owned.objects_bucket)
        folders = st.one_of(*ours, st.none()) if operation.method.upper() in READ_ONLY else st.one_of(*ours)
    seeded = [quote(key, safe="/") for key in SEEDED]
    keys = st.one_of(st.sampled_from(seeded), st.none(), st.none())  # None: the generated key

    def confined(drawn: tuple[schemathesis.Case, str | None, str | None]) -> schemathesis.Case:
        case, folder, key = drawn
        if folder is not None:
            case.path_parameters["folder"] = folder
        if "item" in parameters:  # schemathesis sends `/` as %2F; a client of `{item+}` sends it raw
            case.path_parameters["item"] = key or quote(unquote(case.path_parameters["item"]), safe="/")
        return case

    def safe(case: schemathesis.Case) -> bool:
        return stays_in_its_bucket(case.path_parameters.get("item", ""))

    # Nothing else is drawn for an operation without path parameters, so hypothesis sees when it is exhausted.
    return (
        st.tuples(
            operation.as_strategy(),
            folders if "folder" in parameters else st.none(),
            keys if "item" in parameters else st.none(),
        )
        .map(confined)
        .filter(safe)
    )


def run_operation(
    operation: schemathesis.APIOperation,
    cases: st.SearchStrategy[schemathesis.Case],
    send: Callable[[schemathesis.Case], schemathesis.Response],
    owned: list[str],
) -> list[Outcome]:
    name = operation.definition.raw["operationId"]
    outcomes: list[Outcome] = []
    sent: set[str] = set()

    @SETTINGS
    @given(case=cases)
    def fuzz(case: schemathesis.Case) -> None:
        described = f"{case.method} {case.formatted_path} headers={dict(case.headers or {})} query={case.query}"
        assume(described not in sent)  # every case is a new request; a small space runs out, as it should
        sent.add(described)
        ours = case.path_parameters.get("folder", owned[0]) in owned
        try:
            response = send(case)
        except requests.RequestException as error:
            outcomes.append(Outcome(name, described, None, "", f"no response: {error!r}", ours))
            return
        failure = None
        try:
            case.validate_response(response, checks=[status_code_conformance, s3_error_passed_through])
        except schemathesis.errors.FailureGroup as group:
            failure = str(group).strip()
        outcomes.append(Outcome(name, described, response.status_code, answer(response), failure, ours))

    fuzz()
    return outcomes


@pytest.fixture
def hypothesis_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hypothesis' caches (constants, unicode data) go to a temporary directory, not `.hypothesis/` in the repo."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture
def owned_buckets(s3: Any) -> Iterator[Owned]:
    """The test's buckets; every one of them that exists at the end is emptied and deleted."""
    prefix = f"e2e-fuzz-{os.urandom(4).hex()}"
    owned = Owned(f"{prefix}-objects", [f"{prefix}-objects", *(f"{prefix}-{i}" for i in range(6))])
    existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert not existing & set(owned.names), "bucket names the test means to own already exist"
    s3.create_bucket(Bucket=owned.objects_bucket)
    for key, body in SEEDED.items():
        s3.put_object(Bucket=owned.objects_bucket, Key=key, Body=body)
    yield owned
    # Uploads the cases started, as recorded: LocalStack's ListMultipartUploads answers XML that botocore
    # cannot parse once generated keys hold control characters (it ignores encoding-type=url).
    for bucket, key, upload_id in owned.uploads:
        with contextlib.suppress(s3.exceptions.ClientError):  # already aborted or completed by a case
            s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
    errors = []
    for bucket in owned.names:
        try:
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
                for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
                    s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
            s3.delete_bucket(Bucket=bucket)
        except s3.exceptions.ClientError as error:
            if error.response["Error"]["Code"] != "NoSuchBucket":  # never created, or a case deleted it
                errors.append(f"{bucket}: {error}")
    assert not errors, f"could not delete the test's buckets: {errors}"


def test_generated_requests_get_only_declared_statuses_and_no_gateway_5xx(dev, owned_buckets, hypothesis_home, capsys):
    owned: Owned = owned_buckets
    schema = schemathesis.openapi.from_dict(fuzzable(json.loads(dev.outputs["openapi"])), config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    rank = {key: index for index, key in enumerate(ORDER)}
    operations.sort(key=lambda op: rank.get((op.method.upper(), op.path.count("{")), rank[("DELETE", 2)] - 0.5))

    http = requests.Session()
    auth = SigV4(dev.api.credentials, dev.api.region)

    def send(case: schemathesis.Case) -> schemathesis.Response:
        response = case.call(base_url=dev.outputs["url"], session=http, auth=auth, timeout=30, allow_redirects=False)
        owned.record_upload(case, response)
        return response

    started = time.monotonic()
    outcomes = [
        outcome
        for operation in operations
        for outcome in run_operation(operation, strategy(operation, owned), send, owned.names)
    ]
    elapsed = time.monotonic() - started

    failures = [o for o in outcomes if o.failure]
    lines = [
        f"fuzz: {len(outcomes)} cases ran ({len({o.request for o in outcomes})} distinct requests), "
        f"{len(outcomes) - len(failures)} passed, {len(failures)} failed, in {elapsed:.1f}s; "
        f"{sum(o.owned for o in outcomes)} on the test's buckets, the rest reads of generated bucket names"
    ]
    for operation in dict.fromkeys(o.operation for o in outcomes):
        answers = Counter((o.status, o.answer) for o in outcomes if o.operation == operation)
        lines.append(
            f"  {operation}: "
            + ", ".join(
                f"{status} {said}".rstrip() + f" x{n}" for (status, said), n in sorted(answers.items(), key=str)
            )
        )
    examples = {(o.operation, o.status, o.answer): o.request for o in outcomes if (o.status or 0) >= 500}
    lines += [f"  e.g. {status} {said} from {request}" for (_, status, said), request in examples.items()]
    with capsys.disabled():
        print("\n" + "\n".join(lines))

    if len(outcomes) < MIN_CASES:
        pytest.fail(f"only {len(outcomes)} cases ran, fewer than {MIN_CASES}", pytrace=False)
    if failures:
        first: dict[tuple[str, int | None, str], Outcome] = {}  # one failure of each kind
        for failure in failures:
            first.setdefault((failure.operation, failure.status, failure.answer), failure)
        report = [f"{f.operation}: {f.request}\n{f.failure}" for f in first.values()]
        pytest.fail("\n\n".join([lines[0], *report]), pytrace=False)
