"""AWS-shaped placeholder ids and outputs, for a preview of what is not deployed (nothing is called)."""

from __future__ import annotations

import hashlib
from typing import Any

import pulumi

from .program import provider_id

ACCOUNT_ID = "123456789012"


class PreviewMocks(pulumi.runtime.Mocks):
    """AWS-shaped fake ids and outputs for the resource types and functions the program uses."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.provider_regions: dict[str, str] = {}  # explicit provider id -> its region

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        if args.token == "aws:index/getRegion:getRegion":
            # A provider reference is "<urn>::<id>"; without one the default provider answers.
            region = self.provider_regions.get(provider_id(args.provider), self.region)
            return {"region": region, "name": region, "id": region}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:aws:iam::{ACCOUNT_ID}:user/preview"
            return {"accountId": ACCOUNT_ID, "arn": arn, "userId": "AIDAPREVIEW", "id": ACCOUNT_ID}
        raise NotImplementedError(f"PreviewMocks has no result for function {args.token}")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        state = dict(args.inputs)
        region = state.get("region") or self.region
        fake_id = hashlib.sha256(args.name.encode()).hexdigest()[:10]
        if args.typ == "pulumi:providers:aws":
            self.provider_regions[fake_id] = region
        if args.typ == "aws:iam/role:Role":
            return args.name, state | {"arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{args.name}", "name": args.name}
        if args.typ == "aws:apigateway/restApi:RestApi":
            execution_arn = f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{fake_id}"
            return fake_id, state | {"executionArn": execution_arn, "rootResourceId": fake_id[:6]}
        if args.typ == "aws:apigateway/stage:Stage":
            api, stage = state.get("restApi"), state.get("stageName")
            if api is None or stage is None:  # unknown in a preview: so are the URL and the ARNs
                return f"ags-{fake_id}", state
            return f"ags-{api}-{stage}", state | {
                "invokeUrl": f"https://{api}.execute-api.{region}.amazonaws.com/{stage}",
                "executionArn": f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{api}/{stage}",
                "arn": f"arn:aws:apigateway:{region}::/restapis/{api}/stages/{stage}",
            }
        if args.typ == "aws:apigateway/apiKey:ApiKey":
            return fake_id, state | {"value": f"preview-key-{fake_id}"}
        if args.typ == "aws:apigateway/domainName:DomainName":
            return state.get("domainName", fake_id), state | {
                "regionalDomainName": f"d-{fake_id}.execute-api.{region}.amazonaws.com",
                "cloudfrontDomainName": f"{fake_id}.cloudfront.net",
            }
        if args.typ == "aws:s3/bucket:Bucket":  # auto-named as the provider does: name + '-' + 7 hex digits
            bucket = state.get("bucket") or f"{args.name}-{fake_id[:7]}"
            return bucket, state | {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}
        if args.typ == "aws:cloudwatch/logGroup:LogGroup":
            return args.name, state | {"arn": f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{args.name}"}
        return fake_id, state
