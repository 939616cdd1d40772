"""Layers point one way: models (the domain, no messenger) <- views (what is shown) <- handlers and jobs
(neither imports the other) <- bot (wiring, configuration, the command line). locales (texts) is under
all of them. A test fails when an import runs the wrong way, anywhere in a module (late imports too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    "locales": {"locales"},
    "models": {"models", "locales"},
    "views": {"views", "models", "locales"},
    "handlers": {"handlers", "views", "models", "locales"},
    "jobs": {"jobs", "views", "models", "locales"},
}
OURS = {"bot", "handlers", "jobs", "models", "views", "locales", "playground", "benchmarks", "tests"}
NO_MESSENGER = {"models", "locales"}  # the domain does not know PTB


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_every_import_runs_down_the_layers():
    wrong = []
    for layer, allowed in ALLOWED.items():
        for path in sorted((ROOT / layer).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, module in _imports(path):
                top = module.split(".")[0]
                if (top in OURS and top not in allowed) or (layer in NO_MESSENGER and top == "telegram"):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert wrong == []
