"""The package host: serves `S3ProxyApi` as the `s3proxy` Pulumi package, usable from any Pulumi language.

Pulumi's Python language host runs this directory as a plugin, `python <this directory> <engine address>`, in
the virtualenv PulumiPlugin.yaml names. `component_provider_host` infers the package schema from the
component's type annotations and docstrings, prints the port of its gRPC ResourceProvider server on stdout and
serves GetSchema (for `pulumi package add`, which generates the consumer's SDK) and Construct (for
`pulumi up`/`preview`, which builds the component in this process).

The component lives in `components/` at the repository root, next to this directory, not in it; the root is
put on the import path. A git install clones the whole repository, so the layout is the same there.
"""

import sys
from pathlib import Path

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
if str(REPOSITORY_ROOT) not in sys.path:
    sys.path.insert(0, str(REPOSITORY_ROOT))

from pulumi.provider.experimental import component_provider_host  # noqa: E402

from components import S3ProxyApi  # noqa: E402

PACKAGE_NAME = "s3proxy"  # the package's name: resource tokens are `s3proxy:index:<component>`

if __name__ == "__main__":
    component_provider_host(name=PACKAGE_NAME, components=[S3ProxyApi])
