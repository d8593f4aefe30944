"""A Postman v2.1 collection from a stack's outputs: the seed's walkthrough, and one request per deployed route.

    python -m s3proxy_client postman --outputs outputs.json -o s3proxy.postman_collection.json

Requests are signed by the collection's `awsv4` auth (service `execute-api`, the stack's region). The keys are
collection variables left empty (`{{accessKeyId}}`, `{{secretAccessKey}}`, `{{sessionToken}}`) and so is the API
key (`{{apiKey}}`): no secret is ever written into the file; set them in Postman, or `newman --env-var`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .client import MULTIPART_CREATE_QUERY, S3_NS
from .outputs import OutputsError, parse_outputs

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
SERVICE = "execute-api"
WALKTHROUGH = "Walkthrough"
ROUTES = "Routes"
# The seed's object: its body, and the ETag its listing shows (S3's md5 of the body).
HELLO = "Hello, World!"
HELLO_ETAG = '"65a8e27d8879283831b664bd8b7f0ad4"'
# `VERB /path[?query selector][ [header selector]] -> action[+action]`, as the `routes` output lists them.
ROUTE = re.compile(
    r"^(?P<verb>[A-Z]+) (?P<path>/\S*?)(?:\?(?P<selector>\S+))?(?: \[(?P<header>[\w-]+)\])? -> (?P<action>\S+)$"
)
# API path parameter -> the collection variable that fills it.
PATH_VARIABLES = {"{folder}": "{{bucket}}", "{item+}": "{{key}}"}


def _variable(key: str, value: str, description: str) -> dict[str, Any]:
    return {"key": key, "value": value, "type": "string", "description": description}


def _script(kind: str, lines: list[str]) -> dict[str, Any]:
    return {"listen": kind, "script": {"type": "text/javascript", "exec": lines}}


def _url(path: list[str], query: Mapping[str, str]) -> dict[str, Any]:
    raw = "/".join(["{{baseUrl}}", *path])
    if query:
        raw += "?" + "&".join(f"{name}={value}" for name, value in query.items())
    url: dict[str, Any] = {"raw": raw, "host": ["{{baseUrl}}"], "path": path}
    if query:
        url["query"] = [{"key": name, "value": value} for name, value in query.items()]
    return url


def _request(
    name: str,
    verb: str,
    path: list[str],
    *,
    query: Mapping[str, str] | None = None,
    body: str | None = None,
    content_type: str | None = None,
    api_key: bool,
    description: str = "",
    tests: list[str] | None = None,
    prerequest: list[str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    headers = [{"key": "Content-Type", "value": content_type}] if content_type else []
    headers += [{"key": name, "value": value} for name, value in (extra_headers or {}).items()]
    if api_key:
        headers.append({"key": "x-api-key", "value": "{{apiKey}}"})
    request: dict[str, Any] = {"method": verb, "header": headers, "url": _url(path, query or {})}
    if description:
        request["description"] = description
    if body is not None:
        request["body"] = {"mode": "raw", "raw": body}
    item: dict[str, Any] = {"name": name, "request": request}
    events = ([_script("prerequest", prerequest)] if prerequest else []) + ([_script("test", tests)] if tests else [])
    if events:
        item["event"] = events
    return item


def create_bucket_body(region: str) -> str:
    """The seed's CreateBucketConfiguration; us-east-1 is S3's default and must not be named as a constraint."""
    location = "" if region == "us-east-1" else f"<LocationConstraint>{region}</LocationConstraint>"
    return f'<CreateBucketConfiguration xmlns="{S3_NS}">{location}</CreateBucketConfiguration>'


def _declared_status(document: Mapping[str, Any], verb: str, path: str, status: int) -> int:
    """S3's `status` where the deployed document declares it (`faithful`), else 200 (the `tutorial` default)."""
    declared = document.get("paths", {}).get(path, {}).get(verb.lower(), {}).get("responses", {})
    return status if not declared or str(status) in declared else 200


def _key_prefix(document: Mapping[str, Any]) -> str:
    """The stack's key prefix: the static `prefix` its listing integration pins (empty without one)."""
    integration = (
        document.get("paths", {}).get("/{folder}", {}).get("get", {}).get("x-amazon-apigateway-integration", {})
    )
    mapped = str(integration.get("requestParameters", {}).get("integration.request.querystring.prefix", ""))
    return mapped[1:-1] if len(mapped) >= 2 and mapped[0] == mapped[-1] == "'" else ""  # '...' is a literal


