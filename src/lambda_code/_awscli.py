"""``lambda-code update-function-code``: the AWS CLI's command, validated, retried and waited for.

It takes the options of ``aws lambda update-function-code``, spelled as the AWS CLI spells them:
each is derived, as the AWS CLI derives its own, from a member of the request
(``SourceKMSKeyArn`` → ``--source-kms-key-arn``), here from ``UpdateFunctionCodeRequest``'s wire
names. It prints the document the AWS CLI prints: botocore's parsed answer without
``ResponseMetadata``, as JSON with the same layout. By default it waits for the update to finish
and then prints the function's configuration as the last poll saw it; ``--no-wait`` prints the
update's own answer at once, exactly what the AWS CLI prints.

This module also knows the AWS CLI's spellings that ``lambda-code update`` spells otherwise, so
that ``update`` answers them with a hint (``UPDATE_HINTS``).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import re
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

import attrs
from botocore import xform_name

from ._convert import converter
from ._errors import LambdaCodeError, RequestValidationError
from ._models import UpdateFunctionCodeRequest
from ._validation import check_duration, fail, unqualified_name

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._client import LambdaCodeClient

__all__ = [
    "COMMAND",
    "MEMBERS",
    "UPDATE_HINTS",
    "Member",
    "add_hints",
    "add_parser",
    "build_request",
    "run",
]

COMMAND: Final = "update-function-code"

_FILEB: Final = "fileb://"
_FILE: Final = "file://"


@attrs.frozen
class Member:
    """One member of the request, and how the AWS CLI takes it on the command line."""

    field: str  # the request's attribute
    wire: str  # its member name in the API
    kind: str  # "string", "boolean", "list" or "blob"
    required: bool

    @property
    def option(self) -> str:
        """The AWS CLI's option: the wire name in lower case, words joined by hyphens."""
        return "--" + xform_name(self.wire, "-")

    def accepts(self, value: object) -> bool:
        """Whether ``value`` from a JSON document has this member's type."""
        if self.kind == "boolean":
            return isinstance(value, bool)
        if self.kind == "list":
            return isinstance(value, list) and all(isinstance(v, str) for v in value)
        return isinstance(value, str)


def _kind(hint: Any) -> str:
    args = typing.get_args(hint)
    if hint is bool:
        return "boolean"
    if bytes in args:
        return "blob"
    if any(typing.get_origin(arg) is tuple for arg in args):
        return "list"
    return "string"


def _members() -> tuple[Member, ...]:
    hints = typing.get_type_hints(UpdateFunctionCodeRequest)
    return tuple(
        Member(
            field=field.name,
            wire=field.metadata["wire"],
            kind=_kind(hints[field.name]),
            required=field.default is attrs.NOTHING,
        )
        for field in attrs.fields(UpdateFunctionCodeRequest)
    )


#: Every member of the request, in the request's order: the command's AWS options.
MEMBERS: Final = _members()

_HELP: Final = {
    "function_name": "the function's name, ARN or partial ARN",
    "zip_file": "the .zip file to upload, as fileb://PATH",
    "s3_bucket": "the S3 bucket of a .zip (with --s3-key)",
    "s3_key": "the S3 key of that .zip",
    "s3_object_version": "the version of that S3 object",
    "s3_object_storage_mode": "how Lambda keeps the S3 object: COPY or REFERENCE",
    "image_uri": "a container image URI in Amazon ECR",
    "architectures": "the instruction set architecture: x86_64 or arm64",
    "publish": "publish a version of the new code",
    "publish_to": "where to publish: LATEST_PUBLISHED",
    "dry_run": "have Lambda validate the request, and change nothing",
    "revision_id": "update only if the function's RevisionId is this one (else 412)",
    "source_kms_key_arn": "the KMS key that encrypts the .zip",
}


# -- hints -------------------------------------------------------------------------------------


class _Hint(argparse.Action):
    """An option of another spelling: a usage error that says what to write instead."""

    def __init__(self, option_strings: list[str], dest: str, *, hint: str) -> None:  # noqa: ARG002  argparse passes dest
        # No dest: the option leaves nothing in the namespace, as it never parses.
        super().__init__(option_strings, argparse.SUPPRESS, nargs="?", help=argparse.SUPPRESS)
        self.hint = hint

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,  # noqa: ARG002  argparse's signature
        values: object,  # noqa: ARG002  argparse's signature
        option_string: str | None = None,
    ) -> None:
        parser.error(f"{option_string} {self.hint}")


def add_hints(parser: argparse.ArgumentParser, hints: Mapping[str, str]) -> None:
    """Answer each option of ``hints`` with its hint, instead of 'unrecognized arguments'."""
    for option, hint in hints.items():
        parser.add_argument(option, action=_Hint, hint=hint)


