"""Rules of the test suite itself: CI detection, and a one-line docstring on every test."""
from __future__ import absolute_import, division, print_function

import ast
import glob
import os
import sys

import pytest

from conftest import ROOT, in_ci


@pytest.mark.smoke
@pytest.mark.parametrize("value", ["true", "True", "1", "yes", "github", " on "])
def test_any_set_ci_value_counts_as_ci(value):
    """CI=1, CI=yes or any other non-empty, non-false value makes a missing server a failure."""
    assert in_ci(value)


@pytest.mark.smoke
@pytest.mark.parametrize("value", ["", "0", "false", "FALSE", "no", "off", "  "])
def test_empty_or_false_ci_value_is_not_ci(value):
    """An empty or false-like CI value is a local run, where a missing server skips."""
    assert not in_ci(value)


def _tests_without_docstring():
    missing = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "test_*.py"))):
        if sys.version_info[0] < 3 and os.path.basename(path).startswith("test_web_"):
            continue  # Python 3 syntax (async); checked by the Python 3 run
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, getattr(ast, "AsyncFunctionDef", ast.FunctionDef)) or \
                    isinstance(node, ast.FunctionDef):
                if not node.name.startswith("test"):
                    continue
                doc = (ast.get_docstring(node) or "").strip()
                if not doc or "\n" in doc:
                    missing.append("%s:%d %s" % (os.path.basename(path), node.lineno, node.name))
    return missing


@pytest.mark.smoke
def test_every_test_says_in_one_line_what_it_proves():
    """Every test function in tests/ has a one-line docstring (what it proves)."""
    assert _tests_without_docstring() == []
