"""Issue 12's size guide on the feature modules: no module over ~400 lines, no class over ~200
(evidencekb.revision has its own test with the import cycles, in test_space.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "evidencekb"
FEATURES = sorted([*PACKAGE.glob("site/**/*.py"), *PACKAGE.glob("checks/*.py"), *PACKAGE.glob("recommend/*.py"),
                   *(PACKAGE / name for name in ("questions.py", "why.py", "workbook.py", "stats.py", "tables.py",
                                                 "export.py", "terms.py", "formats.py", "pipeline.py"))])


@pytest.mark.parametrize("path", FEATURES, ids=[str(p.relative_to(PACKAGE)) for p in FEATURES])
def test_feature_module_sizes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 400, f"{path.name}: split it by job"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            assert node.end_lineno - node.lineno < 200, f"{path.name}: class {node.name}"
