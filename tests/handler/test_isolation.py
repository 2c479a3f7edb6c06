"""handler/ ships to Lambda alone: it never imports TensorFlow, Keras or anything under model/."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

FORBIDDEN = ("tensorflow", "keras", "model", "tf_keras")


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "handler").rglob("*.py")), ids=lambda p: p.name)
def test_handler_module_imports_no_training_code(path):
    tree = ast.parse(path.read_text())
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] in FORBIDDEN]


def test_lambda_handler_import_loads_no_tensorflow():
    code = "import sys, handler.lambda_function; print(sorted(m for m in sys.modules if m.split('.')[0] in %r))"
    result = subprocess.run([sys.executable, "-c", code % (FORBIDDEN,)], cwd=REPO_ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"  # earlier lines: the app's JSON logs
