"""The ``lambda-code`` command: subcommands, output for people and scripts, exit codes."""

import io
import json
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from lambda_code import MAX_ZIP_SIZE, LambdaCodeClient, ZipPackage, _cli
from lambda_code._cli import EXIT_CODES, main
from lambda_code._package import zip_files
from lambda_code.testing import SimulatedLambda, VirtualClock, make_zip
from terminal import render

_ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": []})
# Only against a hang: how long a command takes on a busy machine is no part of any test.
_HANG = 600


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def moto_function(moto_server: str, request: pytest.FixtureRequest) -> str:
    """A function in moto, named after the test so that tests never share one."""
    name: str = request.node.name.replace("[", "-").replace("]", "")[:64]
    session = botocore.session.get_session()
    iam: Any = session.create_client("iam", region_name="us-east-1", endpoint_url=moto_server)
    lam: Any = session.create_client("lambda", region_name="us-east-1", endpoint_url=moto_server)
    try:
        role = iam.create_role(RoleName="cli-tests", AssumeRolePolicyDocument=_ROLE_POLICY)
    except ClientError:  # made by an earlier test
        role = iam.get_role(RoleName="cli-tests")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": make_zip({"handler.py": b"first"})},
    )
    return name


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A directory holding a handler, to deploy with --zip."""
    directory = tmp_path / "src"
    directory.mkdir()
    (directory / "handler.py").write_text("def handler(event, context):\n    return 2\n")
    return directory


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedLambda]:
    """The CLI's client talks to a simulator on a virtual clock, with one function ``fn``."""
    simulator = SimulatedLambda(update_duration=2.0)
    simulator.create_function("fn", make_zip({"handler.py": b"first"}))

    def client(args: Any) -> LambdaCodeClient:
        made: LambdaCodeClient = simulator.lambda_code_client()
        return made

    monkeypatch.setattr(_cli, "_make_client", client)
    try:
        yield simulator
    finally:
        simulator.detach()


@pytest.fixture
def demo_clock(monkeypatch: pytest.MonkeyPatch) -> VirtualClock:
    """The demo runs on a virtual clock: its one-second updates take no time and no scheduling."""
    clock = VirtualClock()
    monkeypatch.setattr(_cli, "_demo_clock", lambda: clock)
    return clock


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class _ClosedPipe(io.StringIO):
    """A stream whose reader has gone: every write fails, as on a pipe after `| head -1`."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _into_a_closed_pipe(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lambda_code ARGV`` with stdout a pipe whose reader has already gone.

    That is ``lambda-code ... | head -1`` once head has exited. Closing the reading end before
    the command starts makes its first write to stdout fail every time, however the two
    processes are scheduled; reading a line first would let a short output fit in the pipe.
    """
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(  # noqa: S603  this interpreter, running the package under test
            [sys.executable, "-m", "lambda_code", *argv],
            stdout=write,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            text=True,
            encoding="utf-8",
            timeout=_HANG,
            check=False,
        )
    finally:
        os.close(write)


# -- update, wait, get against moto's server -------------------------------------------------


def test_update_from_a_directory(
    capsys: pytest.CaptureFixture[str], moto_server: str, moto_function: str, source: Path
) -> None:
    """update --zip DIR deploys the directory and summarises what it did on stdout."""
    code, out, err = _run(
        capsys, "update", moto_function, "--zip", str(source), "--endpoint-url", moto_server
    )
    assert code == 0
    assert f"{moto_function}: updated in" in out
    assert ZipPackage.from_directory(source).code_sha256 in out
    assert "uploading" in err


def test_update_json_prints_only_the_configuration(
    capsys: pytest.CaptureFixture[str], moto_server: str, moto_function: str, source: Path
) -> None:
    """--json prints exactly one JSON document on stdout, with AWS's own member names."""
    code, out, err = _run(
        capsys,
        "update",
        moto_function,
        "--zip",
        str(source),
        "--endpoint-url",
        moto_server,
        "--json",
    )
    assert code == 0
    document = json.loads(out)
    assert {"FunctionName", "CodeSha256", "LastUpdateStatus", "Version", "State"} <= set(document)
    assert all(key[0].isupper() and "_" not in key for key in document)
    assert document["FunctionName"] == moto_function
    assert document["CodeSha256"] == ZipPackage.from_directory(source).code_sha256
    assert document["LastUpdateStatus"] == "Successful"
    assert "uploading" in err  # progress goes to stderr only


