"""The `s3proxy` command line, against moto's S3 on 127.0.0.1 (and the scripted server where a request must be seen)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from fakes import ARN, AUTHORIZATION, ByRange, random_file, serving

from s3proxy_client import AccessDeniedError, NotFoundError, PreconditionFailedError, ServerError, cli
from s3proxy_client.parts import MiB


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_against_moto(moto, moto_url, tmp_path, capsys, monkeypatch):
    _, s3, bucket = moto
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"url": moto_url, "execution_arn": ARN.replace("eu-west-1", "us-east-1")}))
    base = ("--outputs", str(outputs))
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    args = ("--part-size", "5MiB", "--threshold", "5MiB", "--no-progress")
    assert run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}/d/", *args)[0] == 0
    assert s3.head_object(Bucket=bucket, Key="d/in.bin")["ContentLength"] == 6 * MiB
    code, out, _ = run_cli(capsys, *base, "ls", f"s3p://{bucket}")
    assert code == 0 and "PRE  d/" in out
    code, out, _ = run_cli(capsys, *base, "head", f"s3p://{bucket}/d/in.bin")
    assert code == 0 and json.loads(out)["size"] == 6 * MiB
    (tmp_path / "down").mkdir()
    assert run_cli(capsys, *base, "cp", f"s3p://{bucket}/d/in.bin", str(tmp_path / "down"))[0] == 0
    assert (tmp_path / "down" / "in.bin").read_bytes() == source.read_bytes()
    code, out, err = run_cli(capsys, *base, "rm", f"s3p://{bucket}/d/nope")
    assert (code, out) == (cli.EXIT_NOT_FOUND, "")
    assert err.count("\n") == 1 and err.startswith(f"s3proxy_client: error: s3p://{bucket}/d/nope: NotFound")
    code, _, err = run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}/x", "--part-size", "11MB")
    assert code == cli.EXIT_USAGE and "part_size" in err and err.count("\n") == 1


def test_cli_without_outputs_or_pulumi_says_what_to_do(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("S3PROXY_OUTPUTS", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.chdir(tmp_path)  # no local deployment's outputs either
    code, _, err = run_cli(capsys, "ls")
    assert code == cli.EXIT_ERROR and "pass --outputs FILE" in err and err.count("\n") == 1


def test_cli_sizes_and_uris():
    assert [cli.parse_size(s) for s in ("8388608", "8MiB", "8M", "5120KiB")] == [8 * MiB, 8 * MiB, 8_000_000, 5 * MiB]
    assert cli.split_uri("s3p://b/a/b c") == ("b", "a/b c")
    assert cli.split_uri("s3p://b") == ("b", "")
    with pytest.raises(cli.UsageError):
        cli.split_uri("s3://b/k")


@pytest.fixture
def cli_env(moto, moto_url, tmp_path, monkeypatch) -> tuple[Any, str, tuple[str, str]]:
    """boto3 on moto, a fresh bucket, and the `--outputs` arguments of a stack served by moto."""
    _, s3, bucket = moto
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.delenv("S3PROXY_OUTPUTS", raising=False)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"url": moto_url, "execution_arn": ARN.replace("eu-west-1", "us-east-1")}))
    return s3, bucket, ("--outputs", str(outputs))


def test_cli_options_and_their_defaults(monkeypatch):
    monkeypatch.setenv("S3PROXY_API_KEY", "key-from-env")
    top = cli.parser()
    listed = top.parse_args(["ls"])
    assert (listed.run, listed.location, listed.recursive) == (cli.command_ls, None, False)
    assert (listed.outputs, listed.stack, listed.region, listed.quiet, listed.api_key) == (
        None,
        None,
        None,
        False,
        "key-from-env",
    )
    every = top.parse_args(
        ["--outputs", "o.json", "--stack", "prod", "--region", "eu-west-1", "-q", "--api-key", "k2", "ls", "-r", "x"]
    )
    assert (every.outputs, every.stack, every.region, every.quiet, every.api_key) == (
        "o.json",
        "prod",
        "eu-west-1",
        True,
        "k2",
    )
    assert (every.recursive, every.location) == (True, "x")
    copy = top.parse_args(["cp", "a", "s3p://b/k"])
    assert (copy.run, copy.source, copy.destination) == (cli.command_cp, "a", "s3p://b/k")
    assert (copy.part_size, copy.concurrency, copy.threshold, copy.content_type, copy.progress) == (
        8 * MiB,
        4,
        8 * MiB,
        None,
        None,
    )
    tuned = top.parse_args(
        ["cp", "a", "b", "--part-size", "5MiB", "--concurrency", "2", "--threshold", "1M", "--content-type", "t/p"]
    )
    assert (tuned.part_size, tuned.concurrency, tuned.threshold, tuned.content_type) == (5 * MiB, 2, 10**6, "t/p")
    assert top.parse_args(["cp", "a", "b", "--progress"]).progress is True
    assert top.parse_args(["cp", "a", "b", "--no-progress"]).progress is False
    for name in ("rm", "mb", "rb", "head"):
        parsed = top.parse_args([name, "s3p://b/k"])
        assert (parsed.command, parsed.run, parsed.location) == (name, getattr(cli, f"command_{name}"), "s3p://b/k")
    assert top.parse_args(["mb", "s3p://b", "--bucket-region", "eu-west-1"]).bucket_region == "eu-west-1"
    for wrong in (["mb"], ["rb", "s3p://b", "--bucket-region", "x"], [], ["cp", "a"]):
        with pytest.raises(SystemExit):
            top.parse_args(wrong)


# What `--help` tells, per command: hand-written from the options' purpose (docs/client.md's CLI section).
HELP = {
    (): [
        "usage: s3proxy [-h]",
        "COMMAND ...",
        "rm, mb, rb and head through a deployed S3ProxyApi stack.",
        "write a Postman v2.1 collection of the stack (no request made)",
        "s3proxy --outputs outputs.json postman -o s3proxy.postman_collection.json",
        "--outputs FILE",
        "the stack outputs (`pulumi stack output --json` saved)",
        "--stack STACK",
        "the Pulumi stack to read outputs from (when --outputs is absent)",
        "--region REGION",
        "the API's region (default: from the outputs' execution_arn)",
        "--quiet, -q",
        "no summary lines",
        "--api-key API_KEY",
        "the API key, when the stack requires one (default: $S3PROXY_API_KEY)",
        "list buckets, or objects under s3p://bucket/prefix",
        "copy a file to s3p://bucket/key, an object to a file or to another key",
        "as cp, then delete the source",
        "print a signed link that downloads s3p://bucket/key (SigV4 query)",
        "delete s3p://bucket/key",
        "create s3p://bucket",
        "delete the empty bucket s3p://bucket",
        "show an object's size, ETag, type and date (JSON)",
        "4 access denied or route not deployed, 5 conflict or precondition failed, 130 interrupted.",
    ],
    ("ls",): ["s3p://bucket[/prefix]", "--recursive, -r", "every key, not one level"],
    ("cp",): [
        "--recursive, -r",
        "a directory to s3p://bucket/prefix/, or every object under it",
        "--part-size PART_SIZE",
        "e.g. 8MiB (5 MiB to < 10 MB)",
        "--concurrency CONCURRENCY",
        "parallel requests (default 4)",
        "--threshold THRESHOLD",
        "multipart above this size",
        "--content-type CONTENT_TYPE",
        "of an upload (default: guessed from the file name)",
        "--progress, --no-progress",
        "progress bar (default: on a tty)",
        "--metadata NAME=VALUE",
        "user metadata of an upload or copy, sent as x-amz-meta-NAME (repeatable; the stack's metadata_headers)",
    ],
    ("mv",): ["--part-size PART_SIZE", "--metadata NAME=VALUE", "source", "destination"],
    ("link",): [
        "--name NAME",
        "the file name the browser saves it under (Content-Disposition: attachment)",
        "--expires EXPIRES",
        "seconds the link works (default 3600, max 604800)",
    ],
    ("rm",): [
        "--version-id VERSION_ID",
        "one version of the object (a versioned bucket)",
        "--recursive, -r",
        "every object under s3p://bucket/prefix (DeleteObjects)",
    ],
    ("head",): ["--version-id VERSION_ID", "one version of the object (a versioned bucket)"],
    ("postman",): [
        "--outputs FILE",
        "as before the command",
        "-o COLLECTION, --output COLLECTION",
        "the file to write",
    ],
    ("mb",): ["--bucket-region BUCKET_REGION", "the bucket's region (default: the API's)"],
}


@pytest.mark.parametrize("command", list(HELP), ids=lambda c: " ".join(c) or "top")
def test_cli_help_says_what_each_option_does(command, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # one line per option
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/s3proxy"])  # the console script, whoever runs the tests
    with pytest.raises(SystemExit) as done:
        cli.parser().parse_args([*command, "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    for phrase in HELP[command]:
        # Whole: between blanks (or line ends), so that neither a word more nor a word less passes.
        assert re.search(rf"(?<!\S){re.escape(phrase)}(?!\S)", shown), phrase


@pytest.mark.parametrize(
    "argv0, usage",
    [
        ("/usr/local/bin/s3proxy", "usage: s3proxy "),
        ("/app/s3proxy_client/__main__.py", "usage: python -m s3proxy_client "),
    ],
)
def test_cli_usage_names_the_command_as_it_was_run(argv0, usage, monkeypatch):
    monkeypatch.setattr(sys, "argv", [argv0])
    assert cli.parser().format_usage().startswith(usage)


def test_cli_reads_the_outputs_from_pulumi_or_the_environment(cli_env, capsys, monkeypatch, tmp_path):
    _, bucket, (_, outputs) = cli_env
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pulumi = bin_dir / "pulumi"  # a stand-in for the Pulumi CLI: records its arguments, prints the outputs
    pulumi.write_text(
        f'#!/bin/sh\necho "$@" > {tmp_path}/args\n'
        'if [ "$5" = missing ]; then\n'
        '  printf "warning: x\\nwarning: y\\nerror: no stack named missing\\n" >&2; exit 255\n'
        "fi\n"
        'if [ "$5" = silent ]; then exit 1; fi\n'
        f"cat {outputs}\n"
    )
    pulumi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.chdir(tmp_path)  # not a checkout with a local deployment
    code, out, _ = run_cli(capsys, "--stack", "dev", "ls")
    assert code == 0 and bucket in out
    assert (tmp_path / "args").read_text() == "stack output --json --stack dev\n"
    run_cli(capsys, "ls")
    assert (tmp_path / "args").read_text() == "stack output --json\n"
    code, _, err = run_cli(capsys, "--stack", "missing", "ls")
    assert code == cli.EXIT_ERROR
    assert err == "s3proxy_client: error: `stack output --json --stack missing` failed: error: no stack named missing\n"
    assert run_cli(capsys, "--stack", "silent", "ls")[2].endswith("--stack silent` failed: no message\n")
    monkeypatch.setenv("S3PROXY_OUTPUTS", outputs)
    (tmp_path / "args").unlink()
    assert run_cli(capsys, "ls")[0] == 0 and not (tmp_path / "args").exists()  # the environment first


def test_cli_in_a_checkout_reads_the_outputs_make_up_wrote_before_asking_pulumi(cli_env, capsys, monkeypatch, tmp_path):
    _, bucket, (_, outputs) = cli_env
    monkeypatch.setenv("PATH", "/nonexistent")  # no Pulumi CLI
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".local" / "staging").mkdir(parents=True)
    shutil.copy(outputs, tmp_path / ".local" / "staging" / "outputs.json")
    code, out, _ = run_cli(capsys, "--stack", "staging", "ls")
    assert code == 0 and bucket in out
    code, _, err = run_cli(capsys, "ls")  # the dev stack's by default: not deployed here
    assert code == cli.EXIT_ERROR and "after `make up` (which writes .local/dev/outputs.json)" in err


def test_cli_lists_buckets_and_objects_in_columns(cli_env, capsys):
    s3, bucket, base = cli_env
    s3.put_object(Bucket=bucket, Key="d/a.bin", Body=b"x" * 1234)
    s3.put_object(Bucket=bucket, Key="top.txt", Body=b"y")
    code, out, _ = run_cli(capsys, *base, "ls")
    (line,) = [line for line in out.splitlines() if line.endswith(f"  {bucket}")]
    assert code == 0 and re.fullmatch(rf"\d{{4}}-\d\d-\d\dT[0-9:.]+Z? *  {bucket}", line), line
    code, out, _ = run_cli(capsys, *base, "ls", f"s3p://{bucket}")
    assert out.splitlines()[0] == f"{'':<24}  {'PRE':>14}  d/"
    assert re.fullmatch(r".{24}  {14}1  top\.txt", out.splitlines()[1]), out
    code, out, _ = run_cli(capsys, *base, "ls", "-r", f"s3p://{bucket}/d/")
    assert [line[26:] for line in out.splitlines()] == [f"{'1,234':>14}  d/a.bin"]


def test_cli_copies_name_keys_and_files_and_report_what_they_did(cli_env, capsys, tmp_path):
    s3, bucket, base = cli_env
    source = random_file(tmp_path / "in.txt", 6 * MiB)
    args = ("--part-size", "5MiB", "--threshold", "5MiB", "--no-progress")
    code, out, _ = run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}", *args, "--content-type", "x/y")
    assert code == 0 and out.startswith(f"upload: {source} -> s3p://{bucket}/in.txt: 6,291,456 bytes in ")
    assert out.endswith(" MiB/s)\n")
    assert s3.head_object(Bucket=bucket, Key="in.txt")["ContentType"] == "x/y"
    code, out, _ = run_cli(capsys, *base, "-q", "cp", str(source), f"s3p://{bucket}/d/", *args)
    assert (code, out) == (0, "")
    assert s3.head_object(Bucket=bucket, Key="d/in.txt")["ContentType"] == "text/plain"  # guessed from the name
    assert s3.head_object(Bucket=bucket, Key="d/in.txt")["ETag"].endswith('-2"')  # above the threshold
    (tmp_path / "down").mkdir()
    code, out, _ = run_cli(capsys, *base, "cp", f"s3p://{bucket}/d/in.txt", f"{tmp_path}/down/", "--no-progress")
    assert out.startswith(f"download: s3p://{bucket}/d/in.txt -> {tmp_path}/down/in.txt: 6,291,456 bytes in ")
    assert (tmp_path / "down" / "in.txt").read_bytes() == source.read_bytes()
    code, _, _ = run_cli(capsys, *base, "cp", f"s3p://{bucket}/in.txt", str(tmp_path / "named.bin"), "--progress")
    assert code == 0 and (tmp_path / "named.bin").read_bytes() == source.read_bytes()

    for argv, expected_code, message in (
        (("cp", f"s3p://{bucket}/d/", str(tmp_path)), cli.EXIT_USAGE, f"s3p://{bucket}/d/ names no object"),
        (("cp", str(source), str(tmp_path / "x")), cli.EXIT_USAGE, "or one s3p:// object to another"),
        (("cp", str(tmp_path / "nope"), f"s3p://{bucket}/k"), cli.EXIT_NOT_FOUND, f"{tmp_path}/nope: no such file"),
        (("cp", str(source), f"s3p://{bucket}/k", "--concurrency", "0"), cli.EXIT_USAGE, "concurrency must be"),
        (("cp", f"s3p://{bucket}/missing", str(tmp_path / "m")), cli.EXIT_NOT_FOUND, f"s3p://{bucket}/missing: "),
    ):
        code, out, err = run_cli(capsys, *base, *argv)
        assert (code, out) == (expected_code, ""), argv
        assert err.startswith("s3proxy_client: error: ") and message in err and err.count("\n") == 1, err


def test_cli_bucket_and_object_commands_say_what_they_did(cli_env, capsys):
    s3, bucket, base = cli_env
    name = f"{bucket}-mb"
    assert run_cli(capsys, *base, "mb", f"s3p://{name}", "--bucket-region", "eu-west-1")[:2] == (
        0,
        f"make_bucket: {name}\n",
    )
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    assert run_cli(capsys, *base, "rb", f"s3p://{name}")[:2] == (0, f"remove_bucket: {name}\n")
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"hello", ContentType="text/plain")
    code, out, _ = run_cli(capsys, *base, "head", f"s3p://{bucket}/k.txt")
    shown = json.loads(out)
    assert code == 0 and list(shown) == [
        "bucket",
        "key",
        "size",
        "etag",
        "content_type",
        "last_modified",
        "version_id",
        "metadata",
    ]
    assert (shown["bucket"], shown["key"], shown["size"], shown["content_type"]) == (bucket, "k.txt", 5, "text/plain")
    assert shown["etag"] == '"5d41402abc4b2a76b9719d911017c592"'  # md5 of "hello"
    assert run_cli(capsys, *base, "rm", f"s3p://{bucket}/k.txt")[:2] == (0, f"delete: s3p://{bucket}/k.txt\n")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    for argv, message in (
        (("rm", f"s3p://{bucket}"), "names no object (use rb to delete a bucket)"),
        (("head", f"s3p://{bucket}/"), "names no object"),
        (("mb", f"s3p://{bucket}/k"), f"s3p://{bucket}/k: a bucket has no key"),
        (("rb", f"s3p://{bucket}/k"), "a bucket has no key"),
        (("ls", "s3://b"), "not a remote location"),
    ):
        code, _, err = run_cli(capsys, *base, *argv)
        assert code == cli.EXIT_USAGE and message in err, (argv, err)


def test_cli_errors_are_one_line_with_their_exit_code(cli_env, capsys, monkeypatch, tmp_path):
    s3, bucket, base = cli_env
    code, _, err = run_cli(capsys, *base, "rb", f"s3p://{bucket}-absent")
    assert code == cli.EXIT_NOT_FOUND and err.startswith(f"s3proxy_client: error: s3p://{bucket}-absent: NoSuchBucket")
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    code, _, err = run_cli(capsys, *base, "rb", f"s3p://{bucket}")
    assert code == cli.EXIT_CONFLICT and "BucketNotEmpty" in err
    source = tmp_path / "up.txt"
    source.write_text("x")
    code, _, err = run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}-absent/k")  # names the remote side
    assert code == cli.EXIT_NOT_FOUND
    assert err.startswith(f"s3proxy_client: error: s3p://{bucket}-absent/k: NoSuchBucket")
    for error, expected in (
        (NotFoundError(404, "NoSuchKey", "m"), cli.EXIT_NOT_FOUND),
        (FileNotFoundError("f"), cli.EXIT_NOT_FOUND),
        (AccessDeniedError(403, "AccessDenied", "m"), cli.EXIT_DENIED),
        (PermissionError("p"), cli.EXIT_DENIED),
        (PreconditionFailedError(412, "PreconditionFailed", "m"), cli.EXIT_CONFLICT),
        (cli.UsageError("u"), cli.EXIT_USAGE),
        (ServerError(500, "InternalError", "m"), cli.EXIT_ERROR),
    ):
        assert cli.exit_code(error) == expected, error
    missing = FileNotFoundError(2, "No such file or directory", "/x/y")
    noted = ValueError("first\nline")
    noted.add_note("a note")
    assert (cli.one_line(missing), cli.one_line(noted), cli.one_line(KeyError())) == (
        "/x/y: No such file or directory",
        "first line; a note",
        "KeyError",
    )

    def broken(client: Any, options: Any) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli, "command_ls", broken)
    code, _, err = run_cli(capsys, *base, "ls")
    assert (code, err) == (cli.EXIT_ERROR, "s3proxy_client: internal error: RuntimeError: a bug\n")
    monkeypatch.setenv("S3PROXY_DEBUG", "1")
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main([*base, "ls"])


def test_cli_rates_and_progress_choices(monkeypatch):
    assert cli.rate(3 * MiB, 2.0) == "3,145,728 bytes in 2.0 s (1.5 MiB/s)"
    assert cli.rate(10, 0.0).startswith("10 bytes in 0.0 s (")  # no division by zero
    options = cli.parser().parse_args(["cp", "a", "b"])
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert cli.wants_progress(options, 8 * MiB + 1) and not cli.wants_progress(options, 8 * MiB)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert not cli.wants_progress(options, 100 * MiB)
    options.progress = True
    assert cli.wants_progress(options, 0)


def test_cli_head_prints_unicode_as_is_and_downloads_name_the_file_after_the_last_segment(cli_env, capsys, tmp_path):
    s3, bucket, base = cli_env
    s3.put_object(Bucket=bucket, Key="a/b/ü.txt", Body=b"hi", ContentType="text/plain")
    code, out, _ = run_cli(capsys, *base, "head", f"s3p://{bucket}/a/b/ü.txt")
    modified = json.loads(out)["last_modified"]
    assert code == 0
    assert out == (
        f'{{\n  "bucket": "{bucket}",\n  "key": "a/b/ü.txt",\n  "size": 2,\n'
        f'  "etag": "\\"{hashlib.md5(b"hi").hexdigest()}\\"",\n  "content_type": "text/plain",\n'
        f'  "last_modified": "{modified}",\n  "version_id": null,\n  "metadata": {{}}\n}}\n'
    )
    (tmp_path / "here").mkdir()
    assert run_cli(capsys, *base, "-q", "cp", f"s3p://{bucket}/a/b/ü.txt", str(tmp_path / "here"))[:2] == (0, "")
    assert (tmp_path / "here" / "ü.txt").read_bytes() == b"hi"


def test_cli_metadata_is_name_equals_value_the_value_may_hold_equals_signs(capsys):
    options = cli.parser().parse_args(
        ["cp", "--metadata", "owner=team=files", "--metadata", "empty=", "f", "s3p://b/k"]
    )
    assert options.metadata == [("owner", "team=files"), ("empty", "")]
    for wrong in ("owner", "=files"):
        with pytest.raises(SystemExit) as usage:
            cli.parser().parse_args(["cp", "--metadata", wrong, "f", "s3p://b/k"])
        assert usage.value.code == 2
        assert f"argument --metadata: {wrong!r} is not NAME=VALUE" in capsys.readouterr().err


def test_the_cli_heads_and_deletes_a_version_by_its_id(cli_env, capsys):
    # --version-id reaches both the HEAD that checks the version exists and the DELETE.
    s3, bucket, base = cli_env
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"old")["VersionId"]
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"newer")["VersionId"]
    code, out, _ = run_cli(capsys, *base, "head", "--version-id", old, f"s3p://{bucket}/k")
    assert (code, json.loads(out)["size"], json.loads(out)["version_id"]) == (0, 3, old)
    assert run_cli(capsys, *base, "rm", "--version-id", old, f"s3p://{bucket}/k")[0] == 0
    versions = s3.list_object_versions(Bucket=bucket)
    assert [v["VersionId"] for v in versions["Versions"]] == [new]
    assert "DeleteMarkers" not in versions  # the version was deleted, no marker put on the current object
    code, _, err = run_cli(capsys, *base, "rm", "--version-id", old, f"s3p://{bucket}/k")
    assert code == cli.EXIT_NOT_FOUND, err  # the version is gone: said, not deleted silently


def recorded_bars(monkeypatch: Any) -> tuple[list[tuple[bool, str, int | None]], list[int]]:
    """The CLI's progress bars, recorded instead of drawn: (switch, title, total) of each, and every advance of
    the enabled ones."""
    shown: list[tuple[bool, str, int | None]] = []
    advanced: list[int] = []

    @contextlib.contextmanager
    def recording_bar(enabled: bool, description: str, total: int | None) -> Iterator[Any]:
        shown.append((enabled, description, total))
        yield advanced.append if enabled else None

    monkeypatch.setattr(cli, "progress_bar", recording_bar)
    return shown, advanced


def test_cli_cp_progress_shows_each_transfer_by_name_and_size(cli_env, capsys, tmp_path, monkeypatch):
    """The bar itself is rich's; what the CLI owes it is the right switch, title and total, and every byte."""
    _, bucket, base = cli_env
    shown, advanced = recorded_bars(monkeypatch)
    source = random_file(tmp_path / "in.bin", 6 * MiB)
    args = ("--part-size", "5MiB", "--threshold", "5MiB")
    assert run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}/in.bin", *args, "--progress")[0] == 0
    assert (shown, sum(advanced)) == ([(True, "upload in.bin", 6 * MiB)], 6 * MiB)
    shown.clear(), advanced.clear()
    assert run_cli(capsys, *base, "cp", f"s3p://{bucket}/in.bin", str(tmp_path / "out.bin"), "--progress")[0] == 0
    assert (shown, advanced) == ([(True, "download out.bin", 6 * MiB)], [6 * MiB])  # one read of 8 MiB
    shown.clear(), advanced.clear()
    command = ("cp", f"s3p://{bucket}/in.bin", str(tmp_path / "parts.bin"), "--progress", *args)
    assert run_cli(capsys, *base, *command)[0] == 0
    assert advanced == [5 * MiB, MiB]  # the download's reads are of --part-size
    shown.clear()
    assert run_cli(capsys, *base, "cp", str(source), f"s3p://{bucket}/again.bin", *args, "--no-progress")[0] == 0
    assert shown == [(False, "upload in.bin", 6 * MiB)]


