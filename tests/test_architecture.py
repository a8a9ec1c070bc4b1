"""The shape of the code: lib's layers (import contracts in pyproject.toml, checked with import-linter), and
modules and functions small enough to read, with a stated reason where one is not."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CODE = ["app.py", "lib", "ui", "pages", "bench"]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
REASON = "# long:"  # the comment that says why a module or function is longer (first lines of the module / body)


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--config", str(root / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


def test_the_layer_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "Contracts: 4 kept, 0 broken." in result.stdout


@pytest.fixture
def copy_of_the_code(tmp_path) -> Path:
    for package in ("lib", "ui"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    "module, line, contract",
    [
        ("lib/core/schema.py", "import lib.build", "lib is in layers"),
        ("lib/reading/store.py", "from lib.cleaning import dedupe", "lib is in layers"),
        ("lib/describing/topics.py", "from lib.reading import store", "describing and explore read only core"),
        ("lib/explore/filters.py", "from lib.describing import themes", "lib is in layers"),  # siblings are independent
        ("lib/explore/charts.py", "import streamlit", "lib is pure Python"),
        ("ui/cache.py", "from lib.describing.topics import fit_topics", "the app computes nothing the build owns"),
    ],
)
def test_a_lower_layer_importing_a_higher_one_breaks_a_contract(copy_of_the_code, module, line, contract):
    path = copy_of_the_code / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = lint_imports(copy_of_the_code)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout


def _modules() -> list[Path]:
    found = []
    for entry in CODE:
        path = ROOT / entry
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return found


def _has_reason(lines: list[str]) -> bool:
    return any(line.strip().startswith(REASON) for line in lines)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_are_short_or_say_why(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    if len(lines) > MAX_MODULE_LINES:
        assert _has_reason(lines[:15]), f"{len(lines)} lines; say why at the top with '{REASON} ...' or split it"
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            size = node.end_lineno - node.lineno + 1
            code = node.body[1:] if ast.get_docstring(node) is not None and len(node.body) > 1 else node.body
            head = lines[node.lineno - 1 : code[0].lineno - 1]  # signature, docstring and the comments before the code
            assert size <= MAX_FUNCTION_LINES or _has_reason(head), f"{node.name}() is {size} lines"