def test_update_twice_skips_unchanged_code(
    capsys: pytest.CaptureFixture[str], moto_server: str, moto_function: str, source: Path
) -> None:
    """The second update of the same code is skipped and still exits 0."""
    argv = ("update", moto_function, "--zip", str(source), "--endpoint-url", moto_server)
    assert _run(capsys, *argv)[0] == 0
    code, out, err = _run(capsys, *argv)
    assert code == 0
    assert "unchanged, update skipped" in out
    assert "skipped" in err


def test_update_force_publish_prints_the_new_version(
    capsys: pytest.CaptureFixture[str], moto_server: str, moto_function: str, source: Path
) -> None:
    """--publish --json prints the published version's configuration, like the AWS CLI."""
    argv = ("update", moto_function, "--zip", str(source), "--endpoint-url", moto_server)
    assert _run(capsys, *argv)[0] == 0
    code, out, _ = _run(capsys, *argv, "--force", "--publish", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["Version"] == "1"
    assert document["FunctionArn"].endswith(f":{moto_function}:1")


def test_update_alias_prints_what_it_did_and_a_dry_run_what_it_would(
    capsys: pytest.CaptureFixture[str], moto_server: str, moto_function: str, source: Path
) -> None:
    """--alias points the alias at the published version; --dry-run says what would change."""
    argv = ("update", moto_function, "--zip", str(source), "--endpoint-url", moto_server)
    code, out, _ = _run(capsys, *argv, "--publish", "--alias", "live")
    assert code == 0
    assert "Alias             live created -> 1" in out
    (source / "handler.py").write_text("def handler(event, context):\n    return 3\n")
    code, out, _ = _run(capsys, *argv, "--publish", "--alias", "live", "--dry-run")
    assert code == 0
    assert "dry run: would update" in out
    assert "Now               " in out
    assert "New               " in out
    assert "Would             update, publish a version, move live from 1 to the new version" in out
    code, out, _ = _run(capsys, *argv, "--publish", "--alias", "live", "--json")
    assert code == 0
    # moto publishes on a dry run too, so the number is not 2: what matters is a new one.
    assert json.loads(out)["Version"] not in {"1", "$LATEST"}


def test_update_stages_a_big_zip_through_s3(
    capsys: pytest.CaptureFixture[str], moto_server: str, moto_function: str, tmp_path: Path
) -> None:
    """--s3-staging takes a zip past 50 MiB through S3; the JSON is the function's new code."""
    s3: Any = botocore.session.get_session().create_client(
        "s3", region_name="us-east-1", endpoint_url=moto_server
    )
    bucket = f"cli-staging-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    archive = tmp_path / "big.zip"
    blob = random.Random(1).randbytes(MAX_ZIP_SIZE + 1)
    archive.write_bytes(zip_files({"blob.bin": blob}, compression=zipfile.ZIP_STORED))
    argv = ("update", moto_function, "--zip", str(archive), "--endpoint-url", moto_server)
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert "--s3-staging" in err
    code, out, _ = _run(capsys, *argv, "--s3-staging", f"s3://{bucket}/lambda", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["CodeSize"] == archive.stat().st_size
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert len(keys) == 1
    assert keys[0].startswith("lambda/")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--s3", "s3://b/k.zip", "--s3-staging", "s3://b"], "--s3-staging and --no-arch-check"),
        (["--s3", "s3://b/k.zip", "--no-arch-check"], "--s3-staging and --no-arch-check"),
        (["--zip", "a.zip", "--no-resolve"], "--no-resolve is for --image"),
    ],
)
def test_package_options_with_another_source_are_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = _run(capsys, "update", "fn", *argv)
    assert code == 2
    assert message in err


def test_alias_without_publish_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], moto_server: str, moto_function: str, source: Path
) -> None:
    """--alias without --publish names the option's rule and changes nothing."""
    argv = ("update", moto_function, "--zip", str(source), "--endpoint-url", moto_server)
    code, _, err = _run(capsys, *argv, "--alias", "live")
    assert code == 2
    assert "alias" in err
    assert "publish" in err


