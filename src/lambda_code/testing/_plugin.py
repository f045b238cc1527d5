# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""pytest plugin: the `simulated_lambda` fixture and the fake AWS environment it runs in.

Loaded in every pytest run where lambda-code is installed, so it imports the simulator only
when the fixture is used.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    # Imported here, not at module level, so that loading the plugin stays cheap.
    from lambda_code.testing._simulator import SimulatedLambda

__all__ = ["CLEARED_ENVIRONMENT", "FAKE_ENVIRONMENT", "simulated_lambda", "use_fake_aws"]

#: Fake credentials and region, and no file, profile or instance metadata to read others from,
#: so nothing can pick up, or sign with, a developer's real ones.
FAKE_ENVIRONMENT: Final = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
#: Removed: each would point botocore at a real profile or a real endpoint.
CLEARED_ENVIRONMENT: Final = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_LAMBDA",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_ECR",
)


def use_fake_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put the fake AWS environment in place until the test ends."""
    for name in CLEARED_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def simulated_lambda(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedLambda]:
    """A `SimulatedLambda` on a fresh `VirtualClock`, with fake AWS credentials in the env."""
    # Imported here, not at module level, so that loading the plugin stays cheap.
    from lambda_code.testing._simulator import SimulatedLambda

    use_fake_aws(monkeypatch)
    simulator = SimulatedLambda()
    try:
        yield simulator
    finally:
        simulator.detach()
