"""deploy(..., publish=True, alias=...): the alias follows the published version, guarded.

Every test runs the blocking and the async client on the simulator, in virtual time.
"""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_code import (
    AliasEvent,
    AliasUpdate,
    DeployEvent,
    DeployResult,
    LambdaCodeError,
    PreconditionFailedException,
    RequestValidationError,
    ZipPackage,
)
from lambda_code.testing import FaultKind, SimulatedLambda, VirtualClock, make_zip
from test_fault_matrix import CLIENTS, PACKAGE, deploy_with

OTHER = ZipPackage.from_bytes(make_zip({"index.py": b"def handler(e, c):\n    return 'v2'\n"}))


def simulator() -> SimulatedLambda:
    sim = SimulatedLambda(clock=VirtualClock(), reuse_unchanged_versions=False)
    sim.create_function("fn")
    return sim


def deploy(kind: str, sim: SimulatedLambda, code: ZipPackage = PACKAGE, **kwargs: Any) -> Any:
    kwargs.setdefault("publish", True)
    kwargs.setdefault("alias", "live")
    return deploy_with(kind, sim, "fn", code, **kwargs)


def alias_writes(sim: SimulatedLambda) -> list[str]:
    return [r.operation for r in sim.history if r.operation in {"CreateAlias", "UpdateAlias"}]


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_new_alias_is_created_then_moved_then_left_alone(kind: str) -> None:
    sim = simulator()
    events: list[DeployEvent] = []

    first = deploy(kind, sim, on_event=events.append)
    assert first.alias == AliasUpdate(name="live", version="1", action="created")
    assert sim.alias("fn", "live") == "1"
    assert [e.alias for e in events if isinstance(e, AliasEvent)] == [first.alias]

    second = deploy(kind, sim, OTHER)
    assert second.alias == AliasUpdate(name="live", version="2", action="updated", previous="1")
    assert sim.alias("fn", "live") == "2"

    sim.reset_counters()
    again = deploy(kind, sim, OTHER)
    assert not again.changed
    assert again.alias == AliasUpdate(name="live", version="2", action="unchanged", previous="2")
    assert alias_writes(sim) == []
    assert sim.versions_published["fn"] == 0  # since reset_counters: nothing published


@pytest.mark.parametrize("kind", CLIENTS)
def test_the_result_has_the_published_version_and_latest(kind: str) -> None:
    sim = simulator()
    result = deploy(kind, sim)
    assert result.version == "1"
    assert result.published is not None
    assert result.published.version == "1"
    assert result.published.function_arn is not None
    assert result.published.function_arn.endswith(":fn:1")
    assert result.configuration.version == "$LATEST"
    assert result.previous is not None
    assert result.previous.code_sha256 != PACKAGE.code_sha256


@pytest.mark.parametrize("kind", CLIENTS)
def test_unchanged_code_points_the_alias_at_the_newest_version_holding_it(kind: str) -> None:
    sim = simulator()
    deploy(kind, sim, publish=True, alias=None)  # version 1 holds PACKAGE; no alias yet
    sim.reset_counters()
    result = deploy(kind, sim)
    assert not result.changed
    assert result.alias == AliasUpdate(name="live", version="1", action="created")
    assert sim.alias("fn", "live") == "1"
    assert sim.versions_published["fn"] == 0  # since reset_counters: version 1 reused


