// The duty rules page is rendered on the server; it stays connected so that a change to the rules
// (here or by the superior unit) is announced in place, with a link to load the new values.
import { Live } from "./live.js";
import { api, bindLiveState } from "./common.js";
import { journalHead } from "./dom.js";

const notice = document.getElementById("rules-changed");
const live = new Live({
  onEvent: (ev) => { if (ev.type === "duty.rules.updated") notice.hidden = false; },
  reload: () => journalHead(api),
  onState: bindLiveState(document.getElementById("live-state")),
});
live.start(await journalHead(api));
window.yingjiLive = live;

