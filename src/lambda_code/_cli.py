"""The ``lambda-code`` command: ``update``, ``wait``, ``get``, ``package`` and ``demo``.

For people, progress is a status line on stderr (rewritten in place on a terminal, one line per
event otherwise) and a short summary on stdout. For scripts, ``--json`` prints only the
resulting configuration on stdout, with AWS's own member names. Exit codes are in ``EXIT_CODES``.
A reader of stdout that leaves early (``| head -1``) does not change the exit code.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import stat
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO
from urllib.parse import urlsplit

from botocore.exceptions import (
    BotoCoreError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
)
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

from . import _awscli
from ._errors import (
    DeadlineExceededError,
    FunctionFailedError,
    LambdaCodeError,
    PackageError,
    RequestValidationError,
    UpdateFailedError,
    WaiterError,
    WaitTimeoutError,
)
from ._progress import Reporter, _discard, _human_size, outcome

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ._client import LambdaCodeClient
    from ._events import AliasUpdate, DeployResult
    from ._models import FunctionConfiguration
    from ._package import ZipPackage, ZipProgress
    from ._types import CodeInput
    from .testing import Clock

__all__ = ["EXIT_CODES", "main"]

PROG: Final = "lambda-code"

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_TIMEOUT: Final = 3
EXIT_AWS: Final = 4
EXIT_INTERRUPTED: Final = 130

#: Exit code -> what it means; shown in ``--help`` and the documentation.
EXIT_CODES: Final = {
    EXIT_OK: "success, or the code was already there (update skipped)",
    EXIT_FAILED: "the update failed (LastUpdateStatus Failed), the function did (State Failed), "
    "or another update replaced ours before it finished",
    EXIT_USAGE: "bad usage or validation: arguments, function name, package, S3 location, image",
    EXIT_TIMEOUT: "--timeout passed before the update finished, or before a call could start",
    EXIT_AWS: "an error from AWS (throttling, not found, access denied...), no answer, "
    "or no credentials or region",
}

_EPILOG = "exit codes:\n" + "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES.items())

# Zipping progress is shown from this size or this many files: smaller trees zip in a blink.
_LARGE_TREE_BYTES: Final = 8 * 1024 * 1024
_LARGE_TREE_FILES: Final = 1000

_DEMO_FUNCTION: Final = "demo-function"
_DEMO_HANDLER: Final = 'def handler(event, context):\n    return {{"message": "{message}"}}\n'


# -- argument parsing --------------------------------------------------------------------------


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0: {text!r}")
    return value


def _endpoint_url(text: str) -> str:
    """Check ``--endpoint-url`` up front: botocore raises ``ValueError``, some at the first call."""
    expected = f"expected http://HOST[:PORT] or https://HOST[:PORT], got {text!r}"
    try:
        url = urlsplit(text)
    except ValueError:  # an unclosed "[" around an IPv6 address, for one
        raise argparse.ArgumentTypeError(expected) from None
    # botocore's own test of the host, so that what passes here is what it accepts.
    host_ok = is_valid_endpoint_url(text) or is_valid_ipv6_endpoint_url(text)
    if url.scheme not in {"http", "https"} or not host_ok:
        raise argparse.ArgumentTypeError(expected)
    try:
        port = url.port
    except ValueError:  # not a number, or over 65535
        port = 0
    if port == 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the port must be a number from 1 to 65535")
    return text


def _update_arguments(update: argparse.ArgumentParser) -> None:
    """The options of ``update`` (one place, so the parser stays readable)."""
    update.add_argument("function", metavar="FUNCTION", help="function name, ARN or partial ARN")
    source = update.add_argument_group("code source (exactly one)").add_mutually_exclusive_group(
        required=True
    )
    source.add_argument(
        "--zip", metavar="PATH", help="a .zip file, or a directory to zip deterministically"
    )
    source.add_argument("--s3", metavar="S3_URL", help="s3://bucket/key[#version] of a .zip")
    source.add_argument("--image", metavar="URI", help="container image URI in Amazon ECR")
    update.add_argument(
        "--s3-staging",
        metavar="S3_URL",
        help="s3://bucket[/folder] to stage a zip over 50 MiB through (content-addressed keys)",
    )
    update.add_argument(
        "--no-resolve",
        action="store_true",
        help="send an --image tag as it is instead of the digest it names now",
    )
    update.add_argument(
        "--no-arch-check",
        action="store_true",
        help="deploy native binaries even if built for another architecture",
    )
    update.add_argument("--publish", action="store_true", help="publish a version of the code")
    update.add_argument(
        "--alias",
        metavar="NAME",
        help="with --publish: point this alias at the version (created if missing)",
    )
    update.add_argument(
        "--dry-run", action="store_true", help="validate with Lambda, change nothing"
    )
    update.add_argument(
        "--force", action="store_true", help="update even when Lambda already has this code"
    )
    update.add_argument("--no-wait", action="store_true", help="return once the update is accepted")
    update.add_argument(
        "--arch", choices=("x86_64", "arm64"), help="instruction set architecture to set"
    )
    update.add_argument(
        "--timeout",
        type=_seconds,
        default=300.0,
        metavar="S",
        help="seconds for the whole deploy (default: 300)",
    )


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    output = argparse.ArgumentParser(add_help=False)
    group = output.add_argument_group("output")
    group.add_argument(
        "--json",
        action="store_true",
        help="print only the resulting configuration as JSON on stdout (AWS's member names)",
    )
    group.add_argument(
        "--debug", action="store_true", help="log retries and failed polls; tracebacks on errors"
    )

    aws = argparse.ArgumentParser(add_help=False)
    group = aws.add_argument_group("AWS connection")
    group.add_argument("--region", metavar="R", help="AWS region (default: from the environment)")
    group.add_argument("--profile", metavar="P", help="named profile from the AWS config files")
    group.add_argument(
        "--endpoint-url",
        type=_endpoint_url,
        metavar="URL",
        help="send requests here instead of AWS (e.g. a mock)",
    )

    zipping = argparse.ArgumentParser(add_help=False)
    group = zipping.add_argument_group("what goes in the zip of a directory (gitignore patterns)")
    group.add_argument(
        "--exclude",
        action="append",
        metavar="P",
        help="leave out what matches P (repeatable; later patterns win, !P re-includes)",
    )
    group.add_argument(
        "--no-default-excludes",
        action="store_true",
        help="keep .git, __pycache__/, *.pyc, .venv/, .env and the rest of DEFAULT_EXCLUDES",
    )
    group.add_argument(
        "--ignore-file",
        metavar="F",
        help="read patterns from the file F at the directory's root instead of .lambdaignore "
        "(it must exist)",
    )
    group.add_argument(
        "--executable",
        action="append",
        metavar="P",
        help="store what matches P with mode 0755, whatever its bits on disk (repeatable)",
    )

    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Ship code to AWS Lambda functions: update, wait for the update, inspect.",
        epilog=_EPILOG + "\n\nTry it without an AWS account: lambda-code demo",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    update = commands.add_parser(
        "update",
        parents=[aws, output, zipping],
        help="deploy new code and wait until Lambda has applied it",
        description=(
            "Deploy new code to a function: skip it if Lambda already has the same code, "
            "otherwise update (guarded by the function's RevisionId) and wait until "
            "LastUpdateStatus is Successful."
        ),
        epilog=_EPILOG,
        formatter_class=formatter,
    )
    _update_arguments(update)
    _awscli.add_hints(update, _awscli.UPDATE_HINTS)

    wait = commands.add_parser(
        "wait",
        parents=[aws, output],
        help="wait until the function's last update has finished",
        description="Wait until LastUpdateStatus is Successful (exit 1 if it is Failed).",
        epilog=_EPILOG,
        formatter_class=formatter,
    )
    wait.add_argument("function", metavar="FUNCTION", help="function name, ARN or partial ARN")
    wait.add_argument("--qualifier", metavar="Q", help="a version number or alias")
    wait.add_argument(
        "--timeout", type=_seconds, default=300.0, metavar="S", help="seconds (default: 300)"
    )

    get = commands.add_parser(
        "get",
        parents=[aws, output],
        help="show a function's configuration",
        description="Show a function's configuration (GetFunctionConfiguration).",
        epilog=_EPILOG,
        formatter_class=formatter,
    )
    get.add_argument("function", metavar="FUNCTION", help="function name, ARN or partial ARN")
    get.add_argument("--qualifier", metavar="Q", help="a version number or alias")

    package = commands.add_parser(
        "package",
        parents=[zipping],
        help="zip a directory as update would, and show its CodeSha256",
        description=(
            "Build the deterministic zip of a directory, exactly as update --zip DIR would, "
            "and show its CodeSha256 (what Lambda will report), its size and its unzipped size. "
            "Nothing is sent anywhere."
        ),
        epilog=_EPILOG,
        formatter_class=formatter,
    )
    package.add_argument("directory", metavar="DIR", help="the directory to zip")
    package.add_argument("-o", "--output", metavar="FILE", help="write the zip to FILE")
    package.add_argument("--list", action="store_true", help="list the files in the zip")
    package.add_argument(
        "--arch",
        choices=("x86_64", "arm64"),
        help="fail if a native binary in the zip cannot run on this architecture",
    )
    group = package.add_argument_group("output")
    group.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: CodeSha256, CodeSize, UnzippedSize, and Files with --list, "
        "Path with -o",
    )
    group.add_argument("--debug", action="store_true", help="tracebacks on errors")
    _awscli.add_parser(commands, parents=[aws], epilog=_EPILOG, formatter_class=formatter)

    commands.add_parser(
        "demo",
        parents=[output],
        help="deploy to a simulated Lambda: no AWS account needed",
        description=(
            "Run real deploys against lambda-code's built-in Lambda simulator, in this process: "
            "an update with its InProgress -> Successful transition, a second deploy of the "
            "same code that is skipped, and a published version. Nothing is sent to AWS."
        ),
        epilog=_EPILOG,
        formatter_class=formatter,
    )
    return parser


# -- output ------------------------------------------------------------------------------------


def _say(stream: TextIO, text: str) -> None:
    """Write a message to stderr: one that cannot be written must not change the outcome."""
    try:
        stream.write(text)
        stream.flush()
    except OSError:  # its reader has gone (`2>&1 | head -1`), or its disk is full
        _discard(stream)


class Progress(Reporter):
    """The command's progress on stderr: a ``Reporter`` without its summary line, since the
    command prints its own summary on stdout; ``wait`` shows its polls through ``on_poll``."""

    def __init__(self, stream: TextIO, *, live: bool | None, clock: Callable[[], float]) -> None:
        super().__init__(stream, live=live, summary=False, clock=clock)
        self.clock = clock
        self.started = clock()

    def elapsed(self) -> float:
        return self.clock() - self.started

    def done(self) -> None:
        """End the live line, so that what follows starts on a line of its own."""
        self.close()


def _print_json(config: FunctionConfiguration, stdout: TextIO) -> None:
    json.dump(config.to_api(), stdout, indent=2, sort_keys=True, default=str)
    stdout.write("\n")


def _print_configuration(config: FunctionConfiguration, stdout: TextIO) -> None:
    rows = {
        "FunctionName": config.function_name,
        "Version": config.version,
        "State": config.state,
        "LastUpdateStatus": config.last_update_status,
        "LastUpdateStatusReason": config.last_update_status_reason,
        "PackageType": config.package_type,
        "Runtime": config.runtime,
        "Architectures": ", ".join(config.architectures) if config.architectures else None,
        "CodeSha256": config.code_sha256,
        "CodeSize": _human_size(config.code_size) if config.code_size is not None else None,
        "LastModified": config.last_modified.isoformat() if config.last_modified else None,
        "RevisionId": config.revision_id,
    }
    for key, value in rows.items():
        if value is not None:
            stdout.write(f"  {key:<18}{value}\n")


def _code_line(config: FunctionConfiguration | None) -> str | None:
    if config is None or config.code_sha256 is None:
        return None
    size = f" ({_human_size(config.code_size)})" if config.code_size is not None else ""
    return f"{config.code_sha256}{size}"


def _alias_line(alias: AliasUpdate, *, dry_run: bool) -> str:
    target = alias.version or "the new version"
    if alias.action == "unchanged":
        return f"{alias.name} already points at {target}"
    verb = {"created": "create", "updated": "move"}[alias.action] if dry_run else alias.action
    origin = f" from {alias.previous}" if alias.previous is not None else ""
    return (
        f"{verb} {alias.name}{origin} to {target}"
        if dry_run
        else f"{alias.name} {verb}{origin} -> {target}"
    )


def _print_result(result: DeployResult, stdout: TextIO) -> None:
    config = result.configuration
    name = config.function_name or "function"
    stdout.write(f"{name}: {outcome(result)} in {result.elapsed:.1f}s\n")
    if result.dry_run:
        would = ["update" if result.changed else "skip"]
        if result.changed and result.published is None and result.alias is not None:
            would.append("publish a version")
        if result.alias is not None:
            would.append(_alias_line(result.alias, dry_run=True))
        rows = {
            "Now": _code_line(result.previous),
            "New": _code_line(config) if result.changed else None,
            "Would": ", ".join(would),
        }
    else:
        rows = {
            "CodeSha256": config.code_sha256,
            "CodeSize": _human_size(config.code_size) if config.code_size is not None else None,
            "LastUpdateStatus": config.last_update_status,
            "Version": f"{result.version} (published)" if result.version else config.version,
            "Alias": _alias_line(result.alias, dry_run=False) if result.alias else None,
        }
    for key, value in rows.items():
        if value is not None:
            stdout.write(f"  {key:<18}{value}\n")


# -- commands ----------------------------------------------------------------------------------


def _make_client(args: argparse.Namespace) -> LambdaCodeClient:
    from ._client import LambdaCodeClient

    return LambdaCodeClient(
        region_name=args.region, profile_name=args.profile, endpoint_url=args.endpoint_url
    )


def _zip_options_given(args: argparse.Namespace) -> bool:
    return bool(
        args.exclude or args.executable or args.no_default_excludes or args.ignore_file is not None
    )


def _zip_progress(progress: Progress) -> Callable[[ZipProgress], None]:
    """``from_directory``'s ``on_progress``, shown for large trees only: small ones zip at once."""

    def show(done: ZipProgress) -> None:
        if done.total_bytes >= _LARGE_TREE_BYTES or done.total_files >= _LARGE_TREE_FILES:
            progress.zipping(done)

    return show


