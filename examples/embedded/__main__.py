"""A platform stack: its own bucket, and an S3 proxy API that may touch that bucket only.

The bucket is auto-named (Pulumi's default: `reports-<random>`), and its name, an Output known only once
the bucket exists, is passed to the component as any other resource's output would be.
"""

import pulumi
import pulumi_aws as aws
from pulumi_s3proxy import S3ProxyApi  # pip install pulumi-s3proxy (see the README)

bucket = aws.s3.Bucket("reports", force_destroy=False, tags={"app": "reports"})

api = S3ProxyApi(
    "reports-api",
    {
        "allowed_actions": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
        "buckets": [bucket.bucket],
        "key_prefix": "incoming/",
        "stage_name": pulumi.get_stack(),
        "tags": {"app": "reports"},
    },
)

pulumi.export("bucket", bucket.bucket)
for output in ("url", "rest_api_id", "stage_name", "execution_arn", "role_arn", "routes"):
    pulumi.export(output, getattr(api, output))
