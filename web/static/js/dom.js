// Small DOM helpers for page scripts: build elements, count down to deadlines, debounce reloads.
import { ui } from "./common.js";

/** el("li", {class: "x", dataset: {id: 1}, onclick}, "text", child) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    // Through the CSSOM: the CSP refuses inline style attributes, not styles set by a script.
    else if (k === "style") node.style.cssText = String(v);
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, "");
    else node.setAttribute(k, String(v));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function span(ms) {
  const s = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const mm = String(m).padStart(2, "0"), ss = String(sec).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Time left (or overdue) to `deadline`, as text and an urgency class: overdue, soon (< 15 min), ok. */
export function dueState(deadline, now = Date.now()) {
  const ms = new Date(deadline).getTime() - now;
  if (ms < 0) return { text: ui("duty.overdue_by", { t: span(ms) }), cls: "overdue", ms };
  return { text: ui("duty.left", { t: span(ms) }), cls: ms < 15 * 60 * 1000 ? "soon" : "ok", ms };
}

/** Every second, refresh each [data-deadline] element under `root`: its text and urgency class;
 * and at once when new ones are rendered, so a countdown never shows blank for its first second. */
export function tickDeadlines(root = document) {
  const tick = () => {
    for (const node of root.querySelectorAll("[data-deadline]")) {
      const st = dueState(node.dataset.deadline);
      if (node.textContent !== st.text) node.textContent = st.text;  // unchanged: no mutation, no loop
      if (!node.classList.contains(st.cls)) {
        node.classList.remove("overdue", "soon", "ok");
        node.classList.add(st.cls);
      }
      const card = node.closest("[data-urgency]");
      if (card && card.dataset.urgency !== st.cls) card.dataset.urgency = st.cls;
    }
  };
  tick();
  new MutationObserver(tick).observe(root === document ? document.body : root, { childList: true, subtree: true });
  return setInterval(tick, 1000);
}

/** Coalesce bursts of events into one reload per `ms`. */
export function debounce(fn, ms = 250) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

export function toast(text, isError = false) {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = text;
  box.classList.toggle("error", isError);
  box.hidden = false;
  clearTimeout(box._t);
  box._t = setTimeout(() => { box.hidden = true; }, isError ? 6000 : 2500);
}

// Punctuation in the page's language: "事件等级：" but "Grade: ", "（人）" but " (people)".
export const colon = (label) => `${label}${ui("duty.colon")}`;
export const paren = (x) => ui("duty.paren", { x });
export const bracket = (x) => ui("duty.bracket", { x });
export const listJoin = (items) => items.join(ui("duty.list_sep"));
export const commaJoin = (items) => items.join(ui("duty.comma"));
/** A person as the duty room must tell them apart: the name and the account (two people may share a name). */
export const person = (p) => (p ? [p.name, " ", el("span", { class: "account" }, p.username || "")] : ["—"]);

/** The journal head now: where a page that just loaded its state over HTTP starts following. */
export async function journalHead(api) {
  return (await api("/api/v1/events?latest=true&limit=1")).head;
}

/** Upload one file (multipart); resolves to the attachment document, whose id attaches it. */
export async function uploadFile(file) {
  const data = new FormData();
  data.append("file", file, file.name);
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const res = await fetch("/api/v1/attachments", { method: "POST", body: data, credentials: "same-origin",
    headers: { "X-CSRF-Token": csrf, Accept: "application/json" } });
  const doc = await res.json();
  if (!res.ok) {
    const err = new Error(`${file.name}: ${doc.detail || res.statusText}`);
    err.problem = doc;
    throw err;
  }
  return doc;
}

/** Links to a thing's attachments ("" when it has none). */
export function attachmentList(files) {
  if (!files || !files.length) return "";
  const kib = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);
  return el("ul", { class: "files" }, ...files.map((f) => el("li", {},
    el("a", { href: f.url, download: f.filename }, f.filename), el("span", { class: "small muted" }, ` ${kib(f.size)}`))));
}