def _zip_directory(
    args: argparse.Namespace,
    path: str,
    *,
    stderr: TextIO,
    exclude: Sequence[str] = (),
) -> ZipPackage:
    """Zip ``path`` with the zip options of ``args``, showing progress on a terminal."""
    from ._package import ZipPackage

    options = {} if args.ignore_file is None else {"ignore_file": args.ignore_file}
    if args.ignore_file is not None and not (Path(path) / args.ignore_file).is_file():
        # Named on purpose, a missing one is a typo: zipping without it could ship secrets.
        raise PackageError(message=f"--ignore-file {args.ignore_file}: no such file", path=path)
    progress = Progress(stderr, live=False if args.json else None, clock=time.monotonic)
    try:
        return ZipPackage.from_directory(
            path,
            exclude=[*(args.exclude or ()), *exclude],
            default_excludes=not args.no_default_excludes,
            executable=args.executable or (),
            on_progress=_zip_progress(progress),
            **options,
        )
    finally:
        progress.done()


def _is_dir(path: str) -> bool:
    try:
        return stat.S_ISDIR(Path(path).stat().st_mode)
    except (OSError, ValueError):  # the package's own checks will say what is wrong
        return False


def _code(args: argparse.Namespace, stderr: TextIO) -> CodeInput:
    from ._package import ContainerImage, S3Location

    if args.s3 is not None:
        return S3Location.parse(args.s3)
    if args.image is not None:
        return ContainerImage(args.image, resolve=not args.no_resolve)
    path: str = args.zip
    if _zip_options_given(args) or _is_dir(path):
        return _zip_directory(args, path, stderr=stderr)
    return path