def test_cli_cp_on_a_terminal_shows_a_bar_for_what_is_above_the_threshold_and_heads_only_for_one(
    cli_env, capsys, tmp_path, monkeypatch
):
    _, bucket, base = cli_env
    shown, _ = recorded_bars(monkeypatch)
    big, small = random_file(tmp_path / "big.bin", 6 * MiB), random_file(tmp_path / "small.bin", 5)
    args = ("--threshold", "5MiB")
    for terminal in (True, False):
        monkeypatch.setattr(sys.stderr, "isatty", lambda terminal=terminal: terminal)
        for command in (
            ("cp", str(big), f"s3p://{bucket}/big.bin", *args),
            ("cp", str(small), f"s3p://{bucket}/small.bin", *args),
            ("cp", f"s3p://{bucket}/big.bin", str(tmp_path / "down.bin"), *args),
            ("cp", f"s3p://{bucket}/big.bin", str(tmp_path / "quiet.bin"), *args, "--no-progress"),
        ):
            assert run_cli(capsys, *base, *command)[0] == 0
    assert shown == [
        (True, "upload big.bin", 6 * MiB),
        (False, "upload small.bin", 5),
        (True, "download down.bin", 6 * MiB),  # the total from a HEAD
        (False, "download quiet.bin", None),  # no bar: no HEAD for its total
        (False, "upload big.bin", 6 * MiB),
        (False, "upload small.bin", 5),
        (False, "download down.bin", None),
        (False, "download quiet.bin", None),
    ]


