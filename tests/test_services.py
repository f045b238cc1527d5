"""S3 and ECR clients made like the Lambda client: session, region and endpoint settings."""

import uuid
from typing import Any

import botocore.session
import pytest

from lambda_code import LambdaCodeClient, RateLimits, RequestValidationError
from lambda_code._services import SERVICES, aux_client


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_explicit_endpoint_is_reused(service: str) -> None:
    """An endpoint given explicitly is used for S3 and ECR as for Lambda."""
    client = aux_client(service, region_name="eu-west-1", endpoint_url="http://127.0.0.1:5000")
    assert client.meta.endpoint_url == "http://127.0.0.1:5000"
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.service_model.service_name == service


@pytest.mark.parametrize(
    ("service", "variable"), [("s3", "AWS_ENDPOINT_URL_S3"), ("ecr", "AWS_ENDPOINT_URL_ECR")]
)
def test_service_endpoint_variable_is_honoured(
    monkeypatch: pytest.MonkeyPatch, service: str, variable: str
) -> None:
    """Without an explicit endpoint, the service's own AWS_ENDPOINT_URL_* applies."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1111")
    monkeypatch.setenv(variable, "http://127.0.0.1:2222")
    assert aux_client(service, region_name="us-east-1").meta.endpoint_url == (
        "http://127.0.0.1:2222"
    )


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_global_endpoint_variable_is_honoured(
    monkeypatch: pytest.MonkeyPatch, service: str
) -> None:
    """AWS_ENDPOINT_URL applies to every service without one of its own."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1111")
    assert aux_client(service, region_name="us-east-1").meta.endpoint_url == (
        "http://127.0.0.1:1111"
    )


def test_explicit_endpoint_wins_over_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit endpoint is used whatever the environment says."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2222")
    client = aux_client("s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:3333")
    assert client.meta.endpoint_url == "http://127.0.0.1:3333"


def test_aws_endpoints_without_settings() -> None:
    """With no endpoint setting, botocore's own AWS endpoint for the region is used."""
    assert aux_client("s3", region_name="eu-west-1").meta.endpoint_url.endswith("amazonaws.com")
    assert "ecr.eu-west-1" in aux_client("ecr", region_name="eu-west-1").meta.endpoint_url


def test_the_session_credentials_sign_the_calls(moto_server: str) -> None:
    """A client made from a session signs with that session's credentials."""
    session = botocore.session.Session()
    session.set_credentials("AKIASESSIONCREDS0001", "secret")
    s3 = aux_client("s3", region_name="us-east-1", endpoint_url=moto_server, session=session)
    signed: list[str] = []
    s3.meta.events.register(
        "before-send.s3.CreateBucket",
        lambda request, **_: signed.append(request.headers["Authorization"].decode()),
    )
    s3.create_bucket(Bucket=f"creds-{uuid.uuid4().hex[:12]}")
    assert "Credential=AKIASESSIONCREDS0001/" in signed[0]


def test_retries_are_botocore_standard_mode() -> None:
    """S3 and ECR calls are retried by botocore's standard mode (lambda-code's covers Lambda)."""
    config: Any = aux_client("s3", region_name="us-east-1").meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 5}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"service": "lambda"}, "service"),
        ({"service": ["s3"]}, "service"),
        ({"service": "s3", "endpoint_url": "not a url"}, "endpoint_url"),
        (
            {"service": "s3", "profile_name": "dev", "session": botocore.session.Session()},
            "profile_name",
        ),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    """An unknown service, a bad endpoint, or a profile with a session is refused."""
    with pytest.raises(RequestValidationError) as caught:
        aux_client(region_name="us-east-1", **kwargs)
    assert caught.value.field == field


# -- the S3 and ECR clients of a LambdaCodeClient ---------------------------------------------


def _access_key(client: Any) -> str:
    key: str = client._request_signer._credentials.access_key
    return key


@pytest.mark.parametrize(
    ("endpoint", "shared"),
    [
        ("http://127.0.0.1:5000", True),
        ("http://localstack:4566", True),
        ("https://lambda.eu-west-1.amazonaws.com", False),
        ("https://vpce-0a1b2c3d-lambda.lambda.eu-west-1.vpce.amazonaws.com", False),
        ("https://lambda-fips.us-gov-west-1.amazonaws.com", False),
    ],
)
def test_only_a_local_endpoint_is_shared_with_s3_and_ecr(endpoint: str, shared: bool) -> None:
    """An AWS endpoint (a VPC or FIPS one) is Lambda's alone; a local one serves every service."""
    client = LambdaCodeClient(region_name="eu-west-1", endpoint_url=endpoint)
    s3 = client._aux.get("s3", "eu-west-1")
    assert (s3.meta.endpoint_url == endpoint) is shared
    given = LambdaCodeClient(client.client)
    assert (given._aux.get("ecr", "eu-west-1").meta.endpoint_url == endpoint) is shared


def test_s3_and_ecr_are_signed_with_the_clients_session() -> None:
    """session=: the keys that sign Lambda's calls sign S3's and ECR's."""
    session = botocore.session.Session()
    session.set_credentials("lambda-code-key", "secret")
    client = LambdaCodeClient(session=session, region_name="eu-west-1")
    for service in ("s3", "ecr"):
        assert _access_key(client._aux.get(service, "eu-west-1")) == "lambda-code-key"
    limited = client.with_rate_limits(RateLimits())
    assert _access_key(limited._aux.get("s3", "eu-west-1")) == "lambda-code-key"
