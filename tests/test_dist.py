"""The installable distributions: `make dist` builds both wheels, each installs into a fresh virtualenv outside
the checkout, the component wheel runs the embedded example, the client wheel brings no Pulumi."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from conftest import ROOT, Venv, fresh_venv

from tooling.preview import PreviewMocks
from tooling.program import run_program

VERSION = (ROOT / "VERSION").read_text().strip()
EMBEDDED = ROOT / "examples" / "embedded"
CLI_COMMANDS = ("ls", "cp", "rm", "mb", "rb", "head")

# Run in the component's venv: the example under the SDK's mock runtime, with a copy of the tooling
# only (no `components` beside it), and report which `pulumi_s3proxy` it used.
RUN_EXAMPLE = """
import importlib.util, json, sys
from pathlib import Path

from tooling.preview import PreviewMocks
from tooling.program import run_program

outputs, monitor = run_program("dev", PreviewMocks("us-east-1"), Path(sys.argv[1]))
import pulumi_s3proxy
print(json.dumps({
    "module": pulumi_s3proxy.__file__,
    "version": pulumi_s3proxy.__version__,
    "checkout_importable": importlib.util.find_spec("components") is not None,
    "resources": sorted(monitor.resources),
    "outputs": dict(outputs),
}))
"""


def metadata(wheel: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(name).decode())
    return {key: message.get_all(key) or [] for key in ("Name", "Version", "Requires-Dist")}


def packaged_files(wheel: Path, package: str) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {
            n.removeprefix(f"{package}/"): archive.read(n) for n in archive.namelist() if n.startswith(f"{package}/")
        }


def checkout_files(directory: str) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (ROOT / directory).glob("*.py")}


@pytest.fixture(scope="module")
def component_venv(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Venv:
    return fresh_venv(tmp_path_factory.mktemp("component-venv"), str(wheels["pulumi-s3proxy"]))


def test_make_dist_builds_both_wheels_with_the_one_version(wheels):
    assert sorted(wheels) == ["pulumi-s3proxy", "s3proxy-client"]
    for wheel in wheels.values():
        assert metadata(wheel)["Version"] == [VERSION]


def test_the_component_wheel_is_the_checkouts_components_package_renamed(wheels):
    files = packaged_files(wheels["pulumi-s3proxy"], "pulumi_s3proxy")
    assert files.pop("VERSION").decode().strip() == VERSION
    assert files == checkout_files("components")  # the same bytes: no copy in the repository can drift


def test_the_component_depends_on_compatible_pulumi_ranges_not_pins(wheels):
    requires = sorted(metadata(wheels["pulumi-s3proxy"])["Requires-Dist"])
    assert requires == ["botocore<2,>=1.35", "pulumi-aws<8,>=7", "pulumi<4,>=3.165"]


def test_the_client_wheel_is_the_checkouts_client_with_its_console_script(wheels):
    files = packaged_files(wheels["s3proxy-client"], "s3proxy_client")
    assert files.pop("VERSION").decode().strip() == VERSION
    assert files == checkout_files("s3proxy_client")
    with zipfile.ZipFile(wheels["s3proxy-client"]) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        assert "s3proxy = s3proxy_client.cli:main" in archive.read(name).decode().splitlines()
    assert not [r for r in metadata(wheels["s3proxy-client"])["Requires-Dist"] if r.startswith("pulumi")]


def test_the_embedded_example_runs_on_the_installed_component(component_venv, tmp_path):
    runner = tmp_path / "runner"
    shutil.copytree(ROOT / "tooling", runner / "tooling", ignore=shutil.ignore_patterns("__pycache__"))
    (runner / "run_example.py").write_text(RUN_EXAMPLE)
    example = shutil.copytree(EMBEDDED, tmp_path / "embedded", ignore=shutil.ignore_patterns("__pycache__"))

    done = component_venv.run("python", str(runner / "run_example.py"), str(example))
    assert done.returncode == 0, done.stderr
    installed = json.loads(done.stdout.splitlines()[-1])
    assert Path(installed["module"]).is_relative_to(component_venv.path)
    assert installed["checkout_importable"] is False
    assert installed["version"] == VERSION

    # The same program against the checkout (how the in-repo tests run it) registers the same resources.
    outputs, monitor = run_program("dev", PreviewMocks("us-east-1"), EMBEDDED)
    assert installed["resources"] == sorted(monitor.resources)
    assert any("s3proxy:index:S3ProxyApi" in urn for urn in installed["resources"])
    assert installed["outputs"] == json.loads(json.dumps(dict(outputs)))


def test_the_installed_client_has_no_pulumi(client_venv):
    probe = (
        "import importlib.util, json, s3proxy_client, s3proxy_client.cli; print(json.dumps({"
        "'missing': [m for m in ('pulumi', 'pulumi_aws', 'components') if importlib.util.find_spec(m) is None],"
        "'module': s3proxy_client.__file__, 'version': s3proxy_client.__version__}))"
    )
    done = client_venv.run("python", "-c", probe)
    assert done.returncode == 0, done.stderr
    installed = json.loads(done.stdout)
    assert installed["missing"] == ["pulumi", "pulumi_aws", "components"]
    assert Path(installed["module"]).is_relative_to(client_venv.path)
    assert installed["version"] == VERSION


def test_the_console_script_is_the_cli(client_venv):
    done = client_venv.run("s3proxy", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: s3proxy ")
    assert all(f"s3proxy --outputs outputs.json {command} " in done.stdout for command in CLI_COMMANDS)


def git(*args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=True).stdout


def test_git_urls_with_the_subdirectory_install_the_packages(tmp_path):
    """docs/embedding.md's `pip install "NAME @ git+URL#subdirectory=packaging/NAME"`, from this checkout's
    HEAD commit: each installs the committed package. (A `git+file:///` URL has no host, which this
    pip's requirement parser refuses after `NAME @`; the bare URL form is the same install.)"""
    commit = git("rev-parse", "HEAD").decode().strip()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    urls = [
        f"git+file://{ROOT}@{commit}#subdirectory=packaging/{name}" for name in ("pulumi-s3proxy", "s3proxy-client")
    ]
    install = ["--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-deps", "--no-compile", *urls]
    subprocess.run([sys.executable, "-m", "pip", *install], check=True)
    (site_packages,) = venv.glob("lib/python*/site-packages")
    for package, source in (("pulumi_s3proxy", "components"), ("s3proxy_client", "s3proxy_client")):
        installed = {path.name: path.read_bytes() for path in (site_packages / package).iterdir() if path.is_file()}
        assert installed.pop("VERSION") == git("show", f"{commit}:VERSION")
        committed = git("ls-tree", "--name-only", commit, f"{source}/").decode().split()
        assert installed == {Path(path).name: git("show", f"{commit}:{path}") for path in committed}
