"""Each user gets a folder that IAM enforces: the S3 proxy in caller mode behind a Cognito identity pool.

Users sign in to the user pool; the identity pool exchanges their token for temporary credentials of its
authenticated role (AssumeRoleWithWebIdentity), and the app signs its API calls with them. The API passes those
credentials through to S3 (`integration_credentials` = caller), and the role's policy is the component's
`caller_policy`: objects only under `<identity id>/` (`${cognito-identity.amazonaws.com:sub}`), listing only there.
"""

import json

import pulumi
import pulumi_aws as aws
from pulumi_s3proxy import S3ProxyApi  # pip install pulumi-s3proxy (see the README)

home = aws.s3.Bucket("home", tags={"app": "files"})

api = S3ProxyApi(
    "files",
    {
        "allowed_actions": [
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:ListBucket",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
        ],
        "buckets": [home.bucket],
        "integration_credentials": "caller",
        "caller_folders": "cognito_identity",
    },
)

users = aws.cognito.UserPool("users", name="files-users")
app_client = aws.cognito.UserPoolClient("app", user_pool_id=users.id, generate_secret=False)
identities = aws.cognito.IdentityPool(
    "identities",
    identity_pool_name="files_identities",
    allow_unauthenticated_identities=False,  # no guest role: only signed-in users get credentials
    cognito_identity_providers=[
        aws.cognito.IdentityPoolCognitoIdentityProviderArgs(client_id=app_client.id, provider_name=users.endpoint)
    ],
)


def trusted_by(pool_id: str) -> str:
    """Only this identity pool's authenticated identities may assume the role (Amazon Cognito Developer Guide,
    "Role trust and permissions")."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
                    },
                }
            ],
        }
    )


authenticated = aws.iam.Role("authenticated", assume_role_policy=identities.id.apply(trusted_by))
aws.iam.RolePolicy("authenticated-files", role=authenticated.id, policy=api.caller_policy)
aws.cognito.IdentityPoolRoleAttachment(
    "identity-roles", identity_pool_id=identities.id, roles={"authenticated": authenticated.arn}
)

pulumi.export("bucket", home.bucket)
pulumi.export("identity_pool_id", identities.id)
pulumi.export("user_pool_client_id", app_client.id)
for output in ("url", "execution_arn", "routes", "caller_policy"):
    pulumi.export(output, getattr(api, output))
