"""Everything LocalStack holds that a deployment can make, as one comparable listing.

Used by the crash tests and the kill-loop benchmark: after any number of interrupted runs followed
by `up` and `down`, the listing must equal the one taken before.
"""

from __future__ import annotations

from typing import Any

from ..localstack import aws_session


def inventory(endpoint: str, regions: tuple[str, ...] = ("us-east-1", "eu-west-1")) -> dict[str, Any]:
    listing: dict[str, Any] = {}
    iam = aws_session(regions[0]).client("iam", endpoint_url=endpoint)
    roles = [role["RoleName"] for role in iam.list_roles()["Roles"]]
    listing["roles"] = sorted(
        (
            name,
            tuple(sorted(iam.list_role_policies(RoleName=name)["PolicyNames"])),
            tuple(sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"])),
        )
        for name in roles
    )
    listing["policies"] = sorted(p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"])
    s3 = aws_session(regions[0]).client("s3", endpoint_url=endpoint)
    listing["buckets"] = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    for region in regions:
        session = aws_session(region)
        apigateway = session.client("apigateway", endpoint_url=endpoint)
        apis = {}
        for api in apigateway.get_rest_apis(limit=500)["items"]:
            deployments = sorted(d["id"] for d in apigateway.get_deployments(restApiId=api["id"])["items"])
            stages = sorted(s["stageName"] for s in apigateway.get_stages(restApiId=api["id"])["item"])
            apis[api["id"]] = (deployments, stages)
        plans = {
            plan["id"]: sorted(k["id"] for k in apigateway.get_usage_plan_keys(usagePlanId=plan["id"])["items"])
            for plan in apigateway.get_usage_plans()["items"]
        }
        domains = {
            domain["domainName"]: sorted(
                m.get("basePath", "")
                for m in apigateway.get_base_path_mappings(domainName=domain["domainName"]).get("items", [])
            )
            for domain in apigateway.get_domain_names()["items"]
        }
        logs = session.client("logs", endpoint_url=endpoint)
        kms = session.client("kms", endpoint_url=endpoint)
        keys = [k["KeyId"] for k in kms.list_keys()["Keys"]]
        listing[region] = {
            "rest_apis": apis,
            "api_keys": sorted(k["id"] for k in apigateway.get_api_keys()["items"]),
            "usage_plans": plans,
            "domain_names": domains,
            "log_groups": sorted(g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]),
            "kms_keys": sorted(
                k for k in keys if kms.describe_key(KeyId=k)["KeyMetadata"]["KeyState"] != "PendingDeletion"
            ),
        }
    return listing
