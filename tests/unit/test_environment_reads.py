"""config.py is the one place that reads the environment: elsewhere in chalicelib a module may set variables
(a stage's, or the local stack's for this process and its children) but reads its settings through config."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
WRITES = {"update", "setdefault"}  # as statements: their result is thrown away, nothing is read


def environment_reads(source: str) -> list[int]:
    """Line numbers where the source reads os.environ or calls getenv (writes as statements allowed)."""
    tree = ast.parse(source)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute) and node.value.func.attr in WRITES
                and _is_os_environ(node.value.func.value)):
            allowed.add(id(node.value.func.value))
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del) and _is_os_environ(node.value):
            allowed.add(id(node.value))
    reads = []
    for node in ast.walk(tree):
        if _is_os_environ(node) and id(node) not in allowed:
            reads.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr in ("getenv", "getenvb"):
            reads.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                alias.name in ("environ", "getenv", "environb", "getenvb") for alias in node.names):
            reads.append(node.lineno)
    return sorted(reads)


def _is_os_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr in ("environ", "environb")
            and isinstance(node.value, ast.Name) and node.value.id == "os")


def test_only_config_reads_the_environment():
    found = {
        str(path.relative_to(CHALICELIB)): lines
        for path in sorted(CHALICELIB.rglob("*.py"))
        if path.name != "config.py" or path.parent != CHALICELIB
        if (lines := environment_reads(path.read_text()))
    }
    assert found == {}, f"read settings through chalicelib/config.py instead: {found}"


@pytest.mark.parametrize("source", [
    "import os\nos.environ.get('X')",
    "import os\nos.getenv('X')",
    "import os\nx = os.environ['X']",
    "import os\n'X' in os.environ",
    "import os\nenv = os.environ.copy()",
    "import os\nvalue = os.environ.setdefault('X', '1')",
    "from os import environ",
    "from os import getenv",
])
def test_the_check_sees_each_way_of_reading(source):
    assert environment_reads(source) != []


@pytest.mark.parametrize("source", [
    "import os\nos.environ.update({'X': '1'})",
    "import os\nos.environ.setdefault('X', '1')",
    "import os\nos.environ['X'] = '1'",
    "import os\ndel os.environ['X']",
])
def test_the_check_lets_writes_through(source):
    assert environment_reads(source) == []
