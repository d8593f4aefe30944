"""The Postman collection generated from stack outputs: its v2.1 structure, its routes, its auth, no secrets.

No npm package ships the Postman Collection v2.1 JSON schema (postman-collection, newman, the transformer
and openapi-to-postmanv2 do not), so the schema's requirements used here are checked by hand
(https://schema.getpostman.com/json/collection/v2.1.0/collection.json); newman parses and runs the file in
tests/e2e/test_postman.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components.config import validate_args
from components.openapi import render_openapi
from s3proxy_client.cli import main
from s3proxy_client.outputs import OutputsError
from s3proxy_client.postman import WALKTHROUGH, build_collection
from tooling.program import ROOT

ROLE = "arn:aws:iam::123456789012:role/s3proxy-role"
URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/dev"


def outputs_for(args: dict[str, Any], region: str = "eu-west-1", api_keys: Any = None) -> dict[str, Any]:
    """What `pulumi stack output --json` shows for a stack of these component inputs."""
    config = validate_args({"region": region} | args)
    document = render_openapi(config, title="s3proxy", region=region, role_arn=ROLE)
    return {
        "url": URL,
        "rest_api_id": "abc123",
        "stage_name": "dev",
        "execution_arn": f"arn:aws:execute-api:{region}:123456789012:abc123/dev",
        "routes": [route.describe() for route in config.routes],
        "openapi": json.dumps(document),
        "api_keys": api_keys if api_keys is not None else {},
    }


EVERYTHING = outputs_for({"allowed_actions": ["s3:*"]})


def folders(collection: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {folder["name"]: folder["item"] for folder in collection["item"]}


def requests_of(collection: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for folder in collection["item"] for item in folder["item"]]


def test_the_collection_has_the_v2_1_structure():
    collection = build_collection(EVERYTHING)
    assert collection["info"]["schema"] == "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    assert collection["info"]["name"] and isinstance(collection["item"], list)
    for variable in collection["variable"]:
        assert set(variable) <= {"key", "value", "type", "description"} and variable["type"] == "string"
    for item in requests_of(collection):
        assert set(item) <= {"name", "request", "event"}
        request = item["request"]
        assert request["method"] in {"GET", "HEAD", "PUT", "POST", "DELETE"}
        assert request["url"]["raw"].startswith("{{baseUrl}}") and request["url"]["host"] == ["{{baseUrl}}"]
        for header in request["header"]:
            assert set(header) == {"key", "value"}
        if "body" in request:
            assert request["body"]["mode"] == "raw" and isinstance(request["body"]["raw"], str)
        for event in item.get("event", []):
            assert event["listen"] in {"prerequest", "test"}
            assert event["script"]["type"] == "text/javascript" and all(
                isinstance(x, str) for x in event["script"]["exec"]
            )


def test_collection_level_sigv4_with_the_keys_as_variables():
    collection = build_collection(EVERYTHING)
    auth = collection["auth"]
    assert auth["type"] == "awsv4"
    assert {entry["key"]: entry["value"] for entry in auth["awsv4"]} == {
        "accessKey": "{{accessKeyId}}",
        "secretKey": "{{secretAccessKey}}",
        "sessionToken": "{{sessionToken}}",
        "region": "{{region}}",
        "service": "execute-api",
    }
    variables = {v["key"]: v["value"] for v in collection["variable"]}
    assert variables["region"] == "eu-west-1"  # from execution_arn
    assert variables["baseUrl"] == URL
    assert variables["accessKeyId"] == variables["secretAccessKey"] == variables["sessionToken"] == ""
    assert all("auth" not in item["request"] for item in requests_of(collection))  # every request inherits it


def test_one_request_per_deployed_route_and_only_those():
    readonly = outputs_for({"allowed_actions": ["s3:GetObject", "s3:ListBucket"]})
    routes = folders(build_collection(readonly))["Routes"]
    assert [(r["request"]["method"], r["name"]) for r in routes] == [
        ("GET", "GET /{folder}"),
        ("HEAD", "HEAD /{folder}"),
        ("GET", "GET /{folder}/{item+}"),
        ("HEAD", "HEAD /{folder}/{item+}"),
    ]
    assert [r["request"]["url"]["raw"] for r in routes] == [
        "{{baseUrl}}/{{bucket}}",
        "{{baseUrl}}/{{bucket}}",
        "{{baseUrl}}/{{bucket}}/{{key}}",
        "{{baseUrl}}/{{bucket}}/{{key}}",
    ]
    every = folders(build_collection(EVERYTHING))["Routes"]
    assert len(every) == 20 == len(EVERYTHING["routes"])
    raws = {r["name"]: r["request"]["url"]["raw"] for r in every}
    assert raws["GET /{folder}?versions"] == "{{baseUrl}}/{{bucket}}?versions=1"
    assert raws["DELETE /{folder}/{item+}?versionId"] == "{{baseUrl}}/{{bucket}}/{{key}}?versionId={{versionId}}"


def test_multipart_routes_carry_their_query_strings():
    raws = {r["name"]: r["request"]["url"]["raw"] for r in folders(build_collection(EVERYTHING))["Routes"]}
    assert raws["POST /{folder}/{item+}?uploads"] == "{{baseUrl}}/{{bucket}}/{{key}}?uploads=1"
    assert raws["PUT /{folder}/{item+}?partNumber&uploadId"] == (
        "{{baseUrl}}/{{bucket}}/{{key}}?partNumber={{partNumber}}&uploadId={{uploadId}}"
    )
    assert raws["POST /{folder}/{item+}?uploadId"] == "{{baseUrl}}/{{bucket}}/{{key}}?uploadId={{uploadId}}"
    assert raws["GET /"] == "{{baseUrl}}"


def checks_of(steps: list[dict[str, Any]]) -> list[str]:
    """Each step's `test` script, as one text."""
    return ["\n".join(e["script"]["exec"]) for s in steps for e in s["event"] if e["listen"] == "test"]


