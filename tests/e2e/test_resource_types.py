"""The resource types other stacks register beside the component (buckets, managed policies and
their attachments, KMS keys, log groups): created, updated in place and deleted in LocalStack."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tooling.deploy import down, record_path, up
from tooling.harness.inventory import inventory

from .conftest import REGION, client

PROGRAM = """
import json
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
tags = {"owner": config.get("owner") or "a"}
actions = config.get_object("actions") or ["s3:GetObject"]
data = aws.s3.Bucket("data", tags=tags)  # auto-named, like Pulumi: data-<7 hex>
logs = aws.s3.Bucket("logs", bucket=f"types-{pulumi.get_stack()}-logs", force_destroy=True)
key = aws.kms.Key("key", description="data key", deletion_window_in_days=7, tags=tags)
role = aws.iam.Role("app", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
policy = aws.iam.Policy("read", policy=data.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": actions, "Resource": f"{arn}/*"}]})), tags=tags)
aws.iam.RolePolicyAttachment("app-read", role=role.name, policy_arn=policy.arn)
group = aws.cloudwatch.LogGroup("audit", retention_in_days=int(config.get("retention") or 7), tags=tags)
pulumi.export("bucket", data.bucket)
pulumi.export("key_id", key.key_id)
pulumi.export("key_arn", key.arn)
pulumi.export("policy_arn", policy.arn)
pulumi.export("role", role.name)
pulumi.export("group", group.name)
"""


def project(directory: Path, **config: object) -> Path:
    (directory / "Pulumi.yaml").write_text("name: types\nruntime: python\n")
    (directory / "__main__.py").write_text(PROGRAM)
    values = {"aws:region": REGION} | {
        f"types:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in config.items()
    }
    (directory / "Pulumi.dev.yaml").write_text(json.dumps({"config": values}))
    return directory


def test_buckets_policies_attachments_keys_and_log_groups(tmp_path, endpoint):
    before = inventory(endpoint)
    iam, s3, kms, logs = (client(s, endpoint) for s in ("iam", "s3", "kms", "logs"))
    root = project(tmp_path)
    try:
        first = up("dev", root, endpoint)
        assert re.fullmatch(r"data-[0-9a-f]{7}", first["bucket"]), first["bucket"]
        assert first["bucket"] in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        s3.put_object(Bucket="types-dev-logs", Key="a.log", Body=b"x")  # force_destroy must empty it
        key = kms.describe_key(KeyId=first["key_id"])["KeyMetadata"]
        assert key["Arn"] == first["key_arn"] and key["Description"] == "data key"
        attached = iam.list_attached_role_policies(RoleName=first["role"])["AttachedPolicies"]
        assert [a["PolicyArn"] for a in attached] == [first["policy_arn"]]
        group = logs.describe_log_groups(logGroupNamePrefix=first["group"])["logGroups"][0]
        assert group["retentionInDays"] == 7

        project(tmp_path, owner="b", actions=["s3:GetObject", "s3:PutObject"], retention=30)
        second = up("dev", root, endpoint)
        resources = json.loads(record_path("dev", root).read_text())["resources"]
        assert {k: second[k] for k in first} == first  # every one updated in place
        version = iam.get_policy(PolicyArn=first["policy_arn"])["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=first["policy_arn"], VersionId=version)["PolicyVersion"]
        text = document["Document"] if isinstance(document["Document"], str) else json.dumps(document["Document"])
        assert "s3:PutObject" in text
        # policy.go policyPruneVersions deletes a version only once there are five (IAM's most): v1 stays.
        versions = iam.list_policy_versions(PolicyArn=first["policy_arn"])["Versions"]
        assert sorted((v["VersionId"], v["IsDefaultVersion"]) for v in versions) == [("v1", False), ("v2", True)]
        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=first["key_id"])["Tags"]}
        assert tags["owner"] == "b"
        assert logs.describe_log_groups(logGroupNamePrefix=first["group"])["logGroups"][0]["retentionInDays"] == 30
        assert len(resources) == 7
    finally:
        down("dev", root, endpoint)
    assert kms.describe_key(KeyId=first["key_id"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert inventory(endpoint) == before
