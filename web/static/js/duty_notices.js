// Notices: send down the hierarchy, follow sign-for live; the inbox of notices addressed to me.
import { Live } from "./live.js";
import { api, bindLiveState, formatTime, page, shortTime, ui, unitName as nameOf } from "./common.js";
import { attachmentList, bracket, colon, debounce, el, journalHead, tickDeadlines, toast, uploadFile } from "./dom.js";

const outbox = document.getElementById("outbox");
const inbox = document.getElementById("inbox");
const unitName = Object.fromEntries([page.parent, ...page.subunits].filter(Boolean).map((u) => [u.code, nameOf(u)]));

if (page.can_send && page.subunits.length) {
  document.getElementById("send-card").hidden = false;
  const sel = document.getElementById("urgency");
  for (const [k, v] of Object.entries(page.urgency)) sel.append(el("option", { value: k }, v));
  const picks = document.getElementById("unit-picks");
  for (const u of page.subunits) picks.append(el("label", { class: "check" }, el("input", { type: "checkbox", name: "units", value: u.code, checked: true }), ` ${nameOf(u)}`));
  const form = document.getElementById("notice-form");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const d = new FormData(form);
    const units = d.getAll("units");
    try {
      const files = [...document.getElementById("notice-files").files];
      const attachments = [];
      for (const f of files) attachments.push((await uploadFile(f)).id);
      await api("/api/v1/notices", { method: "POST", idempotent: true, body: {
        title: d.get("title"), body: d.get("body"), urgency: d.get("urgency"), units, attachments,
        reply_required: d.get("reply_required") === "on", signfor_minutes: Number(d.get("signfor_minutes")) } });
      form.reset();
      toast(ui("duty.done"));
      await loadOut();
    } catch (e) {
      toast(ui("duty.error", { msg: e.message }), true);
    }
  });
}

function statusText(r) {
  if (r.status === "replied") return `${colon(ui("duty.reply"))}${r.reply}`;
  if (r.status === "signed") return `${ui("duty.signed")} ${shortTime(r.signed_at)}`;
  return ui("duty.unsigned");
}

async function loadOut() {
  const rows = await api("/api/v1/notices?box=outbox");
  outbox.replaceChildren(...rows.map((n) => {
    const signed = n.recipients.filter((r) => r.status !== "pending").length;
    return el("li", { dataset: { id: n.id } },
      el("strong", {}, `${bracket(page.urgency[n.urgency])}${n.title}`), el("span", { class: "small muted" }, ` ${formatTime(n.created_at)}`),
      el("div", { class: "small signfor-count" }, ui("duty.signed_count", { n: signed, total: n.recipients.length })),
      el("ul", { class: "recipients" }, ...n.recipients.map((r) => el("li", { class: `r-${r.status}`, dataset: { unit: r.unit, state: r.status } },
        `${colon(unitName[r.unit] || r.unit)}${statusText(r)}`,
        r.status === "pending" ? el("span", { class: "small due", dataset: { deadline: n.signfor_deadline } }) : ""))));
  }));
  document.getElementById("outbox-empty").hidden = rows.length > 0;
  // A duty room with nobody below it sends nothing: the received notices are all it needs.
  const outboxCard = document.getElementById("outbox-card");
  outboxCard.hidden = !rows.length && !(page.can_send && page.subunits.length);
  document.getElementById("notices-grid").hidden = outboxCard.hidden && document.getElementById("send-card").hidden;
}

async function loadIn() {
  const rows = await api("/api/v1/notices");
  inbox.replaceChildren(...rows.map((n) => {
    const pending = n.mine.status === "pending";
    return el("li", { dataset: { id: n.id, state: n.mine.status } },
      el("strong", {}, `${bracket(page.urgency[n.urgency])}${n.title}`),
      el("div", { class: "small muted" }, `${unitName[n.from_unit] || n.created_by_name} · ${formatTime(n.created_at)}`),
      el("p", {}, n.body), attachmentList(n.attachments),
      pending ? el("div", { class: "sign-row" }, el("button", { class: "primary", "data-action": "sign", onclick: async () => {
        try {
          await api(`/api/v1/notices/${n.id}/sign`, { method: "POST" });
          await loadIn();
        } catch (e) {
          toast(ui("duty.error", { msg: e.message }), true);
        }
      } }, ui("duty.sign")), el("span", { class: "due", dataset: { deadline: n.signfor_deadline } }))
        : el("span", { class: "muted" }, statusText(n.mine)),
      n.reply_required && n.mine.status !== "replied" ? el("p", { class: "small" }, el("a", { href: "/duty" }, ui("duty.reply_on_console"))) : "");
  }));
  document.getElementById("inbox-empty").hidden = rows.length > 0;
}

const reload = debounce(() => Promise.all([loadOut(), loadIn()]).catch(() => {}));
tickDeadlines(document);
async function loadAll() {
  const h = await journalHead(api);
  await Promise.all([loadOut(), loadIn()]);
  return h;
}
const live = new Live({ onEvent: (ev) => { if (ev.type.startsWith("duty.notice")) reload(); }, reload: loadAll,
  onState: bindLiveState(document.getElementById("live-state")) });
live.start(await loadAll());