def test_the_walkthrough_is_the_seeds_calls_in_order():
    steps = folders(build_collection(EVERYTHING))["Walkthrough"]
    assert [(s["request"]["method"], s["request"]["url"]["raw"]) for s in steps] == [
        ("PUT", "{{baseUrl}}/{{walkthroughBucket}}"),
        ("PUT", "{{baseUrl}}/{{walkthroughBucket}}/Readme.txt"),
        ("GET", "{{baseUrl}}/{{walkthroughBucket}}/Readme.txt"),
        ("GET", "{{baseUrl}}/{{walkthroughBucket}}"),
        ("HEAD", "{{baseUrl}}/{{walkthroughBucket}}/Readme.txt"),
        ("GET", "{{baseUrl}}"),
        ("DELETE", "{{baseUrl}}/{{walkthroughBucket}}/Readme.txt"),
        ("DELETE", "{{baseUrl}}/{{walkthroughBucket}}"),
    ]
    assert steps[1]["request"]["body"]["raw"] == "Hello, World!"
    # Each step as Postman shows it: its name, its Content-Type, and the names of the checks newman reports.
    assert [
        (
            s["name"],
            {h["key"]: h["value"] for h in s["request"]["header"]}.get("Content-Type"),
            [
                re.findall(r'pm\.test\("([^"]*)"', "\n".join(e["script"]["exec"]))
                for e in s["event"]
                if e["listen"] == "test"
            ],
        )
        for s in steps
    ] == [
        ("Create a bucket (PUT /{folder})", "application/xml", [["status 200"]]),
        ("Upload Readme.txt (PUT /{folder}/{item})", "text/plain", [["status 200", "S3 stored the seed's bytes"]]),
        ("Read it back (GET /{folder}/{item})", None, [["status 200", "body is Hello, World!", "the seed's ETag"]]),
        (
            "List the bucket (GET /{folder})",
            None,
            [["status 200", "ListBucketResult of the bucket", "one item: Readme.txt, 13 bytes, the seed's ETag"]],
        ),
        ("Object metadata (HEAD /{folder}/{item})", None, [["status 200", "the seed's ETag"]]),
        ("Your buckets (GET /)", None, [["status 200", "the new bucket is listed"]]),
        ("Delete Readme.txt (DELETE /{folder}/{item})", None, [["status 204"]]),
        ("Delete the bucket (DELETE /{folder})", None, [["status 204"]]),
    ]
    create = steps[0]["request"]["body"]["raw"]
    assert "<LocationConstraint>eu-west-1</LocationConstraint>" in create
    tests = checks_of(steps)
    assert all("pm.test(" in script for script in tests) and len(tests) == 8
    assert '"\\"65a8e27d8879283831b664bd8b7f0ad4\\""' in tests[2]  # the seed's ETag, as a JS string
    assert "pm.response.to.have.status(204)" in tests[6]