def test_cli_cp_to_a_path_ending_in_a_slash_names_a_directory_which_must_exist(cli_env, capsys, tmp_path):
    s3, bucket, base = cli_env
    s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"hello")
    assert run_cli(capsys, *base, "cp", f"s3p://{bucket}/a/b.txt", f"{tmp_path}/new/")[0] != 0
    assert list(tmp_path.iterdir()) == [tmp_path / "outputs.json"]  # no file named `new`
    started = time.perf_counter()
    code, out, _ = run_cli(capsys, *base, "cp", f"s3p://{bucket}/a/b.txt", f"{tmp_path}/")
    took = time.perf_counter() - started
    assert code == 0 and (tmp_path / "b.txt").read_bytes() == b"hello"
    assert float(re.search(r" bytes in ([0-9.]+) s ", out)[1]) <= round(took, 1) + 0.05


def test_cli_ls_recursive_lists_every_key_not_one_level(cli_env, capsys):
    s3, bucket, base = cli_env
    for key in ("top.txt", "d/one.txt", "d/e/two.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"12345")
    code, out, _ = run_cli(capsys, *base, "ls", "--recursive", f"s3p://{bucket}")
    assert code == 0
    assert [line.split()[-1] for line in out.splitlines()] == ["d/e/two.txt", "d/one.txt", "top.txt"]
    assert all(line.split()[-2] == "5" for line in out.splitlines())
    code, out, _ = run_cli(capsys, *base, "ls", f"s3p://{bucket}")
    assert [line.split()[-1] for line in out.splitlines()] == ["d/", "top.txt"]


@pytest.mark.parametrize("size", ["eight", "8XB", "", "8 MiB 2"])
def test_cli_sizes_that_are_not_sizes_are_usage_errors(size, capsys):
    with pytest.raises(SystemExit) as usage:
        cli.parser().parse_args(["cp", "--part-size", size, "a", "s3p://b/k"])
    assert usage.value.code == 2
    assert f"argument --part-size: not a size: {size!r} (e.g. 8MiB, 8388608)" in capsys.readouterr().err


def test_cli_region_and_api_key_reach_every_request(scripted, tmp_path, capsys, monkeypatch):
    script, url = scripted
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.delenv("S3PROXY_API_KEY", raising=False)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"url": url, "execution_arn": ARN.replace("eu-west-1", "us-east-1")}))
    base = ("--outputs", str(outputs), "--region", "eu-central-1", "--api-key", "k3y")
    assert run_cli(capsys, *base, "rm", "s3p://b/k")[:2] == (0, "delete: s3p://b/k\n")
    assert [(method, path.rpartition("/_user_request_")[2]) for method, path, _, _ in script.received] == [
        ("HEAD", "/b/k"),
        ("DELETE", "/b/k"),
    ]
    for _, _, headers, _ in script.received:
        assert headers["x-api-key"] == "k3y"
        assert AUTHORIZATION.match(headers["Authorization"])[2] == "eu-central-1"  # signed for the region given


