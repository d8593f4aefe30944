"""`s3proxy cp --recursive` and `rm --recursive` (s3proxy_client/tree.py), as in the AWS CLI: a directory up and
down, every object under a prefix deleted, each against moto's S3 over real HTTP (its paths are the API's:
`/bucket/key`), with boto3 reading what S3 holds."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from fakes import Script, serving, xml_error

from s3proxy_client import cli, tree
from s3proxy_client.parts import API_GATEWAY_PAYLOAD_LIMIT
from s3proxy_client.tree import Job, local_target, run_jobs

MiB = 1024 * 1024
SMALL_PARTS = ("--part-size", "5MiB", "--threshold", "5MiB", "--no-progress")


@pytest.fixture
def stack(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str, list[str]]]:
    """boto3 on moto, a fresh bucket, and the CLI's `--outputs` arguments for a stack served by moto."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    bucket = f"tree-{os.urandom(4).hex()}"
    s3.create_bucket(Bucket=bucket)
    outputs = tmp_path / "outputs.json"
    arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev"
    outputs.write_text(json.dumps({"url": moto_url, "execution_arn": arn}))
    yield s3, bucket, ["--outputs", str(outputs)]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def held(s3: Any, bucket: str) -> dict[str, bytes]:
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def photos(root: Path) -> dict[str, bytes]:
    """A small tree: nested directories, an empty one, and a file above the 5 MiB multipart threshold."""
    files = {"a.txt": b"alpha", "trip/b.txt": b"beta", "trip/day 2/c.bin": os.urandom(6 * MiB)}
    for name, body in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    (root / "empty").mkdir()
    return files


def test_a_directory_goes_up_under_the_prefix_and_comes_back_byte_exact(stack, capsys, tmp_path):
    s3, bucket, outputs = stack
    files = photos(tmp_path / "photos")
    code, out, err = run(
        capsys, *outputs, "cp", "--recursive", str(tmp_path / "photos"), f"s3p://{bucket}/p", *SMALL_PARTS
    )
    assert (code, err) == (0, [])
    assert held(s3, bucket) == {f"p/{name}": body for name, body in files.items()}
    assert sorted(out[:-1]) == sorted(
        f"upload: {tmp_path / 'photos' / name} -> s3p://{bucket}/p/{name}" for name in files
    )
    assert out[-1].startswith(f"upload: 3 of 3 objects: {5 + 4 + 6 * MiB:,} bytes in ")

    s3.put_object(Bucket=bucket, Key="other/x.txt", Body=b"not under p/")
    code, out, err = run(capsys, *outputs, "cp", "-r", f"s3p://{bucket}/p/", str(tmp_path / "back"), *SMALL_PARTS)
    assert (code, err) == (0, [])
    assert {str(p.relative_to(tmp_path / "back")): p.read_bytes() for p in (tmp_path / "back").rglob("*.*")} == files
    assert out[-1].startswith(f"download: 3 of 3 objects: {5 + 4 + 6 * MiB:,} bytes in ")