def test_under_a_key_prefix_the_listing_shows_the_prefixed_key():
    prefixed = outputs_for({"allowed_actions": ["s3:*"], "key_prefix": "uploads/"})
    listing = "\n".join(folders(build_collection(prefixed))["Walkthrough"][3]["event"][0]["script"]["exec"])
    assert 'to.eql("uploads/Readme.txt")' in listing
    plain = "\n".join(folders(build_collection(EVERYTHING))["Walkthrough"][3]["event"][0]["script"]["exec"])
    assert 'to.eql("Readme.txt")' in plain


def test_us_east_1_names_no_location_constraint():
    steps = folders(build_collection(outputs_for({"allowed_actions": ["s3:*"]}, region="us-east-1")))["Walkthrough"]
    assert steps[0]["request"]["body"]["raw"] == (
        '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></CreateBucketConfiguration>'
    )


def test_tutorial_status_mapping_expects_its_200s():
    tutorial = outputs_for({"allowed_actions": ["s3:*"], "status_mapping": "tutorial"})
    steps = folders(build_collection(tutorial))["Walkthrough"]
    deletes = ["\n".join(e["script"]["exec"]) for s in steps[-2:] for e in s["event"]]
    assert all("have.status(200)" in script for script in deletes)


def test_no_walkthrough_without_its_routes():
    readonly = outputs_for({"allowed_actions": ["s3:GetObject", "s3:ListBucket"]})
    collection = build_collection(readonly)
    assert list(folders(collection)) == ["Routes"]
    assert "PUT /{folder}" in collection["info"]["description"]


def test_api_keys_add_a_header_with_a_variable_never_the_secret():
    keyed = outputs_for({"allowed_actions": ["s3:*"], "api_keys": {"names": ["web"]}}, api_keys="[secret]")
    text = json.dumps(build_collection(keyed))
    collection = json.loads(text)
    for item in requests_of(collection):
        assert {"key": "x-api-key", "value": "{{apiKey}}"} in item["request"]["header"]
    assert {v["key"]: v["value"] for v in collection["variable"]}["apiKey"] == ""
    assert "[secret]" not in text
    plain = build_collection(EVERYTHING)
    assert all(h["key"] != "x-api-key" for item in requests_of(plain) for h in item["request"]["header"])
    assert "apiKey" not in {v["key"] for v in plain["variable"]}


