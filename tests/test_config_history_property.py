"""Config history property test (issue 16): random change sequences replayed against a model."""
from __future__ import absolute_import, division, print_function

import itertools
import time

from conftest import importorskip

hypothesis = importorskip("hypothesis")  # CI-aware: missing in CI fails
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from CryoCore import API  # noqa: E402

LEAVES = ["a", "b", "f.x", "f.y", "g.h.z"]
FOLDERS = ["f", "g", "g.h"]
VALUES = st.one_of(st.integers(-10 ** 6, 10 ** 6), st.booleans(),
                   st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 3)),
                   st.text("abc xyz-_.", min_size=0, max_size=8))
OPS = st.lists(st.one_of(
    st.tuples(st.just("set"), st.sampled_from(["default", "v2"]), st.sampled_from(LEAVES),
              VALUES),
    st.tuples(st.just("comment"), st.sampled_from(["default", "v2"]), st.sampled_from(LEAVES),
              st.text("abc ", max_size=4)),
    st.tuples(st.just("remove"), st.sampled_from(["default", "v2"]),
              st.sampled_from(LEAVES + FOLDERS), st.none()),
    st.tuples(st.just("copy"), st.just("default"), st.just("v2"), st.none())),
    min_size=1, max_size=10)
_roots = itertools.count()


def text_of(value):
    """How `list` shows a value (the oracle: plain Python)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return repr(value)
    return "%s" % value


def apply(model, op, root):
    """Do `op` through the library and on the model ({version: {leaf: (text, comment)}})."""
    kind, version, path, arg = op
    tree = model.setdefault(version, {})
    cfg = API.get_config(root, version)
    if kind == "set":
        cfg[path] = arg
        tree[path] = (text_of(arg), tree.get(path, (None, None))[1])
    elif kind == "comment":
        if path not in tree:
            return
        cfg.set_comment(path, arg)
        tree[path] = (tree[path][0], arg)
    elif kind == "remove":
        gone = [p for p in tree if p == path or p.startswith(path + ".")]
        if not gone:
            return
        cfg.remove(path)
        for p in gone:
            del tree[p]
    else:
        cfg.copy_configuration("default", "v2", overwrite=True)
        model["v2"] = dict(model.get("default", {}))


def seen(root, version, t):
    """{leaf: (text, comment)} under `root` of `version` at `t`, from the history."""
    cfg = API.get_config(root, version, at=t)
    out = {}
    stack = [cfg.get(None)] if root in API.get_config(None, version, at=t) else []
    prefix = root + "."
    while stack:
        p = stack.pop()
        if p.datatype != "folder":
            from CryoCore.Core import _config_types as T
            out[p.get_full_path()[len(prefix):]] = (T.value_text(p.value), p.comment)
        stack.extend(p.children)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=OPS)
def check_replay(ops):
    root = "r%d_%d" % (int(time.time() * 1000) % 10 ** 8, next(_roots))
    model = {}
    moments = []
    for op in ops:
        apply(model, op, root)
        moments.append((time.time(), dict((v, dict(t)) for v, t in model.items())))
    for t, expected in moments:
        for version in ("default", "v2"):
            assert seen(root, version, t) == expected.get(version, {}), (t, version, ops)


def test_random_change_sequences_match_the_model(backend):
    """The tree at every moment of a random change sequence is what a plain model says."""
    check_replay()
