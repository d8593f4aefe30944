"""The s3proxy program: check and read the stack's config, build one S3ProxyApi, export its outputs."""

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pulumi
import yaml
from pulumi.runtime.config import CONFIG

from components import S3ProxyApi, S3ProxyApiArgs, S3ProxyConfigError
from components.inputs import DECIMAL, FLAG, MAP, NUMBER, STRUCTURED, TEXT, WHOLE, stack_args, stack_key_of, stack_keys
from components.s3proxy import OUTPUTS

config = pulumi.Config()  # the `s3proxy:` namespace; Pulumi.yaml declares every key with its default
# Project config cannot type a map, so these are read from the stack file without a declaration.
UNDECLARED_MAPS = tuple(key for key, how in stack_keys() if how == MAP)


def check_config_keys() -> None:
    """A key of this project's namespace that Pulumi.yaml does not declare is a typo (the engine passes
    it through and the program would never read it): fail before anything is created, naming it and
    the closest declared key. The keys are the ones the engine handed over: `PULUMI_CONFIG` under the
    CLI, which its Python host also loads into the SDK's config map, as the mock runtime does."""
    project = yaml.safe_load(Path(__file__).resolve().with_name("Pulumi.yaml").read_text())
    namespace = f"{config.name}:"
    declared = sorted({key.removeprefix(namespace) for key in project.get("config") or {}} | set(UNDECLARED_MAPS))
    given = set(pulumi.runtime.get_config_env()) | set(CONFIG.get())
    unknown = sorted(key for key in given if key.startswith(namespace) and key.removeprefix(namespace) not in declared)
    if unknown:
        raise pulumi.RunError(
            "; ".join(
                f"stack config {key} is not declared in Pulumi.yaml: did you mean "
                f"{namespace}{difflib.get_close_matches(key.removeprefix(namespace), declared, n=1, cutoff=0)[0]}?"
                for key in unknown
            )
        )


check_config_keys()


def decimal(key: str) -> Any:
    """A number held in a string key; what is not a number is passed on for the component to refuse, naming it."""
    value = config.get(key)
    try:
        return float(value) if value else None
    except ValueError:
        return value


# How each kind of stack key (`inputs.INPUTS`) is read.
READERS: dict[str, Callable[[str], Any]] = {
    TEXT: config.get,
    NUMBER: config.get_float,
    WHOLE: config.get_int,
    FLAG: config.get_bool,
    STRUCTURED: config.get_object,
    MAP: config.get_object,
    DECIMAL: decimal,
}


def setting(key: str, how: str) -> Any:
    """A config value, or None where it is unset or holds Pulumi.yaml's "not set" default
    ("", -1 or an empty list): the component then applies its own default. A key of another namespace
    (`aws:region`) is read as it is given."""
    namespace, _, name = key.rpartition(":")
    if namespace:
        return pulumi.Config(namespace).get(name)
    value = READERS[how](key)
    return None if value is None or value == "" or value == -1 or value == [] else value


def stack_key_named(field: str) -> str:
    """The stack key an input (`cors.allow_origin`, `method_throttling.GET /x`) is read from, with its namespace;
    `authorizer` -> `s3proxy:authorizer*`."""
    key = stack_key_of(field)
    if key is None:
        return f"input {field}"
    return key if ":" in key else f"{config.name}:{key}"


try:
    api = S3ProxyApi("s3proxy", cast(S3ProxyApiArgs, stack_args(setting)))
except S3ProxyConfigError as error:
    # Under `pulumi up` the Python host prints a RunError as one line; name the key the user wrote.
    reason = str(error).removeprefix(f"S3ProxyApi: invalid `{error.field}`: ")
    raise pulumi.RunError(f"stack config {stack_key_named(error.field)}: {reason}") from None

for output in OUTPUTS:
    pulumi.export(output, getattr(api, output))