def test_no_secret_reaches_the_file(tmp_path, monkeypatch):
    """Credentials in the environment and API key values in the outputs stay out of the collection."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEYID0001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMIexampleSecretKey")
    keyed = outputs_for({"allowed_actions": ["s3:*"], "api_keys": {"names": ["web"]}}, api_keys={"web": "k3yV4lue"})
    source, target = tmp_path / "outputs.json", tmp_path / "collection.json"
    source.write_text(json.dumps(keyed))
    assert main(["postman", "--outputs", str(source), "-o", str(target)]) == 0
    text = target.read_text()
    for secret in ("AKIAEXAMPLEKEYID0001", "wJalrXUtnFEMIexampleSecretKey", "k3yV4lue"):
        assert secret not in text
    assert "{{apiKey}}" in text


def test_the_cli_writes_an_indented_file_and_says_what_it_holds(tmp_path, capsys):
    source, target = tmp_path / "outputs.json", tmp_path / "collection.json"
    source.write_text(json.dumps(EVERYTHING))
    assert main(["postman", "--outputs", str(source), "-o", str(target)]) == 0
    routes = len(EVERYTHING["routes"])
    assert capsys.readouterr().out == f"postman: {target}: {routes} routes and a 8-step walkthrough\n"
    text = target.read_text()
    assert text.startswith('{\n  "info": {\n    "') and text.endswith("\n}\n")  # reviewable in a diff
    assert json.loads(text) == build_collection(EVERYTHING)
    source.write_text(json.dumps(outputs_for({"allowed_actions": ["s3:GetObject"]})))
    assert main(["postman", "--outputs", str(source), "-o", str(target)]) == 0
    assert capsys.readouterr().out == f"postman: {target}: 2 routes and no walkthrough\n"
    assert main(["--region", "us-west-2", "postman", "--outputs", str(source), "-o", str(target)]) == 0
    variables = {v["key"]: v["value"] for v in json.loads(target.read_text())["variable"]}
    assert variables["region"] == "us-west-2"  # the global --region overrides the outputs' region


def test_cli_errors_name_what_is_missing(tmp_path, capsys):
    source = tmp_path / "outputs.json"
    source.write_text(json.dumps({k: v for k, v in EVERYTHING.items() if k != "routes"}))
    assert main(["postman", "--outputs", str(source), "-o", str(tmp_path / "c.json")]) == 1
    assert "no `routes` list" in capsys.readouterr().err
    source.write_text(json.dumps(EVERYTHING | {"routes": ["GET /x"]}))
    assert main(["--outputs", str(source), "postman", "-o", str(tmp_path / "c.json")]) == 1
    assert "'GET /x'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["postman", "--outputs", str(source)])
    assert usage.value.code == 2  # -o is required


def test_region_override_and_errors():
    no_region = {k: v for k, v in EVERYTHING.items() if k != "execution_arn"} | {"url": "http://localhost:4566/x"}
    with pytest.raises(OutputsError, match="region"):
        build_collection(no_region)
    variables = {v["key"]: v["value"] for v in build_collection(no_region, region="ap-south-1")["variable"]}
    assert variables["region"] == "ap-south-1"


def test_the_generator_does_not_import_pulumi():
    code = (
        "import sys, s3proxy_client.cli, s3proxy_client.postman; print(sorted(m for m in sys.modules if 'pulumi' in m))"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert ran.stdout.strip() == "[]"


# --- the walkthrough run by newman, offline ---------------------------------------------------------------------
# The API's paths are S3's path-style paths (`/{folder}/{item}` is `/bucket/key`, `/` the bucket list) and, with
# the `faithful` status mapping, its answers are S3's: so newman can run the generated walkthrough, every
# `pm.test` script included, against moto's S3 on loopback. tests/e2e/test_postman.py runs it through the API.


def run_walkthrough(outputs: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    newman = ROOT / "node_modules" / ".bin" / "newman"
    if not newman.is_file():
        pytest.fail(f"{newman} is missing: `make node-deps` installs newman from package-lock.json")
    collection, report = tmp_path / "collection.json", tmp_path / "report.json"
    collection.write_text(json.dumps(build_collection(outputs)))
    command = [str(newman), "run", str(collection), "--folder", WALKTHROUGH, "--env-var", "accessKeyId=test"]
    command += ["--env-var", "secretAccessKey=test", "--reporters", "json", "--reporter-json-export", str(report)]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=120)
    run = json.loads(report.read_text())["run"]
    run["exit_code"] = ran.returncode
    return run


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1"])
def test_newman_runs_the_walkthrough_and_every_check_passes(moto_url, tmp_path, region):
    run = run_walkthrough(outputs_for({"allowed_actions": ["s3:*"]}, region=region) | {"url": moto_url}, tmp_path)
    failures = [(f["source"]["name"], f["error"]["message"]) for f in run["failures"]]
    assert (run["exit_code"], failures) == (0, [])
    assert run["stats"]["requests"] == {"total": 8, "pending": 0, "failed": 0}
    assert run["stats"]["assertions"] == {"total": 15, "pending": 0, "failed": 0}


def test_newman_fails_the_walkthrough_when_s3_answers_otherwise(moto_url, tmp_path):
    # The tutorial mapping answers 200 where S3 says 204: against S3's own answers, its two checks must fail.
    tutorial = outputs_for({"allowed_actions": ["s3:*"], "status_mapping": "tutorial"}) | {"url": moto_url}
    run = run_walkthrough(tutorial, tmp_path)
    assert run["exit_code"] == 1
    assert [(f["source"]["name"], f["error"]["test"]) for f in run["failures"]] == [
        ("Delete Readme.txt (DELETE /{folder}/{item})", "status 200"),
        ("Delete the bucket (DELETE /{folder})", "status 200"),
    ]


def test_every_route_request_names_its_action_and_carries_what_s3_needs():
    """Per route: its URL with the collection's variables (and the selector's query, as a list too), the
    Content-Type and body S3 expects, and a script saving what the next multipart call needs."""
    complete = (
        '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>{{partNumber}}'
        "</PartNumber><ETag>{{partETag}}</ETag></Part></CompleteMultipartUpload>"
    )
    create = (
        '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1'
        "</LocationConstraint></CreateBucketConfiguration>"
    )
    base, obj = "{{baseUrl}}/{{bucket}}", "{{baseUrl}}/{{bucket}}/{{key}}"
    version, upload = [("versionId", "{{versionId}}")], [("uploadId", "{{uploadId}}")]
    expected = [
        ("GET /", "{{baseUrl}}", [], None, None, "s3:ListAllMyBuckets", []),
        ("GET /{folder}", base, [], None, None, "s3:ListBucket", []),
        ("GET /{folder}?versions", f"{base}?versions=1", [("versions", "1")], None, None, "s3:ListBucketVersions", []),
        ("HEAD /{folder}", base, [], None, None, "s3:ListBucket", []),
        ("PUT /{folder}", base, [], "application/xml", create, "s3:CreateBucket", []),
        ("DELETE /{folder}", base, [], None, None, "s3:DeleteBucket", []),
        ("GET /{folder}/{item+}", obj, [], None, None, "s3:GetObject", []),
        ("HEAD /{folder}/{item+}", obj, [], None, None, "s3:GetObject", []),
        ("PUT /{folder}/{item+}", obj, [], "text/plain", "Hello, World!", "s3:PutObject", []),
        ("DELETE /{folder}/{item+}", obj, [], None, None, "s3:DeleteObject", []),
        (
            "GET /{folder}/{item+}?versionId",
            f"{obj}?versionId={{{{versionId}}}}",
            version,
            None,
            None,
            "s3:GetObjectVersion",
            [],
        ),
        (
            "HEAD /{folder}/{item+}?versionId",
            f"{obj}?versionId={{{{versionId}}}}",
            version,
            None,
            None,
            "s3:GetObjectVersion",
            [],
        ),
        (
            "DELETE /{folder}/{item+}?versionId",
            f"{obj}?versionId={{{{versionId}}}}",
            version,
            None,
            None,
            "s3:DeleteObjectVersion",
            [],
        ),
        (
            "POST /{folder}/{item+}?uploads",
            f"{obj}?uploads=1",
            [("uploads", "1")],
            "application/octet-stream",
            None,
            "s3:PutObject",
            ["uploadId"],
        ),
        (
            "PUT /{folder}/{item+}?partNumber&uploadId",
            f"{obj}?partNumber={{{{partNumber}}}}&uploadId={{{{uploadId}}}}",
            [("partNumber", "{{partNumber}}"), ("uploadId", "{{uploadId}}")],
            "application/octet-stream",
            "the part's bytes",
            "s3:PutObject",
            ["partETag"],
        ),
        (
            "POST /{folder}/{item+}?uploadId",
            f"{obj}?uploadId={{{{uploadId}}}}",
            upload,
            "application/xml",
            complete,
            "s3:PutObject",
            [],
        ),
        (
            "DELETE /{folder}/{item+}?uploadId",
            f"{obj}?uploadId={{{{uploadId}}}}",
            upload,
            None,
            None,
            "s3:AbortMultipartUpload",
            [],
        ),
        (
            "GET /{folder}/{item+}?uploadId",
            f"{obj}?uploadId={{{{uploadId}}}}",
            upload,
            None,
            None,
            "s3:ListMultipartUploadParts",
            [],
        ),
        ("PUT /{folder}/{item+} [x-amz-copy-source]", obj, [], None, None, "s3:PutObject and s3:GetObject", []),
        (
            "POST /{folder}?delete",
            f"{base}?delete=1",
            [("delete", "1")],
            "application/xml",
            '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>{{key}}</Key></Object></Delete>',
            "s3:DeleteObject",
            [],
        ),
    ]
    actual = []
    for item in folders(build_collection(EVERYTHING))["Routes"]:
        request = item["request"]
        scripts = "\n".join(line for event in item.get("event", []) for line in event["script"]["exec"])
        actual.append(
            (
                item["name"],
                request["url"]["raw"],
                [(q["key"], q["value"]) for q in request["url"].get("query", [])],
                {h["key"]: h["value"] for h in request["header"]}.get("Content-Type"),
                request.get("body", {}).get("raw"),
                request["description"].removeprefix("S3 through the API, with the IAM action ").removesuffix("."),
                re.findall(r'collectionVariables\.set\("([^"]+)"', scripts),
            )
        )
        assert request["method"] == item["name"].split()[0]
    assert actual == expected


def test_without_the_deployed_document_the_walkthrough_expects_s3s_own_statuses():
    """Outputs without `openapi` (a stack exported before it): S3's statuses, 204 for the deletes, no prefix;
    and the walkthrough's requests carry no description (their names say what they do)."""
    outputs = {name: value for name, value in EVERYTHING.items() if name != "openapi"}
    steps = folders(build_collection(outputs))["Walkthrough"]
    tests = checks_of(steps)
    statuses = [re.findall(r"have\.status\((\d+)\)", script) for script in tests]
    assert statuses == [["200"]] * 6 + [["204"]] * 2
    assert 'to.eql("Readme.txt")' in tests[3]
    assert not any("description" in step["request"] for step in steps)