def _status_test(status: int) -> str:
    return f'pm.test("status {status}", () => pm.response.to.have.status({status}));'


def _etag_test(what: str) -> str:
    return f'pm.test("{what}", () => pm.expect(pm.response.headers.get("ETag")).to.eql({json.dumps(HELLO_ETAG)}));'


def _walkthrough(region: str, document: Mapping[str, Any], api_key: bool) -> list[dict[str, Any]]:
    """The seed's Postman calls, in order, each with its assertions; S3 ends as it began."""
    bucket, readme = ["{{walkthroughBucket}}"], ["{{walkthroughBucket}}", "Readme.txt"]

    def status(verb: str, path: str, s3_status: int) -> str:
        """S3's status other than 200 (the deletes' 204), as the deployed mapping declares it; a 200 is a 200
        under every mapping, so those checks are `_status_test(200)`."""
        return _status_test(_declared_status(document, verb, path, s3_status))

    hello = json.dumps(HELLO)
    # xml2js ships in Postman's sandbox; with one element each level is an object, else an array.
    parse_xml = (
        "const parseXml = (text) => { let parsed; require('xml2js').parseString(text, { explicitArray: false }, "
        "(error, result) => { if (error) throw error; parsed = result; }); return parsed; };"
    )
    listing = [
        _status_test(200),
        parse_xml,
        "const listing = parseXml(pm.response.text()).ListBucketResult;",
        'pm.test("ListBucketResult of the bucket", () => '
        'pm.expect(listing.Name).to.eql(pm.collectionVariables.get("walkthroughBucket")));',
        "const contents = [].concat(listing.Contents);",
        'pm.test("one item: Readme.txt, 13 bytes, the seed\'s ETag", () => {',
        "    pm.expect(contents).to.have.lengthOf(1);",
        f"    pm.expect(contents[0].Key).to.eql({json.dumps(_key_prefix(document) + 'Readme.txt')});",
        "    pm.expect(Number(contents[0].Size)).to.eql(13);",
        f"    pm.expect(contents[0].ETag).to.eql({json.dumps(HELLO_ETAG)});",
        "});",
    ]
    steps = [
        _request(
            "Create a bucket (PUT /{folder})",
            "PUT",
            bucket,
            body=create_bucket_body(region),
            content_type="application/xml",
            api_key=api_key,
            prerequest=[
                "// A fresh bucket name for each run, like the seed's apig-demo-5",
                "const suffix = Math.random().toString(16).slice(2, 10);",
                'pm.collectionVariables.set("walkthroughBucket", `apig-demo-${suffix}`);',
            ],
            tests=[_status_test(200)],
        ),
        _request(
            "Upload Readme.txt (PUT /{folder}/{item})",
            "PUT",
            readme,
            body=HELLO,
            content_type="text/plain",
            api_key=api_key,
            tests=[_status_test(200), _etag_test("S3 stored the seed's bytes")],
        ),
        _request(
            "Read it back (GET /{folder}/{item})",
            "GET",
            readme,
            api_key=api_key,
            tests=[
                _status_test(200),
                f'pm.test("body is {HELLO}", () => pm.expect(pm.response.text()).to.eql({hello}));',
                _etag_test("the seed's ETag"),
            ],
        ),
        _request("List the bucket (GET /{folder})", "GET", bucket, api_key=api_key, tests=listing),
        _request(
            "Object metadata (HEAD /{folder}/{item})",
            "HEAD",
            readme,
            api_key=api_key,
            tests=[_status_test(200), _etag_test("the seed's ETag")],
        ),
        _request(
            "Your buckets (GET /)",
            "GET",
            [],
            api_key=api_key,
            tests=[
                _status_test(200),
                parse_xml,
                "const names = [].concat(parseXml(pm.response.text()).ListAllMyBucketsResult.Buckets.Bucket)"
                ".map((b) => b.Name);",
                'pm.test("the new bucket is listed", () => '
                'pm.expect(names).to.include(pm.collectionVariables.get("walkthroughBucket")));',
            ],
        ),
        _request(
            "Delete Readme.txt (DELETE /{folder}/{item})",
            "DELETE",
            readme,
            api_key=api_key,
            tests=[status("DELETE", "/{folder}/{item+}", 204)],
        ),
        _request(
            "Delete the bucket (DELETE /{folder})",
            "DELETE",
            bucket,
            api_key=api_key,
            tests=[status("DELETE", "/{folder}", 204)],
        ),
    ]
    return steps