def test_cli_usage_errors_and_interruptions_say_what_happened(cli_env, capsys, monkeypatch, tmp_path):
    _, _, base = cli_env
    assert run_cli(capsys, *base, "ls", "s3p:///k") == (
        cli.EXIT_USAGE,
        "",
        "s3proxy_client: error: no bucket in 's3p:///k'\n",
    )

    def interrupted(client: Any, options: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "command_ls", interrupted)
    assert run_cli(capsys, *base, "ls") == (cli.EXIT_INTERRUPTED, "", "s3proxy_client: interrupted\n")
    monkeypatch.delenv("S3PROXY_OUTPUTS", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")  # no Pulumi CLI
    monkeypatch.chdir(tmp_path)  # no local deployment
    assert run_cli(capsys, "ls") == (
        cli.EXIT_ERROR,
        "",
        "s3proxy_client: error: no stack outputs: pass --outputs FILE (written by `pulumi stack output --json > "
        "FILE`), run in a checkout after `make up` (which writes .local/dev/outputs.json), or install the Pulumi CLI\n",
    )


def test_the_rate_reported_is_bytes_over_seconds_in_mib():
    assert cli.rate(3 * 1024**2, 2.0) == "3,145,728 bytes in 2.0 s (1.5 MiB/s)"
    assert cli.rate(1024**2, 0.25) == "1,048,576 bytes in 0.2 s (4.0 MiB/s)"  # under a second too
    assert cli.rate(5, 0.0).startswith("5 bytes in 0.0 s (")  # a transfer faster than the clock: no error
    assert cli.rate(100 * 1024**2, 1.0) == "104,857,600 bytes in 1.0 s (100.0 MiB/s)"  # MiB: 1024², not 1025²


def test_cli_cp_sends_metadata_and_reports_the_time_the_copy_took(cli_env, capsys, tmp_path):
    s3, bucket, base = cli_env
    source = tmp_path / "note.txt"
    source.write_text("hello")
    for destination, args in ((f"s3p://{bucket}/small.txt", ()), (f"s3p://{bucket}/big.txt", ("--threshold", "0"))):
        started = time.perf_counter()
        code, out, _ = run_cli(capsys, *base, "cp", str(source), destination, "--metadata", "owner=files", *args)
        took = time.perf_counter() - started
        assert code == 0
        assert s3.head_object(Bucket=bucket, Key=destination.rpartition("/")[2])["Metadata"] == {"owner": "files"}
        reported = float(re.search(r" bytes in ([0-9.]+) s ", out)[1])
        assert reported <= round(took, 1) + 0.05  # the copy's own duration, within the call's


def scripted_outputs(tmp_path: Any, url: str, routes: list[str] | None = None) -> tuple[str, str]:
    """The `--outputs` arguments of a stack served by the scripted server (its `routes` output when given)."""
    outputs = tmp_path / "outputs.json"
    stack: dict[str, Any] = {"url": url, "execution_arn": ARN.replace("eu-west-1", "us-east-1")}
    if routes is not None:
        stack["routes"] = routes
    outputs.write_text(json.dumps(stack))
    return ("--outputs", str(outputs))


LISTED_BUCKETS = (
    b'<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Buckets>'
    b"<Bucket><Name>a-bucket</Name><CreationDate>2026-01-02T03:04:05.000Z</CreationDate></Bucket>"
    b"<Bucket><Name>b-bucket</Name></Bucket></Buckets></ListAllMyBucketsResult>"
)
LISTED_OBJECTS = (
    b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated>'
    b"<Contents><Key>dated.bin</Key><Size>1234567</Size><LastModified>2026-01-02T03:04:05.000Z</LastModified>"
    b"</Contents><Contents><Key>undated.bin</Key><Size>7</Size></Contents>"
    b"<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes></ListBucketResult>"
)


def test_cli_ls_columns_show_a_dash_for_a_date_s3_did_not_give(scripted, tmp_path, capsys, monkeypatch):
    script, url = scripted
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    base = scripted_outputs(tmp_path, url)
    script.actions = [(200, LISTED_BUCKETS, {}), (200, LISTED_OBJECTS, {})]
    assert run_cli(capsys, *base, "ls") == (
        0,
        "2026-01-02T03:04:05.000Z  a-bucket\n-                         b-bucket\n",
        "",
    )
    assert run_cli(capsys, *base, "ls", "s3p://bkt") == (
        0,
        "2026-01-02T03:04:05.000Z       1,234,567  dated.bin\n"
        "                                     PRE  dir/\n"
        "-                                      7  undated.bin\n",
        "",
    )
    assert [path.rpartition("/_user_request_")[2] for _, path, _, _ in script.received] == [
        "/",
        "/bkt?list-type=2&encoding-type=url&delimiter=%2F",
    ]


@pytest.fixture
def copied(cli_env: Any) -> tuple[Any, str, tuple[str, str], str]:
    """cli_env with `a/b/src.txt` (text/plain, metadata team=red) in its bucket, and a second, empty bucket."""
    s3, bucket, base = cli_env
    s3.put_object(Bucket=bucket, Key="a/b/src.txt", Body=b"Hello", ContentType="text/plain", Metadata={"team": "red"})
    s3.create_bucket(Bucket=f"{bucket}-2")
    return s3, bucket, base, f"s3p://{bucket}/a/b/src.txt"


def stored(s3: Any, bucket: str, key: str) -> tuple[bytes, str, dict[str, str]]:
    got = s3.get_object(Bucket=bucket, Key=key)
    return got["Body"].read(), got["ContentType"], got["Metadata"]


def test_cli_cp_between_two_remote_locations_copies_inside_s3_naming_the_key_as_cp_does(copied, capsys):
    s3, bucket, base, source = copied
    # A destination ending in `/` (or a bare bucket) takes the source's last segment, as for a download.
    assert run_cli(capsys, *base, "cp", source, f"s3p://{bucket}/dst/") == (
        0,
        f"copy: {source} -> s3p://{bucket}/dst/src.txt\n",
        "",
    )
    assert stored(s3, bucket, "dst/src.txt") == (b"Hello", "text/plain", {"team": "red"})  # the source's metadata
    assert run_cli(capsys, *base, "cp", source, f"s3p://{bucket}-2") == (
        0,
        f"copy: {source} -> s3p://{bucket}-2/src.txt\n",
        "",
    )
    assert stored(s3, f"{bucket}-2", "src.txt") == (b"Hello", "text/plain", {"team": "red"})
    assert run_cli(capsys, *base, "-q", "cp", source, f"s3p://{bucket}/exact.txt") == (0, "", "")
    assert stored(s3, bucket, "exact.txt") == (b"Hello", "text/plain", {"team": "red"})
    assert s3.get_object(Bucket=bucket, Key="a/b/src.txt")["Body"].read() == b"Hello"  # the source stays
    for wrong in (f"s3p://{bucket}/a/b/", f"s3p://{bucket}"):
        assert run_cli(capsys, *base, "cp", wrong, f"s3p://{bucket}/x") == (
            cli.EXIT_USAGE,
            "",
            f"s3proxy_client: error: {wrong} names no object\n",
        )
    assert "x" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]


