"""Deploy the unchanged program into LocalStack without the Pulumi CLI.

`LocalStackMocks` is a `pulumi.runtime.Mocks` that *provisions* every resource the program registers
in LocalStack through boto3 and answers with the real ids and attributes, so the program's outputs
(its `url` included) are LocalStack's usable values. Every resource created is written to a
`Deployment` record as soon as it exists, so `down` can always delete what `up` made.

LocalStack 2026.3.0 divergences from AWS are worked around here, never in the product:
- its binary matcher skips `*/...` entries, so `*/*` is sent as the list of top-level types;
- its OpenAPI import drops integrations' `credentials`, methods' AWS_IAM `authorizationType` and
  integration responses' `contentHandling`, so they are re-applied after the import.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pulumi
from botocore.config import Config

from .program import provider_id

# Every top-level media type (IANA's, plus S3's default `binary/octet-stream`): together they mean
# what `*/*` means on AWS, and LocalStack's matcher honours them.
TOP_LEVEL_MEDIA_TYPES = [
    f"{t}/*"
    for t in ("application", "audio", "binary", "font", "image", "message", "model", "multipart", "text", "video")
]


def default_endpoint() -> str:
    return os.environ.get("LOCALSTACK_ENDPOINT") or f"http://localhost:{os.environ.get('LOCALSTACK_PORT', '4566')}"


def aws_session(region: str) -> boto3.Session:
    """The usual boto3 credential chain; LocalStack's test keys when it finds nothing."""
    session = boto3.Session(region_name=region)
    if session.get_credentials() is None:
        session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=region)
    return session


# What a provisioner returns: the physical id, the output attributes, and what deleting it needs.
Provisioned = tuple[str, dict[str, Any], dict[str, Any]]


class UnsupportedResourceError(RuntimeError):
    """The program registered a resource type the LocalStack provisioner does not know."""


@dataclass
class Deployment:
    """What `up` created for one stack, persisted after every creation."""

    path: Path
    endpoint: str
    region: str
    resources: list[dict[str, Any]] = field(default_factory=list)  # creation order
    outputs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Deployment | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        return cls(path=path, **data)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"endpoint": self.endpoint, "region": self.region, "resources": self.resources, "outputs": self.outputs}
        self.path.write_text(json.dumps(data, indent=2))

    def add(self, entry: dict[str, Any]) -> None:
        self.resources.append(entry)
        self.save()

    def destroy(self, log: Callable[[str], None] = print) -> None:
        """Delete every recorded resource, newest first; an already missing one is not an error."""
        while self.resources:
            entry = self.resources[-1]
            service = entry["type"].split(":")[1].split("/")[0]  # aws:<service>/<resource>:<Type>
            client = aws_session(entry["region"]).client(service, endpoint_url=self.endpoint)
            try:
                DELETERS[entry["type"]](client, entry)
                log(f"  - deleted {entry['type']} {entry['name']} ({entry['id']})")
            except client.exceptions.ClientError as error:
                if error.response["Error"]["Code"] not in ("NotFoundException", "NoSuchEntity", "NoSuchBucket"):
                    raise
                log(f"  - already gone: {entry['type']} {entry['name']}")
            self.resources.pop()
            self.save()
        self.path.unlink(missing_ok=True)


