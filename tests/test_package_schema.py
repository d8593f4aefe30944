"""The `s3proxy` Pulumi package: the schema Pulumi infers from `S3ProxyApi`, and the host that serves it.

Programs in other languages use the component through `pulumi package add ./provider`: the CLI runs
`provider/__main__.py`, asks it for its schema (GetSchema) to generate an SDK, and during `pulumi up` asks it
to build the component (Construct). No CLI is needed here:

- the schema is inferred with the SDK's own analyzer (`pulumi.provider.experimental`), exactly as the host
  does, and checked against the component's annotations and docstrings and against the issue's contract
  (the token, `allowed_actions` the only required input, the eight outputs it names);
- the host is started as a subprocess the way the engine starts a plugin (`python provider <engine>`; it
  prints its port), and called over gRPC: GetSchema, and Construct against an in-process resource monitor
  that answers like `tooling.preview`'s mocks.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import re
import select
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.provider.experimental.analyzer import Analyzer, ComponentDefinition, TypeDefinition
from pulumi.provider.experimental.schema import generate_schema
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import engine_pb2_grpc, provider_pb2, provider_pb2_grpc, resource_pb2, resource_pb2_grpc

from components import S3ProxyApi, S3ProxyApiArgs
from components.inputs import BY_NAME
from components.s3proxy import TYPE_TOKEN
from tooling.preview import PreviewMocks

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_DIR = ROOT / "provider"

# The issue's contract, written out so that the test can fail.
PACKAGE = "s3proxy"
TOKEN = "s3proxy:index:S3ProxyApi"
REQUIRED_INPUTS = ["allowedActions"]
ISSUE_OUTPUTS = ("url", "rest_api_id", "stage_name", "execution_arn", "role_arn", "policy", "openapi", "routes")

STRING = {"type": "string"}
STRINGS = {"type": "array", "items": STRING}
STRING_MAP = {"type": "object", "additionalProperties": STRING}
INTEGER, NUMBER, BOOLEAN = {"type": "integer"}, {"type": "number"}, {"type": "boolean"}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/types/{PACKAGE}:index:{name}"}


# The schema type of every input and output, and the package's own types with their required fields. A new
# input or output must be added here: its type is part of the package's public contract in every language.
INPUT_TYPES: dict[str, dict[str, Any]] = {
    "allowed_actions": STRINGS,
    "region": STRING,
    "binary_media_types": STRINGS,
    "buckets": STRINGS,
    "bucket_patterns": STRINGS,
    "stage_name": STRING,
    "authorization": STRING,
    "status_mapping": STRING,
    "throttling_rate_limit": NUMBER,
    "throttling_burst_limit": INTEGER,
    "tracing_enabled": BOOLEAN,
    "tags": STRING_MAP,
    "key_prefix": STRING,
    "allowed_source_cidrs": STRINGS,
    "vpc_endpoint_ids": STRINGS,
    "bucket_accounts": STRINGS,
    "endpoint_type": STRING,
    "api_keys": ref("ApiKeySettings"),
    "cors": ref("CorsSettings"),
    "access_logs": ref("AccessLogSettings"),
    "method_throttling": {"type": "object", "additionalProperties": ref("MethodThrottle")},
    "custom_domain": ref("CustomDomainSettings"),
    "web_acl_arn": STRING,
    "stage_variables": STRING_MAP,
    "kms_key_arns": STRINGS,
    "sse_kms_key_arn": STRING,
    "metadata_headers": STRINGS,
    "authorizer": ref("AuthorizerSettings"),
    "integration_credentials": STRING,
    "caller_folders": STRING,
    "description": STRING,
    "minimum_compression_size": INTEGER,
    "disable_execute_api_endpoint": BOOLEAN,
    "alarms": ref("AlarmSettings"),
}
TYPES: dict[str, tuple[dict[str, dict[str, Any]], set[str]]] = {
    "ApiKeySettings": (
        {
            "names": STRINGS,
            "quota_limit": INTEGER,
            "quota_period": STRING,
            "rate_limit": NUMBER,
            "burst_limit": INTEGER,
        },
        {"names"},
    ),
    "CorsSettings": (
        {"allow_origin": STRING, "allow_headers": STRINGS, "expose_headers": STRINGS, "max_age": INTEGER},
        {"allow_origin"},
    ),
    "AccessLogSettings": ({"retention_days": INTEGER}, set()),
    "MethodThrottle": ({"rate_limit": NUMBER, "burst_limit": INTEGER}, set()),
    "CustomDomainSettings": (
        {"domain_name": STRING, "certificate_arn": STRING, "base_path": STRING},
        {"domain_name", "certificate_arn"},
    ),
    "AlarmSettings": (
        {
            "server_error_rate": NUMBER,
            "latency_p99_ms": NUMBER,
            "client_error_rate": NUMBER,
            "integration_latency_p99_ms": NUMBER,
            "period_seconds": INTEGER,
            "evaluation_periods": INTEGER,
            "topic_arn": STRING,
        },
        set(),
    ),
    "AuthorizerSettings": (
        {
            "user_pool_arns": STRINGS,
            "scopes": STRINGS,
            "function_arn": STRING,
            "type": STRING,
            "identity_source": STRING,
            "result_ttl_seconds": INTEGER,
        },
        set(),
    ),
}
OUTPUT_TYPES: dict[str, dict[str, Any]] = dict.fromkeys(ISSUE_OUTPUTS, STRING) | {
    "routes": STRINGS,
    "api_keys": STRING_MAP,
    "domain_target": STRING,
    "dashboard_name": STRING,
    "deployer_policy": STRING,
    "caller_policy": STRING,
}
# `Output[str | None]`: none without a custom domain or alarms; no role or its policy in caller mode; no caller policy
# for callers that are not IAM principals.
OPTIONAL_OUTPUTS = {"domain_target", "dashboard_name", "role_arn", "policy", "caller_policy"}


def camel(name: str) -> str:
    """A Python name as the schema spells it (`rest_api_id` -> `restApiId`)."""
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def shape(prop: dict[str, Any]) -> dict[str, Any]:
    """A schema property without its description and plainness: only what its type is."""
    kept: dict[str, Any] = {key: prop[key] for key in ("type", "$ref") if key in prop}
    for key in ("items", "additionalProperties"):
        if key in prop:
            kept[key] = shape(prop[key])
    return kept


def plainness(prop: dict[str, Any]) -> list[bool]:
    """`plain` of a property and of its items or values, outermost first."""
    nested = [prop[key] for key in ("items", "additionalProperties") if key in prop]
    return [prop.get("plain", False), *(p for inner in nested for p in plainness(inner))]


def attribute_docstrings(cls: type) -> dict[str, str]:
    """The string literal under each annotated attribute of `cls`, read from its source (independently of
    the analyzer, which reads them the same way: they do not exist at run time)."""
    (class_def,) = ast.parse(inspect.getsource(cls)).body
    assert isinstance(class_def, ast.ClassDef)
    docs: dict[str, str] = {}
    for node, following in itertools.pairwise(class_def.body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = following.value.value
    return docs


def same_text(description: str | None, docstring: str | None) -> bool:
    """Equal once indentation is normalised (the analyzer keeps a docstring's continuation indent)."""
    return description is not None and inspect.cleandoc(description) == inspect.cleandoc(docstring or "")


@dataclass
class Analyzed:
    definition: ComponentDefinition
    types: dict[str, TypeDefinition]
    schema: dict[str, Any]

    @property
    def resource(self) -> dict[str, Any]:
        return self.schema["resources"][TOKEN]


def unevaluated_annotations() -> str | None:
    """Why the analyzer cannot read the component's annotations, if it cannot."""
    args = inspect.get_annotations(S3ProxyApi.__init__).get("args")
    if isinstance(args, str):
        return (
            f"S3ProxyApi.__init__ annotates `args` with the string {args!r}: components/s3proxy.py has "
            "`from __future__ import annotations`, and Pulumi's analyzer reads annotations unevaluated"
        )
    return None


def test_the_analyzer_can_read_the_components_annotations() -> None:
    assert unevaluated_annotations() is None, unevaluated_annotations()


@pytest.fixture(scope="module")
def analyzed() -> Analyzed:
    """The package schema as the host infers it (`ComponentProvider.__init__`, without serving it)."""
    problem = unevaluated_annotations()
    if problem:
        pytest.fail(problem)
    result = Analyzer(PACKAGE).analyze([S3ProxyApi])
    schema = generate_schema(
        PACKAGE,
        "0.0.0",  # component_provider_host's default version
        None,
        result["component_definitions"],
        result["type_definitions"],
        sorted(result["dependencies"], key=lambda d: f"{d.name}{d.version}"),
    )
    return Analyzed(result["component_definitions"]["S3ProxyApi"], result["type_definitions"], schema.to_json())


# The schema


def test_the_package_holds_one_component_under_the_issues_token(analyzed: Analyzed) -> None:
    assert analyzed.schema["name"] == PACKAGE
    assert list(analyzed.schema["resources"]) == [TOKEN]
    assert analyzed.resource["isComponent"] is True
    # The component registers itself under the same token: the engine requires Construct's URN to match.
    assert TYPE_TOKEN == TOKEN
    assert same_text(analyzed.resource["description"], S3ProxyApi.__doc__)


def test_every_input_the_component_accepts_is_declared_in_its_args() -> None:
    """An input that `validate_args` accepts but `S3ProxyApiArgs` does not declare is missing from the schema:
    other languages cannot set it, and the host drops it (it passes only the schema's inputs)."""
    assert sorted(set(BY_NAME) - set(S3ProxyApiArgs.__annotations__)) == []
    assert sorted(set(S3ProxyApiArgs.__annotations__) - set(BY_NAME)) == []


def test_every_input_of_the_args_is_in_the_schema_with_its_type(analyzed: Analyzed) -> None:
    names = list(S3ProxyApiArgs.__annotations__)
    assert sorted(set(names) ^ set(INPUT_TYPES)) == [], "declare the schema type of each input in INPUT_TYPES"
    properties = analyzed.resource["inputProperties"]
    assert list(properties) == [camel(name) for name in names]
    assert {name: shape(properties[camel(name)]) for name in names} == INPUT_TYPES
    # Construct hands the component its inputs under their Python names.
    assert analyzed.definition.inputs_mapping == {camel(name): name for name in names}


def test_every_input_is_described_by_its_docstring(analyzed: Analyzed) -> None:
    docstrings = attribute_docstrings(S3ProxyApiArgs)
    properties = analyzed.resource["inputProperties"]
    for name in S3ProxyApiArgs.__annotations__:
        assert docstrings.get(name, "").strip(), f"S3ProxyApiArgs.{name} has no docstring"
        assert same_text(properties[camel(name)].get("description"), docstrings[name]), name


def test_only_allowed_actions_is_required(analyzed: Analyzed) -> None:
    assert analyzed.resource["requiredInputs"] == REQUIRED_INPUTS
    # The TypedDict agrees at run time: `NotRequired[...]` is only honoured there when the annotations are
    # evaluated (not strings, as under `from __future__ import annotations` on Python 3.11).
    assert sorted(camel(name) for name in S3ProxyApiArgs.__required_keys__) == REQUIRED_INPUTS


def test_the_packages_types_are_the_nested_inputs(analyzed: Analyzed) -> None:
    tokens = {f"{PACKAGE}:index:{name}": name for name in TYPES}
    assert sorted(analyzed.schema["types"]) == sorted(tokens)
    for token, name in tokens.items():
        spec, (fields, required) = analyzed.schema["types"][token], TYPES[name]
        python_type = analyzed.types[name].python_type
        assert list(python_type.__annotations__) == list(fields), name
        assert {field: shape(spec["properties"][camel(field)]) for field in fields} == fields, name
        assert sorted(spec.get("required", [])) == sorted(camel(field) for field in required), name
        assert set(getattr(python_type, "__required_keys__", ())) == required, name
        assert same_text(spec.get("description"), python_type.__doc__), name
        docstrings = attribute_docstrings(python_type)
        for field in fields:
            assert docstrings.get(field, "").strip(), f"{name}.{field} has no docstring"
            assert same_text(spec["properties"][camel(field)].get("description"), docstrings[field]), field


# `plain` of each input and of its items or values (outermost first), as the issue decides: an Input for what
# only flows into the rendered document, the policies or child properties; plain for what decides which routes
# or child resources exist (and `region`, a provider-like choice of where every child lives).
INPUT = [False]
INPUT_LIST = [False, False]
PLAIN_LIST = [True, True]
PLAINNESS: dict[str, list[bool]] = {
    "allowedActions": PLAIN_LIST,
    "region": [True],
    "binaryMediaTypes": INPUT_LIST,
    "buckets": INPUT_LIST,
    "bucketPatterns": INPUT_LIST,
    "stageName": INPUT,
    "authorization": [True],
    "statusMapping": INPUT,
    "throttlingRateLimit": INPUT,
    "throttlingBurstLimit": INPUT,
    "tracingEnabled": INPUT,
    "tags": [True, False],
    "keyPrefix": INPUT,
    "allowedSourceCidrs": INPUT_LIST,
    "vpcEndpointIds": INPUT_LIST,
    "bucketAccounts": INPUT_LIST,
    "description": INPUT,
    "minimumCompressionSize": INPUT,
    "disableExecuteApiEndpoint": [True],  # checked against customDomain at construction
    "alarms": [True],
    **{
        f"AlarmSettings.{name}": INPUT
        for name in (
            "serverErrorRate",
            "latencyP99Ms",
            "clientErrorRate",
            "integrationLatencyP99Ms",
            "periodSeconds",
            "evaluationPeriods",
            "topicArn",
        )
    },
    "endpointType": [True],
    "apiKeys": [True],
    "cors": [True],
    "accessLogs": [True],
    "methodThrottling": [True, True],
    "customDomain": [True],
    "webAclArn": INPUT,
    "stageVariables": [True, False],
    "integrationCredentials": [True],
    "callerFolders": INPUT,
    "ApiKeySettings.names": PLAIN_LIST,
    "ApiKeySettings.quotaLimit": INPUT,
    "ApiKeySettings.quotaPeriod": INPUT,
    "ApiKeySettings.rateLimit": INPUT,
    "ApiKeySettings.burstLimit": INPUT,
    "CorsSettings.allowOrigin": INPUT,
    "CorsSettings.allowHeaders": INPUT_LIST,
    "CorsSettings.exposeHeaders": INPUT_LIST,
    "CorsSettings.maxAge": INPUT,
    "AccessLogSettings.retentionDays": INPUT,
    "MethodThrottle.rateLimit": INPUT,
    "MethodThrottle.burstLimit": INPUT,
    "CustomDomainSettings.domainName": INPUT,
    "CustomDomainSettings.certificateArn": INPUT,
    "CustomDomainSettings.basePath": INPUT,
    "kmsKeyArns": INPUT_LIST,
    "sseKmsKeyArn": INPUT,
    "metadataHeaders": INPUT_LIST,
    "authorizer": [True],
    "AuthorizerSettings.userPoolArns": INPUT_LIST,
    "AuthorizerSettings.scopes": INPUT_LIST,
    "AuthorizerSettings.functionArn": INPUT,
    "AuthorizerSettings.type": [True],
    "AuthorizerSettings.identitySource": INPUT,
    "AuthorizerSettings.resultTtlSeconds": INPUT,
}


def test_inputs_are_outputs_where_they_only_flow_into_documents_and_properties(analyzed: Analyzed) -> None:
    """Generated SDKs then take `Input<string>[]` for `buckets`, but `string[]` for `allowedActions`."""
    found = {name: plainness(prop) for name, prop in analyzed.resource["inputProperties"].items()}
    for token, spec in analyzed.schema["types"].items():
        found |= {f"{token.rpartition(':')[2]}.{name}": plainness(prop) for name, prop in spec["properties"].items()}
    assert found == PLAINNESS


def test_every_output_is_in_the_schema_with_its_type_and_docstring(analyzed: Analyzed) -> None:
    outputs = [name for name in inspect.get_annotations(S3ProxyApi) if not name.startswith("_")]
    assert [name for name in ISSUE_OUTPUTS if name not in outputs] == []
    assert sorted(set(outputs) ^ set(OUTPUT_TYPES)) == [], "declare the schema type of each output in OUTPUT_TYPES"
    properties = analyzed.resource["properties"]
    assert list(properties) == [camel(name) for name in outputs]
    assert {name: shape(properties[camel(name)]) for name in outputs} == OUTPUT_TYPES
    docstrings = attribute_docstrings(S3ProxyApi)
    for name in outputs:
        assert docstrings.get(name, "").strip(), f"S3ProxyApi.{name} has no docstring"
        assert same_text(properties[camel(name)].get("description"), docstrings[name]), name
        assert not any(plainness(properties[camel(name)])), name  # outputs are Outputs
    assert sorted(analyzed.resource["required"]) == sorted(
        camel(name) for name in outputs if name not in OPTIONAL_OUTPUTS
    )
    assert analyzed.definition.outputs_mapping == {camel(name): name for name in outputs}


# The plugin directory


def requirement_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match:
            pins[match[1].lower()] = match[2]
    return pins


def test_plugin_runs_under_python_with_the_components_pinned_dependencies() -> None:
    manifest = yaml.safe_load((PROVIDER_DIR / "PulumiPlugin.yaml").read_text())
    runtime = manifest["runtime"]
    assert (runtime if isinstance(runtime, str) else runtime["name"]) == "python"
    assert (PROVIDER_DIR / "__main__.py").is_file()
    assert not (PROVIDER_DIR / "Pulumi.yaml").exists()  # a plugin, not a second program
    plugin, project = requirement_pins(PROVIDER_DIR / "requirements.txt"), requirement_pins(ROOT / "requirements.txt")
    assert {"pulumi", "pulumi-aws"} <= set(plugin)
    assert {name: project.get(name) for name in plugin} == plugin


# The host, run as the engine runs it


STACK, PROJECT = "test", "consumer"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
REGION = "eu-west-1"


class Monitor(MockMonitor):
    """`MockMonitor` with URNs as the engine makes them (children of the stack carry no stack prefix)."""

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        if parent and parent != STACK_URN:
            type_ = parent.split("::")[2] + "$" + type_
        return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


class MonitorServicer(resource_pb2_grpc.ResourceMonitorServicer):
    """The resource monitor the host calls back during Construct, served over gRPC."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        return self.monitor.GetDeploymentInfo(request)

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=self.monitor.SupportsFeature(request).hasSupport)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        return self.monitor.RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        return self.monitor.RegisterResourceOutputs(request)

    def Invoke(self, request: Any, context: Any) -> Any:
        return self.monitor.Invoke(request)

    def RegisterPackage(self, request: Any, context: Any) -> Any:
        return self.monitor.RegisterPackage(request)

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> Any:
        return self.monitor.SignalAndWaitForShutdown(request)


class EngineServicer(engine_pb2_grpc.EngineServicer):
    """The engine address every plugin is started with; the host only logs to it."""

    def __init__(self) -> None:
        self.logs: list[str] = []

    def Log(self, request: Any, context: Any) -> Any:
        self.logs.append(request.message)
        return empty_pb2.Empty()


@dataclass
class Host:
    provider: provider_pb2_grpc.ResourceProviderStub
    monitor: Monitor
    monitor_address: str
    engine: EngineServicer

    def construct(
        self, name: str, inputs: dict[str, Any], dependencies: dict[str, list[str]] | None = None, dry_run: bool = False
    ) -> Any:
        self.monitor.resources.clear()
        struct = struct_pb2.Struct()
        struct.update(inputs)
        request = provider_pb2.ConstructRequest(
            project=PROJECT,
            stack=STACK,
            organization="organization",
            dryRun=dry_run,
            monitorEndpoint=self.monitor_address,
            type=TOKEN,
            name=name,
            parent=STACK_URN,
            inputs=struct,
            inputDependencies={
                key: provider_pb2.ConstructRequest.PropertyDependencies(urns=urns)
                for key, urns in (dependencies or {}).items()
            },
            accepts_output_values=True,
        )
        return self.provider.Construct(request, timeout=60)


@pytest.fixture(scope="module")
def host() -> Iterator[Host]:
    monitor, engine = Monitor(PreviewMocks(REGION)), EngineServicer()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(MonitorServicer(monitor), server)
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    address = f"127.0.0.1:{port}"
    with tempfile.TemporaryFile() as stderr:
        # What Pulumi's Python language host runs for a plugin: `python <plugin directory> <engine address>`,
        # in that directory. It prints the port of its ResourceProvider server.
        process = subprocess.Popen(
            [sys.executable, str(PROVIDER_DIR), address], cwd=PROVIDER_DIR, stdout=subprocess.PIPE, stderr=stderr
        )
        assert process.stdout is not None
        try:
            ready, _, _ = select.select([process.stdout], [], [], 60)
            line = process.stdout.readline().decode().strip() if ready else ""
            if not line.isdigit():
                process.kill()
                process.wait()
                stderr.seek(0)
                pytest.fail(f"the host printed no port ({line!r}); its stderr:\n{stderr.read().decode()}")
            with grpc.insecure_channel(f"127.0.0.1:{line}") as channel:
                yield Host(provider_pb2_grpc.ResourceProviderStub(channel), monitor, address, engine)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            server.stop(None)


def test_host_serves_the_analyzers_schema(host: Host, analyzed: Analyzed) -> None:
    response = host.provider.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30)
    assert json.loads(response.schema) == analyzed.schema


def construct_state(response: Any) -> dict[str, Any]:
    return rpc.deserialize_properties(response.state)


def test_host_constructs_the_component_from_wire_inputs(host: Host) -> None:
    response = host.construct(
        "files",
        {
            "allowedActions": ["s3:GetObject", "s3:ListBucket"],
            "buckets": ["acme-uploads"],
            "stageName": "v1",
            "tags": {"team": "storage"},
            "tracingEnabled": True,
            "throttlingRateLimit": 50,
        },
    )
    assert response.urn == f"urn:pulumi:{STACK}::{PROJECT}::{TOKEN}::files"
    types = {urn.split("::")[3]: urn.split("::")[2] for urn in host.monitor.resources}
    assert types == {
        "files": TOKEN,
        "files-role": f"{TOKEN}$aws:iam/role:Role",
        "files-policy": f"{TOKEN}$aws:iam/rolePolicy:RolePolicy",
        "files-api": f"{TOKEN}$aws:apigateway/restApi:RestApi",
        "files-deployment": f"{TOKEN}$aws:apigateway/deployment:Deployment",
        "files-stage": f"{TOKEN}$aws:apigateway/stage:Stage",
        "files-throttling": f"{TOKEN}$aws:apigateway/methodSettings:MethodSettings",
    }
    state = construct_state(response)
    assert {camel(name) for name in ISSUE_OUTPUTS} <= set(state)
    assert state.get("apiKeys") == {} and state.get("domainTarget") is None
    assert state["stageName"] == "v1"
    assert state["url"].startswith("https://") and state["url"].endswith(f".execute-api.{REGION}.amazonaws.com/v1")
    assert state["roleArn"] == "arn:aws:iam::123456789012:role/files-role"
    assert set(state["routes"]) == {
        "GET /{folder} -> s3:ListBucket",
        "HEAD /{folder} -> s3:ListBucket",
        "GET /{folder}/{item+} -> s3:GetObject",
        "HEAD /{folder}/{item+} -> s3:GetObject",
    }
    assert "arn:aws:s3:::acme-uploads/*" in state["policy"]
    assert json.loads(state["openapi"])["info"]["title"] == "files"
    stage = next(r.state for urn, r in host.monitor.resources.items() if urn.endswith("::files-stage"))
    assert stage["tags"] == {"team": "storage"} and stage["xrayTracingEnabled"] is True


def resource_state(host: Host, name: str) -> dict[str, Any]:
    (state,) = [r.state for urn, r in host.monitor.resources.items() if urn.endswith(f"::{name}")]
    return state


def test_host_passes_integer_inputs_the_component_accepts(host: Host) -> None:
    """Numbers cross the wire as doubles. The host's `int()` of an integer input is overwritten with the raw
    value (pulumi 3.272.0, `ComponentProvider.map_input_properties`), so the component gets `200.0`."""
    host.construct("throttled", {"allowedActions": ["s3:GetObject"], "throttlingBurstLimit": 200})
    assert resource_state(host, "throttled-throttling")["settings"]["throttlingBurstLimit"] == 200


def test_host_maps_nested_inputs_to_python_names(host: Host) -> None:
    """The package's types arrive as dicts under their Python names, integers in them as doubles too."""
    response = host.construct(
        "shared",
        {
            "allowedActions": ["s3:GetObject"],
            "apiKeys": {"names": ["web"], "quotaLimit": 1000, "quotaPeriod": "DAY", "burstLimit": 5},
            "cors": {"allowOrigin": "https://app.example.com", "maxAge": 60},
            "accessLogs": {"retentionDays": 7},
            "methodThrottling": {"GET /{folder}/{item+}": {"rateLimit": 10, "burstLimit": 20}},
        },
    )
    plan = resource_state(host, "shared-usage-plan")
    assert plan["quotaSettings"] == {"limit": 1000, "period": "DAY"}
    assert plan["throttleSettings"] == {"burstLimit": 5}
    assert resource_state(host, "shared-access-logs")["retentionInDays"] == 7
    assert resource_state(host, "shared-throttling-get-folder-item")["settings"] == {
        "throttlingRateLimit": 10,
        "throttlingBurstLimit": 20,
    }
    document = json.loads(construct_state(response)["openapi"])
    preflight = document["paths"]["/{folder}/{item+}"]["options"]["x-amazon-apigateway-integration"]
    headers = preflight["responses"]["default"]["responseParameters"]
    assert headers["method.response.header.Access-Control-Max-Age"] == "'60'"
    api_keys = construct_state(response)["apiKeys"]
    assert rpc.is_rpc_secret(api_keys) and set(rpc.unwrap_rpc_secret(api_keys)) == {"web"}  # stays a secret


def rpc_error(call: Callable[[], Any]) -> grpc.Call:
    """The error status of a gRPC call that must fail."""
    with pytest.raises(grpc.RpcError) as raised:
        call()
    assert isinstance(raised.value, grpc.Call)
    return raised.value


def test_host_rejects_a_missing_required_input(host: Host) -> None:
    error = rpc_error(lambda: host.construct("nothing", {"buckets": ["acme-uploads"]}))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert not host.monitor.resources


def test_host_reports_an_invalid_input_by_its_name(host: Host) -> None:
    error = rpc_error(lambda: host.construct("bad", {"allowedActions": ["s3:GetObject"], "buckets": ["Bad_Bucket"]}))
    assert "S3ProxyApi: invalid `buckets`" in (error.details() or "")
    assert not host.monitor.resources  # nothing registered, not even the component


OUTPUT_VALUE = {rpc._special_sig_key: rpc._special_output_value_sig}


BUCKET_URN = f"urn:pulumi:{STACK}::{PROJECT}::aws:s3/bucket:Bucket::uploads"
CHILDREN = {"late", "late-role", "late-policy", "late-api", "late-deployment", "late-stage"}


def test_an_input_depending_on_another_resource_is_accepted_as_an_output(host: Host) -> None:
    """How the host passes inputs: a value that depends on other resources (a YAML `${bucket.bucket}`), is
    secret or unknown arrives as a `pulumi.Output`. The component takes it: it reaches the policy's ARNs."""
    inputs = {"allowedActions": ["s3:GetObject"], "buckets": ["acme-uploads"]}
    response = host.construct("late", inputs, {"buckets": [BUCKET_URN]})
    assert {urn.split("::")[3] for urn in host.monitor.resources} == CHILDREN
    assert json.loads(construct_state(response)["policy"])["Statement"][0]["Resource"] == [
        "arn:aws:s3:::acme-uploads/*"
    ]


def test_an_unknown_input_in_preview_registers_every_resource(host: Host) -> None:
    inputs = {"allowedActions": ["s3:GetObject"], "buckets": {rpc._special_sig_key: rpc._special_output_value_sig}}
    host.construct("late", inputs, dry_run=True)
    assert {urn.split("::")[3] for urn in host.monitor.resources} == CHILDREN


def test_an_output_that_resolves_to_a_bad_value_fails_naming_the_input(host: Host) -> None:
    inputs = {"allowedActions": ["s3:GetObject"], "buckets": ["Bad_Bucket!"]}
    error = rpc_error(lambda: host.construct("late", inputs, {"buckets": [BUCKET_URN]}))
    assert "S3ProxyApi: invalid `buckets`: 'Bad_Bucket!' is not a valid S3 bucket name" in (error.details() or "")


def test_an_output_where_a_plain_value_is_needed_is_refused_naming_it(host: Host) -> None:
    inputs = {"allowedActions": ["s3:GetObject"]}
    error = rpc_error(lambda: host.construct("late", inputs, {"allowedActions": [BUCKET_URN]}))
    assert "invalid `allowed_actions`: must be a plain value, not an Output" in (error.details() or "")
    assert not host.monitor.resources