def test_cli_cp_between_remote_locations_replaces_metadata_or_type_when_given(copied, capsys):
    """`--metadata` or `--content-type` make the copy take the request's (x-amz-metadata-directive: REPLACE): both
    replaced together, the type falling back to application/octet-stream."""
    s3, bucket, base, source = copied
    both = ("--metadata", "team=blue", "--metadata", "tier=2", "--content-type", "text/csv")
    assert run_cli(capsys, *base, "cp", source, f"s3p://{bucket}/both.csv", *both)[:2] == (
        0,
        f"copy: {source} -> s3p://{bucket}/both.csv\n",
    )
    assert stored(s3, bucket, "both.csv") == (b"Hello", "text/csv", {"team": "blue", "tier": "2"})
    assert run_cli(capsys, *base, "cp", source, f"s3p://{bucket}/typed.csv", "--content-type", "text/csv")[0] == 0
    assert stored(s3, bucket, "typed.csv") == (b"Hello", "text/csv", {})
    assert run_cli(capsys, *base, "cp", source, f"s3p://{bucket}/meta.txt", "--metadata", "team=blue")[0] == 0
    assert stored(s3, bucket, "meta.txt") == (b"Hello", "application/octet-stream", {"team": "blue"})


def test_cli_mv_copies_then_deletes_the_source_and_says_both(copied, capsys, tmp_path):
    s3, bucket, base, source = copied
    assert run_cli(capsys, *base, "mv", source, f"s3p://{bucket}/moved/") == (
        0,
        f"copy: {source} -> s3p://{bucket}/moved/src.txt\ndelete: {source}\n",
        "",
    )
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == ["moved/src.txt"]
    assert stored(s3, bucket, "moved/src.txt") == (b"Hello", "text/plain", {"team": "red"})

    down = tmp_path / "down.txt"
    code, out, err = run_cli(capsys, *base, "mv", f"s3p://{bucket}/moved/src.txt", str(down), "--no-progress")
    assert (code, err, down.read_bytes()) == (0, "", b"Hello")
    first, second = out.splitlines()
    assert first.startswith(f"download: s3p://{bucket}/moved/src.txt -> {down}: 5 bytes in ")
    assert second == f"delete: s3p://{bucket}/moved/src.txt"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)

    code, out, err = run_cli(capsys, *base, "mv", str(down), f"s3p://{bucket}/up/", "--no-progress")
    assert (code, err, down.exists()) == (0, "", False)
    first, second = out.splitlines()
    assert first.startswith(f"upload: {down} -> s3p://{bucket}/up/down.txt: 5 bytes in ")
    assert second == f"delete: {down}"
    assert s3.get_object(Bucket=bucket, Key="up/down.txt")["Body"].read() == b"Hello"

    assert run_cli(capsys, *base, "-q", "mv", f"s3p://{bucket}/up/down.txt", f"s3p://{bucket}/q.txt") == (0, "", "")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["q.txt"]