def test_the_collection_variables_say_what_to_set_and_the_folders_what_they_hold():
    collection = build_collection(EVERYTHING)
    assert [(v["key"], v["value"], v["type"], v["description"]) for v in collection["variable"]] == [
        ("baseUrl", URL, "string", "the stage's invoke URL (the stack's `url` output)"),
        ("region", "eu-west-1", "string", "the API's region, for SigV4"),
        ("accessKeyId", "", "string", "AWS access key id of an identity allowed execute-api:Invoke"),
        ("secretAccessKey", "", "string", "its secret access key"),
        ("sessionToken", "", "string", "its session token, for temporary credentials (else empty)"),
        ("bucket", "", "string", "the bucket ({folder}) of the Routes requests"),
        ("key", "", "string", "the object key ({item+}) of the Routes requests, e.g. docs/Readme.txt"),
        ("sourceKey", "", "string", "the key the [x-amz-copy-source] request copies to {{key}} in {{bucket}}"),
        ("uploadId", "", "string", "a multipart upload (set by the ?uploads request)"),
        ("partNumber", "1", "string", "the part of the ?partNumber&uploadId request"),
        ("partETag", "", "string", "the part's ETag (set by the ?partNumber&uploadId request)"),
        (
            "versionId",
            "",
            "string",
            "an object version (a PUT's x-amz-version-id, or from ?versions) of the Routes requests",
        ),
        ("walkthroughBucket", "", "string", "set by the walkthrough"),
    ]
    assert [(folder["name"], folder["description"]) for folder in collection["item"]] == [
        ("Walkthrough", "The seed's calls in order, each checked with pm.test; it deletes what it creates."),
        (
            "Routes",
            "One request per route the stack serves; set its variables (bucket, key, uploadId, partNumber, versionId).",
        ),
    ]


