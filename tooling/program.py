"""Run the unchanged Pulumi program (`__main__.py`) without the Pulumi CLI.

The Pulumi SDK's mock runtime stands in for the engine: every resource the program registers goes
to a `pulumi.runtime.Mocks`, which decides its id and outputs (fake values for a preview, real ones
when it provisions LocalStack). The config is what `pulumi up --stack <stack>` would hand the
program: the defaults declared in `Pulumi.yaml`, overridden by `Pulumi.<stack>.yaml`.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import importlib.util
import json
import os
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pulumi
import yaml
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import SETTINGS
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def provider_id(reference: str | None) -> str:
    """The id in a provider reference (`<urn>::<id>`) a mocked call or resource carries; "" for the
    default provider."""
    return (reference or "").rpartition("::")[2]


def read_yaml(path: Path) -> Any:
    """A YAML file through libyaml's loader where PyYAML has it (several times faster: `up` reads
    the project and stack files on every run of the program)."""
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def project_name(root: Path = ROOT) -> str:
    return str(read_yaml(root / "Pulumi.yaml")["name"])


def stack_config(stack: str, root: Path = ROOT) -> dict[str, str]:
    """The stack's config as the CLI passes it to a program: `namespace:key` -> string (JSON for
    lists, maps, numbers and booleans); a stack file's key without a namespace is the project's."""
    project = read_yaml(root / "Pulumi.yaml")
    values: dict[str, Any] = {
        f"{project['name']}:{key}": declaration["default"]
        for key, declaration in (project.get("config") or {}).items()
        if "default" in declaration
    }
    stack_file = root / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        stacks = sorted(p.name.split(".")[1] for p in root.glob("Pulumi.*.yaml"))
        raise FileNotFoundError(f"no stack {stack!r}: {stack_file.name} does not exist (stacks: {', '.join(stacks)})")
    for key, value in ((read_yaml(stack_file) or {}).get("config") or {}).items():
        values[key if ":" in key else f"{project['name']}:{key}"] = value
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in values.items()}


def run_with_mocks(
    program: Callable[[], Any],
    mocks: pulumi.runtime.Mocks,
    *,
    project: str,
    stack: str,
    config: dict[str, str],
    monitor: MockMonitor | None = None,
    preview: bool = False,
) -> tuple[Any, MockMonitor]:
    """Run `program` as a Pulumi program with `mocks` as the engine (through `monitor`, a
    `MockMonitor` over them by default); with `preview`, as `pulumi preview` does (values the mocks
    leave out are unknown, and returned as `pulumi.output.Unknown` values).

    Returns what `program` returned with every Output in it resolved, and the mock monitor, whose
    `resources` are the registered resources with their states. Each run gets a fresh context, so
    runs in one process share no root stack, config or registrations.
    """
    return contextvars.Context().run(
        _run, program, mocks, project, stack, config, monitor or MockMonitor(mocks), preview
    )


def _run(
    program: Callable[[], Any],
    mocks: pulumi.runtime.Mocks,
    project: str,
    stack: str,
    config: dict[str, str],
    monitor: MockMonitor,
    preview: bool,
) -> tuple[Any, MockMonitor]:
    # Like `pulumi.runtime.test`: forget RPCs and failures a previous run in this process left behind.
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    result: list[Any] = []

    def run() -> None:
        # With unknowns the callback runs too (a preview's outputs may be unknown).
        _sync_await(pulumi.Output.from_input(program()).apply(result.append, True).future())

    try:
        _sync_await(run_pulumi_func(run))
    except BaseException as error:
        # The SDK re-raises a failed RPC's exception "from" itself; that cycle sends traceback
        # printers (pytest's among them) into unbounded recursion.
        if error.__cause__ is error:
            error.__cause__ = None
        _silence_unretrieved(error)
        raise
    return result[0], monitor


def _silence_unretrieved(error: BaseException) -> None:
    """Every output of a failed resource holds the same exception; when those futures are collected
    asyncio would print each as "never retrieved". It is raised to the caller once: that is enough."""
    loop = _ensure_event_loop()
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("exception") is error:
            return
        if previous:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def run_reporting_errors(run: Callable[[], T]) -> T:
    """`run()`; a `pulumi.RunError` (the program's own refusal, e.g. a mistyped config key) ends the
    process with its message and no traceback, as the CLI's Python host reports it (S3PROXY_DEBUG=1 shows it)."""
    try:
        return run()
    except pulumi.RunError as error:
        if os.environ.get("S3PROXY_DEBUG"):
            raise
        sys.exit(f"error: {error}")


def provide_checkout_as_installed_package() -> None:
    """Programs written as users write them (`from pulumi_s3proxy import ...`, examples/) run against
    this checkout's `components`, which is what the `pulumi-s3proxy` wheel is built from, unless that
    wheel is installed (then they get it, as `tests/test_dist.py` checks)."""
    if "pulumi_s3proxy" not in sys.modules and importlib.util.find_spec("pulumi_s3proxy") is None:
        if str(ROOT) not in sys.path:
            sys.path.append(str(ROOT))
        sys.modules["pulumi_s3proxy"] = importlib.import_module("components")


SECRET = "[secret]"  # how `pulumi stack output --json` shows a secret without --show-secrets


def project_virtualenv(root: Path) -> Path | None:
    """The project's own virtualenv, where `pulumi up` runs its program: Pulumi.yaml's
    `runtime.options.virtualenv`, else `venv` or `.venv` in the project directory (when it exists)."""
    runtime = read_yaml(root / "Pulumi.yaml").get("runtime")
    declared = ((runtime or {}).get("options") or {}).get("virtualenv") if isinstance(runtime, dict) else None
    for candidate in [declared] if declared else ["venv", ".venv"]:
        if (root / candidate).is_dir():
            return (root / candidate).resolve()
    return None


def virtualenv_packages(root: Path) -> list[str]:
    """The site-packages of the project's virtualenv for this interpreter's Python version (the
    tooling's own SDK stays first on the path: the engine and the program share one runtime)."""
    venv = project_virtualenv(root)
    if venv is None:
        return []
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    packages = venv / "lib" / version / "site-packages"
    if not packages.is_dir():
        found = ", ".join(sorted(p.name for p in (venv / "lib").glob("python*"))) or "none"
        raise RuntimeError(
            f"the project's virtualenv {venv} has no {version} packages (found: {found}): "
            f"create it with the Python that runs the tooling ({sys.executable})"
        )
    return [str(packages)]


def run_program(
    stack: str, mocks: pulumi.runtime.Mocks, root: Path = ROOT, monitor: MockMonitor | None = None
) -> tuple[StackOutputs, MockMonitor]:
    """Run the program `root/__main__.py` for `stack` (through `monitor`, a `MockMonitor` over `mocks`
    by default), with the packages of the project's own virtualenv importable; return its stack
    outputs (values resolved, secrets included: use `shown` to display them) and the mock monitor."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # the program imports `components`, as under `pulumi up`
    added = [path for path in virtualenv_packages(root) if path not in sys.path]
    sys.path.extend(added)
    try:
        return _run_program(stack, mocks, root, monitor)
    finally:
        for path in added:
            sys.path.remove(path)


def _run_program(
    stack: str, mocks: pulumi.runtime.Mocks, root: Path, monitor: MockMonitor | None
) -> tuple[StackOutputs, MockMonitor]:
    provide_checkout_as_installed_package()

    def program() -> Any:
        runpy.run_path(str(root / "__main__.py"), run_name="__main__")
        exported = pulumi.runtime.get_root_resource().outputs  # type: ignore[union-attr]
        secret = {name: pulumi.Output.from_input(value).is_secret() for name, value in exported.items()}
        return {"values": exported, "secret": secret}

    result, monitor = run_with_mocks(
        program, mocks, project=project_name(root), stack=stack, config=stack_config(stack, root), monitor=monitor
    )
    secret = frozenset(name for name, is_secret in result["secret"].items() if is_secret)
    return StackOutputs(result["values"], secret), monitor


class StackOutputs(dict[str, Any]):
    """Stack outputs with their values resolved, secrets included, and which of them are secret."""

    def __init__(self, values: dict[str, Any], secret: frozenset[str] = frozenset()) -> None:
        super().__init__(values)
        self.secret = secret

    def shown(self) -> dict[str, Any]:
        """As `pulumi stack output --json` shows them: secrets masked."""
        return {name: SECRET if name in self.secret else value for name, value in self.items()}
