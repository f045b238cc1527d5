"""Deploying a ~200 MiB zip through S3 staging, against the AWS CLI, on moto's server over HTTP.

moto's server runs in a process of its own (so neither side shares an interpreter with it),
on a loopback port, with fake credentials; a function is created with a small zip first. The
tree is ~200 MiB of incompressible files (under Lambda's 250 MiB unzipped limit), so its zip
is ~200 MiB too. Each round times, for lambda-code:

- zip: ``ZipPackage.from_directory(tree)``; hash: ``package.code_sha256``;
- upload and update: ``LambdaCodeClient.deploy(..., staging=S3Staging(bucket), wait=False)``,
  split by its events: upload is from ``UploadingEvent`` to ``StagedEvent`` (s3transfer, 8 MiB
  parts, 10 at a time, SHA-256 checksums), update is the rest (the read, the guarded update);
- skip: ``stage`` again, which finds the object, verifies it and does not upload;

and for the baseline, on the same tree: ``shutil.make_archive`` (what a script does), then
``aws s3 cp`` and ``aws lambda update-function-code --s3-bucket --s3-key`` when the AWS CLI is
installed (each a process of its own, as in a shell script), else boto3's ``upload_file`` and
``update_function_code``. boto3's ``upload_file`` of the same zip is timed in every case as a
second reference for the upload. Rounds are interleaved; the best of each is kept.

Run: ``python benchmarks/bench_staging.py [--quick] [TMPDIR]``; or import and call ``run()``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from _common import FAKE_CREDENTIALS, REGION

from lambda_code import DeployEvent, LambdaCodeClient, S3Staging, ZipPackage
from lambda_code._package import zip_files
from lambda_code._services import aux_client
from lambda_code._staging import stage

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

MIB = 1024 * 1024
FILES = 100
FILE_BYTES = 2 * MIB  # 200 MiB in all
ROUNDS = 3
FUNCTION = "staged"
BUCKET = "lambda-code-bench-staging"
ROLE_POLICY = '{"Version":"2012-10-17","Statement":[]}'


def make_tree(root: Path, files: int, size: int, seed: int = 2026) -> int:
    """``files`` files of ``size`` random bytes each under ``root``; their total size."""
    rng = random.Random(seed)
    for i in range(files):
        path = root / f"lib{i % 10}" / f"blob_{i:03d}.so"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(size))
    (root / "handler.py").write_text("def handler(event, context):\n    return 'big'\n")
    return files * size


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's server in a process of its own; yields its URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto's server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _env() -> dict[str, str]:
    """The environment of the AWS CLI runs: fake credentials, no files, no real endpoint."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=FAKE_CREDENTIALS["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=FAKE_CREDENTIALS["aws_secret_access_key"],
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def _aws_cli() -> str | None:
    """The AWS CLI's path, if it is installed and runs."""
    path = shutil.which("aws")
    if path is None:
        return None
    try:
        subprocess.run([path, "--version"], check=True, capture_output=True, env=_env())  # noqa: S603
    except (OSError, subprocess.CalledProcessError):
        return None
    return path


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _setup(url: str) -> tuple[Any, Any, Any, LambdaCodeClient]:
    """The bucket and a function created with a small zip; the S3, Lambda and boto3 S3 clients,
    and ours."""
    credentials = botocore.session.Session()
    credentials.set_credentials(
        FAKE_CREDENTIALS["aws_access_key_id"], FAKE_CREDENTIALS["aws_secret_access_key"]
    )
    s3 = aux_client("s3", region_name=REGION, endpoint_url=url, session=credentials)
    s3.create_bucket(Bucket=BUCKET)
    session = boto3.session.Session(region_name=REGION, **FAKE_CREDENTIALS)
    iam = session.client("iam", endpoint_url=url)
    role = iam.create_role(RoleName="bench-staging", AssumeRolePolicyDocument=ROLE_POLICY)
    lam = session.client("lambda", endpoint_url=url)
    lam.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": zip_files({"handler.py": b"def handler(e, c):\n    return 1\n"})},
    )
    ours = LambdaCodeClient(session=credentials, region_name=REGION, endpoint_url=url)
    return s3, lam, session.client("s3", endpoint_url=url), ours


def _ours(tree: Path, s3: Any, client: LambdaCodeClient, prefix: str) -> dict[str, Any]:
    zip_s, package = _timed(lambda: ZipPackage.from_directory(tree))
    hash_s, code_sha256 = _timed(lambda: package.code_sha256)
    staging = S3Staging(BUCKET, prefix, always=True)  # --quick zips are under 50 MiB
    marks: dict[str, float] = {}

    def mark(event: DeployEvent) -> None:
        marks.setdefault(type(event).__name__, time.perf_counter())

    # The deploy as a user runs it, not waiting (neither does `aws lambda update-function-code`):
    # read, stage (the upload), then the guarded update. Events split the time.
    deploy_s, result = _timed(
        lambda: client.deploy(
            FUNCTION, package, staging=staging, wait=False, skip_unchanged=False, on_event=mark
        )
    )
    upload_s = marks["StagedEvent"] - marks["UploadingEvent"]
    assert result.staged is not None
    assert result.configuration.code_sha256 == code_sha256, "Lambda must see the staged zip"
    skip_s, again = _timed(lambda: stage(staging, package, s3, region=REGION))
    assert not again.uploaded
    s3.delete_object(Bucket=BUCKET, Key=result.staged.key)
    return {
        "zip": zip_s,
        "hash": hash_s,
        "upload": upload_s,
        "update": deploy_s - upload_s,
        "total": zip_s + hash_s + deploy_s,
        "skip": skip_s,
        "zip_bytes": package.size,
    }


