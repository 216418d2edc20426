"""Config trees as JSON (the original's serialize format) and XML import."""
from __future__ import absolute_import, division, print_function

import json

from . import _config_types as T
from ._compat import string_types, to_text
from ._exceptions import ConfigValueError, NoSuchParameterException

_NODE_KEYS = ("name", "value", "datatype", "comment", "children")


def node_dict(vc, node):
    """One node and its subtree as the original's JSON object."""
    kids = vc.children.get(node.id, {}) if node.id is not None else {}
    return {"name": node.name, "value": node.value, "datatype": node.datatype,
            "comment": node.comment, "last_modified": node.modified,
            "children": [node_dict(vc, vc.nodes[kids[k]]) for k in sorted(kids)]}


def serialize(vc, path, node):
    """``{"<full path>": node, "version": {...}}`` as JSON text."""
    out = {path or T.ROOT: node_dict(vc, node),
           "version": {"name": vc.name, "device": vc.device, "comment": vc.comment}}
    return json.dumps(out, indent=2, sort_keys=True, separators=(",", ": "))


class MalformedInput(ConfigValueError):
    """Deserialize/import input that is not what it should be."""


try:  # input nested deeper than the stack
    _TOO_DEEP = RecursionError
except NameError:  # Python 2.7 raises RuntimeError
    _TOO_DEEP = RuntimeError


def parse_serialized(text, root):
    """Items (path, value, datatype, comment) placing each top node under `root`."""
    try:
        return _parse_serialized(text, root)
    except _TOO_DEEP:
        raise MalformedInput("malformed serialized config: nested too deeply")


def _parse_serialized(text, root):
    try:
        data = json.loads(to_text(text))
    except ValueError as e:
        raise MalformedInput("malformed JSON: %s" % e)
    if not isinstance(data, dict):
        raise MalformedInput("malformed serialized config: expected a JSON object, got %s"
                             % type(data).__name__)
    tops = [(k, v) for k, v in sorted(data.items()) if k != "version"]
    if not tops:
        raise MalformedInput("malformed serialized config: no parameter tree in it")
    items = []
    for key, node in tops:
        _check_node(node, key)
        if node["name"] == T.ROOT and (node.get("datatype") or "folder") == "folder":
            for child in node.get("children") or []:  # a whole version: its children
                _walk(child, root, items, key + "." + _name_of(child))
        else:
            _walk(node, root, items, key)
    return items


def _name_of(node):
    return node.get("name") if isinstance(node, dict) else "?"


def _check_node(node, where):
    if not isinstance(node, dict):
        raise MalformedInput("malformed serialized config at %s: a node must be an object" % where)
    if not isinstance(node.get("name"), string_types):
        raise MalformedInput("malformed serialized config at %s: node without a text 'name'"
                             % where)
    datatype = node.get("datatype") or "string"
    if datatype not in T.DATATYPES:
        raise MalformedInput("malformed serialized config at %s: unknown datatype %s"
                             % (where, T.show(datatype)))
    children = node.get("children")
    if children is not None and not isinstance(children, list):
        raise MalformedInput("malformed serialized config at %s: 'children' must be a list"
                             % where)


def _walk(node, base, items, where):
    _check_node(node, where)
    try:
        T.check_name(node["name"])
    except ConfigValueError as e:
        raise MalformedInput("malformed serialized config at %s: %s" % (where, e))
    path = base + "." + node["name"] if base else node["name"]
    datatype = node.get("datatype") or "string"
    value = node.get("value")
    if datatype != "folder":
        try:
            value = T.convert(value, datatype, path)
        except ConfigValueError as e:
            raise MalformedInput("malformed serialized config at %s: %s" % (where, e))
    else:
        value = None
    items.append((path, value, datatype, node.get("comment")))
    for child in node.get("children") or []:
        _walk(child, path, items, where + "." + _name_of(child))


def parse_xml(data, root=""):
    """Items from ``<configuration>`` XML: leaf elements with text are parameters."""
    import xml.etree.ElementTree as ET  # only XML imports need it (a start costs less)
    try:
        tree = _parse_xml_without_dtd(data)
    except ET.ParseError as e:
        raise MalformedInput("malformed XML: %s" % e)
    if tree.tag != "configuration":
        raise MalformedInput("malformed XML: the root element must be <configuration>, not <%s>"
                             % tree.tag)
    items = []

    def walk(elem, base):
        for child in elem:
            if not isinstance(child.tag, string_types):  # comments, processing instructions
                continue
            try:
                T.check_name(child.tag)
            except ConfigValueError as e:
                raise MalformedInput("bad XML element <%s>: %s" % (child.tag, e))
            path = base + "." + child.tag if base else child.tag
            if len(child):
                walk(child, path)
            elif child.text is not None and child.text.strip():
                value, datatype = T.from_text(child.text.strip())
                items.append((path, value, datatype, None))
            else:  # <empty></empty> or <empty/>: a parameter holding empty text
                items.append((path, u"", "string", None))
    walk(tree, root)
    if not items:
        raise MalformedInput("XML holds no parameters (elements without children)")
    return items


def _no_dtd(*_args):
    raise MalformedInput("XML with a DOCTYPE or entity declarations is not accepted "
                         "(entity expansion could exhaust memory)")


def _parse_xml_without_dtd(data):
    """ElementTree parsing that refuses DTDs first: no entity bombs on any expat version."""
    import xml.etree.ElementTree as ET  # only XML imports need it (a start costs less)
    from xml.parsers import expat
    scan = expat.ParserCreate()
    scan.StartDoctypeDeclHandler = _no_dtd
    scan.EntityDeclHandler = _no_dtd
    try:
        scan.Parse(data, True)
    except expat.ExpatError as e:
        raise MalformedInput("malformed XML: %s" % e)
    return ET.fromstring(data)


def missing(path, version):
    return NoSuchParameterException("no such parameter %s (version %s)" % (path or T.ROOT, version))