_ELSEWHERE: Final = f"lambda-code {COMMAND} takes the AWS CLI's options"
_UPDATE_INSTEAD: Final = {
    "--function-name": "the function is the first argument: lambda-code update FUNCTION ...",
    "--zip-file": "--zip PATH (a .zip file or a directory, no fileb://)",
    "--s3-bucket": "--s3 s3://BUCKET/KEY[#VERSION]",
    "--s3-key": "--s3 s3://BUCKET/KEY[#VERSION]",
    "--s3-object-version": "--s3 s3://BUCKET/KEY#VERSION",
    "--image-uri": "--image URI",
    "--architectures": "--arch x86_64|arm64",
    "--no-publish": "leave out --publish",
    "--no-dry-run": "leave out --dry-run",
    "--revision-id": "update guards with the RevisionId it reads itself",
    "--output": "--json",
}


def _update_hints() -> dict[str, str]:
    options = [m.option for m in MEMBERS]
    options += [f"--no-{m.option[2:]}" for m in MEMBERS if m.kind == "boolean"]
    options += ["--cli-input-json", "--output"]
    hints = {}
    for option in options:
        if option in {"--publish", "--dry-run"}:  # spelled the same in both commands
            continue
        instead = _UPDATE_INSTEAD.get(option)
        hints[option] = (
            f"is the AWS CLI's spelling; here: {instead} (or: {_ELSEWHERE})"
            if instead is not None
            else f"is the AWS CLI's spelling; {_ELSEWHERE}"
        )
    return hints


#: ``lambda-code update``'s answer to each AWS CLI option it spells otherwise.
UPDATE_HINTS: Final = _update_hints()

_HINTS: Final = {
    "--zip": "is lambda-code update's spelling; here: --zip-file fileb://PATH of a .zip "
    "(lambda-code update --zip also zips a directory)",
    "--s3": "is lambda-code update's spelling; here: --s3-bucket BUCKET --s3-key KEY",
    "--json": "is not needed: this command prints JSON, as the AWS CLI's --output json does",
    "--force": "is not needed: this command always sends the update, as the AWS CLI does",
    "--query": "is not supported: pipe the JSON to jq instead",
}


# -- the parser --------------------------------------------------------------------------------


def _zip_file(text: str) -> str:
    """``--zip-file``'s value: ``fileb://PATH``, as the AWS CLI wants it; returns PATH."""
    if text.startswith(_FILEB):
        return text[len(_FILEB) :]
    if text.startswith(_FILE):
        raise argparse.ArgumentTypeError(
            f"use {_FILEB}{text[len(_FILE) :]}: a .zip is binary, and file:// reads text"
        )
    raise argparse.ArgumentTypeError(f"expected {_FILEB}PATH of a .zip file, got {text!r}")


def _output(text: str) -> str:
    if text != "json":
        raise argparse.ArgumentTypeError(
            f"this command prints JSON only: --output json, not {text!r}"
        )
    return text


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], **kwargs: Any
) -> argparse.ArgumentParser:
    """Add the command to ``commands``; ``kwargs`` go to ``add_parser`` (parents, epilog...)."""
    parser = commands.add_parser(
        COMMAND,
        help="aws lambda update-function-code's options and JSON, with validation and waiting",
        description=(
            "A drop-in for aws lambda update-function-code: the same options, the same JSON "
            "on stdout. The request is validated before anything is sent; 409 (an update in "
            "progress) and 429 (throttling) are retried; and the command waits until the "
            "update has finished (--no-wait to return at once)."
        ),
        **kwargs,
    )
    request = parser.add_argument_group("aws lambda update-function-code's options")
    for member in MEMBERS:
        help_text = _HELP.get(member.field, f"the request's {member.wire}")
        if member.kind == "boolean":
            request.add_argument(
                member.option,
                dest=member.field,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=help_text,
            )
        elif member.kind == "list":
            request.add_argument(
                member.option, dest=member.field, nargs="+", metavar="VALUE", help=help_text
            )
        elif member.kind == "blob":
            request.add_argument(
                member.option,
                dest=member.field,
                type=_zip_file,
                metavar=f"{_FILEB}PATH",
                help=help_text,
            )
        else:
            request.add_argument(member.option, dest=member.field, metavar="VALUE", help=help_text)
    request.add_argument(
        "--cli-input-json",
        metavar="JSON",
        help="the request as a JSON object of its members (or file://PATH of one); "
        "options given on the command line win",
    )
    request.add_argument(
        "--output", type=_output, default="json", metavar="json", help="JSON, the only output"
    )
    behaviour = parser.add_argument_group("lambda-code")
    behaviour.add_argument(
        "--no-wait",
        dest="wait",
        action="store_false",
        help="print Lambda's answer as soon as the update is accepted, as the AWS CLI does",
    )
    behaviour.add_argument(
        "--timeout",
        type=_seconds,
        default=300.0,
        metavar="S",
        help="seconds for the whole command, retries and waits included (default: 300)",
    )
    behaviour.add_argument(
        "--debug", action="store_true", help="log retries and failed polls; tracebacks on errors"
    )
    add_hints(parser, _HINTS)
    return parser


# -- the request -------------------------------------------------------------------------------


def _local_path(text: str) -> Path:
    # As the AWS CLI reads file:// and fileb:// paths: ~ and $VARIABLES expanded.
    return Path(os.path.expandvars(text)).expanduser()


def _read(path: str, *, field: str) -> bytes:
    try:
        return _local_path(path).read_bytes()
    except OSError as err:
        raise fail(field, f"cannot read {path}: {err.strerror or err}") from None


