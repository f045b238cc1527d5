"""``lambda-code update-function-code``: the AWS CLI's options and JSON, validated, waited for."""

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_code import LambdaCodeClient, RequestValidationError, ZipPackage, _awscli
from lambda_code._cli import EXIT_AWS, EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from lambda_code.testing import SimulatedLambda, make_zip

_ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": []})
# Only against a hang: how long a command takes on a busy machine is no part of any test.
_HANG = 600
_COMMAND = "update-function-code"
_CODE = make_zip({"handler.py": b"def handler(event, context):\n    return 'second'\n"})


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A .zip file on disk, for --zip-file fileb://."""
    path = tmp_path / "build.zip"
    path.write_bytes(_CODE)
    return path


@pytest.fixture
def moto_function(moto_server: str, request: pytest.FixtureRequest) -> str:
    """A function in moto, named after the test so that tests never share one."""
    name: str = request.node.name.replace("[", "-").replace("]", "").replace(" ", "-")[:64]
    session = botocore.session.get_session()
    iam: Any = session.create_client("iam", region_name="us-east-1", endpoint_url=moto_server)
    lam: Any = session.create_client("lambda", region_name="us-east-1", endpoint_url=moto_server)
    try:
        role = iam.create_role(RoleName="awscli-tests", AssumeRolePolicyDocument=_ROLE_POLICY)
    except ClientError:  # made by an earlier test
        role = iam.get_role(RoleName="awscli-tests")
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": make_zip({"handler.py": b"first"})},
    )
    return name


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedLambda]:
    """The command's client talks to a simulator on a virtual clock, with one function ``fn``."""
    simulator = SimulatedLambda(update_duration=2.0)
    simulator.create_function("fn", make_zip({"handler.py": b"first"}))
    simulator.reset_counters()

    def client(args: Any) -> LambdaCodeClient:
        made: LambdaCodeClient = simulator.lambda_code_client()
        return made

    monkeypatch.setattr(_awscli, "_make_client", client)
    try:
        yield simulator
    finally:
        simulator.detach()


def _aws(*argv: str) -> subprocess.CompletedProcess[str]:
    """The AWS CLI (v1, from PyPI, installed beside lambda-code), as a script would run it."""
    return subprocess.run(  # noqa: S603  this interpreter, running the AWS CLI
        [sys.executable, "-m", "awscli", "lambda", _COMMAND, *argv],
        capture_output=True,
        text=True,
        timeout=_HANG,
        env={**os.environ, "AWS_PAGER": ""},
        check=False,
    )


