"""Reading untrusted XML safely: bounded size, depth and element count; no DTD, no entities, no network.

Everything here fails closed with a `CapError` before any tree of unbounded size is built:
- the byte size is checked before parsing;
- any document type declaration is refused outright (CAP never needs one, and it is where
  billion-laughs and external-entity attacks live) — by a scan of the raw bytes, and again on the
  parsed tree in case an encoding hid it from the scan;
- the parser resolves no entities, loads no DTD and opens no network or file;
- depth and element count are counted while parsing (iterparse) and parsing stops at the limit.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from typing import Any

from lxml import etree


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 5 << 20  # a CAP message with an inline derefUri image stays well under this
    max_depth: int = 24  # CAP nests 4 deep (alert/info/area/geocode/value); a signature about 8
    max_elements: int = 100_000


DEFAULT_LIMITS = Limits()


class CapError(Exception):
    """A message refused, with the reasons as problem+json `errors` entries.

    Each error is {"pointer": where (an XPath-like path, or "/" for the document), "message": …,
    "element": the CAP element concerned or None, "rule": what it broke}.
    """

    def __init__(self, reason: str, errors: list[dict[str, Any]], *, status: int = 422):
        self.reason = reason
        self.errors = errors
        self.status = status
        super().__init__(errors[0]["message"] if errors else reason)


def refuse(reason: str, message: str, *, pointer: str = "/", element: str | None = None,
           rule: str | None = None, status: int = 422) -> CapError:
    return CapError(reason, [{"pointer": pointer, "message": message, "element": element,
                              "rule": rule or reason}], status=status)


def _scan_text(data: bytes) -> str | None:
    """The document as text for the declaration scan, or None if it is not UTF-16/32 (ASCII-compatible)."""
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(name, errors="replace")
    if len(data) > 1 and (data[0] == 0 or data[1] == 0):  # UTF-16 without a BOM
        return data.decode("utf-16-be" if data[0] == 0 else "utf-16-le", errors="replace")
    return None


def _has_declaration(data: bytes) -> bool:
    text = _scan_text(data)
    if text is not None:
        return "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper()
    upper = data.upper()
    return b"<!DOCTYPE" in upper or b"<!ENTITY" in upper


def parse(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    if len(data) > limits.max_bytes:
        raise refuse("too_large", f"消息过大：{len(data)} 字节，上限 {limits.max_bytes} 字节 "
                     f"(message too large: {len(data)} bytes, limit {limits.max_bytes})", rule="max_bytes")
    if not data.strip():
        raise refuse("not_xml", "消息为空 (empty message)", rule="well_formed")
    if _has_declaration(data):
        raise refuse("doctype", "不接受 DTD 或实体声明 (a DOCTYPE or ENTITY declaration is not accepted)",
                     rule="no_dtd")
    depth = count = 0
    root: etree._Element | None = None
    try:
        for event, element in etree.iterparse(
                io.BytesIO(data), events=("start", "end"), resolve_entities=False, no_network=True,
                load_dtd=False, dtd_validation=False, huge_tree=False, remove_comments=True, remove_pis=False):
            if event == "start":
                depth += 1
                count += 1
                if root is None:
                    root = element
                if depth > limits.max_depth:
                    raise refuse("too_deep", f"嵌套过深：超过 {limits.max_depth} 层 "
                                 f"(nested deeper than {limits.max_depth})", rule="max_depth")
                if count > limits.max_elements:
                    raise refuse("too_many_elements", f"元素过多：超过 {limits.max_elements} 个 "
                                 f"(more than {limits.max_elements} elements)", rule="max_elements")
            else:
                depth -= 1
    except etree.XMLSyntaxError as exc:
        if "depth" in (exc.msg or "").lower():  # libxml2's own nesting limit (256) fired first
            raise refuse("too_deep", f"嵌套过深：超过 {limits.max_depth} 层 "
                         f"(nested deeper than {limits.max_depth})", rule="max_depth") from None
        line = getattr(exc, "lineno", None)
        raise refuse("not_xml", f"不是格式正确的 XML (not well-formed XML): {exc.msg}"
                     + (f" (line {line})" if line else ""), rule="well_formed") from None
    if root is None:
        raise refuse("not_xml", "没有根元素 (no root element)", rule="well_formed")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise refuse("doctype", "不接受 DTD 或实体声明 (a DOCTYPE or ENTITY declaration is not accepted)",
                     rule="no_dtd")
    return root