def _input_json(text: str) -> dict[str, Any]:
    """The members of ``--cli-input-json``: a JSON object, inline or in a file."""
    field = "--cli-input-json"
    document: str | bytes = text
    for prefix in (_FILEB, _FILE):
        if text.startswith(prefix):
            document = _read(text[len(prefix) :], field=field)
            break
    try:
        data = json.loads(document)
    except ValueError as err:
        # The position only: the document may hold values that are not for logs.
        raise fail(
            field,
            f"must be a JSON document (line {getattr(err, 'lineno', '?')}: "
            f"{getattr(err, 'msg', 'not JSON')})",
        ) from None
    if not isinstance(data, dict):
        raise fail(field, "must be a JSON object of the request's members")
    members = {m.wire: m for m in MEMBERS}
    for key, value in data.items():
        member = members.get(key)
        if member is None:
            raise fail(field, f"{key!r} is not a member of the request: {', '.join(members)}")
        if member.kind == "blob":
            raise fail(
                field,
                f"{key} cannot be given in JSON, which has no bytes: "
                f"use {member.option} {_FILEB}PATH",
            )
        if not member.accepts(value):
            expected = {"boolean": "true or false", "list": "a list of strings"}
            raise fail(field, f"{key} must be {expected.get(member.kind, 'a string')}")
    return data


def build_request(args: argparse.Namespace) -> UpdateFunctionCodeRequest:
    """The request the arguments describe, validated; nothing is sent."""
    wire = _input_json(args.cli_input_json) if args.cli_input_json is not None else {}
    for member in MEMBERS:
        value = getattr(args, member.field)
        if value is None:
            continue
        wire[member.wire] = _read(value, field=member.option) if member.kind == "blob" else value
    for member in MEMBERS:
        if member.required and member.wire not in wire:
            raise fail(member.option, f"is required (or {member.wire} in --cli-input-json)")
    try:
        return converter.structure(wire, UpdateFunctionCodeRequest)
    except RequestValidationError as err:
        # The request's rule, speaking of the options the command was given.
        raise fail(_as_options(err.field), _as_options(err.rule)) from None


_FIELD_NAMES: Final = re.compile(
    r"\b(" + "|".join(sorted((m.field for m in MEMBERS), key=len, reverse=True)) + r")\b"
)


def _as_options(text: str) -> str:
    """``text`` with the request's attribute names (``zip_file``) as options (``--zip-file``)."""
    options = {m.field: m.option for m in MEMBERS}
    return _FIELD_NAMES.sub(lambda match: options[match[1]], text)


# -- running it --------------------------------------------------------------------------------


class _Answers:
    """The last answer botocore parsed for each operation that succeeded: what the AWS CLI prints.

    The typed ``FunctionConfiguration`` is not printed itself: it keeps only the members it
    models and writes ``LastModified`` in one form, where the AWS CLI prints what came.
    """

    def __init__(self, client: Any) -> None:
        self.parsed: dict[str, dict[str, Any]] = {}
        client.meta.events.register("after-call.lambda", self._keep)

    def _keep(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if http_response.status_code < 300:
            self.parsed[model.name] = parsed


def _make_client(args: argparse.Namespace) -> LambdaCodeClient:
    from ._client import LambdaCodeClient

    return LambdaCodeClient(
        region_name=args.region, profile_name=args.profile, endpoint_url=args.endpoint_url
    )


def _json_default(value: object) -> str:
    # The AWS CLI's own encoder, for the types botocore parses into.
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("utf-8")
    raise TypeError(f"cannot print a {type(value).__name__} as JSON")


def _print(document: Mapping[str, Any], stdout: TextIO) -> None:
    body = {key: value for key, value in document.items() if key != "ResponseMetadata"}
    json.dump(body, stdout, indent=4, default=_json_default, ensure_ascii=False)
    stdout.write("\n")


def run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:  # noqa: ARG001  the signature of every command
    """Send the update, retrying 409 and 429; unless ``--no-wait``, wait; print the JSON."""
    request = build_request(args)  # everything local is checked before a client is made
    timeout = check_duration(args.timeout, field="--timeout", allow_zero=False)
    client = _make_client(args)
    answers = _Answers(client.client)
    deadline = client.clock.now() + timeout

    def remaining() -> float:
        return max(0.0, deadline - client.clock.now())

    try:
        updated = client.update_function_code(request, deadline=deadline)
    except LambdaCodeError as err:
        if err.may_have_taken_effect and not request.dry_run:
            err.update_accepted = None  # its message then says that it may have applied
        raise
    document = answers.parsed["UpdateFunctionCode"]
    if args.wait and not request.dry_run:
        name = unqualified_name(request.function_name)
        try:
            client.wait_until_updated(name, timeout=remaining(), update=updated)
            version = updated.version
            if request.publish and version is not None and version.isdigit():
                client.wait_until_active(name, qualifier=version, timeout=remaining())
        except LambdaCodeError as err:
            err.update_accepted = True
            raise
        document = answers.parsed["GetFunction"]["Configuration"]
    _print(document, stdout)
    return 0
