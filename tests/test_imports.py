"""The shape of CryoCore's imports: no circle, facades on top, every module importable alone."""
from __future__ import absolute_import, division, print_function

import ast
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "CryoCore")
#: The public faces of Core (the original's names); private modules never import them.
FACADES = ("CryoCore.API", "CryoCore.Core.API", "CryoCore.Core.Config", "CryoCore.Core.Status",
           "CryoCore.Core.loggingService")
#: Packages that need Python 3 and an optional extra: left out on Python 2.7 (they do not
#: parse there), and not imported where the extra's first module is missing.
OPTIONAL = {"CryoCore.Web": "starlette"}


def _extra_missing(name):
    """Whether `name` belongs to an OPTIONAL package whose extra is not installed here."""
    for package, needs in OPTIONAL.items():
        if name == package or name.startswith(package + "."):
            try:
                __import__(needs)
            except ImportError:
                return True
    return False


def modules(root=ROOT, package="CryoCore"):
    """{dotted module name: file} of every module of the package (an __init__ is its package)."""
    found = {}
    for where, dirs, files in os.walk(os.path.join(root, package)):
        dirs[:] = [d for d in dirs if not d.startswith((".", "__"))]
        for f in files:
            if not f.endswith(".py"):
                continue
            path = os.path.join(where, f)
            parts = os.path.relpath(path, root)[:-3].split(os.sep)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            dotted = ".".join(parts)
            if sys.version_info[0] < 3 and any(dotted == p or dotted.startswith(p + ".")
                                               for p in OPTIONAL):
                continue
            found[dotted] = path
    return found


def _known(name, mods):
    """The module `name` names, or the nearest enclosing module we have (None: not ours)."""
    while name:
        if name in mods:
            return name
        name = name.rpartition(".")[0]
    return None


def imports(name, path, mods):
    """The modules of ours that module `name` imports anywhere (functions included)."""
    with open(path, "rb") as f:
        tree = ast.parse(f.read(), path)
    is_package = os.path.basename(path) == "__init__.py"
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                module = base + "." + node.module if node.module else base
            else:
                module = node.module or ""
            # "from pkg import mod" imports pkg.mod; "from mod import name" imports mod.
            targets = [module + "." + a.name if module + "." + a.name in mods else module
                       for a in node.names]
        else:
            continue
        for target in targets:
            known = _known(target, mods)
            if known is not None and known != name:
                out.add(known)
    return out


def graph(mods):
    return dict((name, imports(name, path, mods)) for name, path in mods.items())


def cycles(edges):
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


@pytest.mark.smoke
def test_cycle_finder_sees_a_circle_through_a_function_import(tmp_path):
    """The walker counts an import inside a function and reports the circle it closes."""
    pkg = tmp_path / "CryoCore"
    (pkg / "Core").mkdir(parents=True)
    (pkg / "__init__.py").write_text(u"")
    (pkg / "Core" / "__init__.py").write_text(u"")
    (pkg / "Core" / "_low.py").write_text(u"def f():\n    from .. import Top\n")
    (pkg / "Top.py").write_text(u"from .Core import _low\n")
    mods = modules(str(tmp_path))
    assert cycles(graph(mods)) == [["CryoCore.Core._low", "CryoCore.Top"]]


@pytest.mark.smoke
def test_no_import_circle():
    """No module of CryoCore imports, directly or through others, one that imports it back."""
    edges = graph(modules())
    assert edges["CryoCore.Core.Status"], "the walker found no imports of the Status package"
    assert cycles(edges) == []


@pytest.mark.smoke
def test_private_core_modules_never_import_a_facade():
    """Core's private modules import only downward: never API, Config, Status or loggingService."""
    mods = modules()
    edges = graph(mods)
    wrong = sorted((name, target) for name in mods if name.rpartition(".")[2].startswith("_")
                   and name.startswith("CryoCore.Core.")
                   for target in edges[name] if target in FACADES)
    assert wrong == []


@pytest.mark.smoke
def test_every_module_imports_first_in_a_fresh_interpreter():
    """Each module of CryoCore imports on its own, as the first import of a new interpreter."""
    names = sorted(n for n in modules() if not _extra_missing(n))
    assert len(names) > 30
    failed = []
    for name in names:
        p = subprocess.Popen([sys.executable, "-c", "import " + name], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out = p.communicate()[0]
        if p.returncode:
            failed.append((name, out.decode("utf-8", "replace")[-500:]))
    assert failed == []
