"""XML import refuses DTDs (no entity bombs, no external entities); trees and serialized
input deeper than the tools can walk are refused clearly, on every Python (issue 8)."""
from __future__ import absolute_import, division, print_function

import time

import pytest

from CryoCore import API
from CryoCore.Core._exceptions import ConfigValueError

_LOLS = "".join('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10) for i in range(1, 10))
BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">%s]>'
                  '<configuration><a>&lol9;</a></configuration>' % _LOLS).encode("ascii")
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<configuration><a>&xxe;</a></configuration>')


@pytest.mark.smoke
@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL], ids=["entity-bomb", "external"])
def test_xml_with_a_dtd_is_refused_at_once(backend, xml):
    """XML with a DOCTYPE (entity bombs included) is refused at once; nothing stored."""
    cfg = API.get_config(None)
    start = time.time()
    with pytest.raises(ConfigValueError) as e:
        cfg.import_xml(xml)
    assert "DOCTYPE" in str(e.value) and time.time() - start < 2.0
    assert cfg.keys() == []


def test_plain_xml_still_imports(backend):
    """Plain XML as bytes still imports."""
    cfg = API.get_config(None)
    assert cfg.import_xml(b"<configuration><Camera><fps>30</fps></Camera></configuration>") == 1
    assert cfg["Camera.fps"] == 30


def test_paths_deeper_than_the_limit_are_refused(backend):
    """Paths up to 100 levels work (and serialize); deeper ones are refused."""
    from CryoCore.Core import _config_types as T
    cfg = API.get_config(None)
    cfg[".".join(["a"] * T.MAX_DEPTH)] = 1
    with pytest.raises(ConfigValueError) as e:
        cfg[".".join(["b"] * (T.MAX_DEPTH + 1))] = 1
    assert "levels (at most %d)" % T.MAX_DEPTH in str(e.value)
    assert len(cfg.serialize("a")) > 0  # the deepest allowed tree serializes


def test_deeply_nested_serialized_input_is_refused(backend):
    """Serialized input nested 1,200 deep is refused, not a RecursionError."""
    node = '{"name": "x", "datatype": "string", "value": "v", "children": []}'
    for i in range(1200):
        node = '{"name": "n%d", "datatype": "folder", "children": [%s]}' % (i, node)
    with pytest.raises(ConfigValueError) as e:
        API.get_config(None).deserialize('{"A": %s, "version": {}}' % node, "R")
    assert "nested too deeply" in str(e.value) or "levels" in str(e.value)
