"""The stack outputs an app needs: what `pulumi stack output --json` (or `make up`) prints."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>
EXECUTION_ARN = re.compile(r"^arn:[\w-]+:execute-api:(?P<region>[a-z0-9-]+):")
# <api id>.execute-api.<region>.amazonaws.com[.cn], as API Gateway names a stage's invoke host
INVOKE_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")


class OutputsError(ValueError):
    """The stack outputs are missing, unreadable or lack what the client needs."""


@dataclass(frozen=True)
class StackOutputs:
    url: str
    region: str
    routes: tuple[str, ...] | None = None
    """`VERB /path[?selector] -> action` per deployed route, when the outputs list them."""
    raw: Mapping[str, Any] = field(default_factory=dict)


def region_from(outputs: Mapping[str, Any]) -> str | None:
    """The API's region: from `execution_arn`, else from an AWS invoke URL's host."""
    arn = outputs.get("execution_arn")
    if isinstance(arn, str) and (match := EXECUTION_ARN.match(arn)):
        return match["region"]
    url = outputs.get("url")
    if isinstance(url, str) and (match := INVOKE_HOST.match(urlsplit(url).hostname or "")):
        return match["region"]
    return None


def load_outputs(source: Mapping[str, Any] | str | os.PathLike[str]) -> dict[str, Any]:
    """The outputs dict from a dict, a path to a JSON file, or the JSON text itself.

    A string that starts with `{` or `[` (blanks aside) or spans lines is text; any other string is a path. Text
    whose last line is the JSON object (as `make up` prints it after its progress) is accepted too.
    """
    if isinstance(source, Mapping):
        return dict(source)
    if isinstance(source, str) and (source.lstrip().startswith(("{", "[")) or "\n" in source.strip()):
        text, origin = source, "the outputs text"
    else:
        path = Path(source)
        try:
            text = path.read_text()
        except OSError as error:
            raise OutputsError(f"cannot read stack outputs from {path}: {error.strerror or error}") from None
        origin = str(path)
    for candidate in (text, text.strip().rpartition("\n")[2]):
        try:
            document = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(document, dict):
            return document
        raise OutputsError(f"{origin} is JSON but not an object of stack outputs")
    raise OutputsError(f"{origin} is not JSON (expected `pulumi stack output --json`)")


def parse_outputs(
    source: Mapping[str, Any] | str | os.PathLike[str], region: str | None = None, url: str | None = None
) -> StackOutputs:
    """Parse and check the outputs; `region` and `url` override what they say."""
    outputs = load_outputs(source)
    invoke_url = url or outputs.get("url")
    if not isinstance(invoke_url, str) or not invoke_url.startswith(("http://", "https://")):
        raise OutputsError(f"the stack outputs have no usable `url` (keys: {', '.join(sorted(outputs)) or 'none'})")
    found_region = region or region_from(outputs)
    if not found_region:
        raise OutputsError(
            "cannot tell the API's region: no `execution_arn` (arn:aws:execute-api:<region>:...) and the url's host "
            "is not <id>.execute-api.<region>.amazonaws.com; pass a region"
        )
    routes = outputs.get("routes")
    listed = tuple(str(r) for r in routes) if isinstance(routes, list) else None
    return StackOutputs(url=invoke_url.rstrip("/"), region=found_region, routes=listed, raw=outputs)
