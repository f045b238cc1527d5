# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""pytest plugin: the `simulated_lambda` fixture.

Loaded in every pytest run where lambda-code is installed, so it imports the simulator only
when the fixture is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    # Imported here, not at module level, so that loading the plugin stays cheap.
    from lambda_code.testing._simulator import SimulatedLambda

# Fake credentials so nothing can pick up, or sign with, a developer's real ones.
_FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
_CLEARED = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA")


@pytest.fixture
def simulated_lambda(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedLambda]:
    """A `SimulatedLambda` on a fresh `VirtualClock`, with fake AWS credentials in the env."""
    # Imported here, not at module level, so that loading the plugin stays cheap.
    from lambda_code.testing._simulator import SimulatedLambda

    for name, value in _FAKE_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    simulator = SimulatedLambda()
    try:
        yield simulator
    finally:
        simulator.detach()
