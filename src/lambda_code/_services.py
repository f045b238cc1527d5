"""Blocking botocore clients for the other services a deploy uses: S3 (staging) and ECR (tags).

They are made the way the Lambda client is: from the same botocore session (or profile), in
the region and with the endpoint given. An explicit ``endpoint_url`` is reused as it is, since
one local endpoint (moto's server, LocalStack) serves every service; without one, botocore's
own resolution applies, so ``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL_ECR``,
``AWS_ENDPOINT_URL`` and the config file's ``endpoint_url`` settings are honoured.
"""

import threading
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config

from ._validation import fail

__all__ = ["SERVICES", "AuxClients", "aux_client"]

#: The services ``aux_client`` makes clients for.
SERVICES: Final = frozenset({"s3", "ecr"})

# lambda-code's RetryPolicy covers Lambda's calls only; S3 and ECR calls are retried by
# botocore itself, in its standard mode (transient errors, throttling, dropped connections).
# Bounded connects, so that a deploy's deadline is not spent waiting on an unreachable endpoint.
_CONFIG: Final = Config(
    retries={"mode": "standard", "total_max_attempts": 5}, connect_timeout=10, read_timeout=60
)


def aux_client(
    service: str,
    *,
    region_name: str | None = None,
    endpoint_url: str | None = None,
    profile_name: str | None = None,
    session: botocore.session.Session | None = None,
) -> Any:
    """A blocking botocore client for ``service`` (``"s3"`` or ``"ecr"``).

    ``session`` is the botocore session the Lambda client was made from (its credentials and
    configuration are shared); without one, a new session for ``profile_name`` is made, as
    ``LambdaCodeClient`` does. botocore clients are thread-safe, so one client can serve
    concurrent deploys. Raises ``RequestValidationError`` for an unknown service, a profile
    given with a session, or an endpoint URL botocore cannot use.
    """
    if not isinstance(service, str) or service not in SERVICES:
        shown = repr(service[:20]) if isinstance(service, str) else type(service).__name__
        raise fail("service", f"must be one of {sorted(SERVICES)}, not {shown}")
    if session is not None and profile_name is not None:
        raise fail("profile_name", "give a profile or a session, not both")
    chosen = session if session is not None else botocore.session.Session(profile=profile_name)
    try:
        return chosen.create_client(
            service, region_name=region_name, endpoint_url=endpoint_url, config=_CONFIG
        )
    except ValueError as err:  # botocore's word for an endpoint it cannot parse
        raise fail("endpoint_url", f"must be an http(s) URL with a host ({err})") from err


def shared_endpoint(endpoint_url: str | None) -> str | None:
    """``endpoint_url`` if S3 and ECR can be reached there too, else None (botocore decides).

    A local endpoint (moto's server, LocalStack) serves every service; an AWS one (a VPC
    endpoint, a FIPS endpoint) is Lambda's alone.
    """
    if endpoint_url is None:
        return None
    host = (urlsplit(endpoint_url).hostname or "").lower()
    if host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws")):
        return None
    return endpoint_url


class AuxClients:
    """The S3 and ECR clients of one ``LambdaCodeClient``, made on first use and kept.

    Made like the Lambda client: from the session ``session()`` gives (the Lambda client's,
    when it made its own) or ``profile_name``, and at its endpoint when that is a local one
    that serves every service (``shared_endpoint``). Shared (by reference) with the clients
    ``with_rate_limits`` makes.
    """

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        profile_name: str | None = None,
        session: Callable[[], botocore.session.Session | None] | None = None,
    ) -> None:
        self._endpoint_url = shared_endpoint(endpoint_url)
        self._profile_name = profile_name
        self._session = session
        self._clients: dict[tuple[str, str | None], Any] = {}
        self._lock = threading.Lock()

    def get(self, service: str, region_name: str | None) -> Any:
        """The client for ``service`` in ``region_name``: botocore clients are thread-safe."""
        with self._lock:
            key = (service, region_name)
            if key not in self._clients:
                session = self._session() if self._session is not None else None
                self._clients[key] = aux_client(
                    service,
                    region_name=region_name,
                    endpoint_url=self._endpoint_url,
                    profile_name=self._profile_name if session is None else None,
                    session=session,
                )
            return self._clients[key]
