"""Part planning (S3's and API Gateway's limits), key and bucket paths, and S3's multipart ETag."""

from __future__ import annotations

import hashlib
import itertools
import os
from urllib.parse import unquote

import pytest

from s3proxy_client.checksums import multipart_etag
from s3proxy_client.parts import (
    API_GATEWAY_PAYLOAD_LIMIT,
    MAX_PARTS,
    MIN_PART_SIZE,
    MiB,
    Part,
    encode_key,
    object_path,
    plan_parts,
)


def test_parts_of_100_mb_in_8_mib():
    size = 100 * 1000 * 1000
    parts = plan_parts(size, 8 * MiB)
    assert len(parts) == 12
    assert [p.number for p in parts] == list(range(1, 13))
    assert all(p.size == 8 * MiB for p in parts[:-1]) and parts[-1].size == size - 11 * 8 * MiB
    assert all(b.offset == a.offset + a.size for a, b in itertools.pairwise(parts))
    assert sum(p.size for p in parts) == size
    assert parts[-1].range_header == f"bytes={11 * 8 * MiB}-{size - 1}"


def test_part_edges():
    assert plan_parts(0, MIN_PART_SIZE) == [Part(1, 0, 0)]
    assert plan_parts(10 * MiB, 5 * MiB) == [Part(1, 0, 5 * MiB), Part(2, 5 * MiB, 5 * MiB)]  # no empty tail
    assert plan_parts(10 * MiB + 1, 5 * MiB)[-1] == Part(3, 10 * MiB, 1)
    assert len(plan_parts(MAX_PARTS * MIN_PART_SIZE, MIN_PART_SIZE)) == MAX_PARTS
    with pytest.raises(ValueError, match="10,000"):
        plan_parts(MAX_PARTS * MIN_PART_SIZE + 1, MIN_PART_SIZE)
    assert len(plan_parts(MAX_PARTS * MIN_PART_SIZE + 1, MIN_PART_SIZE, max_parts=None)) == MAX_PARTS + 1  # reads


@pytest.mark.parametrize("part_size", [MIN_PART_SIZE - 1, API_GATEWAY_PAYLOAD_LIMIT, 10 * MiB, 0, -1, True])
def test_part_sizes_outside_s3_and_api_gateway_limits_are_refused(part_size):
    with pytest.raises(ValueError, match="part_size"):
        plan_parts(100 * MiB, part_size)


def test_part_sizes_at_the_limits_are_accepted():
    assert plan_parts(20 * MiB, MIN_PART_SIZE)[0].size == MIN_PART_SIZE
    assert plan_parts(20 * MiB, API_GATEWAY_PAYLOAD_LIMIT - 1)[0].size == API_GATEWAY_PAYLOAD_LIMIT - 1


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("a/b/c.txt", "a/b/c.txt"),
        ("with space/x y.txt", "with%20space/x%20y.txt"),
        ("unicode/ü-日本.txt", "unicode/%C3%BC-%E6%97%A5%E6%9C%AC.txt"),
        ("q?hash#pct%.txt", "q%3Fhash%23pct%25.txt"),
        ("a/../b/./c", "a/%2E%2E/b/%2E/c"),
        ("...", "..."),
        ("a//b/", "a//b/"),
    ],
)
def test_keys_are_percent_encoded_per_segment_keeping_slashes(key, path):
    assert encode_key(key) == path
    assert unquote(path) == key


@pytest.mark.parametrize("key", ["a+b.txt", "plus+sign/x", "+"])
def test_keys_with_plus_are_refused_since_s3_would_read_a_space(key):
    # API Gateway decodes `%2B` to `+` before the integration ("Amazon API Gateway important notes": REST
    # APIs decode URL-encoded request parameters), and S3 reads a raw `+` in the path as a space.
    with pytest.raises(ValueError, match=r"contains '\+'.*space"):
        encode_key(key)


def test_object_paths_refuse_what_cannot_be_a_bucket_or_key():
    assert object_path("bkt", "a b") == "bkt/a%20b"
    for bucket, key, message in (
        ("", "k", "invalid bucket name ''"),
        ("a/b", "k", "invalid bucket name 'a/b'"),
        ("bkt", "", "the object key is empty"),
    ):
        with pytest.raises(ValueError) as raised:
            object_path(bucket, key)
        assert str(raised.value) == message


def test_multipart_etag_is_s3s():
    parts = [os.urandom(100), os.urandom(50)]
    etags = [f'"{hashlib.md5(p).hexdigest()}"' for p in parts]
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    assert multipart_etag(etags) == f'"{digest}-2"'
    assert multipart_etag(['"not-md5"']) is None


def test_a_key_with_plus_is_refused_saying_what_to_do():
    with pytest.raises(ValueError) as refused:
        encode_key("a+b.txt")
    assert str(refused.value) == (
        "the object key 'a+b.txt' contains '+': through API Gateway, S3 would read it as a space; use another "
        "character (spaces, '%' and unicode are passed exactly)"
    )