def test_wait_and_get(
    capsys: pytest.CaptureFixture[str], moto_server: str, moto_function: str
) -> None:
    """wait and get read the function; --json gives the configuration, plain gives a table."""
    code, out, _ = _run(capsys, "wait", moto_function, "--endpoint-url", moto_server, "--json")
    assert code == 0
    assert json.loads(out)["LastUpdateStatus"] == "Successful"
    code, out, _ = _run(capsys, "get", moto_function, "--endpoint-url", moto_server, "--json")
    assert code == 0
    assert json.loads(out)["FunctionName"] == moto_function
    code, out, _ = _run(capsys, "get", moto_function, "--endpoint-url", moto_server)
    assert code == 0
    assert out.splitlines()[0] == moto_function
    assert "Runtime           python3.12" in out


def test_aws_error_is_one_line_and_exit_4(
    capsys: pytest.CaptureFixture[str], moto_server: str
) -> None:
    """A 404 from AWS exits 4 with one error line on stderr and no traceback."""
    code, out, err = _run(capsys, "get", "missing", "--endpoint-url", moto_server, "--json")
    assert code == 4
    assert out == ""
    lines = [line for line in err.splitlines() if line.startswith("lambda-code")]
    assert lines == [lines[0]]
    assert lines[0].startswith("lambda-code: error: ResourceNotFoundException (HTTP 404)")
    assert "Traceback" not in err


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str], moto_server: str) -> None:
    """--debug adds the traceback (with botocore's ClientError as the cause)."""
    code, _, err = _run(capsys, "get", "missing", "--endpoint-url", moto_server, "--debug")
    assert code == 4
    assert "Traceback (most recent call last)" in err
    assert "The above exception was the direct cause of the following exception" in err
    assert "botocore.errorfactory.ResourceNotFoundException" in err
    assert err.rstrip().splitlines()[-1].startswith("lambda-code: error: ResourceNotFound")
    assert not logging.getLogger("lambda_code").handlers  # nothing left behind


def test_debug_logs_retries(
    capsys: pytest.CaptureFixture[str], sim: SimulatedLambda, source: Path
) -> None:
    """--debug shows each retry on stderr."""
    sim.add_fault("throttle", operation="GetFunctionConfiguration", times=1)
    code, out, err = _run(capsys, "get", "fn", "--debug")
    assert code == 0
    assert "retrying GetFunctionConfiguration after TooManyRequestsException" in err
    assert "retrying" not in out


# -- a reader that leaves early ----------------------------------------------------------------


def test_get_json_into_a_closed_pipe_exits_0(moto_server: str, moto_function: str) -> None:
    """get --json | head -1: a reader that has gone is no failure, and no traceback at exit."""
    done = _into_a_closed_pipe("get", moto_function, "--endpoint-url", moto_server, "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_update_json_into_a_closed_pipe_exits_0(
    moto_server: str, moto_function: str, source: Path
) -> None:
    """update --json | head -1 exits 0 after its update, with progress but no error on stderr."""
    argv = ("update", moto_function, "--zip", str(source), "--endpoint-url", moto_server)
    done = _into_a_closed_pipe(*argv, "--json")
    assert done.returncode == 0, done.stderr
    assert "LastUpdateStatus" in done.stderr
    assert all(line.startswith(f"{moto_function}: ") for line in done.stderr.splitlines())
    lam: Any = botocore.session.get_session().create_client(
        "lambda", region_name="us-east-1", endpoint_url=moto_server
    )
    deployed = lam.get_function_configuration(FunctionName=moto_function)["CodeSha256"]
    assert deployed == ZipPackage.from_directory(source).code_sha256


def test_closed_stderr_does_not_stop_a_deploy(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sim: SimulatedLambda,
    source: Path,
) -> None:
    """Progress that cannot be written (`2>&1 | head -1`) is dropped; the deploy goes on."""
    monkeypatch.setattr(sys, "stderr", _ClosedPipe())
    code = main(["update", "fn", "--zip", str(source), "--publish"])
    assert code == 0
    assert capsys.readouterr().out.startswith("fn: updated in")
    assert sim.code("fn") == ZipPackage.from_directory(source).data
    assert sim.code("fn", "1") == sim.code("fn")


