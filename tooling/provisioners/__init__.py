"""One provisioner per resource type, one module per AWS service, all in one registry.

Each module mirrors what terraform-provider-aws v6 (the provider pulumi-aws 7.51.1 bundles) does
for its types: the same AWS calls in the same order, the outputs its Read records, its ForceNew and
Optional+Computed properties. What exists only because LocalStack needs it is in `localstack_fixups`.
"""

from __future__ import annotations

from . import apigateway, cloudwatch, iam, kms, lambda_, logs, s3
from .base import Provisioner

REGISTRY: dict[str, Provisioner] = {
    **iam.PROVISIONERS,
    **apigateway.PROVISIONERS,
    **logs.PROVISIONERS,
    **cloudwatch.PROVISIONERS,
    **lambda_.PROVISIONERS,
    **kms.PROVISIONERS,
    **s3.PROVISIONERS,
}


def supported_types() -> list[str]:
    return sorted(REGISTRY)
