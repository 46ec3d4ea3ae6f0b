// 统计 on the task page: per unit, for today, 7 or 30 days in the unit's zone; what changed flashes.
import { api, formatTime, page, ui } from "./common.js";
import { el } from "./dom.js";
import { data, unitName } from "./tasks_util.js";
import { fromZoned, zoned } from "./time.js";

const STAT_KEYS = ["dispatched", "acknowledged", "done", "returns", "open", "overdue", "ack_late",
  "minutes_to_acknowledge", "minutes_to_complete"];

/** Mounts the 统计 tab (if the page has it); `visible()` says whether it is the tab shown. */
export function mountStats(visible) {

  const statsTable = document.getElementById("stats");
  let period = "today";
  let statsShown = false;   // loaded at least once
  let statsDirty = false;   // a task changed while the tab was hidden
  let statsGeneration = 0;
  const lastStats = new Map();  // `${unit}:${key}` -> value, to mark what changed

  function periodStart(p) {
    const today = zoned(new Date());
    const back = p === "7d" ? 6 : p === "30d" ? 29 : 0;
    const day = new Date(Date.UTC(today.y, today.m - 1, today.d - back));
    return fromZoned(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate());
  }

  function duration(min) {
    if (min === null || min === undefined) return "—";
    if (min < 1) return ui("task.dur_lt1");
    if (min < 60) return ui("task.dur_min", { m: min < 10 ? Number(min.toFixed(1)) : Math.round(min) });
    const whole = Math.round(min);
    return ui("task.dur_hm", { h: Math.floor(whole / 60), m: whole % 60 });
  }

  function statCell(unit, k, value, tag = "td") {
    const id = `${unit}:${k}`;
    const changed = statsShown && lastStats.has(id) && lastStats.get(id) !== value;
    lastStats.set(id, value);
    const minutes = k.startsWith("minutes_");
    const cls = ["num", `c-${k}`, (k === "overdue" && value > 0) ? "bad" : "", (k === "ack_late" && value > 0) ? "warn" : "",
      changed ? "changed" : ""].filter(Boolean).join(" ");
    return el(tag, { class: cls, dataset: { k, label: ui(`task.st.${k}`) } }, minutes ? duration(value) : String(value ?? 0));
  }

  /** The mean time to sign for over all units: each unit's mean weighs by the tasks signed for. */
  function meanAck(rows) {
    const timed = rows.filter((r) => r.minutes_to_acknowledge !== null && r.minutes_to_acknowledge !== undefined && r.acknowledged);
    const n = timed.reduce((a, r) => a + r.acknowledged, 0);
    return n ? Math.round(timed.reduce((a, r) => a + r.minutes_to_acknowledge * r.acknowledged, 0) / n * 10) / 10 : null;
  }

  async function loadStats() {
    if (!statsTable) return;
    const mine = ++statsGeneration;
    statsDirty = false;
    const from = periodStart(period);
    const query = new URLSearchParams({ from: from.toISOString() });
    if (page.exercise) query.set("exercise", "true");
    const range = document.getElementById("stats-range");
    let rows;
    try {
      rows = await api(`/api/v1/tasks/stats?${query}`);
    } catch (e) {
      if (mine === statsGeneration) range.textContent = ui("task.stats_failed", { msg: e.message });
      return;
    }
    if (mine !== statsGeneration) return;
    range.textContent = `${ui("task.stats_range", { from: formatTime(from.toISOString()) })} · ${ui("task.stats_updated", { t: formatTime(new Date().toISOString(), undefined, true).slice(11) })}`;
    statsTable.dataset.period = period;
    statsTable.querySelector("tbody").replaceChildren(...rows.map((r) => el("tr", { dataset: { unit: r.unit } },
      el("th", data({ scope: "row", class: "c-unit" }), unitName(r.unit)),
      ...STAT_KEYS.map((k) => statCell(r.unit, k, r[k])))));
    const counts = STAT_KEYS.filter((k) => !k.startsWith("minutes_"));
    statsTable.querySelector("tfoot").replaceChildren(...(rows.length > 1 ? [el("tr", { dataset: { unit: "total" } },
      el("th", { scope: "row", class: "c-unit" }, ui("task.st.total")),
      ...STAT_KEYS.map((k) => (counts.includes(k)
        ? statCell("total", k, rows.reduce((n, r) => n + (r[k] || 0), 0))
        : k === "minutes_to_acknowledge" ? statCell("total", k, meanAck(rows))
          : el("td", { class: `num c-${k} none`, dataset: { k } }, ""))))] : []));
    statsTable.hidden = rows.length === 0;
    document.getElementById("stats-empty").hidden = rows.length > 0;
    statsShown = true;
  }

  for (const b of document.querySelectorAll(".period-btn")) {
    b.addEventListener("click", () => {
      period = b.dataset.period;
      for (const x of document.querySelectorAll(".period-btn")) x.setAttribute("aria-checked", x === b ? "true" : "false");
      lastStats.clear();
      statsShown = false;
      loadStats();
    });
  }


  // Time passes: tasks fall overdue or late to sign for without an event.
  setInterval(() => { if (visible()) loadStats(); }, 60000);
  return {
    present: Boolean(statsTable),
    load: loadStats,
    /** A task changed: reload now if shown, else when next shown. */
    changed(reloadSoon) { if (visible()) reloadSoon(); else statsDirty = true; },
    needsLoad: () => statsDirty || !statsShown,
  };
}