def test_cli_mv_deletes_nothing_when_the_copy_fails_and_moves_no_directory(cli_env, capsys, tmp_path):
    s3, bucket, base = cli_env
    source = tmp_path / "keep.txt"
    source.write_text("kept")
    code, out, err = run_cli(capsys, *base, "mv", str(source), f"s3p://{bucket}-absent/k")
    assert (code, out, source.read_text()) == (cli.EXIT_NOT_FOUND, "", "kept")
    assert err.startswith(f"s3proxy_client: error: s3p://{bucket}-absent/k: NoSuchBucket")
    s3.put_object(Bucket=bucket, Key="d/k", Body=b"x")
    assert run_cli(capsys, *base, "mv", "-r", f"s3p://{bucket}/d/", f"s3p://{bucket}/e/") == (
        cli.EXIT_USAGE,
        "",
        "s3proxy_client: error: mv moves one file or object: no --recursive\n",
    )
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["d/k"]


def test_cli_link_prints_one_signed_url_that_downloads_under_the_name_given(cli_env, capsys, moto_url):
    s3, bucket, base = cli_env
    s3.put_object(Bucket=bucket, Key="r/a b.bin", Body=b"report")
    code, out, err = run_cli(capsys, *base, "link", f"s3p://{bucket}/r/a b.bin", "--name", "Q4.txt", "--expires", "900")
    assert (code, err, out.count("\n")) == (0, "", 1)
    link = urllib.parse.urlsplit(out.strip())
    query = dict(urllib.parse.parse_qsl(link.query))
    assert (f"{link.scheme}://{link.netloc}", link.path) == (moto_url, f"/{bucket}/r/a%20b.bin")
    assert (query["X-Amz-Expires"], query["X-Amz-SignedHeaders"]) == ("900", "host")
    assert query["response-content-disposition"] == "attachment; filename=\"Q4.txt\"; filename*=UTF-8''Q4.txt"
    fetched = requests.get(out.strip(), timeout=10)  # no credentials: the link is enough
    assert (fetched.status_code, fetched.content) == (200, b"report")
    assert fetched.headers["Content-Disposition"] == "attachment; filename=\"Q4.txt\"; filename*=UTF-8''Q4.txt"

    code, out, _ = run_cli(capsys, *base, "link", f"s3p://{bucket}/r/a b.bin")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(out.strip()).query))
    assert (code, query["X-Amz-Expires"], "response-content-disposition" in query) == (0, "3600", False)
    for wrong in (f"s3p://{bucket}/r/", f"s3p://{bucket}"):
        assert run_cli(capsys, *base, "link", wrong) == (
            cli.EXIT_USAGE,
            "",
            f"s3proxy_client: error: {wrong} names no object\n",
        )


