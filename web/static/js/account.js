// 账号与安全: end sessions, and (administrators) make and revoke hall display credentials.
import { api, formatTime, ui } from "./common.js";

for (const cell of document.querySelectorAll("[data-time]")) cell.textContent = formatTime(cell.dataset.time);

async function act(path, body) {
  try {
    return await api(path, { method: "POST", body });
  } catch (e) {
    alert(e.message);
    throw e;
  }
}

for (const button of document.querySelectorAll(".end-one")) {
  button.addEventListener("click", async () => {
    await act(`/api/v1/sessions/${button.dataset.id}/revoke`);
    button.closest("tr").remove();
  });
}

document.getElementById("end-all").addEventListener("click", async (ev) => {
  if (!confirm(ui("account.end_all_confirm"))) return;
  await act(`/api/v1/users/${ev.currentTarget.dataset.user}/sessions/revoke`);
  location.href = "/login";
});

for (const button of document.querySelectorAll(".revoke-display")) {
  button.addEventListener("click", async () => {
    await act(`/api/v1/displays/${button.dataset.id}/revoke`);
    location.reload();
  });
}

const form = document.getElementById("display-form");
form?.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const data = Object.fromEntries(new FormData(form));
  const made = await act("/api/v1/displays", data);
  const out = document.getElementById("display-key");
  // Shown once: the wall opens this address; the key travels in the fragment, never to a server log.
  out.textContent = `${ui("account.display_url")} ${location.origin}/hall/connect#${made.key}`;
  out.hidden = false;
});