def _baseline(
    tree: Path, scratch: Path, *, url: str, cli: str | None, lam: Any, boto_s3: Any, key: str
) -> dict[str, Any]:
    zip_s, archive = _timed(lambda: shutil.make_archive(str(scratch / "baseline"), "zip", tree))
    if cli is not None:
        env = _env()

        def run(*args: str) -> None:
            command = [cli, *args, "--endpoint-url", url]
            subprocess.run(command, check=True, capture_output=True, env=env)  # noqa: S603

        upload_s, _ = _timed(lambda: run("s3", "cp", archive, f"s3://{BUCKET}/{key}"))
        update_s, _ = _timed(
            lambda: run(
                "lambda",
                "update-function-code",
                "--function-name",
                FUNCTION,
                "--s3-bucket",
                BUCKET,
                "--s3-key",
                key,
            )
        )
    else:
        upload_s, _ = _timed(lambda: boto_s3.upload_file(archive, BUCKET, key))
        update_s, _ = _timed(
            lambda: lam.update_function_code(FunctionName=FUNCTION, S3Bucket=BUCKET, S3Key=key)
        )
    boto3_upload_s, _ = _timed(lambda: boto_s3.upload_file(archive, BUCKET, f"{key}.boto3"))
    boto_s3.delete_objects(
        Bucket=BUCKET, Delete={"Objects": [{"Key": key}, {"Key": f"{key}.boto3"}]}
    )
    Path(archive).unlink()
    return {
        "zip": zip_s,
        "hash": 0.0,
        "upload": upload_s,
        "update": update_s,
        "total": zip_s + upload_s + update_s,
        "boto3_upload": boto3_upload_s,
    }


def _best(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return {k: round(min(r[k] for r in rounds), 3) for k in rounds[0]}


def run(tmpdir: str | Path | None = None, quick: bool = False) -> dict[str, Any]:
    """Build the tree, start moto's server, and return the measurements."""
    files, rounds = (10, 1) if quick else (FILES, ROUNDS)
    with tempfile.TemporaryDirectory(dir=tmpdir) as tmp:
        scratch = Path(tmp)
        tree = scratch / "tree"
        tree_bytes = make_tree(tree, files, FILE_BYTES)
        cli = _aws_cli()
        with moto_server() as url:
            s3, lam, boto_s3, client = _setup(url)
            ours: list[dict[str, Any]] = []
            theirs: list[dict[str, Any]] = []
            for i in range(rounds):  # interleaved, so drift in machine load hits both alike
                ours.append(_ours(tree, s3, client, f"round{i}/"))
                theirs.append(
                    _baseline(
                        tree,
                        scratch,
                        url=url,
                        cli=cli,
                        lam=lam,
                        boto_s3=boto_s3,
                        key=f"base/{i}.zip",
                    )
                )
    best_ours, best_theirs = _best(ours), _best(theirs)
    return {
        "files": files,
        "tree_bytes": tree_bytes,
        "zip_bytes": best_ours["zip_bytes"],
        "rounds": rounds,
        "baseline": "aws CLI" if cli else "boto3",
        "ours": best_ours,
        "theirs": best_theirs,
        "ratio_total": round(best_ours["total"] / best_theirs["total"], 3),
        "ratio_upload": round(best_ours["upload"] / best_theirs["upload"], 3),
        "ratio_upload_boto3": round(best_ours["upload"] / best_theirs["boto3_upload"], 3),
        "ratio_zip": round(best_ours["zip"] / best_theirs["zip"], 3),
    }


def table(r: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The phases side by side: seconds, and ours over the baseline's."""
    ours, theirs = r["ours"], r["theirs"]
    rows = []
    for phase in ("zip", "hash", "upload", "update", "total"):
        ratio = f"{ours[phase] / theirs[phase]:.3f}" if theirs[phase] else "-"
        rows.append([phase, f"{ours[phase]:.3f}", f"{theirs[phase]:.3f}", ratio])
    rows.append(
        [
            "upload, boto3 upload_file",
            f"{ours['upload']:.3f}",
            f"{theirs['boto3_upload']:.3f}",
            f"{r['ratio_upload_boto3']:.3f}",
        ]
    )
    rows.append(["stage again (found, skipped)", f"{ours['skip']:.3f}", "-", "-"])
    return ["phase", "lambda-code s", f"{r['baseline']} s", "ratio"], rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 20 MiB tree, one round")
    parser.add_argument("tmpdir", nargs="?", default=None, help="scratch space for the tree")
    args = parser.parse_args()
    from _common import text_table

    results = run(args.tmpdir, quick=args.quick)
    print(
        f"{results['files']} files, {results['tree_bytes'] / MIB:.0f} MiB; zip "
        f"{results['zip_bytes'] / MIB:.1f} MiB; best of {results['rounds']} rounds"
    )
    print(text_table(*table(results)))


if __name__ == "__main__":
    main()