def test_rm_recursive_deletes_every_object_under_the_prefix_and_nothing_else(stack, capsys):
    s3, bucket, outputs = stack
    for key in ("logs/1", "logs/deep/2", "logs-old/3", "keep"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    code, out, err = run(capsys, *outputs, "rm", "--recursive", f"s3p://{bucket}/logs")  # `logs` is `logs/`
    assert (code, err) == (0, [])
    assert sorted(held(s3, bucket)) == ["keep", "logs-old/3"]
    assert sorted(out[:-1]) == [f"delete: s3p://{bucket}/logs/1", f"delete: s3p://{bucket}/logs/deep/2"]
    assert out[-1].startswith("delete: 2 of 2 objects in ")

    code, out, err = run(capsys, *outputs, "rm", "-r", f"s3p://{bucket}", "--version-id", "v1")
    assert (code, out) == (cli.EXIT_USAGE, [])
    assert err == ["s3proxy_client: error: --version-id names one object's version: not with --recursive"]


def test_a_directory_without_recursive_says_to_add_it(stack, capsys, tmp_path):
    _, bucket, outputs = stack
    code, out, err = run(capsys, *outputs, "cp", str(tmp_path), f"s3p://{bucket}/")
    assert (code, out) == (cli.EXIT_USAGE, [])
    assert err == [f"s3proxy_client: error: {tmp_path} is a directory: copy it with cp --recursive"]
    file = tmp_path / "outputs.json"
    code, _, err = run(capsys, *outputs, "cp", "-r", str(file), f"s3p://{bucket}/")
    assert code == cli.EXIT_USAGE
    assert err == [f"s3proxy_client: error: {file}: not a directory (cp --recursive copies a directory's files)"]


def test_a_file_that_fails_is_named_on_its_own_line_and_the_others_still_go(stack, capsys, tmp_path):
    """`+` in a key cannot pass API Gateway intact (s3proxy_client.parts.encode_key refuses it)."""
    s3, bucket, outputs = stack
    (tmp_path / "up").mkdir()
    for name in ("a+b.txt", "c.txt", "d.txt"):
        (tmp_path / "up" / name).write_text(name)
    code, out, err = run(capsys, *outputs, "cp", "-r", str(tmp_path / "up"), f"s3p://{bucket}/", "--no-progress")
    assert code == cli.EXIT_ERROR
    assert sorted(held(s3, bucket)) == ["c.txt", "d.txt"]
    assert len(err) == 1 and err[0].startswith(
        f"s3proxy_client: error: {tmp_path / 'up' / 'a+b.txt'} -> s3p://{bucket}/a+b.txt: the object key 'a+b.txt' "
    )
    assert out[-1].startswith("upload: 2 of 3 objects, 1 failed: 10 bytes in ")


def test_a_key_that_would_climb_out_of_the_directory_is_not_downloaded(stack, capsys, tmp_path):
    s3, bucket, outputs = stack
    s3.put_object(Bucket=bucket, Key="in/../../escaped.txt", Body=b"outside")
    s3.put_object(Bucket=bucket, Key="in/ok.txt", Body=b"inside")
    down = tmp_path / "deep" / "down"
    down.mkdir(parents=True)
    code, _, err = run(capsys, *outputs, "cp", "-r", f"s3p://{bucket}/in/", str(down))
    assert code == cli.EXIT_ERROR
    assert (down / "ok.txt").read_bytes() == b"inside"
    assert not (tmp_path / "deep" / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
    assert err == [
        f"s3proxy_client: error: s3p://{bucket}/in/../../escaped.txt -> {down / '../../escaped.txt'}: "
        f"the object key part '../../escaped.txt' would be written outside {down}: not downloaded"
    ]


def test_small_objects_run_concurrently_large_ones_one_at_a_time_and_progress_counts_every_byte():
    """Two small jobs pass a two-party barrier only when both run at once; a large job runs alone."""
    barrier, lock = threading.Barrier(2, timeout=30), threading.Lock()
    running, seen_with_large, moved = [0], [], []

    def small(progress: Any) -> None:
        barrier.wait()
        progress(10)

    def large(progress: Any) -> None:
        with lock:
            running[0] += 1
            seen_with_large.append(running[0])
        progress(100)
        with lock:
            running[0] -= 1

    jobs = [Job("s1", 10, small), Job("big1", 100, large), Job("s2", 10, small), Job("big2", 100, large)]
    outcome = run_jobs(jobs, concurrency=2, threshold=50, progress=moved.append)
    assert outcome.failed == [] and sorted(job.name for job in outcome.done) == ["big1", "big2", "s1", "s2"]
    assert seen_with_large == [1, 1] and sum(moved) == 220 and outcome.size == 220


# Routes as the stack's `routes` output lists them: with and without DeleteObjects (a key-prefixed stack, or one
# without s3:DeleteObject, has no batch route: `rm --recursive` then deletes one object at a time).
WITHOUT_BATCH_DELETE = ["GET /{folder} -> s3:ListBucket", "DELETE /{folder}/{item+} -> s3:DeleteObject"]
WITH_BATCH_DELETE = [*WITHOUT_BATCH_DELETE, "POST /{folder}?delete -> s3:DeleteObject"]
XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def outputs_for(tmp_path: Path, url: str, routes: list[str] | None = None, name: str = "outputs.json") -> list[str]:
    stack: dict[str, Any] = {"url": url, "execution_arn": "arn:aws:execute-api:us-east-1:123456789012:abc123/dev"}
    if routes is not None:
        stack["routes"] = routes
    (tmp_path / name).write_text(json.dumps(stack))
    return ["--outputs", str(tmp_path / name)]


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[Any, Any, Any]], list[int]]:
    """The CLI's progress bars recorded instead of drawn: (switch, title, total) of each, and every advance."""
    shown: list[tuple[Any, Any, Any]] = []
    advanced: list[int] = []

    @contextlib.contextmanager
    def recording_bar(enabled: Any, description: Any, total: Any) -> Iterator[Any]:
        shown.append((enabled, description, total))
        yield advanced.append if enabled else None

    monkeypatch.setattr(cli, "progress_bar", recording_bar)
    return shown, advanced


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The worker count of every pool run_jobs starts (the bound on requests in flight)."""
    made: list[Any] = []

    class Recording(ThreadPoolExecutor):
        def __init__(self, max_workers: Any = None, thread_name_prefix: str = "") -> None:
            made.append(max_workers)
            super().__init__(max_workers, thread_name_prefix=thread_name_prefix)

    monkeypatch.setattr(tree, "ThreadPoolExecutor", Recording)
    return made


def summary_seconds(line: str, pattern: str) -> float:
    match = re.fullmatch(pattern, line)
    assert match, line
    return float(match[1])


def test_a_tree_goes_up_with_its_metadata_in_parts_of_part_size_and_comes_down_in_reads_of_it(
    stack, capsys, tmp_path, bars
):
    s3, bucket, outputs = stack
    shown, advanced = bars
    (tmp_path / "up" / "deep").mkdir(parents=True)
    (tmp_path / "up" / "a.txt").write_bytes(b"alpha")
    big = os.urandom(6 * MiB)
    (tmp_path / "up" / "deep" / "big.bin").write_bytes(big)
    command = ("cp", "-r", str(tmp_path / "up"), f"s3p://{bucket}/t/", "--metadata", "owner=files")
    code, _, err = run(capsys, *outputs, *command, *SMALL_PARTS)
    assert (code, err) == (0, [])
    for key in ("t/a.txt", "t/deep/big.bin"):
        assert s3.head_object(Bucket=bucket, Key=key)["Metadata"] == {"owner": "files"}, key
    assert s3.head_object(Bucket=bucket, Key="t/deep/big.bin")["ETag"].endswith('-2"')  # 5 MiB parts, not 8
    assert s3.head_object(Bucket=bucket, Key="t/a.txt")["ETag"] == '"2c1743a391305fbf367df8e4f069f9f9"'  # md5

    args = ("--part-size", "5MiB", "--threshold", "5MiB", "--progress")
    code, _, err = run(capsys, *outputs, "cp", "-r", f"s3p://{bucket}/t", str(tmp_path / "down"), *args)
    assert (code, err) == (0, [])
    assert (tmp_path / "down" / "deep" / "big.bin").read_bytes() == big
    assert shown == [(False, "upload 2 objects", 5 + 6 * MiB), (True, "download 2 objects", 5 + 6 * MiB)]
    assert advanced == [5, 5 * MiB, MiB]  # the small object first, then the large one's ranged reads


def test_a_tree_shows_one_bar_over_its_bytes_when_asked_or_on_a_terminal_above_the_threshold(
    stack, capsys, tmp_path, bars, monkeypatch
):
    _, bucket, outputs = stack
    shown, advanced = bars
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "one.txt").write_bytes(b"abc")
    (tmp_path / "up" / "two.txt").write_bytes(b"defg")
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "b").write_bytes(b"b")
    assert run(capsys, *outputs, "cp", "-r", str(tmp_path / "up"), f"s3p://{bucket}/u/", "--progress")[0] == 0
    assert (shown, sorted(advanced)) == ([(True, "upload 2 objects", 7)], [3, 4])
    assert run(capsys, *outputs, "cp", "-r", str(tmp_path / "tiny"), f"s3p://{bucket}/t/", "--progress")[0] == 0
    assert shown[1:] == [(True, "upload 1 objects", 1)]  # one byte is still bytes to show
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    for threshold in ("6", "7"):
        assert (
            run(capsys, *outputs, "cp", "-r", str(tmp_path / "up"), f"s3p://{bucket}/u/", "--threshold", threshold)[0]
            == 0
        )
    assert shown[2:] == [(True, "upload 2 objects", 7), (False, "upload 2 objects", 7)]


def test_rm_recursive_without_the_batch_route_deletes_one_object_at_a_time_four_at_once(
    moto_url, stack, capsys, tmp_path, bars, pools
):
    s3, bucket, _ = stack
    shown, _ = bars
    outputs = outputs_for(tmp_path, moto_url, WITHOUT_BATCH_DELETE, "routed.json")
    for key in ("logs/1", "logs/deep/2", "logs-old/3", "keep"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    started = time.perf_counter()
    code, out, err = run(capsys, *outputs, "rm", "--recursive", f"s3p://{bucket}/logs")
    took = time.perf_counter() - started
    assert (code, err) == (0, [])
    assert sorted(held(s3, bucket)) == ["keep", "logs-old/3"]
    assert sorted(out[:-1]) == [f"delete: s3p://{bucket}/logs/1", f"delete: s3p://{bucket}/logs/deep/2"]
    assert summary_seconds(out[-1], r"delete: 2 of 2 objects in (\d+\.\d) s") <= round(took, 1) + 0.05
    assert (shown, pools) == ([(False, "delete 2 objects", 0)], [4])  # no bytes, no bar; rm has no --concurrency
    code, out, err = run(capsys, *outputs, "-q", "rm", "-r", f"s3p://{bucket}")  # the whole bucket
    assert (code, out, err, held(s3, bucket)) == (0, [], [], {})


def test_rm_recursive_one_at_a_time_exits_with_the_code_of_the_failure(scripted, capsys, tmp_path):
    script, url = scripted
    listing = (
        f"<ListBucketResult {XMLNS}><IsTruncated>false</IsTruncated>"
        "<Contents><Key>logs/a.txt</Key><Size>1</Size></Contents></ListBucketResult>"
    ).encode()
    script.actions = [(200, listing, {}), (403, xml_error("AccessDenied", "Access Denied"), {})]
    outputs = outputs_for(tmp_path, url, WITHOUT_BATCH_DELETE)
    code, out, err = run(capsys, *outputs, "rm", "-r", "s3p://bkt/logs/")
    assert (code, err) == (
        cli.EXIT_DENIED,
        ["s3proxy_client: error: s3p://bkt/logs/a.txt: AccessDenied (HTTP 403): Access Denied [request id REQ1]"],
    )
    assert len(out) == 1 and re.fullmatch(r"delete: 0 of 1 objects, 1 failed in \d+\.\d s", out[0]), out
    assert [(method, path.rpartition("/_user_request_")[2]) for method, path, _, _ in script.received] == [
        ("GET", "/bkt?list-type=2&encoding-type=url&prefix=logs%2F"),
        ("DELETE", "/bkt/logs/a.txt"),
    ]


def delete_result(*entries: str) -> bytes:
    return f"<DeleteResult {XMLNS}>{''.join(entries)}</DeleteResult>".encode()


@pytest.mark.parametrize(
    ("code", "message", "exit_code"),
    [("AccessDenied", "Access Denied", cli.EXIT_DENIED), ("InternalError", "We encountered an internal error", 1)],
)
def test_rm_recursive_in_batches_names_each_refused_key_on_stderr(scripted, capsys, tmp_path, code, message, exit_code):
    """DeleteObjects answers 200 with an `<Error>` per refused key (API reference): each is a line on stderr,
    exit code 4 when access was denied, 1 otherwise."""
    script, url = scripted
    listing = (
        f"<ListBucketResult {XMLNS}><IsTruncated>false</IsTruncated><Contents><Key>logs/a.txt</Key><Size>1</Size>"
        "</Contents><Contents><Key>logs/b.txt</Key><Size>1</Size></Contents></ListBucketResult>"
    ).encode()
    answer = delete_result(
        "<Deleted><Key>logs/a.txt</Key></Deleted>",
        f"<Error><Key>logs/b.txt</Key><Code>{code}</Code><Message>{message}</Message></Error>",
    )
    script.actions = [(200, listing, {}), (200, answer, {})]
    outputs = outputs_for(tmp_path, url, WITH_BATCH_DELETE)
    started = time.perf_counter()
    done, out, err = run(capsys, *outputs, "rm", "-r", "s3p://bkt/logs")
    took = time.perf_counter() - started
    assert (done, err) == (exit_code, [f"s3proxy_client: error: s3p://bkt/logs/b.txt: {code}: {message}"])
    assert out[0] == "delete: s3p://bkt/logs/a.txt" and len(out) == 2
    assert summary_seconds(out[1], r"delete: 1 of 2 objects, 1 failed in (\d+\.\d) s") <= round(took, 1) + 0.05
    assert [(method, path.rpartition("/_user_request_")[2]) for method, path, _, _ in script.received] == [
        ("GET", "/bkt?list-type=2&encoding-type=url&prefix=logs%2F"),  # only what is under `logs/` is listed
        ("POST", "/bkt?delete=1"),
    ]


def test_recursive_copies_need_exactly_one_remote_side(stack, capsys, tmp_path, monkeypatch):
    s3, bucket, outputs = stack
    monkeypatch.chdir(tmp_path)  # where a remote location taken for a directory would be made
    s3.put_object(Bucket=bucket, Key="p/k", Body=b"x")
    (tmp_path / "dir").mkdir()
    for source, destination in (
        (f"s3p://{bucket}/p/", f"s3p://{bucket}/q/"),
        (str(tmp_path / "dir"), str(tmp_path / "to")),
    ):
        assert run(capsys, *outputs, "cp", "-r", source, destination) == (
            cli.EXIT_USAGE,
            [],
            [
                "s3proxy_client: error: cp --recursive copies between a directory and s3p://bucket/prefix: "
                "exactly one side is remote"
            ],
        )
    assert sorted(held(s3, bucket)) == ["p/k"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "outputs.json"]


def test_cp_recursive_runs_concurrency_small_files_at_once_each_on_a_kept_connection(
    capsys, tmp_path, monkeypatch, pools, caplog
):
    """--concurrency 11, above the default 4 and the 10 connections kept by default: every upload is held until
    all eleven are in flight, on a pool of eleven workers, and every connection goes back to the client's pool
    (urllib3 warns of each one it must discard)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    together = threading.Barrier(11, timeout=20)

    def held_together() -> Any:
        together.wait()
        return (200, b"", {})

    (tmp_path / "up").mkdir()
    for n in range(11):
        (tmp_path / "up" / f"{n:02}.txt").write_text("x" * n)
    script = Script([held_together] * 11)
    with caplog.at_level(logging.WARNING, logger="urllib3"), serving(script, "/restapis/abc/dev/_user_request_") as url:
        outputs = outputs_for(tmp_path, url)
        code, out, err = run(capsys, *outputs, "cp", "-r", str(tmp_path / "up"), "s3p://bkt/", "--concurrency", "11")
    assert (code, err, len(out), pools) == (0, [], 12, [11])
    assert out[-1].startswith("upload: 11 of 11 objects: 55 bytes in ")
    assert sorted(path.rpartition("/")[2] for _, path, _, _ in script.received) == [f"{n:02}.txt" for n in range(11)]
    assert [record.getMessage() for record in caplog.records] == []


