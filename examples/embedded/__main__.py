"""A platform stack: its own bucket, and an S3 proxy API that may touch that bucket only.

The component's inputs are plain values (validated when it is constructed), so the bucket gets an
explicit name that both resources share, rather than an auto-generated one known only after deploy.
"""

import pulumi
import pulumi_aws as aws
from pulumi_s3proxy import S3ProxyApi  # pip install pulumi-s3proxy (see the README)

bucket_name = f"{pulumi.get_project()}-{pulumi.get_stack()}-reports"
bucket = aws.s3.Bucket("reports", bucket=bucket_name, force_destroy=False, tags={"app": "reports"})

api = S3ProxyApi(
    "reports-api",
    {
        "allowed_actions": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "buckets": [bucket_name],
        "key_prefix": "incoming/",
        "stage_name": pulumi.get_stack(),
        "tags": {"app": "reports"},
    },
    pulumi.ResourceOptions(depends_on=[bucket]),
)

pulumi.export("bucket", bucket.bucket)
for output in ("url", "rest_api_id", "stage_name", "execution_arn", "role_arn", "routes"):
    pulumi.export(output, getattr(api, output))