def test_cli_cp_of_one_object_reads_concurrency_ranges_at_once(tmp_path, capsys, monkeypatch):
    """--concurrency 5 (above the default 4): the five ranges after the first are each held until all five
    are in flight, which only five workers can do."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    together = threading.Barrier(5, timeout=20)

    def held() -> str:
        together.wait()
        return "ok"

    payload = os.urandom(25 * MiB + 1)
    script = ByRange([], payload=payload, by_offset={n * 5 * MiB: [held] for n in range(1, 6)})
    with serving(script, "/restapis/abc/dev/_user_request_") as url:
        base = scripted_outputs(tmp_path, url)
        args = ("--part-size", "5MiB", "--threshold", "5MiB", "--concurrency", "5", "--no-progress")
        assert run_cli(capsys, *base, "-q", "cp", "s3p://bkt/k", str(tmp_path / "out"), *args) == (0, "", "")
    assert (tmp_path / "out").read_bytes() == payload
    assert len(script.received) == 6


def test_cli_help_keeps_the_examples_as_written_once_each(capsys, monkeypatch):
    """The description is the docstring's first paragraph; the examples and exit codes follow as written, one
    command a line (not re-wrapped)."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/s3proxy"])
    with pytest.raises(SystemExit):
        cli.parser().parse_args(["--help"])
    shown = capsys.readouterr().out
    for line in (
        "    s3proxy --outputs outputs.json ls                       # buckets",
        "    s3proxy --outputs outputs.json rm --recursive s3p://bucket/photos/  "
        "# every object under it (DeleteObjects)",
        "1 error, 2 usage, 3 not found,",
    ):
        assert shown.count(f"\n{line}\n") == 1, line
    assert shown.count("rm, mb, rb and head through a deployed S3ProxyApi stack.") == 1


def test_cli_cp_between_two_local_paths_says_what_cp_copies(cli_env, capsys, tmp_path):
    _, _, base = cli_env
    (tmp_path / "a.txt").write_text("a")
    assert run_cli(capsys, *base, "cp", str(tmp_path / "a.txt"), str(tmp_path / "b.txt")) == (
        cli.EXIT_USAGE,
        "",
        "s3proxy_client: error: cp copies a local file and s3p://bucket/key either way, or one s3p:// object to "
        "another\n",
    )
    assert not (tmp_path / "b.txt").exists()


def test_cli_flushes_each_line_as_it_is_reported(scripted, tmp_path, monkeypatch):
    """A pipe (`s3proxy cp -r ... | tee`) sees each line when it happens, not when the buffer fills."""
    _, url = scripted
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    seen: list[str] = []

    class Recording(io.StringIO):
        def write(self, text: str) -> int:
            seen.append(text)
            return len(text)

        def flush(self) -> None:
            seen.append("<flush>")

    monkeypatch.setattr(sys, "stdout", Recording())
    assert cli.main([*scripted_outputs(tmp_path, url), "rm", "s3p://b/k"]) == 0
    assert seen == ["delete: s3p://b/k", "\n", "<flush>"]