def test_every_variable_the_collection_uses_is_declared():
    """Postman resolves an undeclared `{{name}}` to the literal text: the request goes out with `{{versionId}}`
    in its query string. Every `{{name}}` and every name a script sets must be a collection variable."""
    text = json.dumps(build_collection(EVERYTHING | {"api_keys": "[secret]"}))
    used = set(re.findall(r"\{\{(\w+)\}\}", text)) | set(re.findall(r"collectionVariables\.set\(\\\"(\w+)", text))
    declared = {variable["key"] for variable in build_collection(EVERYTHING | {"api_keys": "[secret]"})["variable"]}
    assert "versionId" in used and used <= declared, sorted(used - declared)
    keyed = build_collection(EVERYTHING | {"api_keys": "[secret]"})
    assert ("apiKey", "an API key of the stack (the `api_keys` output)") in [
        (v["key"], v["description"]) for v in keyed["variable"]
    ]


def test_api_keys_are_required_when_the_document_or_the_outputs_say_so():
    """The document's `api_key` security definition, or the `api_keys` output (values or their mask): either
    adds the header; neither, none."""
    keyed_document = outputs_for({"allowed_actions": ["s3:*"], "api_keys": {"names": ["web"]}})
    for outputs, expected in (
        (keyed_document, True),  # api_keys output empty, the document requires a key
        (EVERYTHING | {"api_keys": "[secret]"}, True),  # a key without the document saying so
        (EVERYTHING, False),
    ):
        headers = [h["key"] for item in requests_of(build_collection(outputs)) for h in item["request"]["header"]]
        assert ("x-api-key" in headers) is expected


def test_the_openapi_output_must_be_json_of_an_object_else_it_is_not_used():
    with pytest.raises(OutputsError, match=r"^the stack's `openapi` output is not JSON$"):
        build_collection(EVERYTHING | {"openapi": "{not json"})
    listed = build_collection(EVERYTHING | {"openapi": "[1, 2]"})  # not a document: S3's statuses, as without one
    deletes = ["\n".join(e["script"]["exec"]) for s in folders(listed)["Walkthrough"][-2:] for e in s["event"]]
    assert all("have.status(204)" in script for script in deletes)


