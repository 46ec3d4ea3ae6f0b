"""`/ws`: the live stream (CONTRACT.md), fanned out in memory from this process's feed.

Per connection: a bounded queue of pre-encoded frames and one sender task. The feed's listener
only filters (unit in the event's audience, same exercise flag) and puts; it never awaits a
client. A full queue means the client fell behind: it gets `reset` and close code 4008.

Hand-over without gap or duplicate: the connection is registered with the hub and the hub's head
H read in one step (no await between), so live frames are exactly the events after H; the replay
from the journal covers (since, H]; the sender drops anything at or below the last seq it sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from dataclasses import dataclass, field

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from core import metrics
from core.auth import service as auth
from core.auth.principal import Principal
from core.auth.sessions import COOKIE
from core.bus.feed import EventFeed
from core.journal import service as journal
from core.journal.events import CommittedEvent, ws_frame
from core.runtime import Runtime

log = logging.getLogger("yingji.ws")

CLOSE_RESET = 4008
CLOSE_UNAUTHENTICATED = 4401
REPLAY_PAGE = 2000


@dataclass(eq=False)
class Connection:
    principal: Principal
    exercise: bool
    queue_size: int
    queue: asyncio.Queue[tuple[int, str]] = field(init=False)
    reset_reason: str | None = None
    closed: bool = False
    control: deque[str] = field(default_factory=deque)  # pongs: sent by the sender task, in turn
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.queue_size)

    def offer(self, ev: CommittedEvent) -> None:
        if self.reset_reason is not None:
            return
        try:
            self.queue.put_nowait((ev.seq, ev.frame))
        except asyncio.QueueFull:
            self.reset_reason = "too_far_behind"
        self.wake.set()


class LiveHub:
    """Every websocket of this process; subscribed once to the feed."""

    def __init__(self, feed: EventFeed) -> None:
        self.feed = feed
        self.connections: set[Connection] = set()
        # Grouped by (unit, exercise): an event is checked once per group, not once per connection.
        self._groups: dict[tuple[str, bool], set[Connection]] = {}
        feed.subscribe(self._on_event)

    def register(self, conn: Connection) -> int:
        """Add the connection and return the head it will be live after (atomic: no await here)."""
        self.connections.add(conn)
        self._groups.setdefault((conn.principal.unit_code, conn.exercise), set()).add(conn)
        metrics.WS_CONNECTIONS.set(len(self.connections))
        return self.feed.head

    def unregister(self, conn: Connection) -> None:
        self.connections.discard(conn)
        group = self._groups.get((conn.principal.unit_code, conn.exercise))
        if group is not None:
            group.discard(conn)
            if not group:
                del self._groups[(conn.principal.unit_code, conn.exercise)]
        metrics.WS_CONNECTIONS.set(len(self.connections))

    def _on_event(self, ev: CommittedEvent) -> None:
        metrics.FEED_HEAD.set(ev.seq)
        delivered = 0
        for (unit, exercise), conns in self._groups.items():
            if exercise != ev.exercise or unit not in ev.units:
                continue
            for conn in conns:
                conn.offer(ev)
                delivered += 1
        if delivered:
            metrics.WS_FRAMES.inc(delivered)


async def _principal(runtime: Runtime, ws: WebSocket) -> Principal | None:
    token = None
    authz = ws.headers.get("authorization", "")
    if authz.lower().startswith("bearer "):
        token = authz[7:].strip()
    elif "token" in ws.query_params:  # wall displays: /hall?token=T opens /ws?token=T
        token = ws.query_params["token"]
    async with runtime.db.read() as session:
        if token:
            return await auth.principal_from_token(session, token)
        data = runtime.signer.load(ws.cookies.get(COOKIE))
        if data is None:
            return None
        # A cookie rides along on cross-site websocket requests: accept it only from our own origin.
        origin = ws.headers.get("origin")
        if origin and origin.split("://", 1)[-1] != ws.headers.get("host"):
            return None
        return await auth.principal_from_session(session, data)


def _parse_since(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    value = int(raw)
    if value < 0:
        raise ValueError(raw)
    return value


async def websocket_endpoint(ws: WebSocket) -> None:
    runtime: Runtime = ws.app.state.runtime
    hub: LiveHub = ws.app.state.hub
    await ws.accept()
    principal = await _principal(runtime, ws)
    if principal is None:
        await ws.send_text('{"type":"error","reason":"unauthenticated"}')
        await ws.close(CLOSE_UNAUTHENTICATED)
        return
    try:
        since = _parse_since(ws.query_params.get("since"))
    except ValueError:
        await ws.send_text('{"type":"error","reason":"since must be a non-negative integer"}')
        await ws.close(1008)
        return
    exercise = ws.query_params.get("exercise", "") in ("1", "true")
    conn = Connection(principal=principal, exercise=exercise, queue_size=runtime.settings.ws_queue_size)
    head = hub.register(conn)
    receiver: asyncio.Task[None] | None = None
    try:
        await ws.send_text(orjson.dumps({"type": "hello", "head": head, "user": principal.as_doc(),
                                         "exercise": exercise}).decode())
        last_sent = head
        if since is not None:
            reason = await _replay_check(runtime, since, head)
            if reason is None:
                await _replay(runtime, ws, conn, since, head)
                last_sent = max(since, head)
            else:
                conn.reset_reason = reason
        receiver = asyncio.create_task(_receive(ws, conn))
        await _send_live(runtime, ws, conn, last_sent)
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        conn.closed = True
    finally:
        hub.unregister(conn)
        if receiver is not None:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receiver
    if conn.reset_reason is not None and not conn.closed:
        metrics.WS_RESETS.labels(conn.reset_reason).inc()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.send_text(orjson.dumps({"type": "reset", "reason": conn.reset_reason})
                                                .decode()), 2.0)
            await ws.close(CLOSE_RESET)


async def _replay_check(runtime: Runtime, since: int, head: int) -> str | None:
    if since > head:
        async with runtime.db.read() as session:
            db_head = await journal.head(session)
        if since > db_head:
            return "since_ahead_of_journal"  # a client of another database, or a restored backup
        return None  # this process is a moment behind a peer; live frames bring it, the sender dedups
    if head - since > runtime.settings.ws_replay_max:
        return "too_far_behind"
    return None


async def _replay(runtime: Runtime, ws: WebSocket, conn: Connection, since: int, head: int) -> None:
    """Send what the client missed, (since, head], from the journal, one message per event."""
    cursor = since
    while cursor < head and conn.reset_reason is None:
        async with runtime.db.read() as session:
            rows = await journal.read_after(session, since=cursor, upto=head, unit=conn.principal.unit_code,
                                            exercise=conn.exercise, limit=REPLAY_PAGE)
        for _seq, doc in rows:
            await ws.send_text(ws_frame(doc))
        if len(rows) < REPLAY_PAGE:
            return
        cursor = rows[-1][0]


async def _send_live(runtime: Runtime, ws: WebSocket, conn: Connection, last_sent: int) -> None:
    """The one task that writes to this socket after the replay: frames in seq order, pongs, pings."""
    idle = runtime.settings.ws_idle_ping_s
    while not conn.closed and conn.reset_reason is None:
        while conn.control:
            await ws.send_text(conn.control.popleft())
        try:
            seq, frame = conn.queue.get_nowait()
        except asyncio.QueueEmpty:
            conn.wake.clear()
            try:
                await asyncio.wait_for(conn.wake.wait(), idle)
            except TimeoutError:
                await ws.send_text('{"type":"ping"}')  # lets a browser see a dead link; it cannot see pings
            continue
        if seq <= last_sent:
            continue
        await ws.send_text(frame)
        last_sent = seq


async def _receive(ws: WebSocket, conn: Connection) -> None:
    """Client messages (pings). A disconnect stops the sender too."""
    try:
        while True:
            raw = await ws.receive_text()
            try:
                msg = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            if isinstance(msg, dict) and msg.get("op") == "ping":
                conn.control.append('{"type":"pong"}')
                conn.wake.set()
    except (WebSocketDisconnect, RuntimeError, KeyError):
        conn.closed = True
        conn.wake.set()