# The routes the walkthrough calls: without every one of them, it is left out.
WALKTHROUGH_ROUTES = frozenset(
    {
        "PUT /{folder}",
        "PUT /{folder}/{item+}",
        "GET /{folder}/{item+}",
        "GET /{folder}",
        "HEAD /{folder}/{item+}",
        "GET /",
        "DELETE /{folder}/{item+}",
        "DELETE /{folder}",
    }
)


def _selector_query(selector: str | None) -> dict[str, str]:
    """`uploads` -> the client's `uploads=1`; `partNumber&uploadId` -> their collection variables."""
    if not selector:
        return {}
    if selector == "uploads":
        return {name: value or "" for name, value in MULTIPART_CREATE_QUERY.items()}
    if selector in ("versions", "delete"):  # valueless, like `uploads`: LocalStack drops an empty value
        return {selector: "1"}
    return {name: f"{{{{{name}}}}}" for name in selector.split("&")}


# DeleteObjects' body: the `{{key}}` of the Routes requests.
DELETE_OBJECTS_BODY = f'<Delete xmlns="{S3_NS}"><Object><Key>{{{{key}}}}</Key></Object></Delete>'


def _route_request(route: str, region: str, api_key: bool) -> dict[str, Any]:
    match = ROUTE.match(route)
    if not match:
        raise OutputsError(f"the stack's `routes` output has an entry that is not `VERB /path -> action`: {route!r}")
    verb, path, selector, action = match["verb"], match["path"], match["selector"], match["action"]
    segments = [PATH_VARIABLES.get(part, part) for part in path.strip("/").split("/") if part]
    body, content_type, tests, prerequest, extra_headers = None, None, None, None, None
    if match["header"] == "x-amz-copy-source":
        extra_headers = {"x-amz-copy-source": "/{{bucket}}/{{sourceKey}}"}
    elif selector == "delete":
        body, content_type = DELETE_OBJECTS_BODY, "application/xml"
        # S3 requires an integrity header on DeleteObjects, and API Gateway drops Content-MD5.
        prerequest = [
            "const body = pm.variables.replaceIn(pm.request.body.raw);",
            "const digest = CryptoJS.SHA256(body).toString(CryptoJS.enc.Base64);",
            'pm.request.headers.upsert({ key: "x-amz-checksum-sha256", value: digest });',
        ]
    elif (verb, path, selector) == ("PUT", "/{folder}", None):
        body, content_type = create_bucket_body(region), "application/xml"
    elif (verb, selector) == ("PUT", None):
        body, content_type = HELLO, "text/plain"
    elif selector == "uploads":
        content_type = "application/octet-stream"
        tests = ['pm.collectionVariables.set("uploadId", pm.response.text().match(/<UploadId>([^<]+)</)[1]);']
    elif selector == "partNumber&uploadId":
        body, content_type = "the part's bytes", "application/octet-stream"
        tests = ['pm.collectionVariables.set("partETag", pm.response.headers.get("ETag"));']
    elif (verb, selector) == ("POST", "uploadId"):
        content_type = "application/xml"
        body = (
            f'<CompleteMultipartUpload xmlns="{S3_NS}"><Part><PartNumber>{{{{partNumber}}}}</PartNumber>'
            "<ETag>{{partETag}}</ETag></Part></CompleteMultipartUpload>"
        )
    name = route.partition(" -> ")[0]
    return _request(
        name,
        verb,
        segments,
        query=_selector_query(selector),
        body=body,
        content_type=content_type,
        api_key=api_key,
        description=f"S3 through the API, with the IAM action {action.replace('+', ' and ')}.",
        tests=tests,
        prerequest=prerequest,
        extra_headers=extra_headers,
    )


def _document(outputs: Mapping[str, Any]) -> dict[str, Any]:
    document = outputs.get("openapi")
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            raise OutputsError("the stack's `openapi` output is not JSON") from None
    return document if isinstance(document, dict) else {}


def has_api_keys(outputs: Mapping[str, Any]) -> bool:
    """Whether the stack requires `x-api-key`: its document says so, or it has API key values (or their mask)."""
    return "api_key" in _document(outputs).get("securityDefinitions", {}) or bool(outputs.get("api_keys"))