@pytest.mark.parametrize(
    ("options", "rule"),
    [
        ({"publish": False}, "needs publish=True"),
        ({"wait": False}, "needs wait=True"),
        ({"alias": "123"}, "all digits"),
        ({"alias": "a b"}, "pattern"),
        ({"alias": ""}, "at least 1"),
        ({"alias": "x" * 129}, "at most 128"),
        ({"alias": 7}, "must be a string"),
    ],
)
def test_bad_alias_options_are_refused_before_any_call(options: dict[str, Any], rule: str) -> None:
    sim = simulator()
    sim.reset_counters()
    with pytest.raises(RequestValidationError) as caught:
        deploy("sync", sim, **options)
    assert caught.value.field == "alias"
    assert rule in caught.value.rule
    assert sum(sim.calls.values()) == 0


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("operation", ["CreateAlias", "UpdateAlias"])
def test_a_concurrent_alias_change_is_not_overwritten(kind: str, operation: str) -> None:
    sim = simulator()
    if operation == "UpdateAlias":
        deploy(kind, sim, OTHER)  # the alias exists, at version 1
    sim.add_fault("concurrent_alias_change", operation=operation, times=1)
    with pytest.raises(PreconditionFailedException) as caught:
        deploy(kind, sim)
    assert sim.alias("fn", "live") == "$LATEST"  # the other writer's change stands
    assert "alias live" in str(caught.value)
    assert caught.value.update_accepted is True  # the code itself was deployed and published


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("operation", ["CreateAlias", "UpdateAlias"])
@pytest.mark.parametrize("fault", ["lost_response", "connection_error", "server_error"])
def test_a_lost_answer_to_our_alias_change_is_found_as_ours(
    kind: str, operation: str, fault: FaultKind
) -> None:
    sim = simulator()
    if operation == "UpdateAlias":
        deploy(kind, sim, OTHER)
    sim.add_fault(fault, operation=operation, times=1)
    result = deploy(kind, sim)
    expected = "created" if operation == "CreateAlias" else "updated"
    assert result.alias is not None
    assert result.alias.action == expected
    assert sim.alias("fn", "live") == result.version


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_dry_run_reads_the_alias_and_changes_nothing(kind: str) -> None:
    sim = simulator()
    deploy(kind, sim, OTHER)
    sim.reset_counters()
    result = deploy(kind, sim, dry_run=True)
    assert result.dry_run
    assert result.alias == AliasUpdate(name="live", version=None, action="updated", previous="1")
    assert sim.alias("fn", "live") == "1"
    assert alias_writes(sim) == []
    assert sim.calls["GetAlias"] == 1


_ALIAS_OPS = ["GetAlias", "CreateAlias", "UpdateAlias"]
_ALIAS_FAULTS: list[FaultKind] = [
    "lost_response",
    "connection_error",
    "read_timeout",
    "server_error",
    "throttle",
    "concurrent_alias_change",
]


def _wrote_over_an_unread_alias_change(sim: SimulatedLambda) -> bool:
    """Whether one of our alias writes landed after another writer's change we had not read."""
    unread = False
    for record in sim.history:
        landed = record.status is not None and record.status < 300
        if record.fault == "concurrent_alias_change":
            unread = True
        elif record.operation == "GetAlias" and landed:
            unread = False
        elif record.operation in {"CreateAlias", "UpdateAlias"} and landed and unread:
            return True
    return False


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    faults=st.lists(
        st.tuples(st.sampled_from(_ALIAS_FAULTS), st.sampled_from(_ALIAS_OPS), st.integers(1, 3)),
        max_size=4,
    ),
    exists=st.booleans(),
    same_code=st.booleans(),
    kind=st.sampled_from(CLIENTS),
)
def test_alias_promises_hold_under_faults_and_another_writer(
    faults: list[tuple[FaultKind, str, int]], exists: bool, same_code: bool, kind: str
) -> None:
    """Any faults and alias changes by someone else, on any alias call: the promises hold.

    At most one version is published; no alias write lands on top of a change it did not
    read; a success leaves the alias at the published version; a failure is a typed error.
    """
    sim = simulator()
    if exists:
        deploy(kind, sim, OTHER)
    if same_code:
        deploy(kind, sim, PACKAGE, alias=None)
    published_before = sim.versions_published["fn"]
    sim.reset_counters()
    for fault, operation, call in faults:
        sim.add_fault(fault, operation=operation, calls={call})

    try:
        result: DeployResult | BaseException = deploy(kind, sim)
    except Exception as err:
        result = err

    assert isinstance(result, DeployResult | LambdaCodeError), repr(result)
    assert sim.versions_published["fn"] - published_before <= 1
    assert not _wrote_over_an_unread_alias_change(sim)
    if isinstance(result, DeployResult):
        assert result.alias is not None
        assert sim.alias("fn", "live") == result.version == result.alias.version
    elif isinstance(result, PreconditionFailedException):
        assert any(r.fault == "concurrent_alias_change" for r in sim.history)
