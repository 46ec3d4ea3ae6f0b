"""A rule's source as people read it: the marks [L] [Q] [P] (RULES.md) become words with a tooltip."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from command.categories.instruments import MARK_WORDS

MARK = re.compile(r"\[([LQP])\]\s*")

TIPS: dict[str, tuple[str, str]] = {
    "L": ("已核读法律法规原文", "read in the text of the law or regulation"),
    "Q": ("转引自政府或地方规定，未核读原文", "quoted by a government or local-rule page, not read in the original"),
    "P": ("未查到相应规定，为本地默认，可按本地规定修改",
          "no rule found: a local default, to be set to the local rule"),
}


def marked(source: str, lang: str = "zh") -> Markup:
    """The source with each mark as a labelled word (never the raw "[L]")."""
    i = 0 if lang == "zh" else 1
    out: list[str] = []
    pos = 0
    for m in MARK.finditer(source):
        out.append(str(escape(source[pos:m.start()])))
        k = m.group(1)
        out.append(f'<abbr class="src-mark src-{k}" title="{escape(TIPS[k][i])}">{escape(MARK_WORDS[k][i])}</abbr> ')
        pos = m.end()
    out.append(str(escape(source[pos:])))
    return Markup("".join(out))  # every piece is escaped above


def plain(source: str, lang: str = "zh") -> str:
    """The same as text: "法律法规 · …" (for places that take no markup)."""
    i = 0 if lang == "zh" else 1
    return MARK.sub(lambda m: f"{MARK_WORDS[m.group(1)][i]} · ", source)
