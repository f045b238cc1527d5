"""Fixtures shared by the whole suite: fake AWS credentials, a virtual clock, moto's server."""

import importlib.util
import os
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import botocore.endpoint
import pytest
from moto.server import ThreadedMotoServer

from lambda_code.testing import VirtualClock
from lambda_code.testing._plugin import CLEARED_ENVIRONMENT, FAKE_ENVIRONMENT, use_fake_aws


def pytest_configure(config: pytest.Config) -> None:
    """Before collection too, no real AWS profile or config file is read."""
    for name in CLEARED_ENVIRONMENT:
        os.environ.pop(name, None)
    os.environ.update(FAKE_ENVIRONMENT)


@pytest.fixture(autouse=True)
def _fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can reach real AWS: real credentials and profiles are replaced by fakes."""
    use_fake_aws(monkeypatch)


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _check_loopback(request: Any) -> None:
    host = urlsplit(str(request.url)).hostname or ""
    if host not in _LOOPBACK:
        raise AssertionError(f"a test tried to reach {request.url}")


@pytest.fixture(autouse=True)
def _only_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any request botocore would really send must go to this machine (moto's server)."""
    send = getattr(botocore.endpoint.Endpoint, "_send")  # noqa: B009 - private, not in the stubs

    def guarded(self: Any, request: Any) -> Any:
        _check_loopback(request)
        return send(self, request)

    monkeypatch.setattr("botocore.endpoint.Endpoint._send", guarded)
    if importlib.util.find_spec("aiobotocore") is None:
        return
    # aiobotocore's endpoint sends through its own coroutine, not botocore's.
    from aiobotocore.endpoint import AioEndpoint

    aio_send = getattr(AioEndpoint, "_send")  # noqa: B009 - private, not in the stubs

    async def aio_guarded(self: Any, request: Any) -> Any:
        _check_loopback(request)
        return await aio_send(self, request)

    monkeypatch.setattr(AioEndpoint, "_send", aio_guarded)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail any request that a simulator did not answer and botocore tried to send for real."""
    sent: list[str] = []

    def refuse(self: object, request: Any) -> None:
        sent.append(str(request.url))
        raise AssertionError(f"network access: {request.url}")

    monkeypatch.setattr(botocore.endpoint.Endpoint, "_send", refuse)
    yield sent
    assert sent == []


@pytest.fixture
def clock() -> VirtualClock:
    """A fresh virtual clock."""
    return VirtualClock()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's server on a free loopback port, for calls over real HTTP; yields its URL."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
