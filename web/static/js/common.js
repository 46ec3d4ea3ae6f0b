// What every page script shares: its page data, labels, the API, time in the unit's zone.

export const page = JSON.parse(document.getElementById("page-data").textContent);
export const labels = page.labels;

export function ui(key, vars = {}) {
  let text = (labels.ui && labels.ui[key]) || key;
  // every occurrence: "签收 {s}/{n} · 反馈 {r}/{n}" names {n} twice
  for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

// On a narrow screen the nav scrolls sideways: keep the current page's entry in view.
document.querySelector('.nav [aria-current="page"]')?.scrollIntoView({ block: "nearest", inline: "nearest" });

const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

/** A fresh Idempotency-Key, a version-4 UUID. crypto.randomUUID exists only in a secure context
 * (https, localhost), and duty-room LANs often serve internal systems over plain http; the random
 * bytes it is made of are there in every context. */
export function idempotencyKey() {
  if (window.isSecureContext && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Call the API. `idempotent: true` sends a fresh Idempotency-Key; a string sends that key (kept by a
 * form across a retry after a network failure, so the retry is not a second write). */
export async function api(path, { method = "GET", body, headers = {}, idempotent = false } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin" };
  if (idempotent) init.headers["Idempotency-Key"] = idempotent === true ? idempotencyKey() : String(idempotent);
  if (method !== "GET") init.headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 401 && !page.display) {
    location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
    throw new Error("unauthenticated");
  }
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) {
    const err = new Error((data && data.detail) || res.statusText);
    err.problem = data;
    throw err;
  }
  return data;
}

const fmtCache = new Map();
function formatter(tz) {
  if (!fmtCache.has(tz)) {
    fmtCache.set(tz, new Intl.DateTimeFormat("en-CA", {
      timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    }));
  }
  return fmtCache.get(tz);
}

/** "2026-11-23 08:30" in the unit's zone, 24-hour clock ("…08:30:05" with seconds). */
export function formatTime(iso, tz = page.tz || "Asia/Shanghai", withSeconds = false) {
  const parts = Object.fromEntries(formatter(tz).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  const time = withSeconds ? `${parts.hour}:${parts.minute}:${parts.second}` : `${parts.hour}:${parts.minute}`;
  return `${parts.year}-${parts.month}-${parts.day} ${time}`;
}

/** "08:30" for a time today in the unit's zone, else "2026-11-22 08:30". */
export function shortTime(iso, now = new Date()) {
  const full = formatTime(iso);
  return full.slice(0, 10) === formatTime(now.toISOString()).slice(0, 10) ? full.slice(11) : full;
}

/** A unit's name in the page's language (its English name, when it has one, on English pages). */
/** A unit the page was given, by code: the task page's directory, the command pages' list or parent. */
export function unitByCode(code) {
  return (page.task_units && page.task_units[code]) || (page.units || []).find((u) => u.code === code)
    || (page.parent && page.parent.code === code ? page.parent : null) || null;
}

/** A unit's name in the reader's language, from a unit document or a code (the code when unknown). */
export function unitName(unit) {
  if (!unit) return "";
  if (typeof unit === "string") {
    const known = unitByCode(unit);
    return known ? unitName(known) : (page.unit_names && page.unit_names[unit]) || unit;
  }
  return (page.lang === "en" && unit.name_en) || unit.name || unit.code;
}

let directory = null;
/** The units this user may see, by code (fetched once per page; empty if it cannot be had). */
export function unitDirectory() {
  if (!directory) {
    directory = api("/api/v1/units")
      .then((list) => new Map(list.map((u) => [u.code, u])))
      .catch((e) => { console.warn("unit names unavailable; showing codes", e); return new Map(); });
  }
  return directory;
}

// Sign-ins and token chores stay in the journal; summaries (home, the wall) leave them out.
const QUIET = new Set(["user.signed_in", "user.password_changed", "token.created", "token.revoked", "session.revoked",
  "auth.sign_in_failed", "display.created", "display.exchanged"]);
export function isQuiet(type) {
  return QUIET.has(type);
}

export function eventLabel(type) {
  return (labels.events && labels.events[type]) || type;
}

/** What the event is about, by name: "章贡区应急救援队"; "" when the event names nothing. */
export function subjectName(ev) {
  const d = ev.data || {};
  return (page.lang === "en" && d.name_en) || d.name || d.title || d.username || d.label || d.month || d.date || "";
}

/** The kind of thing the event is about, as people say it: "单位". */
export function subjectKind(ev) {
  return (labels.subjects && labels.subjects[ev.subject.kind]) || ev.subject.kind;
}

/** With its kind, for tables: "单位 · 章贡区应急救援队" (the tail of its id when it has no name). */
export function subjectText(ev) {
  const kind = subjectKind(ev);
  const id = String(ev.subject.id);
  return `${kind} · ${subjectName(ev) || (id.length > 12 ? `…${id.slice(-8)}` : id)}`;
}

export function actorText(ev) {
  return ev.actor ? ev.actor.name || ev.actor.username : ui("journal.system");
}

/** Keeps the connection indicator true: connected, reconnecting, offline since HH:MM. */
export function bindLiveState(el) {
  return (state, since) => {
    if (!el) return;
    el.dataset.state = state;
    if (state === "connected") el.textContent = ui("live.connected");
    else if (state === "offline" && since) el.textContent = ui("live.offline", { since: formatTime(since.toISOString()).slice(11, 16) });
    else if (state === "reconnecting" || state === "offline") el.textContent = ui("live.reconnecting");
    else el.textContent = ui("live.connecting");
  };
}

/** Insert `node` at the top of `list` without moving what the reader is looking at. */
export function prependKeepingView(list, node) {
  const before = document.scrollingElement.scrollTop;
  const anchorTop = list.getBoundingClientRect().top;
  list.prepend(node);
  if (before > 0 && anchorTop < 0) {
    document.scrollingElement.scrollTop = before + node.getBoundingClientRect().height;
  }
  node.classList.add("arrived");
  setTimeout(() => node.classList.remove("arrived"), 2500);
}
