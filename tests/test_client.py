"""LambdaCodeClient against moto: in-process (mock_aws) and over real HTTP (moto.server)."""

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from moto import mock_aws

from lambda_code import (
    FunctionConfiguration,
    LambdaCodeClient,
    LastUpdateStatus,
    PackageType,
    RequestValidationError,
    ResourceNotFoundException,
    State,
    UpdateFunctionCodeRequest,
)
from lambda_code.testing import make_zip


def _zip(text: str) -> bytes:
    # Deterministic: the same text gives the same bytes, whatever second it is built in.
    return make_zip({"handler.py": text.encode()})


def _sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _create_function(lam: Any, iam: Any, name: str = "fn") -> None:
    role = iam.create_role(
        RoleName=f"{name}-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": _zip("first")},
        Environment={"Variables": {"API_TOKEN": "s3cr3t-value"}},
    )


@pytest.fixture
def moto_lambda() -> Iterator[Any]:
    """moto's in-process Lambda with one function, ``fn``."""
    with mock_aws():
        lam = boto3.client("lambda", region_name="us-east-1")
        _create_function(lam, boto3.client("iam", region_name="us-east-1"))
        yield lam


def test_update_round_trip_through_moto(moto_lambda: Any) -> None:
    """A code update through the client lands in moto with the package's CodeSha256."""
    client = LambdaCodeClient(region_name="us-east-1")
    data = _zip("def handler(event, context):\n    return 'second'\n")
    config = client.update_function_code(
        UpdateFunctionCodeRequest(function_name="fn", zip_file=data)
    )
    assert isinstance(config, FunctionConfiguration)
    assert config.code_sha256 == _sha(data)
    assert config.code_size == len(data)
    assert config.package_type is PackageType.ZIP
    assert config.last_modified is not None
    assert config.last_modified.tzinfo is not None
    stored = moto_lambda.get_function(FunctionName="fn")["Configuration"]
    assert stored["CodeSha256"] == _sha(data)


def test_get_function_configuration_reads_moto(moto_lambda: Any) -> None:
    """get_function_configuration returns the typed configuration, secrets kept out of repr."""
    config = LambdaCodeClient(region_name="us-east-1").get_function_configuration("fn")
    assert config.function_name == "fn"
    assert config.state is State.ACTIVE
    assert config.environment is not None
    assert config.environment.variables == {"API_TOKEN": "s3cr3t-value"}
    assert "API_TOKEN" in repr(config)
    assert "s3cr3t-value" not in repr(config)


def test_get_function_and_wait_see_the_same_function(moto_lambda: Any) -> None:
    """get_function (GetFunction) and wait_until_updated agree with moto."""
    client = LambdaCodeClient(region_name="us-east-1")
    via_get = client.get_function("fn")
    waited = client.wait_until_updated("fn", timeout=5)
    assert via_get.code_sha256 == waited.code_sha256 == _sha(_zip("first"))
    assert waited.last_update_status in (None, LastUpdateStatus.SUCCESSFUL)


def test_missing_function_is_a_typed_error(moto_lambda: Any) -> None:
    """A 404 from moto is ResourceNotFoundException, not a ClientError."""
    client = LambdaCodeClient(region_name="us-east-1")
    with pytest.raises(ResourceNotFoundException) as info:
        client.update_function_code(
            UpdateFunctionCodeRequest(function_name="nope", zip_file=_zip("x"))
        )
    assert info.value.status_code == 404
    assert info.value.operation == "UpdateFunctionCode"


def test_wraps_a_boto3_client(moto_lambda: Any) -> None:
    """A boto3 client passed in is used as it is."""
    client = LambdaCodeClient(moto_lambda)
    assert client.client is moto_lambda
    assert client.get_function_configuration("fn").function_name == "fn"


def test_update_over_real_http(moto_server: str) -> None:
    """The happy path works over the wire: botocore signs and sends, moto.server answers."""
    session = botocore.session.get_session()
    lam = session.create_client("lambda", region_name="us-east-1", endpoint_url=moto_server)
    iam = session.create_client("iam", region_name="us-east-1", endpoint_url=moto_server)
    _create_function(lam, iam, "over-http")
    client = LambdaCodeClient(region_name="us-east-1", endpoint_url=moto_server)
    data = _zip("over http")
    config = client.update_function_code(
        UpdateFunctionCodeRequest(function_name="over-http", zip_file=data)
    )
    assert config.code_sha256 == _sha(data)
    waited = client.wait_until_updated("over-http", timeout=10)
    assert waited.code_sha256 == _sha(data)
    assert client.client.meta.endpoint_url == moto_server


def test_deploy_moves_an_alias_over_real_http(moto_server: str) -> None:
    """Publish and alias on moto.server: created, then moved, then left where it is."""
    session = botocore.session.get_session()
    lam: Any = session.create_client("lambda", region_name="us-east-1", endpoint_url=moto_server)
    iam = session.create_client("iam", region_name="us-east-1", endpoint_url=moto_server)
    _create_function(lam, iam, "aliased")
    client = LambdaCodeClient(region_name="us-east-1", endpoint_url=moto_server)

    first = client.deploy("aliased", _zip("one"), publish=True, alias="live", timeout=30)
    assert first.alias is not None
    assert (first.alias.action, first.alias.version) == ("created", first.version)
    second = client.deploy("aliased", _zip("two"), publish=True, alias="live", timeout=30)
    assert second.alias is not None
    assert (second.alias.action, second.alias.previous) == ("updated", first.version)
    assert lam.get_alias(FunctionName="aliased", Name="live")["FunctionVersion"] == second.version
    assert second.published is not None
    assert second.published.version == second.version
    again = client.deploy("aliased", _zip("two"), publish=True, alias="live", timeout=30)
    assert not again.changed
    assert again.alias is not None
    assert (again.alias.action, again.alias.version) == ("unchanged", second.version)


@pytest.mark.parametrize("url", ["notaurl", "http://[::1"])
def test_unusable_endpoint_url_is_a_validation_error(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An endpoint botocore cannot parse, given or from AWS_ENDPOINT_URL, names endpoint_url."""
    with pytest.raises(RequestValidationError) as caught:
        LambdaCodeClient(region_name="us-east-1", endpoint_url=url)
    assert caught.value.field == "endpoint_url"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    with pytest.raises(RequestValidationError):
        LambdaCodeClient(region_name="us-east-1")
