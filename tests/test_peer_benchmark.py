"""benchmarks/peer.py builds the AWS tutorial's API from the seed's own steps: what it reads of them.

The excerpt is the seed's "New REST API console" steps verbatim, one long line wrapped (the seed,
../shared/seeds/aws-tutorial-rest-api-as-s3-proxy.txt, lies outside the repository): the test runs without the
file, `make bench-peer` reads the file itself.
"""

import importlib.util
import sys

import pytest

from tooling.program import ROOT

SEED_STEPS = r"""
  2. For Authorization, from the dropdown menu, select AWS_IAM.
  2. For the Content-Length header, enter integration.response.header.Content-Length for the mapping value.
  3. For the Content-Type header, enter integration.response.header.Content-Type for the mapping value.
  4. For the Timestamp header, enter integration.response.header.Date for the mapping value.
  7. For HTTP status regex, enter 4\d{2}. This maps all 4xx HTTP response status codes to the method response.
  10. Repeat the following steps to create an integration response for the 500 method response.
  For HTTP status regex, enter 5\d{2}.
  3. For Name, enter bucket.
  4. For Mapped from, enter method.request.path.folder. The configuration should look similar to the following:
To expose the GET method on a file resource
  9. For Path override, enter {bucket}/{object}.
  4. For Name, enter bucket.
  5. For Mapped from, enter method.request.path.folder.
  7. For Name, enter object.
  8. For Mapped from, enter method.request.path.item.
    3. Choose Add binary media type, and then enter the required media type, for example, image/png.
"""


@pytest.fixture(scope="module")
def peer():
    sys.path.insert(0, str(ROOT / "benchmarks"))  # peer.py imports its neighbour transfer.py, as when run
    spec = importlib.util.spec_from_file_location("peer_benchmark", ROOT / "benchmarks" / "peer.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]
    sys.path.remove(str(ROOT / "benchmarks"))


def test_the_tutorial_is_read_from_its_steps(peer):
    assert peer.read_tutorial(SEED_STEPS) == peer.Tutorial(
        path_override="{bucket}/{object}",
        path_parameters={"bucket": "method.request.path.folder", "object": "method.request.path.item"},
        response_headers={"Content-Length": "Content-Length", "Content-Type": "Content-Type", "Timestamp": "Date"},
        error_patterns={r"4\d{2}": "400", r"5\d{2}": "500"},
        authorization="AWS_IAM",
        binary_media_type="image/png",
    )


def test_a_step_missing_from_the_seed_is_named(peer):
    with pytest.raises(SystemExit, match=r"no step matching 'For Path override"):
        peer.read_tutorial(SEED_STEPS.replace("Path override", "Path"))
