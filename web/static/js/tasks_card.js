// Pieces of a task card on the task page: chips, the incident link, figures, photos, a feedback
// entry (with accepting its figures), the clock to the deadline that matters, progress, the ladder.
import { api, formatTime, page, shortTime, ui } from "./common.js";
import { colon, dueState, el, paren } from "./dom.js";
import { data, unitName } from "./tasks_util.js";

/** The page lends its state and rules: the incidents it knows, what to refetch, how to act. */
export function cardPieces({ incidents, stale, act, load, mayDispatch, OPEN, progressOf, deadlineOf, rungLive, rungs }) {

  function chip(cls, text, attrs = {}) {
    return el("span", { class: `tag ${cls}`, ...attrs }, text);
  }

  function incidentLink(id) {
    const inc = incidents().get(id);
    const href = `/incidents/${id}${page.exercise ? "?exercise=1" : ""}`;
    return el("a", data({ href, class: "task-incident" }), inc ? `${inc.number} ${inc.title}` : id.slice(-8));
  }

  function figuresText(facts) {
    return Object.entries(facts || {}).map(([k, v]) => {
      const f = page.facts[k];
      return f ? `${f.name} ${v}${f.unit}` : `${k} ${v}`;
    });
  }

  function photo(file) {
    if ((file.content_type || "").startsWith("image/")) {
      return el("a", { href: file.url, target: "_blank", rel: "noopener", class: "thumb", title: file.filename },
        el("img", { src: file.url, alt: ui("task.photo"), loading: "lazy" }));
    }
    return el("a", data({ href: file.url, download: file.filename, class: "file-link" }), file.filename);
  }

  function feedbackEntry(kind, t, f) {
    const figures = figuresText(f.facts);
    const decide = (accept) => act(async () => {
      await api(`/api/v1/tasks/${t.id}/feedback/${f.id}/facts`, { method: "POST", body: { accept } });
      stale.add(t.id);
      await load();
    }, ui(accept ? "task.accepted_ok" : "task.declined_ok"));
    const who = f.unit && f.unit !== t.unit ? `${f.author_name} · ${unitName(f.unit)}` : f.author_name;
    return el("li", { class: `fb fb-${f.kind}`, dataset: { id: f.id, kind: f.kind } },
      el("div", { class: "fb-head" },
        chip(`fb-kind k-${f.kind}`, ui(`task.k.${f.kind}`)),
        el("time", { datetime: f.at }, formatTime(f.at)),
        el("span", data({ class: "fb-who" }), who),
        f.kind === "progress" && f.progress !== null && f.progress !== undefined
          ? el("span", { class: "fb-pct" }, ui("task.progress_pct", { n: f.progress })) : ""),
      f.text ? el("p", data({ class: "fb-text" }), f.text) : "",
      figures.length ? el("div", { class: `fb-figures fs-${f.facts_status}` },
        el("span", { class: "fig-values" }, figures.join(" · ")),
        chip(`fs fs-${f.facts_status}`, ui(`task.fs.${f.facts_status}`)),
        kind === "outbox" && mayDispatch(t) && f.facts_status === "pending" ? el("span", { class: "fig-actions" },
          el("button", { type: "button", class: "secondary", "data-action": "accept", onclick: () => decide(true) }, ui("task.accept")),
          el("button", { type: "button", class: "secondary", "data-action": "decline", onclick: () => decide(false) }, ui("task.decline"))) : "") : "",
      f.lat !== null && f.lat !== undefined ? el("p", { class: "fb-loc small muted" },
        `${colon(ui("task.location"))}${f.lat.toFixed(5)}, ${f.lon.toFixed(5)}`) : "",
      f.attachments && f.attachments.length ? el("div", { class: "fb-photos" }, ...f.attachments.map(photo)) : "");
  }

  function clock(t) {
    const d = deadlineOf(t);
    if (d) {
      return el("div", { class: "task-clock" }, el("span", { class: "clock-label" }, ui(d[0] === "ack" ? "task.ack_due" : "task.due")),
        el("span", { class: "due", dataset: { deadline: d[1] } }, dueState(d[1]).text),
        el("span", { class: "clock-at small muted" }, formatTime(d[1])));
    }
    const note = t.status === "done" && t.verified_at ? ui("task.verified_at", { t: formatTime(t.verified_at) })
      : t.status === "feedback_submitted" && t.completed_at ? ui("task.completed_at", { t: formatTime(t.completed_at) })
        : !OPEN.has(t.status) && t.closed_at ? ui("task.closed_at", { t: formatTime(t.closed_at), status: ui(`task.s.${t.status}`) }) : "";
    return note ? el("div", { class: "task-clock quiet small muted" }, note) : "";
  }

  function progressBar(t) {
    const n = Math.max(0, Math.min(100, progressOf(t)));
    return el("div", { class: "task-progress", title: `${ui("task.progress")} ${n}%` },
      el("span", { class: "bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": n,
        "aria-label": ui("task.progress") }, el("span", { class: "fill", style: `width:${n}%` })),
      el("span", { class: "pct" }, ui("task.progress_pct", { n })));
  }

  /** The ladder's rungs, compact and loud while they still hold: "已报 章贡区 带班领导 张三（139…）· 14:05". */
  const [parenOpen, parenClose] = paren("\u0000").split("\u0000");
  function escalationBox(t, open) {
    const list = rungs(t);
    if (!list.length || (!OPEN.has(t.status) && !open)) return "";
    return el("ul", { class: "escalations", "aria-label": ui("task.escalated") }, ...list.map((r) => {
      const postKey = `task.post.${r.to_post}`;
      const post = ui(postKey) === postKey ? r.to_post : ui(postKey);
      return el("li", { class: `rung r-${r.step}${rungLive(t, r) ? " live" : ""}`, dataset: { step: r.step } },
        el("span", { class: "rung-verb" }, ui(`task.esc.${r.step}`)), " ",
        el("span", data({ class: "rung-unit" }), unitName(r.to_unit)), " ",
        el("span", { class: "rung-post" }, post), r.to_name ? " " : "",
        r.to_name ? el("span", data({ class: "rung-name" }), r.to_name) : el("span", { class: "rung-none" }, ui("task.esc_unstaffed")),
        r.to_phone ? el("span", { class: "rung-tel" }, parenOpen, el("a", data({ class: "rung-phone", href: `tel:${r.to_phone}` }), r.to_phone), parenClose) : "",
        el("time", { class: "rung-at", datetime: r.at }, ` · ${shortTime(r.at)}`));
    }));
  }

  return { chip, incidentLink, figuresText, photo, feedbackEntry, clock, progressBar, escalationBox };
}
