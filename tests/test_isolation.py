"""The suite's own guard rails: no test can reach AWS or pick up real credentials."""

import os
from typing import Any

import botocore.session
import pytest
from botocore.config import Config


def test_a_request_to_real_aws_fails_before_leaving_the_machine() -> None:
    """A client pointed at AWS's real endpoint is stopped by the suite's network guard."""
    client: Any = botocore.session.get_session().create_client(
        "lambda", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )
    with pytest.raises(AssertionError, match=r"tried to reach https://lambda\.us-east-1"):
        client.get_function(FunctionName="anything")


def test_credentials_are_fake() -> None:
    """The environment holds fake credentials and no profile."""
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert "AWS_PROFILE" not in os.environ
    credentials = botocore.session.get_session().get_credentials()
    assert credentials is not None
    assert credentials.access_key == "testing"
