// A rule's source as people read it: the marks [L] [Q] [P] become words with a tooltip (RULES.md).
import { ui } from "./common.js";
import { el } from "./dom.js";

const MARK = /\[([LQP])\]\s*/g;

/** Nodes for a source text: each mark a labelled word, the rest as written. */
export function sourceNodes(text) {
  if (!text) return [];
  const out = [];
  let pos = 0;
  for (const m of text.matchAll(MARK)) {
    if (m.index > pos) out.push(text.slice(pos, m.index));
    out.push(el("abbr", { class: `src-mark src-${m[1]}`, title: ui(`cmd.src_tip.${m[1]}`) }, ui(`cmd.src.${m[1]}`)), " ");
    pos = m.index + m[0].length;
  }
  out.push(text.slice(pos));
  return out;
}