# -- exit codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "required: COMMAND"),
        (["update", "fn"], "one of the arguments --zip --s3 --image is required"),
        (["update", "fn", "--zip", "a.zip", "--image", "x"], "not allowed with argument"),
        (["update", "fn", "--zip", "a.zip", "--arch", "mips"], "invalid choice"),
        (["wait", "fn", "--timeout", "-1"], "must be a finite number >= 0"),
        (["update", "fn", "--s3", "https://bucket/key"], "must start with 's3://'"),
        (["update", "fn", "--image", "nginx:latest"], "expected <account>.dkr.ecr"),
        (["update", "fn", "--zip", "/no/such/dir"], "no such file or directory"),
        (["update", "bad name!", "--s3", "s3://bucket/key"], "function_name"),
        (["update", "fn", "--s3", "s3://bucket/key", "--exclude", "*.md"], "need --zip DIR"),
        (["update", "fn", "--image", "x", "--executable", "bootstrap"], "need --zip DIR"),
        (["update", "fn", "--s3", "s3://bucket/key", "--no-default-excludes"], "need --zip DIR"),
        (["update", "fn", "--image", "x", "--ignore-file", "f"], "need --zip DIR"),
        (["update", "fn", "--zip", "/no/such/dir", "--exclude", "x"], "No such file or directory"),
        (["package", "/no/such/dir"], "cannot read: No such file or directory"),
        (["package", "/no/such/dir", "--arch", "mips"], "invalid choice"),
        (["package", "/no/such/dir", "--exclude", "\\"], "not a valid gitignore pattern"),
    ],
)
def test_usage_and_validation_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """Bad arguments, packages and names exit 2 with a message, before any AWS call."""
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


_NOT_A_URL = "expected http://HOST[:PORT] or https://HOST[:PORT], got"
_NOT_A_PORT = "the port must be a number from 1 to 65535"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("notaurl", f"{_NOT_A_URL} 'notaurl'"),
        ("http://[::1", f"{_NOT_A_URL} 'http://[::1'"),
        ("ftp://127.0.0.1", f"{_NOT_A_URL} 'ftp://127.0.0.1'"),
        ("http://", f"{_NOT_A_URL} 'http://'"),
        ("", f"{_NOT_A_URL} ''"),
        ("http://127.0.0.1:99999", f"'http://127.0.0.1:99999': {_NOT_A_PORT}"),
        ("http://127.0.0.1:0", f"'http://127.0.0.1:0': {_NOT_A_PORT}"),
        ("http://127.0.0.1:port", f"'http://127.0.0.1:port': {_NOT_A_PORT}"),
    ],
)
def test_bad_endpoint_url_exits_2(
    capsys: pytest.CaptureFixture[str], url: str, message: str
) -> None:
    """A bad --endpoint-url is a usage error naming the option, found before any request."""
    code, out, err = _run(capsys, "get", "fn", "--endpoint-url", url)
    assert code == 2
    assert out == ""
    assert err.splitlines()[-1] == f"lambda-code get: error: argument --endpoint-url: {message}"
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:5000", "https://lambda.eu-west-1.amazonaws.com", "http://[::1]:5000/"],
)
def test_good_endpoint_url_is_kept(url: str) -> None:
    """An endpoint URL botocore accepts is passed on as it was given."""
    assert _cli._parser().parse_args(["get", "fn", "--endpoint-url", url]).endpoint_url == url


def test_zip_path_too_long_exits_2(
    capsys: pytest.CaptureFixture[str], sim: SimulatedLambda, tmp_path: Path
) -> None:
    """A --zip path with a part longer than the file system allows is one error line, exit 2."""
    path = tmp_path / ("a" * 300) / "src"
    code, out, err = _run(capsys, "update", "fn", "--zip", str(path))
    assert code == 2
    assert out == ""
    assert err.startswith("lambda-code: error: ")
    assert err.count("\n") == 1
    assert sim.code("fn") == make_zip({"handler.py": b"first"})


def test_zip_under_an_unreadable_directory_exits_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sim: SimulatedLambda,
    tmp_path: Path,
) -> None:
    """A --zip path under a directory that cannot be searched is one error line, exit 2."""
    locked = tmp_path / "locked"
    (locked / "src").mkdir(parents=True)
    (locked / "src" / "handler.py").write_text("def handler(event, context):\n    return 2\n")
    inside = f"{locked}{os.sep}"

    def denying(real: Any) -> Any:
        def stat(path: Any, *args: Any, **kwargs: Any) -> Any:
            if str(path).startswith(inside):
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *args, **kwargs)

        return stat

    # Root may search any directory, so the refusal is simulated where paths are examined.
    monkeypatch.setattr(os, "stat", denying(os.stat))
    monkeypatch.setattr(os, "lstat", denying(os.lstat))
    code, out, err = _run(capsys, "update", "fn", "--zip", str(locked / "src"))
    assert code == 2
    assert out == ""
    assert err.startswith("lambda-code: error: ")
    assert err.count("\n") == 1
    assert sim.code("fn") == make_zip({"handler.py": b"first"})


