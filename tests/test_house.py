"""`make house`: import circles, module sizes and long functions, measured on a small package written here and on
the project itself."""

from __future__ import annotations

from pathlib import Path

from tooling.house import MAX_FUNCTION_LINES, MAX_MODULE_LINES, house_report, main, render


def function_of(name: str, lines: int) -> str:
    """A function `lines` long, its `def` line included."""
    return f"def {name}():\n" + "    x = 1\n" * (lines - 1)


def write_package(root: Path) -> None:
    files = {
        "__init__.py": "",
        # a -> b at import time, b -> a inside a function: a circle all the same
        "a.py": "from . import b\n",
        "b.py": "def late():\n    from .a import name\n",
        # e -> f -> e through absolute imports of the package
        "e.py": "import pkg.f\n",
        "f.py": "from pkg.e import thing\n",
        # c -> d, and d -> c only for the type checker: no circle
        "c.py": "from .d import value\n",
        "d.py": "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .c import value\nelse:\n    from . import e\n",
        # g -> sub, and sub -> g with `..` (from a subpackage: its parent)
        "g.py": "from .sub import value\n",
        "sub/__init__.py": "from ..g import value\n",
        "long.py": function_of("too_long", MAX_FUNCTION_LINES + 1)
        + function_of("fits", MAX_FUNCTION_LINES)
        + "class Holder:\n    @staticmethod\n"  # the decorator counts: the function is 62 + 1 lines
        + "".join(f"    {line}\n" for line in function_of("method", MAX_FUNCTION_LINES + 2).splitlines()),
        "big.py": "x = 1\n" * (MAX_MODULE_LINES + 1),
    }
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_circles_count_imports_that_run_and_not_those_for_the_type_checker(tmp_path):
    write_package(tmp_path)
    report = house_report(tmp_path, ("pkg",), ("pkg",), {})
    assert report.circles == [["pkg.a", "pkg.b"], ["pkg.e", "pkg.f"], ["pkg.g", "pkg.sub"]]


def test_modules_over_the_limit_and_functions_without_a_reason_are_reported(tmp_path):
    write_package(tmp_path)
    allowed = {"pkg/long.py:Holder.method": "a table", "pkg/long.py:fits": "was long once"}
    report = house_report(tmp_path, ("pkg",), ("pkg",), allowed)
    assert report.largest[0] == ("pkg/big.py", 501)
    assert report.long_functions == [
        ("pkg/long.py:Holder.method", 63, "a table"),
        ("pkg/long.py:too_long", 61, None),
    ]
    assert report.stale_reasons == ["pkg/long.py:fits"]
    assert report.problems == 3 + 1 + 1 + 1  # three circles, big.py, too_long, the stale reason
    lines = render(report).splitlines()
    assert lines[:4] == [
        "import circles among pkg: 3",
        "  pkg.a -> pkg.b -> pkg.a",
        "  pkg.e -> pkg.f -> pkg.e",
        "  pkg.g -> pkg.sub -> pkg.g",
    ]
    assert "largest modules (1 over 500 lines):" in lines and "    501 pkg/big.py  OVER" in lines
    assert "functions over 60 lines: 2 (1 without a reason)" in lines
    assert "     63 pkg/long.py:Holder.method: a table" in lines
    assert "  stale reason in LONG_FUNCTIONS: pkg/long.py:fits (gone, or 60 lines or fewer)" in lines


def test_a_house_in_order_reports_no_problem(tmp_path):
    (tmp_path / "tidy").mkdir()
    (tmp_path / "tidy" / "__init__.py").write_text("from . import one\n")
    (tmp_path / "tidy" / "one.py").write_text(function_of("short", MAX_FUNCTION_LINES))
    report = house_report(tmp_path, ("tidy",), ("tidy",), {})
    assert (report.circles, report.long_functions, report.stale_reasons, report.problems) == ([], [], [], 0)


def test_the_project_has_no_import_circle(capsys):
    assert house_report().circles == []
    main([])
    assert capsys.readouterr().out.startswith("import circles among components, tooling, s3proxy_client: 0\n")
