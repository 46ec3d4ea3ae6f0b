// What must reach a duty officer who is looking elsewhere: a new roll-call, a task for my unit, a red
// warning. When the page is not in front: a system notification (permission asked once, by a button,
// never by surprise) and a short tone. Also: on a phone, non-urgent cards start folded.
import { page, ui } from "./common.js";
import { el } from "./dom.js";

const ASKED = "yingji.notify.asked";

/** The alert an event deserves for my unit, or null. */
export function alertFor(ev, unit = page.unit && page.unit.code) {
  const d = ev.data || {};
  if (ev.type === "duty.rollcall.started" && (d.targets || []).includes(unit)) {
    return { tag: `rc-${ev.subject.id}`, title: ui("duty.alert_rollcall"), body: d.message || ui("duty.alert_rollcall_body") };
  }
  if (ev.type === "task.dispatched" && d.task && d.task.unit === unit) {
    return { tag: `task-${ev.subject.id}`, title: ui("duty.alert_task"), body: d.task.title };
  }
  const w = d.warning;
  if ((ev.type === "warning.issued" || (ev.type === "warning.updated" && d.raised)) && w && w.colour === "red"
    && (d.addressed || []).includes(unit)) {
    return { tag: `warn-${ev.subject.id}`, title: ui("duty.alert_warning"), body: w.headline || "" };
  }
  return null;
}

let audio = null;
function tone() {
  try {
    audio = audio || new AudioContext();
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.2, audio.currentTime);
    g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.6);
  } catch { /* no audio device: the notification still shows */ }
}

/** Notify (when the page is not in front) for an event that deserves it; returns what was shown. */
export function notify(ev, doc = document) {
  const a = alertFor(ev);
  if (!a || doc.visibilityState === "visible") return null;
  if ("Notification" in window && Notification.permission === "granted") {
    new Notification(a.title, { body: a.body, tag: a.tag, requireInteraction: true });
  }
  tone();
  window.yingjiAlerts = [...(window.yingjiAlerts || []), a];  // what a test (or a curious officer) can read
  return a;
}

/** A button that asks for notification permission once; gone once answered. */
export function permissionButton() {
  if (!("Notification" in window) || Notification.permission !== "default" || localStorage.getItem(ASKED)) return "";
  const b = el("button", { type: "button", class: "secondary", id: "notify-ask", onclick: async () => {
    localStorage.setItem(ASKED, "1");
    try { await Notification.requestPermission(); } finally { b.remove(); }
  } }, ui("duty.alert_enable"));
  return b;
}

/** On a phone, fold these cards to their heading; a tap on the heading opens one. */
export function foldOnPhone(cards, query = "(max-width: 720px)") {
  if (!window.matchMedia(query).matches) return;
  for (const card of cards) {
    if (!card) continue;
    const head = card.querySelector("h2");
    card.classList.add("foldable", "folded");
    head.setAttribute("role", "button");
    head.setAttribute("tabindex", "0");
    head.setAttribute("aria-expanded", "false");
    const flip = () => {
      const folded = card.classList.toggle("folded");
      head.setAttribute("aria-expanded", String(!folded));
    };
    head.addEventListener("click", flip);
    head.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); flip(); } });
  }
}
