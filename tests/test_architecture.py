"""The functional core stays pure: curation opens no file, process, socket or database."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMPURE = {"subprocess", "os", "pathlib", "shutil", "socket", "sqlite3", "tempfile", "io"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_curation_does_no_io() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & IMPURE)
        for path in (ROOT / "curation").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_sees_impure_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import subprocess\nfrom os import path\n")
    assert imported_modules(probe) & IMPURE == {"subprocess", "os"}


REQUEST_BOUND = {"request", "session", "g", "render_template", "abort", "flash", "redirect"}


def flask_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "flask"
        for alias in node.names
    }


def test_use_cases_know_no_request_or_template() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(flask_names(path) & REQUEST_BOUND)
        for path in (ROOT / "web" / "usecases").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_request_check_sees_request_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from flask import current_app, render_template, request\n")
    assert flask_names(probe) & REQUEST_BOUND == {"render_template", "request"}
