"""An application stack: its role may invoke the platform's S3 proxy API, and nothing else."""

import json

import pulumi
import pulumi_aws as aws

platform = pulumi.StackReference(pulumi.Config().require("platformStack"))
execution_arn = platform.require_output("execution_arn")

app_role = aws.iam.Role(
    "reports-app",
    assume_role_policy=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    ),
)
# Only the object routes the app needs: read and write reports, no listing.
invoke = aws.iam.RolePolicy(
    "invoke-reports-api",
    role=app_role.id,
    policy=execution_arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "execute-api:Invoke",
                        "Resource": [f"{arn}/GET/*/*", f"{arn}/PUT/*/*"],
                    }
                ],
            }
        )
    ),
)

pulumi.export("api_url", platform.require_output("url"))
pulumi.export("app_role_arn", app_role.arn)
