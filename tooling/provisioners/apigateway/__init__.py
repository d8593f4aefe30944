"""API Gateway: RestApi, Deployment, Stage, MethodSettings, UsagePlan, ApiKey, UsagePlanKey, DomainName,
BasePathMapping, as terraform-provider-aws v6 (bundled by pulumi-aws 7) makes them: the files and
functions each mirrors are named in its docstring, all under `internal/service/apigateway/`.
"""

from __future__ import annotations

from .domains import BASE_PATH_MAPPING, DOMAIN_NAME
from .keys import API_KEY, USAGE_PLAN, USAGE_PLAN_KEY
from .rest_api import REST_API
from .stages import DEPLOYMENT, METHOD_SETTINGS_PROVISIONER, STAGE

PROVISIONERS = {
    "aws:apigateway/restApi:RestApi": REST_API,
    "aws:apigateway/deployment:Deployment": DEPLOYMENT,
    "aws:apigateway/stage:Stage": STAGE,
    "aws:apigateway/methodSettings:MethodSettings": METHOD_SETTINGS_PROVISIONER,
    "aws:apigateway/apiKey:ApiKey": API_KEY,
    "aws:apigateway/usagePlan:UsagePlan": USAGE_PLAN,
    "aws:apigateway/usagePlanKey:UsagePlanKey": USAGE_PLAN_KEY,
    "aws:apigateway/domainName:DomainName": DOMAIN_NAME,
    "aws:apigateway/basePathMapping:BasePathMapping": BASE_PATH_MAPPING,
}