def _auth() -> dict[str, Any]:
    """Every request is signed with the collection's credential variables (SigV4 for execute-api)."""
    return {
        "type": "awsv4",
        "awsv4": [
            {"key": "accessKey", "value": "{{accessKeyId}}", "type": "string"},
            {"key": "secretKey", "value": "{{secretAccessKey}}", "type": "string"},
            {"key": "sessionToken", "value": "{{sessionToken}}", "type": "string"},
            {"key": "region", "value": "{{region}}", "type": "string"},
            {"key": "service", "value": SERVICE, "type": "string"},
        ],
    }


def _variables(url: str, region: str, api_key: bool) -> list[dict[str, str]]:
    """The collection's variables: every one its requests use, each with what to set it to."""
    return [
        _variable("baseUrl", url, "the stage's invoke URL (the stack's `url` output)"),
        _variable("region", region, "the API's region, for SigV4"),
        _variable("accessKeyId", "", "AWS access key id of an identity allowed execute-api:Invoke"),
        _variable("secretAccessKey", "", "its secret access key"),
        _variable("sessionToken", "", "its session token, for temporary credentials (else empty)"),
        *([_variable("apiKey", "", "an API key of the stack (the `api_keys` output)")] if api_key else []),
        _variable("bucket", "", "the bucket ({folder}) of the Routes requests"),
        _variable("key", "", "the object key ({item+}) of the Routes requests, e.g. docs/Readme.txt"),
        _variable("sourceKey", "", "the key the [x-amz-copy-source] request copies to {{key}} in {{bucket}}"),
        _variable("uploadId", "", "a multipart upload (set by the ?uploads request)"),
        _variable("partNumber", "1", "the part of the ?partNumber&uploadId request"),
        _variable("partETag", "", "the part's ETag (set by the ?partNumber&uploadId request)"),
        _variable(
            "versionId", "", "an object version (a PUT's x-amz-version-id, or from ?versions) of the Routes requests"
        ),
        _variable("walkthroughBucket", "", "set by the walkthrough"),
    ]


def build_collection(source: Mapping[str, Any] | str | Path, region: str | None = None) -> dict[str, Any]:
    """The collection (a dict, ready for `json.dump`) for the stack whose outputs are `source`."""
    parsed = parse_outputs(source, region=region)
    if parsed.routes is None:
        raise OutputsError("the stack outputs have no `routes` list: the collection is made of the deployed routes")
    outputs, document, api_key = parsed.raw, _document(parsed.raw), has_api_keys(parsed.raw)
    served = {route.partition(" -> ")[0] for route in parsed.routes}
    folders = []
    missing = sorted(WALKTHROUGH_ROUTES - served)
    if not missing:
        folders.append(
            {
                "name": WALKTHROUGH,
                "description": "The seed's calls in order, each checked with pm.test; it deletes what it creates.",
                "item": _walkthrough(parsed.region, document, api_key),
            }
        )
    folders.append(
        {
            "name": ROUTES,
            "description": "One request per route the stack serves; "
            "set its variables (bucket, key, uploadId, partNumber, versionId).",
            "item": [_route_request(route, parsed.region, api_key) for route in parsed.routes],
        }
    )
    stage = outputs.get("stage_name") or "stage"
    notes = [f"Routes of the S3ProxyApi stack at {parsed.url}, signed with AWS Signature (SigV4, {SERVICE})."]
    notes.append(
        "Set accessKeyId and secretAccessKey (and sessionToken, apiKey) in the collection's variables or an "
        "environment: the file holds no credential."
    )
    if missing:
        notes.append(f"The walkthrough is left out: the stack does not serve {', '.join(missing)}.")
    return {
        "info": {
            "name": f"S3ProxyApi {outputs.get('rest_api_id', '')} {stage}".replace("  ", " "),
            "description": "\n\n".join(notes),
            "schema": SCHEMA,
        },
        "auth": _auth(),
        "variable": _variables(parsed.url, parsed.region, api_key),
        "item": folders,
    }


def write_collection(source: Mapping[str, Any] | str | Path, target: Path, region: str | None = None) -> str:
    """Write the collection to `target`; returns a one-line summary."""
    collection = build_collection(source, region)
    target.write_text(json.dumps(collection, indent=2) + "\n")
    counts = {folder["name"]: len(folder["item"]) for folder in collection["item"]}
    walkthrough = f"a {counts[WALKTHROUGH]}-step walkthrough" if WALKTHROUGH in counts else "no walkthrough"
    return f"postman: {target}: {counts[ROUTES]} routes and {walkthrough}"
