"""Hand-written expectations shared by the offline and the end-to-end tests (never computed by the code under test)."""

# The `routes` output of a stack allowing `s3:*`: docs/design.md's route table, in its order.
EVERY_ROUTE = [
    "GET / -> s3:ListAllMyBuckets",
    "GET /{folder} -> s3:ListBucket",
    "GET /{folder}?versions -> s3:ListBucketVersions",
    "HEAD /{folder} -> s3:ListBucket",
    "PUT /{folder} -> s3:CreateBucket",
    "DELETE /{folder} -> s3:DeleteBucket",
    "GET /{folder}/{item+} -> s3:GetObject",
    "HEAD /{folder}/{item+} -> s3:GetObject",
    "PUT /{folder}/{item+} -> s3:PutObject",
    "DELETE /{folder}/{item+} -> s3:DeleteObject",
    "GET /{folder}/{item+}?versionId -> s3:GetObjectVersion",
    "HEAD /{folder}/{item+}?versionId -> s3:GetObjectVersion",
    "DELETE /{folder}/{item+}?versionId -> s3:DeleteObjectVersion",
    "POST /{folder}/{item+}?uploads -> s3:PutObject",
    "PUT /{folder}/{item+}?partNumber&uploadId -> s3:PutObject",
    "POST /{folder}/{item+}?uploadId -> s3:PutObject",
    "DELETE /{folder}/{item+}?uploadId -> s3:AbortMultipartUpload",
    "GET /{folder}/{item+}?uploadId -> s3:ListMultipartUploadParts",
    "PUT /{folder}/{item+} [x-amz-copy-source] -> s3:PutObject+s3:GetObject",
    "POST /{folder}?delete -> s3:DeleteObject",
]
