"""Embedding the component in larger stacks: options flow down, renames keep resources, instances coexist."""

import pulumi
from conftest import RecordingMocks
from pulumi.runtime.mocks import MockMonitor

from components import S3ProxyApi
from tooling.program import run_with_mocks

ALL = {"allowed_actions": ["s3:*"]}
FEATURES = ALL | {"api_keys": {"names": ["web"]}, "access_logs": {}, "throttling_rate_limit": 5}


class RecordingMonitor(MockMonitor):
    """Keeps every registration request, to read the options the engine would receive."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.requests: dict[str, object] = {}

    def RegisterResource(self, request):
        if request.type != "pulumi:pulumi:Stack":
            self.requests[request.name] = request
        return super().RegisterResource(request)


def run(program):
    mocks = RecordingMocks("us-east-1")
    monitor = RecordingMonitor(mocks)
    run_with_mocks(program, mocks, project="big", stack="test", config={}, monitor=monitor)
    return monitor


def children_of(monitor, component="api"):
    return {name: request for name, request in monitor.requests.items() if name != component}


def test_protect_and_retain_on_delete_flow_down_to_every_child():
    monitor = run(lambda: S3ProxyApi("api", FEATURES, pulumi.ResourceOptions(protect=True, retain_on_delete=True)))
    children = children_of(monitor)
    assert len(children) >= 8  # role, policy, api, deployment, stage, settings, log group, plan, key...
    for name, request in children.items():
        assert request.protect, name
        assert request.retainOnDelete, name


def test_children_are_named_under_the_component_so_a_renaming_alias_covers_them():
    """The engine aliases a child whose name starts with its parent's old name; the component
    names every child `<name>-...`, and the alias reaches the engine with the component."""
    monitor = run(lambda: S3ProxyApi("files", FEATURES, pulumi.ResourceOptions(aliases=[pulumi.Alias(name="api")])))
    component = monitor.requests["files"]
    assert [alias.spec.name for alias in component.aliases] == ["api"]
    for name, request in children_of(monitor, "files").items():
        assert name.startswith("files-"), name
        assert request.parent == next(urn for urn in monitor.resources if urn.endswith("::files")), name


def test_two_instances_in_one_stack_never_collide():
    def program():
        S3ProxyApi("public", FEATURES)
        S3ProxyApi("internal", FEATURES)

    monitor = run(program)
    names = list(monitor.requests)
    assert len(names) == len(set(names))  # every logical name (hence URN) is distinct
    assert {n for n in names if n.startswith("public")}.isdisjoint({n for n in names if n.startswith("internal")})
    physical = [r.state.get("name") for r in monitor.resources.values() if r.state.get("name")]
    assert len(physical) == len(set(physical)), physical  # explicit physical names differ too