def test_folder_markers_are_not_downloaded_and_missing_directories_are_made(stack, capsys, tmp_path):
    s3, bucket, outputs = stack
    s3.put_object(Bucket=bucket, Key="p/sub/", Body=b"")  # a console's "folder"
    s3.put_object(Bucket=bucket, Key="p/x/y/z.txt", Body=b"deep")
    root = tmp_path / "not" / "yet"
    code, out, err = run(capsys, *outputs, "cp", "-r", f"s3p://{bucket}/p", str(root), "--no-progress")
    assert (code, err) == (0, [])
    assert out[0] == f"download: s3p://{bucket}/p/x/y/z.txt -> {root / 'x' / 'y' / 'z.txt'}"
    assert out[1].startswith("download: 1 of 1 objects: 4 bytes in ")
    assert [str(p.relative_to(root)) for p in sorted(root.rglob("*"))] == ["x", "x/y", "x/y/z.txt"]


def test_small_jobs_run_on_the_pool_and_large_ones_in_turn_once_each():
    """At most the threshold (and below API Gateway's 10 MB) is one request: those go to the pool's workers
    (`s3proxy-tree_<n>`); anything larger runs in the calling thread, after them."""
    ran: list[tuple[str, str]] = []

    def job(name: str, size: int) -> Job:
        return Job(name, size, lambda _: ran.append((name, threading.current_thread().name)))

    jobs = [job("at", 100), job("above", 101)]
    outcome = run_jobs(jobs, concurrency=1, threshold=100)
    assert ran == [("at", "s3proxy-tree_0"), ("above", threading.current_thread().name)]
    assert outcome.done == jobs and outcome.failed == []
    ran.clear()
    limit = API_GATEWAY_PAYLOAD_LIMIT
    jobs = [job("below the limit", limit - 1), job("at the limit", limit)]
    run_jobs(jobs, concurrency=1, threshold=2 * limit)
    assert ran == [("below the limit", "s3proxy-tree_0"), ("at the limit", threading.current_thread().name)]


def test_a_key_is_written_under_the_root_or_refused():
    root = Path("/data/down")
    assert local_target(root, "a/b.txt") == Path("/data/down/a/b.txt")
    assert local_target(root, "a/./b.txt") == Path("/data/down/a/b.txt")  # `.` segments name nothing
    for key in ("/etc/passwd", "", ".", "..", "a/../../x", "../x"):
        with pytest.raises(ValueError) as refused:
            local_target(root, key)
        assert str(refused.value) == f"the object key part {key!r} would be written outside /data/down: not downloaded"