def _ours(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([_COMMAND, *argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- the same JSON as the AWS CLI --------------------------------------------------------------


def _zip_args(function: str, package: Path, _: Path) -> list[str]:
    return ["--function-name", function, "--zip-file", f"fileb://{package}"]


def _s3_args(function: str, package: Path, _: Path) -> list[str]:
    return [
        "--function-name",
        function,
        *("--s3-bucket", "awscli-tests", "--s3-key", f"{function}.zip"),
        *("--architectures", "arm64"),
    ]


def _input_json_args(function: str, package: Path, tmp_path: Path) -> list[str]:
    document = tmp_path / "request.json"
    document.write_text(json.dumps({"FunctionName": function, "Architectures": ["arm64"]}))
    return ["--cli-input-json", f"file://{document}", "--zip-file", f"fileb://{package}"]


def _dry_run_args(function: str, package: Path, tmp_path: Path) -> list[str]:
    return [*_zip_args(function, package, tmp_path), "--dry-run"]


_CASES: dict[str, tuple[Callable[[str, Path, Path], list[str]], bool]] = {
    "zip --no-wait": (_zip_args, False),
    "zip waiting": (_zip_args, True),
    "s3 and architectures": (_s3_args, False),
    "cli-input-json": (_input_json_args, False),
    "dry run": (_dry_run_args, True),
}


@pytest.mark.parametrize("case", _CASES)
def test_prints_what_the_aws_cli_prints(
    case: str,
    moto_server: str,
    moto_function: str,
    package: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same arguments on one moto.server: the AWS CLI's JSON and ours are equal."""
    make_args, wait = _CASES[case]
    s3: Any = botocore.session.get_session().create_client(
        "s3", region_name="us-east-1", endpoint_url=moto_server
    )
    s3.create_bucket(Bucket="awscli-tests")
    s3.put_object(Bucket="awscli-tests", Key=f"{moto_function}.zip", Body=_CODE)
    args = make_args(moto_function, package, tmp_path)
    where = ["--endpoint-url", moto_server, "--region", "us-east-1", "--output", "json"]

    theirs = _aws(*args, *where)
    assert theirs.returncode == 0, theirs.stderr
    code, ours, err = _ours(capsys, *args, *where, *([] if wait else ["--no-wait"]))
    assert code == EXIT_OK, err

    document = json.loads(ours)
    assert document == json.loads(theirs.stdout)
    if "--dry-run" not in args:  # the update did land, with the code sent
        assert document["CodeSha256"] == ZipPackage.from_bytes(_CODE).code_sha256


def test_takes_every_option_the_aws_cli_has() -> None:
    """Every member the AWS CLI's skeleton of the request lists is an option here."""
    skeleton = _aws("--generate-cli-skeleton", "input")
    assert skeleton.returncode == 0, skeleton.stderr
    theirs = set(json.loads(skeleton.stdout))
    assert theirs <= {m.wire for m in _awscli.MEMBERS}
    parser_options = _option_strings(_COMMAND)
    assert {m.option for m in _awscli.MEMBERS} <= parser_options
    assert {"--cli-input-json", "--output", "--region", "--profile", "--endpoint-url"} <= (
        parser_options
    )
    assert {"--no-publish", "--no-dry-run"} <= parser_options


def _option_strings(command: str) -> set[str]:
    from lambda_code._cli import _parser

    parser = _parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    sub = subparsers.choices[command]  # type: ignore[index]
    return {option for action in sub._actions for option in action.option_strings}


# -- waiting, retrying, publishing -------------------------------------------------------------


def test_waits_for_the_update_and_prints_the_configuration_after_it(
    sim: SimulatedLambda, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """By default the command returns once the update finished, printing the function then."""
    code, out, _ = _ours(capsys, "--function-name", "fn", "--zip-file", f"fileb://{package}")
    assert code == EXIT_OK
    document = json.loads(out)
    assert document["LastUpdateStatus"] == "Successful"
    assert document["CodeSha256"] == ZipPackage.from_bytes(_CODE).code_sha256
    assert sim.clock.now() >= 2.0  # the update's duration on the simulator
    assert sim.calls["UpdateFunctionCode"] == 1


def test_no_wait_prints_the_updates_own_answer_at_once(
    sim: SimulatedLambda, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --no-wait the answer is Lambda's to the update: InProgress, and no poll."""
    code, out, _ = _ours(
        capsys, "--function-name", "fn", "--zip-file", f"fileb://{package}", "--no-wait"
    )
    assert code == EXIT_OK
    assert json.loads(out)["LastUpdateStatus"] == "InProgress"
    assert sim.calls["GetFunction"] == 0
    assert sim.clock.now() == 0


def test_an_update_in_progress_is_waited_out(
    sim: SimulatedLambda, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 409 (another update in progress), which fails the AWS CLI, is retried until it clears."""
    sim.client.update_function_code(FunctionName="fn", ZipFile=make_zip({"a.py": b"other"}))
    sim.reset_counters()
    code, out, err = _ours(capsys, "--function-name", "fn", "--zip-file", f"fileb://{package}")
    assert code == EXIT_OK, err
    assert sim.errors["ResourceConflictException"] >= 1
    assert json.loads(out)["CodeSha256"] == ZipPackage.from_bytes(_CODE).code_sha256


def test_publish_prints_the_new_version_once_it_is_active(
    sim: SimulatedLambda, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --publish the document is the published version's, as the AWS CLI's is."""
    code, out, _ = _ours(
        capsys, "--function-name", "fn", "--zip-file", f"fileb://{package}", "--publish"
    )
    assert code == EXIT_OK
    document = json.loads(out)
    assert document["Version"] == "1"
    assert document["State"] == "Active"
    assert sim.versions_published["fn"] == 1


def test_the_same_code_is_sent_again(
    sim: SimulatedLambda, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like the AWS CLI, the command always sends: no skipping of unchanged code."""
    argv = ("--function-name", "fn", "--zip-file", f"fileb://{package}")
    assert _ours(capsys, *argv)[0] == EXIT_OK
    assert _ours(capsys, *argv)[0] == EXIT_OK
    assert sim.calls["UpdateFunctionCode"] == 2


def test_revision_id_guards_the_update(
    sim: SimulatedLambda, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--revision-id is sent as given: a stale one is a 412, the current one updates."""
    current = sim.configuration("fn")["RevisionId"]
    argv = ("--function-name", "fn", "--zip-file", f"fileb://{package}", "--revision-id")
    code, out, err = _ours(capsys, *argv, "stale-revision")
    assert code == EXIT_AWS
    assert out == ""
    assert "PreconditionFailedException" in err
    assert _ours(capsys, *argv, current)[0] == EXIT_OK


def test_a_failed_update_exits_1_after_printing_nothing(
    sim: SimulatedLambda, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An update Lambda accepts and then fails is exit 1, where the AWS CLI would say 0."""
    sim.fail_next_update("fn")
    code, out, err = _ours(capsys, "--function-name", "fn", "--zip-file", f"fileb://{package}")
    assert code == EXIT_FAILED
    assert out == ""
    assert "update failed" in err
    assert "Lambda had already accepted the update" in err


def test_a_lost_answer_to_a_publishing_update_is_not_resent(
    sim: SimulatedLambda, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--publish without --revision-id is sent once: a resend could publish twice."""
    sim.add_fault("lost_response", operation="UpdateFunctionCode", times=1)
    code, out, err = _ours(
        capsys, "--function-name", "fn", "--zip-file", f"fileb://{package}", "--publish"
    )
    assert code == EXIT_AWS
    assert out == ""
    assert "whether Lambda accepted the update is unknown" in err
    assert sim.calls["UpdateFunctionCode"] == 1
    assert sim.versions_published["fn"] == 1  # it did land: only its answer was lost


def test_cli_input_json_with_overrides(
    sim: SimulatedLambda, package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A JSON request, inline or file://, with options on the command line winning."""
    document = tmp_path / "request.json"
    document.write_text(json.dumps({"FunctionName": "missing", "Publish": True}))
    code, out, err = _ours(
        capsys,
        *("--cli-input-json", f"file://{document}"),
        *("--function-name", "fn", "--zip-file", f"fileb://{package}", "--no-publish"),
    )
    assert code == EXIT_OK, err
    assert json.loads(out)["Version"] == "$LATEST"
    inline = json.dumps({"FunctionName": "fn", "Architectures": ["arm64"], "DryRun": True})
    code, out, err = _ours(capsys, "--cli-input-json", inline, "--zip-file", f"fileb://{package}")
    assert code == EXIT_OK, err
    assert sim.calls["UpdateFunctionCode"] == 2
    assert sim.configuration("fn")["Architectures"] == ["x86_64"]  # a dry run changes nothing


# -- validation before any call ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--zip-file", "fileb://{zip}"], "--function-name: is required"),
        (["--function-name", "fn"], "code: exactly one code source is required: --zip-file,"),
        (["--function-name", "fn", "--zip-file", "fileb://{text}"], "--zip-file"),
        (["--function-name", "fn", "--zip-file", "fileb://{missing}"], "cannot read"),
        (["--function-name", "fn", "--zip-file", "file://{zip}"], "file:// reads text"),
        (["--function-name", "fn", "--zip-file", "{zip}"], "expected fileb://PATH"),
        (
            ["--function-name", "fn", "--zip-file", "fileb://{zip}", "--image-uri", "x"],
            "exactly one code source",
        ),
        (["--function-name", "no such name!", "--zip-file", "fileb://{zip}"], "--function-name"),
        (["--function-name", "fn", "--zip-file", "fileb://{zip}", "--output", "text"], "JSON only"),
        (["--function-name", "fn", "--zip-file", "fileb://{zip}", "--timeout", "nan"], "--timeout"),
        (["--cli-input-json", "{{not json", "--zip-file", "fileb://{zip}"], "JSON document"),
        (["--cli-input-json", "[1]", "--zip-file", "fileb://{zip}"], "JSON object"),
        (['--cli-input-json={{"Nope": 1}}', "--zip-file", "fileb://{zip}"], "'Nope' is not"),
        (['--cli-input-json={{"ZipFile": "UEsDBA=="}}', "--function-name", "fn"], "no bytes"),
        (['--cli-input-json={{"FunctionName": 7}}', "--zip-file", "fileb://{zip}"], "a string"),
        (['--cli-input-json={{"Publish": "yes"}}', "--function-name", "fn"], "true or false"),
        (["--cli-input-json", "file://{missing}", "--function-name", "fn"], "cannot read"),
        (["--function-name", "fn", "--zip", "build/"], "--zip-file fileb://PATH"),
        (["--function-name", "fn", "--query", "Version"], "jq"),
    ],
)
def test_bad_arguments_are_usage_errors_before_any_call(
    argv: list[str],
    says: str,
    sim: SimulatedLambda,
    package: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each mistake is exit 2 with a one-line reason, and nothing is sent."""
    text = tmp_path / "notes.txt"
    text.write_text("not a zip")
    paths = {"zip": package, "text": text, "missing": tmp_path / "missing.zip"}
    code, out, err = _ours(capsys, *(arg.format(**paths) for arg in argv))
    assert code == EXIT_USAGE
    assert out == ""
    assert says in err
    assert sum(sim.calls.values()) == 0


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
_KEYS = st.sampled_from([m.wire for m in _awscli.MEMBERS]) | st.text(max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=6) | _JSON)
def test_no_json_request_crashes_the_validator(document: object) -> None:
    """Any --cli-input-json gives a validated request or a RequestValidationError, nothing else."""
    from lambda_code._cli import _parser

    # With "=": a document such as -1 would otherwise read as an option.
    argv = [_COMMAND, f"--cli-input-json={json.dumps(document)}"]
    args = _parser().parse_args(argv)
    try:
        request = _awscli.build_request(args)
    except RequestValidationError as err:
        field = err.field
    else:
        assert isinstance(document, dict)
        assert request.to_api().keys() <= document.keys()
        return
    # Named as an option (--cli-input-json's own errors too), or the code source as a whole.
    assert field.startswith("--") or field == "code"


# -- hints in `update` -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "instead"),
    [
        (
            ["--function-name", "fn", "--zip-file", "fileb://build.zip"],
            "lambda-code update FUNCTION",
        ),
        (["fn", "--zip-file", "fileb://build.zip"], "--zip PATH"),
        (["fn", "--s3-bucket", "b", "--s3-key", "k"], "--s3 s3://BUCKET/KEY"),
        (["fn", "--image-uri", "uri"], "--image URI"),
        (["fn", "--zip", "d", "--architectures", "arm64"], "--arch"),
        (["fn", "--zip", "d", "--revision-id", "r"], "RevisionId it reads"),
        (["fn", "--zip", "d", "--output", "json"], "--json"),
        (["fn", "--zip", "d", "--source-kms-key-arn=arn"], "update-function-code takes"),
    ],
)
def test_update_answers_aws_spellings_with_a_hint(
    argv: list[str], instead: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`update` given an AWS CLI option says how to write it, not 'unrecognized arguments'."""
    code = main(["update", *argv])
    _, err = capsys.readouterr()
    assert code == EXIT_USAGE
    message = err.strip().splitlines()[-1]
    assert message.startswith("lambda-code update: error: --")
    assert "AWS CLI's spelling" in message
    assert instead in message
    assert "unrecognized" not in err


def test_every_aws_option_is_taken_or_hinted_by_update() -> None:
    """Each AWS CLI option of the command is one `update` takes as it is, or answers."""
    update = _option_strings("update")
    for member in _awscli.MEMBERS:
        assert member.option in update
        if member.kind == "boolean":
            assert f"--no-{member.option[2:]}" in update
    assert "--function-name" in _awscli.UPDATE_HINTS
    assert "--publish" not in _awscli.UPDATE_HINTS  # the same flag in both commands
