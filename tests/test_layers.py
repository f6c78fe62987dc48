"""The layers point one way: ``index`` (storage, search) never imports from ``assistant`` (the app)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_index_layer_does_not_import_the_app_layer():
    offenders = {
        f"{p.relative_to(ROOT)}: {m}"
        for p in sorted((ROOT / "index").rglob("*.py"))
        for m in _imported_modules(p)
        if m in ("assistant", "ui") or m.startswith(("assistant.", "ui."))
    }
    assert not offenders, sorted(offenders)
