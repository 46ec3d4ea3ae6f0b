// The live connection every page uses: connects to /ws with the last seq it has, hands events to
// the page in order, resumes after any drop (backoff with jitter), and on `reset` asks the page to
// reload its state over HTTP before reconnecting with the new head.

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30000;
const CLIENT_PING_MS = 20000;
const DEAD_AFTER_MS = 60000; // the server sends something at least every ~25 s

export class Live {
  /**
   * @param {object} opts
   * @param {(event: object) => void} opts.onEvent     called once per event, in seq order
   * @param {() => Promise<number>} opts.reload         reload state over HTTP; resolves to the new head
   * @param {(state: string, since: Date|null) => void} [opts.onState]
   * @param {boolean} [opts.exercise]                  drill stream instead of live
   */
  constructor(opts) {
    this.opts = opts;
    this.since = null;
    this.ws = null;
    this.attempt = 0;
    this.offlineSince = null;
    this.lastMessageAt = 0;
    this.timer = null;
    this.pinger = null;
    this.stopped = false;
    this.state = "connecting";
  }

  /** Start following the journal after `since` (the head the page's HTTP load ended at). */
  start(since) {
    this.since = since;
    this._connect();
    window.addEventListener("online", () => this._kick());
    document.addEventListener("visibilitychange", () => { if (!document.hidden) this._kick(); });
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    if (this.ws) this.ws.close(1000);
  }

  _url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const q = new URLSearchParams();
    if (this.since !== null && this.since !== undefined) q.set("since", String(this.since));
    if (this.opts.exercise) q.set("exercise", "1");
    return `${proto}//${location.host}/ws?${q}`;
  }

  _setState(state) {
    this.state = state;
    if (state === "connected") this.offlineSince = null;
    else if (state === "offline" && !this.offlineSince) this.offlineSince = new Date();
    if (this.opts.onState) this.opts.onState(state, this.offlineSince);
  }

  _connect() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    let ws;
    try {
      ws = new WebSocket(this._url());
    } catch (e) {
      this._scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onmessage = (msg) => this._onMessage(msg);
    ws.onclose = (ev) => this._onClose(ev);
    ws.onerror = () => { /* onclose follows */ };
  }

  _onMessage(msg) {
    this.lastMessageAt = Date.now();
    let data;
    try { data = JSON.parse(msg.data); } catch { return; }
    switch (data.type) {
      case "hello":
        this.attempt = 0;
        if (this.since === null || this.since === undefined) this.since = data.head;
        this._setState("connected");
        this._startPinger();
        break;
      case "event": {
        const ev = data.event;
        if (this.since !== null && ev.seq <= this.since) return; // never twice
        this.since = ev.seq;
        try { this.opts.onEvent(ev); } catch (e) { console.error("event handler failed", e); }
        break;
      }
      case "reset":
        this.pendingReset = true;
        break;
      default:
        break; // pong, ping
    }
  }

  async _onClose(ev) {
    clearInterval(this.pinger);
    this.ws = null;
    if (this.stopped) return;
    if (ev.code === 4008 || this.pendingReset) {
      this.pendingReset = false;
      this._setState("reconnecting");
      try {
        this.since = await this.opts.reload();
        this._connect();
      } catch (e) {
        this._scheduleReconnect();
      }
      return;
    }
    // 4401: not signed in; 4403: the session or credential was ended (sign-out, password change, revoked).
    if (ev.code === 4401 || ev.code === 4403) { location.href = "/login?next=" + encodeURIComponent(location.pathname); return; }
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    this.attempt += 1;
    this._setState(this.attempt > 2 ? "offline" : "reconnecting");
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(this.attempt, 8));
    const delay = ceiling / 2 + Math.random() * ceiling / 2; // jitter: a fleet must not reconnect at once
    this.timer = setTimeout(() => this._connect(), delay);
  }

  _kick() {
    if (this.stopped || (this.ws && this.ws.readyState <= 1)) return;
    this.attempt = 0;
    this._connect();
  }

  _startPinger() {
    clearInterval(this.pinger);
    this.pinger = setInterval(() => {
      if (!this.ws || this.ws.readyState !== 1) return;
      if (Date.now() - this.lastMessageAt > DEAD_AFTER_MS) { this.ws.close(4000); return; }
      this.ws.send('{"op":"ping"}');
    }, CLIENT_PING_MS);
  }
}