def _progress(args: argparse.Namespace, stderr: TextIO, clock: Callable[[], float]) -> Progress:
    # With --json, progress stays plain lines: a script reads the output.
    return Progress(stderr, live=False if args.json else None, clock=clock)


def _update(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.zip is None and _zip_options_given(args):
        _say(
            stderr,
            f"{PROG} update: error: --exclude, --no-default-excludes, --ignore-file and "
            "--executable say what goes in the zip of a directory: they need --zip DIR\n",
        )
        return EXIT_USAGE
    if args.image is None and args.no_resolve:
        _say(stderr, f"{PROG} update: error: --no-resolve is for --image\n")
        return EXIT_USAGE
    if args.zip is None and (args.s3_staging is not None or args.no_arch_check):
        _say(stderr, f"{PROG} update: error: --s3-staging and --no-arch-check are for --zip\n")
        return EXIT_USAGE
    staging = None
    if args.s3_staging is not None:
        from ._staging import S3Staging

        staging = S3Staging.parse(args.s3_staging)
    code = _code(args, stderr)  # a bad package, S3 URL or image URI fails before any client
    client = _make_client(args)
    progress = _progress(args, stderr, client.clock.now)
    try:
        result = client.deploy(
            args.function,
            code,
            publish=args.publish,
            dry_run=args.dry_run,
            skip_unchanged=not args.force,
            wait=not args.no_wait,
            architectures=[args.arch] if args.arch else None,
            timeout=args.timeout,
            alias=args.alias,
            staging=staging,
            check_architecture=not args.no_arch_check,
            on_event=progress.on_event,
        )
    finally:
        progress.done()
    if args.json:
        # What `aws lambda update-function-code --publish` prints: the version published.
        _print_json(result.published or result.configuration, stdout)
    else:
        _print_result(result, stdout)
    return EXIT_OK


def _wait(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    client = _make_client(args)
    progress = _progress(args, stderr, client.clock.now)
    try:
        config = client.wait_until_updated(
            args.function,
            qualifier=args.qualifier,
            timeout=args.timeout,
            on_poll=progress.on_poll(args.function),
        )
    finally:
        progress.done()
    if args.json:
        _print_json(config, stdout)
    else:
        stdout.write(f"{config.function_name}: update finished in {progress.elapsed():.1f}s\n")
        _print_configuration(config, stdout)
    return EXIT_OK


def _get(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:  # noqa: ARG001  same signature as every command
    config = _make_client(args).get_function_configuration(args.function, args.qualifier)
    if args.json:
        _print_json(config, stdout)
    else:
        stdout.write(f"{config.function_name}\n")
        _print_configuration(config, stdout)
    return EXIT_OK


def _inside(directory: str, output: str | None) -> list[str]:
    """A pattern leaving ``output`` out when it is in ``directory``: a rerun gives the same zip."""
    from ._package import _literal

    if output is None:
        return []
    try:
        relative = Path(os.path.realpath(output)).relative_to(os.path.realpath(directory))
    except ValueError:
        return []
    return [_literal(relative.as_posix())]


def _print_package(args: argparse.Namespace, package: ZipPackage, stdout: TextIO) -> None:
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        files = archive.infolist()
    unzipped = sum(info.file_size for info in files)
    if args.json:
        document: dict[str, object] = {
            "CodeSha256": package.code_sha256,
            "CodeSize": package.size,
            "UnzippedSize": unzipped,
        }
        if args.list:
            document["Files"] = [info.filename for info in files]
        if args.output is not None:
            document["Path"] = args.output
        json.dump(document, stdout, indent=2)
        stdout.write("\n")
        return
    if args.list:
        stdout.writelines(f"{_human_size(i.file_size):>10}  {i.filename}\n" for i in files)
    stdout.write(f"{args.directory}: {len(files)} file{'' if len(files) == 1 else 's'}\n")
    rows = {
        "CodeSha256": package.code_sha256,
        "CodeSize": _human_size(package.size),
        "UnzippedSize": _human_size(unzipped),
        "Path": args.output,
    }
    for key, value in rows.items():
        if value is not None:
            stdout.write(f"  {key:<18}{value}\n")


def _package(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ._native import check_architecture

    directory: str = args.directory
    package = _zip_directory(
        args, directory, stderr=stderr, exclude=_inside(directory, args.output)
    )
    if args.arch is not None:
        check_architecture(package, [args.arch])
    if args.output is not None:
        try:
            Path(args.output).write_bytes(package.data)
        except OSError as err:
            raise PackageError(
                message=f"cannot write: {err.strerror or err}", path=args.output
            ) from err
    _print_package(args, package, stdout)
    return EXIT_OK


def _demo_clock() -> Clock:
    """The demo's clock: real time, so that people see an update take its second."""
    from .testing import SystemClock

    return SystemClock()


def _demo(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from ._package import ZipPackage
    from .testing import SimulatedLambda

    def say(text: str) -> None:
        # Headings go where the summaries go, except that --json keeps stdout for the JSON.
        if args.json:
            _say(stderr, text)
        else:
            stdout.write(text)
            stdout.flush()

    clock = _demo_clock()
    # The simulator answers every request of its client in this process: nothing is sent over
    # the network, and neither the environment nor the AWS config files are needed.
    sim = SimulatedLambda(clock=clock, update_duration=1.0)
    client = sim.lambda_code_client()
    sim.create_function(_DEMO_FUNCTION)
    say(
        f"A simulated Lambda runs in this process (no AWS account, nothing sent anywhere).\n"
        f"Created the function {_DEMO_FUNCTION}; each code update takes it about 1 second.\n"
    )
    started = clock.now()
    with tempfile.TemporaryDirectory(prefix="lambda-code-demo-") as tmp:
        handler = Path(tmp) / "handler.py"
        handler.write_text(_DEMO_HANDLER.format(message="hello"), encoding="utf-8")
        first = ZipPackage.from_directory(tmp)
        handler.write_text(_DEMO_HANDLER.format(message="hello again"), encoding="utf-8")
        second = ZipPackage.from_directory(tmp)

    steps: list[tuple[str, ZipPackage, bool]] = [
        ("1. Deploy a new package; Lambda applies it in the background:", first, False),
        ("2. Deploy the same package again; Lambda already has it:", first, False),
        ("3. Change the handler and deploy with publish=True:", second, True),
    ]
    result = None
    for heading, package, publish in steps:
        say(f"\n{heading}\n")
        progress = _progress(args, stderr, clock.now)
        try:
            result = client.deploy(
                _DEMO_FUNCTION, package, publish=publish, on_event=progress.on_event
            )
        finally:
            progress.done()
        if not args.json:
            _print_result(result, stdout)
    assert result is not None  # noqa: S101  the loop above always runs
    say(
        f"\nDone in {clock.now() - started:.1f}s: updated, skipped as unchanged, and published "
        f"version {result.version}.\nOn AWS: lambda-code update FUNCTION --zip DIR [--publish]\n"
    )
    if args.json:
        _print_json(client.get_function_configuration(_DEMO_FUNCTION, result.version), stdout)
    return EXIT_OK


_COMMANDS: Final[dict[str, Callable[[argparse.Namespace, TextIO, TextIO], int]]] = {
    "update": _update,
    "wait": _wait,
    "get": _get,
    "package": _package,
    "demo": _demo,
    _awscli.COMMAND: _awscli.run,
}


# -- errors ------------------------------------------------------------------------------------


def _exit_code(err: BaseException) -> int:
    if isinstance(err, UpdateFailedError | FunctionFailedError):
        return EXIT_FAILED
    if isinstance(err, WaitTimeoutError | DeadlineExceededError):
        return EXIT_TIMEOUT
    if isinstance(err, WaiterError):
        return EXIT_FAILED
    if isinstance(err, RequestValidationError | PackageError | ParamValidationError):
        return EXIT_USAGE
    return EXIT_AWS


def _message(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    if isinstance(err, NoRegionError):
        return f"{text} Use --region or set AWS_REGION."
    if isinstance(err, NoCredentialsError):
        return f"{text}. Configure AWS credentials, or use --profile."
    if isinstance(err, ParamValidationError):
        return " ".join(text.split())
    if isinstance(err, RequestValidationError):
        # The command's spelling of the library's arguments.
        for argument, option in _OPTIONS.items():
            text = text.replace(argument, option)
    return text


#: Library arguments named in validation errors, and the command's options for them.
_OPTIONS: Final = {
    "publish=True": "--publish",
    "wait=True": "waiting (no --no-wait)",
    "check_architecture=False": "--no-arch-check",
    "alias:": "--alias:",
    "staging:": "--s3-staging:",
    "timeout:": "--timeout:",
}


_HANDLED = (LambdaCodeError, BotoCoreError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lambda-code`` command with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit code (see ``EXIT_CODES``) instead of exiting.
    """
    stdout, stderr = sys.stdout, sys.stderr
    code = EXIT_OK
    try:
        code = _main(argv, stdout, stderr)
        stdout.flush()  # now rather than at exit, where a reader that has gone is no failure
    except BrokenPipeError:
        # stdout's reader has gone (`lambda-code get f --json | head -1`) having read what it
        # wanted. Output is written only once the work it reports has succeeded, so the outcome
        # stands: the command's code, or success when printing was cut short. (Sockets are not
        # a source: botocore wraps their errors in its own.)
        _discard(stdout)
    _say(stderr, "")  # the same for messages still buffered for stderr
    return code


def _main(argv: Sequence[str] | None, stdout: TextIO, stderr: TextIO) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse exits on --help, --version and usage errors
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    logger = logging.getLogger("lambda_code")
    level, handler = logger.level, logging.StreamHandler(stderr)
    if args.debug:  # every call's retries, on stderr; undone on return (main may run in-process)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        return _COMMANDS[args.command](args, stdout, stderr)
    except _HANDLED as err:
        if args.debug:
            _say(stderr, "".join(traceback.format_exception(err)))
        _say(stderr, f"{PROG}: error: {_message(err)}\n")
        return _exit_code(err)
    except KeyboardInterrupt as err:
        notes = "".join(f"{PROG}: {note}\n" for note in getattr(err, "__notes__", ()))
        _say(stderr, f"\n{PROG}: interrupted\n{notes}")
        return EXIT_INTERRUPTED
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
