"""No link in the docs points nowhere: every relative link in README.md, CONTRIBUTING.md, SECURITY.md,
benchmarks/README.md and docs/*.md names a file of this repository, and a heading of it when it has a `#`.

Headings become anchors as GitHub renders them: lower case, punctuation dropped (backticks, colons,
apostrophes), spaces as `-`, a repeated heading suffixed `-1`, `-2`."""

import re
from pathlib import Path

import pytest

from tooling.program import ROOT

TOP = ("README.md", "CONTRIBUTING.md", "SECURITY.md", "benchmarks/README.md")
PAGES = sorted([*(ROOT / name for name in TOP), *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def anchors(markdown: str) -> set[str]:
    found, counts = set(), {}
    for heading in re.findall(r"^#{1,6} (.+)$", FENCE.sub("", markdown), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        repeated = counts.get(slug, 0)
        counts[slug] = repeated + 1
        found.add(slug if repeated == 0 else f"{slug}-{repeated}")
    return found


def broken_links(page: Path) -> list[str]:
    """Every relative link of `page` that names no file, or no heading of it."""
    broken = []
    for target in LINK.findall(FENCE.sub("", page.read_text())):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:: not this repository's
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and (file.suffix != ".md" or anchor not in anchors(file.read_text())):
            broken.append(f"{target}: no such heading")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


def test_a_link_to_a_missing_file_or_heading_is_found(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## Errors in one line\n\n## Install: the `pulumi-s3proxy` wheel\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md) [ok](other.md#errors-in-one-line) [ok](other.md#install-the-pulumi-s3proxy-wheel)\n"
        "[web](https://example.com/x) [self](#a-heading)\n\n# A heading\n\n"
        "[gone](missing.md) [no heading](other.md#errors) ![image](missing.png)\n"
        "```\n[in a code block](nowhere.md)\n```\n"
    )
    assert broken_links(page) == ["missing.md: no such file", "other.md#errors: no such heading"]