def test_the_collection_is_named_after_the_api_and_its_stage():
    assert build_collection(EVERYTHING)["info"]["name"] == "S3ProxyApi abc123 dev"
    bare = {name: value for name, value in EVERYTHING.items() if name not in ("rest_api_id", "stage_name")}
    assert build_collection(bare)["info"]["name"] == "S3ProxyApi stage"


def test_the_copy_request_names_its_source_and_the_batch_delete_signs_its_body():
    """CopyObject is PutObject's method with `x-amz-copy-source: /bucket/key`; DeleteObjects needs an integrity
    header S3 checks (DeleteObjects API reference: Content-MD5 or an x-amz-checksum-*), and API Gateway drops
    Content-MD5, so the request's pre-request script sets x-amz-checksum-sha256 of the body it sends."""
    routes = {item["name"]: item for item in folders(build_collection(EVERYTHING))["Routes"]}
    copy = routes["PUT /{folder}/{item+} [x-amz-copy-source]"]["request"]
    assert {h["key"]: h["value"] for h in copy["header"]} == {"x-amz-copy-source": "/{{bucket}}/{{sourceKey}}"}
    assert "body" not in copy
    batch = routes["POST /{folder}?delete"]
    (script,) = [event["script"]["exec"] for event in batch["event"] if event["listen"] == "prerequest"]
    assert script[:2] == [
        "const body = pm.variables.replaceIn(pm.request.body.raw);",
        "const digest = CryptoJS.SHA256(body).toString(CryptoJS.enc.Base64);",
    ]
    assert 'key: "x-amz-checksum-sha256", value: digest' in script[2]


def scripts_of(item: dict[str, Any], listen: str) -> list[str]:
    (script,) = [event["script"]["exec"] for event in item.get("event", []) if event["listen"] == listen]
    return list(script)


def test_the_auth_notes_and_scripts_are_exactly_these():
    """Written out whole: Postman reads each awsv4 entry's `type`, and the scripts run as written."""
    readonly = build_collection(outputs_for({"allowed_actions": ["s3:GetObject", "s3:ListBucket"]}))
    assert readonly["auth"] == {
        "type": "awsv4",
        "awsv4": [
            {"key": "accessKey", "value": "{{accessKeyId}}", "type": "string"},
            {"key": "secretKey", "value": "{{secretAccessKey}}", "type": "string"},
            {"key": "sessionToken", "value": "{{sessionToken}}", "type": "string"},
            {"key": "region", "value": "{{region}}", "type": "string"},
            {"key": "service", "value": "execute-api", "type": "string"},
        ],
    }
    assert readonly["info"]["description"] == (
        f"Routes of the S3ProxyApi stack at {URL}, signed with AWS Signature (SigV4, execute-api).\n\n"
        "Set accessKeyId and secretAccessKey (and sessionToken, apiKey) in the collection's variables or an "
        "environment: the file holds no credential.\n\n"
        "The walkthrough is left out: the stack does not serve DELETE /{folder}, DELETE /{folder}/{item+}, GET /, "
        "PUT /{folder}, PUT /{folder}/{item+}."
    )
    collection = build_collection(EVERYTHING)
    assert scripts_of(folders(collection)["Walkthrough"][0], "prerequest") == [
        "// A fresh bucket name for each run, like the seed's apig-demo-5",
        "const suffix = Math.random().toString(16).slice(2, 10);",
        'pm.collectionVariables.set("walkthroughBucket", `apig-demo-${suffix}`);',
    ]
    routes = {item["name"]: item for item in folders(collection)["Routes"]}
    assert scripts_of(routes["POST /{folder}/{item+}?uploads"], "test") == [
        'pm.collectionVariables.set("uploadId", pm.response.text().match(/<UploadId>([^<]+)</)[1]);'
    ]
    assert scripts_of(routes["PUT /{folder}/{item+}?partNumber&uploadId"], "test") == [
        'pm.collectionVariables.set("partETag", pm.response.headers.get("ETag"));'
    ]
    assert scripts_of(routes["POST /{folder}?delete"], "prerequest")[2] == (
        'pm.request.headers.upsert({ key: "x-amz-checksum-sha256", value: digest });'
    )
    with pytest.raises(OutputsError) as refused:
        build_collection({name: value for name, value in EVERYTHING.items() if name != "routes"})
    assert (
        str(refused.value) == "the stack outputs have no `routes` list: the collection is made of the deployed routes"
    )