def test_failed_update_exits_1(
    capsys: pytest.CaptureFixture[str], sim: SimulatedLambda, source: Path
) -> None:
    """An update that ends Failed exits 1 and names the reason code."""
    sim.fail_next_update(reason_code="InvalidImage", reason="no handler")
    code, _, err = _run(capsys, "update", "fn", "--zip", str(source))
    assert code == 1
    assert (
        err.splitlines()[-1] == "lambda-code: error: fn: update failed (InvalidImage): no handler "
        "(Lambda had already accepted the update)"
    )


def test_timeout_exits_3(
    capsys: pytest.CaptureFixture[str], sim: SimulatedLambda, source: Path
) -> None:
    """An update still in progress at --timeout exits 3, for update and for wait alike."""
    sim.update_duration = 600.0
    code, out, err = _run(capsys, "update", "fn", "--zip", str(source), "--timeout", "30")
    assert code == 3
    assert out == ""
    assert "update not finished after 30.0s" in err
    code, _, err = _run(capsys, "wait", "fn", "--timeout", "10")
    assert code == 3
    assert "LastUpdateStatus=InProgress" in err


def test_no_answer_exits_4(
    capsys: pytest.CaptureFixture[str], sim: SimulatedLambda, source: Path
) -> None:
    """Connection errors on every retry end in exit 4."""
    sim.add_fault("connection_error")
    code, _, err = _run(capsys, "get", "fn")
    assert code == 4
    assert err.startswith(
        "lambda-code: error: no answer from Lambda during GetFunctionConfiguration"
    )


def test_no_region_exits_4(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a region, exit 4 with a hint to use --region."""
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    code, _, err = _run(capsys, "get", "fn")
    assert code == 4
    assert err == "lambda-code: error: You must specify a region. Use --region or set AWS_REGION.\n"


def test_no_credentials_exits_4(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, moto_server: str
) -> None:
    """Without credentials, exit 4 with a hint about credentials."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
    ):
        monkeypatch.delenv(name)
    code, _, err = _run(capsys, "get", "fn", "--endpoint-url", moto_server)
    assert code == 4
    assert err == (
        "lambda-code: error: Unable to locate credentials. "
        "Configure AWS credentials, or use --profile.\n"
    )


def test_unknown_profile_exits_4(capsys: pytest.CaptureFixture[str]) -> None:
    """A --profile the config files lack exits 4 before any call."""
    code, _, err = _run(capsys, "get", "fn", "--profile", "no-such-profile")
    assert code == 4
    assert "no-such-profile" in err


def test_interrupt_exits_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C ends with exit 130 and no traceback."""

    def interrupted(args: Any) -> LambdaCodeClient:
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli, "_make_client", interrupted)
    code, _, err = _run(capsys, "get", "fn")
    assert code == 130
    assert "Traceback" not in err


def test_help_documents_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    """--help of the command and of each subcommand lists the exit codes."""
    for argv in ([], ["update"], ["wait"], ["get"], ["demo"]):
        code, out, _ = _run(capsys, *argv, "--help")
        assert code == 0
        assert "exit codes:" in out
        for exit_code, meaning in EXIT_CODES.items():
            assert f"  {exit_code}  {meaning}" in out


# -- progress ----------------------------------------------------------------------------------


def test_plain_progress_is_one_line_per_event(
    capsys: pytest.CaptureFixture[str], sim: SimulatedLambda, source: Path
) -> None:
    """When stderr is not a terminal, each event is a line of its own, without carriage returns."""
    code, out, err = _run(capsys, "update", "fn", "--zip", str(source))
    assert code == 0
    assert "\r" not in err
    lines = err.splitlines()
    assert lines[0].startswith("fn: reading the function's code and revision")
    assert lines[1].startswith("fn: uploading ")
    assert " B  [" in lines[1]
    assert lines[2].startswith("fn: LastUpdateStatus InProgress  [")
    assert lines[-1].startswith("fn: LastUpdateStatus InProgress → Successful  [2.")
    assert len(lines) > 5  # one per poll in between
    assert out.startswith("fn: updated in 2.")


def test_live_status_line_on_a_terminal(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sim: SimulatedLambda,
    source: Path,
) -> None:
    """On a terminal the status line is rewritten in place; finished transitions stay, marked."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    code = main(["update", "fn", "--zip", str(source), "--publish"])
    out = capsys.readouterr().out
    assert code == 0
    screen = render(terminal.getvalue())
    assert len(screen) == 2, screen
    assert re.fullmatch(r"✓ fn: LastUpdateStatus InProgress → Successful  \[2\.\ds\]", screen[0])
    assert re.fullmatch(r"✓ fn: version 1 State Active  \[2\.\ds\]", screen[1])
    assert "Version           1 (published)" in out


