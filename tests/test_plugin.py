"""Tests for the pytest plugin: the `simulated_lambda` fixture and its fake AWS environment."""

from __future__ import annotations

import base64
import hashlib
import os
from typing import TYPE_CHECKING, Any, cast

import pytest

from lambda_code.testing import SimulatedLambda, VirtualClock, _plugin, make_zip

if TYPE_CHECKING:
    from collections.abc import Iterator

ZIP_A = make_zip({"index.py": b"def handler(event, context):\n    return 'a'\n"})

# Every test here runs with the network refused: the simulator must answer everything.
pytestmark = pytest.mark.usefixtures("no_network")


def sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_fixture_gives_a_simulator_with_fake_credentials(
    simulated_lambda: SimulatedLambda,
) -> None:
    """The simulated_lambda fixture has a VirtualClock and fake AWS credentials set."""
    assert isinstance(simulated_lambda.clock, VirtualClock)
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == "testing"  # noqa: S105 - the fake value
    created = simulated_lambda.create_function("fn", ZIP_A)
    assert created["CodeSha256"] == sha(ZIP_A)


def test_fixture_detaches_afterwards(
    monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    """After the fixture's teardown the simulator no longer answers its client."""
    # The plain generator function behind the fixture, to run its teardown here.
    fixture: Iterator[SimulatedLambda] = cast("Any", _plugin.simulated_lambda).__wrapped__(
        monkeypatch
    )
    simulator = next(fixture)
    simulator.create_function("fn", ZIP_A)
    with pytest.raises(StopIteration):
        next(fixture)
    with pytest.raises(AssertionError, match="network access"):
        simulator.client.get_function_configuration(FunctionName="fn")
    assert simulator.calls == {"CreateFunction": 1}
    assert len(no_network) == 1
    no_network.clear()  # that attempt was the point of this test


def test_fake_environment_replaces_real_profiles_files_and_endpoints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fixture's environment leaves no profile, file, endpoint or metadata to read from."""
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/home/someone/.aws/config")
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", "https://lambda.example.com")
    _plugin.use_fake_aws(monkeypatch)
    for name in _plugin.CLEARED_ENVIRONMENT:
        assert name not in os.environ
    assert os.environ["AWS_CONFIG_FILE"] == os.devnull
    assert os.environ["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
