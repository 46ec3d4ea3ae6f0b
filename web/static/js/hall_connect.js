// A wall display opens /hall/connect#KEY once: the key (in the fragment, so no server, log or
// Referer sees it) is traded for an HttpOnly cookie, removed from the address bar, and the hall opens.

const key = decodeURIComponent(location.hash.slice(1));
history.replaceState(null, "", location.pathname);
const state = document.getElementById("connect-state");

const res = key ? await fetch("/hall/connect", {
  method: "POST", credentials: "same-origin",
  headers: { "Content-Type": "application/json" }, body: JSON.stringify({ key }),
}) : null;
if (res && res.status === 204) location.replace("/hall");
else state.textContent = state.dataset.failed;