def test_json_on_a_terminal_keeps_progress_plain(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sim: SimulatedLambda,
    source: Path,
) -> None:
    """With --json, progress is plain lines on stderr even on a terminal, and stdout is JSON."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = main(["update", "fn", "--zip", str(source), "--no-wait", "--arch", "arm64", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert "\r" not in terminal.getvalue()
    assert document["LastUpdateStatus"] == "InProgress"  # --no-wait: as Lambda accepted it
    assert document["Architectures"] == ["arm64"]


def test_s3_and_dry_run(capsys: pytest.CaptureFixture[str], sim: SimulatedLambda) -> None:
    """--s3 deploys an S3 object; --dry-run checks it with Lambda and changes nothing."""
    data = make_zip({"handler.py": b"from s3"})
    version = sim.put_s3_object("my-bucket", "code/fn.zip", data)
    location = f"s3://my-bucket/code/fn.zip#{version}"
    code, out, _ = _run(capsys, "update", "fn", "--s3", location, "--dry-run")
    assert code == 0
    assert "dry run: would update" in out
    assert sim.code("fn") == make_zip({"handler.py": b"first"})
    code, out, err = _run(capsys, "update", "fn", "--s3", location)
    assert code == 0
    assert f"uploading {location}" in err
    assert sim.code("fn") == data


# -- package, and the zip options of update --------------------------------------------------

# A minimal ELF header of an arm64 shared library: e_ident, e_type (ET_DYN), e_machine 183.
_ARM64_ELF = b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x03\x00\xb7\x00" + bytes(44)


def _contents(package: ZipPackage) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.fixture
def tree(source: Path) -> Path:
    """The handler directory, with things a zip option changes."""
    (source / "README.md").write_text("# docs\n")
    (source / ".env").write_text("TOKEN=not-for-lambda\n")
    (source / "bin").mkdir()
    (source / "bin" / "tool").write_text("#!/bin/sh\n")
    (source / "custom.ignore").write_text("*.md\n")
    return source


def test_package_prints_the_code_sha256_and_sizes(
    capsys: pytest.CaptureFixture[str], tree: Path
) -> None:
    """package DIR shows what update would deploy: its CodeSha256, size and unzipped size."""
    expected = ZipPackage.from_directory(tree)
    code, out, err = _run(capsys, "package", str(tree), "--list")
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    names = [line.split()[-1] for line in lines[:4]]
    assert names == ["README.md", "bin/tool", "custom.ignore", "handler.py"]  # not .env
    assert lines[4] == f"{tree}: 4 files"
    assert f"  CodeSha256        {expected.code_sha256}" in lines
    assert f"  CodeSize          {expected.size} B" in lines
    unzipped = sum(len((tree / name).read_bytes()) for name in names)
    assert f"  UnzippedSize      {unzipped} B" in lines


def test_package_json_is_one_object_for_scripts(
    capsys: pytest.CaptureFixture[str], tree: Path, tmp_path: Path
) -> None:
    """--json prints CodeSha256, CodeSize and UnzippedSize; Files with --list; Path with -o."""
    expected = ZipPackage.from_directory(tree)
    code, out, _ = _run(capsys, "package", str(tree), "--json")
    assert code == 0
    assert json.loads(out) == {
        "CodeSha256": expected.code_sha256,
        "CodeSize": expected.size,
        "UnzippedSize": sum(len(content) for content in _contents(expected).values()),
    }
    output = tmp_path / "code.zip"
    code, out, _ = _run(capsys, "package", str(tree), "--json", "--list", "-o", str(output))
    assert code == 0
    document = json.loads(out)
    assert document["Files"] == ["README.md", "bin/tool", "custom.ignore", "handler.py"]
    assert document["Path"] == str(output)
    assert output.read_bytes() == expected.data


def test_package_output_inside_the_tree_is_left_out(
    capsys: pytest.CaptureFixture[str], tree: Path
) -> None:
    """Writing the zip into the directory it zips does not change the next run's zip."""
    argv = ("package", str(tree), "--json", "--list", "-o", str(tree / "dist" / "code.zip"))
    (tree / "dist").mkdir()
    first = json.loads(_run(capsys, *argv)[1])
    second = json.loads(_run(capsys, *argv)[1])
    assert first == second
    assert "dist/code.zip" not in second["Files"]
    assert first["CodeSha256"] == ZipPackage.from_directory(tree, exclude="dist/").code_sha256