class LocalStackMocks(pulumi.runtime.Mocks):
    """Provision each registered resource in LocalStack; answer with its real id and attributes."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.provider_regions: dict[str, str] = {}  # explicit provider id -> region
        self.sessions: dict[str, boto3.Session] = {}
        self.clients: dict[tuple[str, str], Any] = {}
        self.identities: dict[str, dict[str, str]] = {}

    def client(self, service: str, region: str | None = None) -> Any:
        """One boto3 client per service and region (creating one costs tens of milliseconds)."""
        region = region or self.deployment.region
        if region not in self.sessions:
            self.sessions[region] = aws_session(region)  # a shared session loads each model once
        if (service, region) not in self.clients:
            self.clients[service, region] = self.sessions[region].client(
                service, endpoint_url=self.deployment.endpoint, config=Config(retries={"mode": "standard"})
            )
        return self.clients[service, region]

    def caller_identity(self, region: str) -> dict[str, str]:
        if region not in self.identities:
            identity = self.client("sts", region).get_caller_identity()
            self.identities[region] = {
                "accountId": identity["Account"],
                "arn": identity["Arn"],
                "userId": identity["UserId"],
                "id": identity["Account"],
            }
        return self.identities[region]

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        region = self.provider_regions.get(provider_id(args.provider), self.deployment.region)
        if args.token == "aws:index/getRegion:getRegion":
            return {"region": region, "name": region, "id": region}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return self.caller_identity(region)
        raise UnsupportedResourceError(f"the LocalStack provisioner cannot answer function {args.token}")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:  # a component: nothing to provision
            return f"{args.name}-component", dict(args.inputs)
        if args.typ == "pulumi:providers:aws":
            provider_id = f"provider-{args.name}"
            self.provider_regions[provider_id] = args.inputs.get("region", self.deployment.region)
            return provider_id, dict(args.inputs)
        provision = PROVISIONERS.get(args.typ)
        if provision is None:
            raise UnsupportedResourceError(
                f"cannot provision resource type {args.typ!r} (resource {args.name!r}) in LocalStack; "
                f"supported types: {', '.join(sorted(PROVISIONERS))}"
            )
        region = args.inputs.get("region") or self.deployment.region
        resource_id, attributes, keys = provision(self, args.name, args.inputs, region)
        self.deployment.add({"type": args.typ, "name": args.name, "id": resource_id, "region": region, **keys})
        return resource_id, dict(args.inputs) | attributes

    # --- one provisioner per resource type: (id, output attributes, what deletion needs) ---

    def provision_role(self, name: str, inputs: dict[str, Any], region: str) -> Provisioned:
        role_name = f"{name}-{secrets.token_hex(4)}"  # auto-naming, as Pulumi does
        role = self.client("iam", region).create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=inputs["assumeRolePolicy"],
            Description=inputs.get("description", ""),
            Tags=[{"Key": k, "Value": v} for k, v in (inputs.get("tags") or {}).items()],
        )["Role"]
        return role_name, {"arn": role["Arn"], "name": role_name, "uniqueId": role["RoleId"]}, {}

    def provision_role_policy(self, name: str, inputs: dict[str, Any], region: str) -> Provisioned:
        role_name, policy_name = inputs["role"], f"{name}-{secrets.token_hex(4)}"
        self.client("iam", region).put_role_policy(
            RoleName=role_name, PolicyName=policy_name, PolicyDocument=inputs["policy"]
        )
        return f"{role_name}:{policy_name}", {"name": policy_name}, {"role": role_name, "policy_name": policy_name}

    def provision_rest_api(self, name: str, inputs: dict[str, Any], region: str) -> Provisioned:
        apigateway = self.client("apigateway", region)
        document = json.loads(inputs["body"])
        if "*/*" in document.get("x-amazon-apigateway-binary-media-types", []):
            document["x-amazon-apigateway-binary-media-types"] = TOP_LEVEL_MEDIA_TYPES
        api = apigateway.create_rest_api(
            name=inputs.get("name", name),
            endpointConfiguration={"types": [inputs.get("endpointConfiguration", {}).get("types", "EDGE")]},
            tags=inputs.get("tags") or {},
        )
        api_id = api["id"]
        try:
            apigateway.put_rest_api(
                restApiId=api_id,
                mode=inputs.get("putRestApiMode", "overwrite"),
                failOnWarnings=bool(inputs.get("failOnWarnings")),
                body=json.dumps(document).encode(),
            )
            reapply_dropped_settings(apigateway, api_id, document)
        except Exception:
            apigateway.delete_rest_api(restApiId=api_id)
            raise
        account = self.caller_identity(region)
        return (
            api_id,
            {
                "rootResourceId": api.get("rootResourceId", ""),
                "executionArn": f"arn:aws:execute-api:{region}:{account['accountId']}:{api_id}",
                "arn": f"arn:aws:apigateway:{region}::/restapis/{api_id}",
            },
            {},
        )

    def provision_deployment(self, name: str, inputs: dict[str, Any], region: str) -> Provisioned:
        api_id = inputs["restApi"]
        created = self.client("apigateway", region).create_deployment(
            restApiId=api_id, description=inputs.get("description", "")
        )
        return created["id"], {}, {"rest_api_id": api_id}

    def provision_stage(self, name: str, inputs: dict[str, Any], region: str) -> Provisioned:
        api_id, stage_name = inputs["restApi"], inputs["stageName"]
        self.client("apigateway", region).create_stage(
            restApiId=api_id,
            stageName=stage_name,
            deploymentId=inputs["deployment"],
            tracingEnabled=bool(inputs.get("xrayTracingEnabled")),
            tags=inputs.get("tags") or {},
        )
        account = self.caller_identity(region)
        return (
            f"ags-{api_id}-{stage_name}",
            {
                "invokeUrl": f"{self.deployment.endpoint}/restapis/{api_id}/{stage_name}/_user_request_",
                "executionArn": f"arn:aws:execute-api:{region}:{account['accountId']}:{api_id}/{stage_name}",
            },
            {"rest_api_id": api_id, "stage_name": stage_name},
        )

    def provision_method_settings(self, name: str, inputs: dict[str, Any], region: str) -> Provisioned:
        api_id, stage_name, method_path = inputs["restApi"], inputs["stageName"], inputs["methodPath"]
        settings = inputs.get("settings") or {}
        paths = {"throttlingRateLimit": "throttling/rateLimit", "throttlingBurstLimit": "throttling/burstLimit"}
        # The engine passes numbers as doubles; UpdateStage reads the burst limit as an integer.
        operations = [
            {
                "op": "replace",
                "path": f"/{method_path}/{paths[key]}",
                "value": str(int(value) if key == "throttlingBurstLimit" else value),
            }
            for key, value in settings.items()
            if key in paths
        ]
        self.client("apigateway", region).update_stage(
            restApiId=api_id, stageName=stage_name, patchOperations=operations
        )
        return f"{api_id}-{stage_name}-{method_path}", {}, {"rest_api_id": api_id, "stage_name": stage_name}


def _bucket(mocks: LocalStackMocks, name: str, inputs: dict[str, Any], region: str) -> Provisioned:
    bucket = inputs.get("bucket") or f"{name}-{secrets.token_hex(4)}"
    s3 = mocks.client("s3", region)
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **location)
    if tags := inputs.get("tags"):
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    return bucket, {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}, {}


def _api_key(mocks: LocalStackMocks, name: str, inputs: dict[str, Any], region: str) -> Provisioned:
    key = mocks.client("apigateway", region).create_api_key(
        name=inputs.get("name", name), enabled=inputs.get("enabled", True), tags=inputs.get("tags") or {}
    )
    return key["id"], {"value": key["value"], "name": key["name"]}, {}


def _usage_plan(mocks: LocalStackMocks, name: str, inputs: dict[str, Any], region: str) -> Provisioned:
    request: dict[str, Any] = {
        "name": inputs.get("name", name),
        "apiStages": [{"apiId": s["apiId"], "stage": s["stage"]} for s in inputs.get("apiStages", [])],
    }
    # Numbers come through the engine as floats; boto3 wants the API's own types.
    if quota := inputs.get("quotaSettings"):
        request["quota"] = {"limit": int(quota["limit"]), "period": quota["period"]}
    if throttle := inputs.get("throttleSettings"):
        request["throttle"] = {
            key: cast(value)
            for key, cast in (("rateLimit", float), ("burstLimit", int))
            if (value := throttle.get(key)) is not None
        }
    plan = mocks.client("apigateway", region).create_usage_plan(**request)
    return plan["id"], {}, {}


def _usage_plan_key(mocks: LocalStackMocks, name: str, inputs: dict[str, Any], region: str) -> Provisioned:
    plan_id, key_id = inputs["usagePlanId"], inputs["keyId"]
    mocks.client("apigateway", region).create_usage_plan_key(
        usagePlanId=plan_id, keyId=key_id, keyType=inputs["keyType"]
    )
    return key_id, {}, {"usage_plan_id": plan_id}


def reapply_dropped_settings(apigateway: Any, api_id: str, document: dict[str, Any]) -> None:
    """Restore what LocalStack's OpenAPI import drops: each integration's `credentials` (the
    execution role), AWS_IAM `authorizationType` from `security: sigv4`, and `contentHandling`.
    The patches are independent, so they are sent concurrently."""
    resource_ids = {r["path"]: r["id"] for r in apigateway.get_resources(restApiId=api_id, limit=500)["items"]}
    patches: list[tuple[Callable[..., Any], dict[str, Any]]] = []
    for path, verbs in document["paths"].items():
        for verb, operation in verbs.items():
            method = {"restApiId": api_id, "resourceId": resource_ids[path], "httpMethod": verb.upper()}
            integration = operation["x-amazon-apigateway-integration"]
            if "credentials" in integration:
                patches.append(
                    (apigateway.update_integration, method | replace("/credentials", integration["credentials"]))
                )
            if operation.get("security"):
                patches.append((apigateway.update_method, method | replace("/authorizationType", "AWS_IAM")))
            for response in integration.get("responses", {}).values():
                if "contentHandling" in response:
                    patches.append(
                        (
                            apigateway.update_integration_response,
                            method
                            | {"statusCode": response["statusCode"]}
                            | replace("/contentHandling", response["contentHandling"]),
                        )
                    )
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda patch: patch[0](**patch[1]), patches))


def replace(path: str, value: str) -> dict[str, Any]:
    return {"patchOperations": [{"op": "replace", "path": path, "value": value}]}


Provisioner = Callable[[LocalStackMocks, str, dict[str, Any], str], Provisioned]
PROVISIONERS: dict[str, Provisioner] = {
    "aws:iam/role:Role": LocalStackMocks.provision_role,
    "aws:iam/rolePolicy:RolePolicy": LocalStackMocks.provision_role_policy,
    "aws:apigateway/restApi:RestApi": LocalStackMocks.provision_rest_api,
    "aws:apigateway/deployment:Deployment": LocalStackMocks.provision_deployment,
    "aws:apigateway/stage:Stage": LocalStackMocks.provision_stage,
    "aws:apigateway/methodSettings:MethodSettings": LocalStackMocks.provision_method_settings,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:apigateway/apiKey:ApiKey": _api_key,
    "aws:apigateway/usagePlan:UsagePlan": _usage_plan,
    "aws:apigateway/usagePlanKey:UsagePlanKey": _usage_plan_key,
}

DELETERS: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
    "aws:iam/role:Role": lambda iam, e: iam.delete_role(RoleName=e["id"]),
    "aws:iam/rolePolicy:RolePolicy": lambda iam, e: iam.delete_role_policy(
        RoleName=e["role"], PolicyName=e["policy_name"]
    ),
    "aws:apigateway/restApi:RestApi": lambda apigw, e: apigw.delete_rest_api(restApiId=e["id"]),
    "aws:apigateway/deployment:Deployment": lambda apigw, e: apigw.delete_deployment(
        restApiId=e["rest_api_id"], deploymentId=e["id"]
    ),
    "aws:apigateway/stage:Stage": lambda apigw, e: apigw.delete_stage(
        restApiId=e["rest_api_id"], stageName=e["stage_name"]
    ),
    # Method settings live in the stage, deleted just after (newest first) or with it.
    "aws:apigateway/methodSettings:MethodSettings": lambda apigw, e: None,
    "aws:s3/bucket:Bucket": lambda s3, e: s3.delete_bucket(Bucket=e["id"]),
    "aws:apigateway/apiKey:ApiKey": lambda apigw, e: apigw.delete_api_key(apiKey=e["id"]),
    "aws:apigateway/usagePlan:UsagePlan": lambda apigw, e: apigw.delete_usage_plan(usagePlanId=e["id"]),
    "aws:apigateway/usagePlanKey:UsagePlanKey": lambda apigw, e: apigw.delete_usage_plan_key(
        usagePlanId=e["usage_plan_id"], keyId=e["id"]
    ),
}
