"""XML in and out of the gateway: requests parsed with defusedxml, responses written with exact escaping.

Parsing refuses DTDs, entity declarations and external references (defusedxml): a request that carries them is
an XML error, as is one that is not well formed (an XML 1.0 document cannot carry control characters other than
tab, line feed and carriage return, even as character references).

Writing escapes ``&``, ``<`` and ``>`` in text and ``&``, ``<``, ``"`` and white space in attributes, and
writes a carriage return as ``&#13;``, so that a value read back by any conforming parser is exactly the value
stored (an XML parser turns a raw CR or CRLF into LF). Non-ASCII text goes out as UTF-8.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException


class XMLInputError(ValueError):
    """The request body is not a well-formed, safe XML document."""


def parse(body: bytes) -> ET.Element:
    try:
        return SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise XMLInputError(f"forbidden XML construct ({type(error).__name__})") from None
    except ET.ParseError as error:
        raise XMLInputError(f"Fatal Error: {error}") from None


@dataclass
class Node:
    """An element to write: a tag, attributes, and either text or children."""

    tag: str
    text: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    kids: list["Node"] = field(default_factory=list)

    def add(self, tag: str, text: str | None = None, **attrs: str) -> "Node":
        node = Node(tag, text, dict(attrs))
        self.kids.append(node)
        return node

    def extend(self, nodes: Iterable["Node"]) -> "Node":
        self.kids.extend(nodes)
        return self


def escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def escape_attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;"))


def _write(node: Node, out: list[str]) -> None:
    attrs = "".join(f' {name}="{escape_attr(value)}"' for name, value in node.attrs.items())
    if not node.kids and not node.text:
        out.append(f"<{node.tag}{attrs}/>" if node.text is None else f"<{node.tag}{attrs}></{node.tag}>")
        return
    out.append(f"<{node.tag}{attrs}>")
    if node.text:
        out.append(escape_text(node.text))
    for kid in node.kids:
        _write(kid, out)
    out.append(f"</{node.tag}>")


def serialize(root: Node) -> bytes:
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write(root, out)
    return "".join(out).encode("utf-8")