def test_package_zip_options(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    """--exclude, --no-default-excludes, --ignore-file and --executable shape the zip."""
    argv = ["--exclude", "/bin/", "--exclude", "!bin/tool", "--no-default-excludes"]
    argv += ["--ignore-file", "custom.ignore", "--executable", "handler.py"]
    code, out, _ = _run(capsys, "package", str(tree), "--json", "--list", *argv)
    assert code == 0
    expected = ZipPackage.from_directory(
        tree,
        exclude=["/bin/", "!bin/tool"],
        default_excludes=False,
        ignore_file="custom.ignore",
        executable="handler.py",
    )
    document = json.loads(out)
    assert document["CodeSha256"] == expected.code_sha256
    assert document["Files"] == [".env", "custom.ignore", "handler.py"]


def test_package_arch_checks_the_native_binaries(
    capsys: pytest.CaptureFixture[str], source: Path
) -> None:
    """--arch fails (exit 2) when a binary is built for another architecture, naming it."""
    (source / "lib").mkdir()
    (source / "lib" / "_speedups.so").write_bytes(_ARM64_ELF)
    code, out, err = _run(capsys, "package", str(source), "--arch", "x86_64")
    assert code == 2
    assert out == ""
    assert "'lib/_speedups.so' (arm64)" in err
    assert "(x86_64)" in err
    assert _run(capsys, "package", str(source), "--arch", "arm64")[0] == 0


def test_package_that_cannot_be_written_exits_2(
    capsys: pytest.CaptureFixture[str], source: Path, tmp_path: Path
) -> None:
    """-o into a directory that does not exist is one error line naming the file, exit 2."""
    output = tmp_path / "missing" / "code.zip"
    code, out, err = _run(capsys, "package", str(source), "-o", str(output))
    assert code == 2
    assert out == ""
    assert err == f"lambda-code: error: {output}: cannot write: No such file or directory\n"


def _large(directory: Path) -> Path:
    """A tree big enough for zipping progress: a 9 MiB file (zeros: quick to compress)."""
    (directory / "model.bin").write_bytes(bytes(9 * 1024 * 1024))
    return directory


def test_package_shows_zipping_progress_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, source: Path
) -> None:
    """A large tree's zipping shows a live line on a terminal; never in a log or a small tree."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert main(["package", str(source)]) == 0
    assert render(terminal.getvalue()) == []  # a small tree zips in a blink
    _large(source)
    assert main(["package", str(source)]) == 0
    shown = terminal.getvalue()
    assert "zipping: 1/2 files, 4.0 MiB of 9.0 MiB" in shown
    assert render(shown) == ["✓ zipped 2 files, 9.0 MiB"]
    capsys.readouterr()
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    code, _, err = _run(capsys, "package", str(source))
    assert code == 0
    assert "zipping" not in err


def test_update_zips_with_the_zip_options(
    capsys: pytest.CaptureFixture[str], sim: SimulatedLambda, tree: Path
) -> None:
    """update --zip DIR with zip options deploys the zip they describe."""
    argv = ["--exclude", "*.md", "--executable", "bin/", "--ignore-file", "custom.ignore"]
    code, _, _ = _run(capsys, "update", "fn", "--zip", str(tree), *argv)
    assert code == 0
    expected = ZipPackage.from_directory(
        tree, exclude="*.md", executable="bin/", ignore_file="custom.ignore"
    )
    assert sim.code("fn") == expected.data


def test_a_missing_ignore_file_is_an_error_not_a_silent_default(
    capsys: pytest.CaptureFixture[str], sim: SimulatedLambda, tree: Path
) -> None:
    """--ignore-file names a file on purpose: a typo would otherwise zip what it leaves out."""
    sim.reset_counters()
    for command in (["update", "fn", "--zip"], ["package"]):
        code, out, err = _run(capsys, *command, str(tree), "--ignore-file", "nope")
        assert code == 2
        assert out == ""
        assert "--ignore-file nope: no such file" in err
    assert sum(sim.calls.values()) == 0


def test_validation_errors_speak_in_the_commands_options(
    capsys: pytest.CaptureFixture[str], sim: SimulatedLambda, tree: Path
) -> None:
    """The library's argument names become the command's options in its error lines."""
    code, _, err = _run(capsys, "update", "fn", "--zip", str(tree), "--alias", "live")
    assert code == 2
    assert "--alias: needs --publish" in err
    assert "publish=True" not in err


def test_update_zip_options_need_a_directory(
    capsys: pytest.CaptureFixture[str], sim: SimulatedLambda, tmp_path: Path
) -> None:
    """Zip options with --zip FILE.zip are an error (exit 2), not silently ignored."""
    (tmp_path / "code.zip").write_bytes(make_zip({"handler.py": b"2"}))
    code, out, err = _run(
        capsys, "update", "fn", "--zip", str(tmp_path / "code.zip"), "--exclude", "x"
    )
    assert code == 2
    assert out == ""
    assert err == f"lambda-code: error: {tmp_path / 'code.zip'}: not a directory\n"
    assert sim.code("fn") == make_zip({"handler.py": b"first"})


def test_update_shows_zipping_progress_then_the_deploy(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sim: SimulatedLambda,
    source: Path,
) -> None:
    """On a terminal, update --zip DIR shows a large tree's zipping before the deploy's steps."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert main(["update", "fn", "--zip", str(_large(source))]) == 0
    screen = render(terminal.getvalue())
    assert screen[0] == "✓ zipped 2 files, 9.0 MiB"
    assert re.fullmatch(r"✓ fn: LastUpdateStatus InProgress → Successful  \[\d+\.\ds\]", screen[1])
    assert sim.code("fn") == ZipPackage.from_directory(source).data


# -- demo --------------------------------------------------------------------------------------


def test_demo_shows_the_update_the_skip_and_the_version(
    capsys: pytest.CaptureFixture[str], demo_clock: VirtualClock
) -> None:
    """demo shows the transition, the skip and the published version, each step headed."""
    code, out, err = _run(capsys, "demo")
    assert code == 0
    assert "LastUpdateStatus InProgress → Successful" in err
    assert "unchanged (CodeSha256" in err
    assert "demo-function: published version 1" in err
    assert "demo-function: unchanged, update skipped" in out
    assert "Version           1 (published)" in out
    assert "published version 1." in out
    assert demo_clock.now() >= 2.0  # two updates of a second each, waited out in virtual time


def test_demo_json_is_the_published_version(
    capsys: pytest.CaptureFixture[str], demo_clock: VirtualClock
) -> None:
    """demo --json runs the whole demo and prints only the published version's configuration."""
    code, out, err = _run(capsys, "demo", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["FunctionName"] == "demo-function"
    assert document["Version"] == "1"
    assert "InProgress → Successful" in err


def test_demo_runs_from_the_command_line() -> None:
    """python -m lambda_code demo runs its three steps in real time and publishes version 1."""
    done = subprocess.run(
        [sys.executable, "-m", "lambda_code", "demo"],
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=_HANG,
        check=False,
    )
    # Only what a stalled scheduler cannot change: how long each step took is not checked.
    assert done.returncode == 0, done.stderr
    headings = [line for line in done.stdout.splitlines() if line[:3] in {"1. ", "2. ", "3. "}]
    assert len(headings) == 3
    assert "published version 1." in done.stdout


def test_console_script_help() -> None:
    """The installed lambda-code script runs and documents its exit codes."""
    script = shutil.which("lambda-code", path=str(Path(sys.executable).parent))
    assert script is not None
    done = subprocess.run(  # noqa: S603  the script installed beside this interpreter
        [script, "--help"], capture_output=True, text=True, timeout=_HANG, check=False
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: lambda-code")
    assert "exit codes:" in done.stdout
    assert "demo" in done.stdout
