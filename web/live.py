"""`/ws`: the live stream (CONTRACT.md), fanned out in memory from this process's feed.

Per connection: a bounded queue of pre-encoded frames and one sender task. The feed's listener
only filters (unit in the event's audience, same exercise flag) and puts; it never awaits a
client. A full queue means the client fell behind: it gets `reset` and close code 4008.

Hand-over without gap or duplicate: the connection is registered with the hub and the hub's head
H read in one step (no await between), so live frames are exactly the events after H; the replay
from the journal covers (since, H]; the sender drops anything at or below the last seq it sent.

Fast path (measured by `make bench`, see docs/performance.md). An event's frame is the same bytes
for every connection, so the hub frames it once as a websocket message (header + payload) and,
for a connection that is caught up (nothing queued, its sender not inside a send, its socket not
paused by flow control), writes those bytes straight to the socket from the listener: no task
switch, no ASGI message, no per-connection framing. A replay goes out the same way, many frames
per write. ASGI does not expose the socket, so `yingji serve` runs uvicorn with
`LiveWebSocketProtocol` (uvicorn's websockets-sansio protocol plus a `yingji.ws.raw` scope
extension); under any other server the extension is absent and every frame takes the queue and
the ASGI send, with the same guarantees.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from core import metrics
from core.auth.credentials import read_credential, resolve
from core.auth.principal import Principal
from core.bus.feed import EventFeed
from core.journal import service as journal
from core.journal.events import CommittedEvent, ws_frame
from core.problems import Problem
from core.runtime import Runtime

log = logging.getLogger("yingji.ws")

CLOSE_RESET = 4008
CLOSE_UNAUTHENTICATED = 4401
CLOSE_REVOKED = 4403  # the session or token behind the connection was ended (CONTRACT.md)
REVOKED = "credential_revoked"
# Events after which connections opened with the credentials they name must close (see _revoked).
REVOKING_EVENTS = frozenset({"session.revoked", "token.revoked"})
REPLAY_PAGE = 2000
REPLAY_CHUNK = 64 * 1024  # bytes per socket write during a replay; we wait for the socket in between
RAW_EXTENSION = "yingji.ws.raw"


def ws_text_frame(text: str) -> bytes:
    """A complete server-to-client websocket text message (FIN, no mask, no compression)."""
    payload = text.encode()
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 1 << 16:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


class RawSocket(Protocol):
    """What `yingji.ws.raw` offers: write whole frames to the socket, and wait until it takes more."""

    def write(self, data: bytes) -> bool:
        """Write now if the socket is open and not paused by flow control; False (nothing written) if not."""

    async def drain(self) -> bool:
        """Wait until the socket takes writes again; False if it closed meanwhile."""


class _UvicornRawSocket:
    __slots__ = ("_p",)

    def __init__(self, protocol: Any) -> None:
        self._p = protocol

    def write(self, data: bytes) -> bool:
        p = self._p
        if (p.close_sent or p.disconnected or not p.handshake_complete or not p.writable.is_set()
                or p.transport.is_closing()):
            return False
        p.transport.write(data)
        return True

    async def drain(self) -> bool:
        p = self._p
        await p.writable.wait()
        return not (p.close_sent or p.disconnected or p.transport.is_closing())


try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover - an older uvicorn: the ASGI path serves alone
    UVICORN_WS = "auto"
else:
    UVICORN_WS = "web.live:LiveWebSocketProtocol"

    class LiveWebSocketProtocol(WebSocketsSansIOProtocol):
        """uvicorn's websockets-sansio protocol, offering the app its socket as `yingji.ws.raw`."""

        # uvicorn internals the fast path reads; if a release renames any, the ASGI path serves alone.
        _NEEDED = ("close_sent", "disconnected", "handshake_complete", "writable", "transport")

        def handle_connect(self, event: Any) -> None:
            super().handle_connect(event)
            scope = getattr(self, "scope", None)
            if scope is not None and all(hasattr(self, a) for a in self._NEEDED) and not self.close_sent:
                # The ASGI task that reads the scope is scheduled, not started: this lands in time.
                scope["extensions"][RAW_EXTENSION] = _UvicornRawSocket(self)


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
    raw: RawSocket | None = None  # set when live, if the server lets us write frames ourselves
    last_sent: int = 0  # the highest seq written to the socket
    busy: bool = False  # the sender task is inside a send: a direct write now could overtake it

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.queue_size)

    def end(self, reason: str) -> None:
        """Stop sending; the endpoint tells the client why and closes (from the feed's listener)."""
        if self.reset_reason is None:
            self.reset_reason = reason
        self.raw = None
        self.wake.set()

    def offer(self, ev: CommittedEvent, wire: bytes) -> None:
        """`wire` is `ev.frame` as a websocket message, framed once for every connection."""
        if self.reset_reason is not None:
            return
        if self.raw is not None and not self.busy and self.queue.empty():
            # Caught up: straight to the socket, in order (nothing queued, nothing in flight).
            if ev.seq <= self.last_sent:
                return
            if self.raw.write(wire):
                self.last_sent = ev.seq
                return
            # Paused by flow control (or closing): queue it; the sender waits for the socket.
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
        # Called (synchronously, must not block) when a console connects or goes: presence reports at once.
        self.on_change: list[Callable[[], None]] = []
        feed.subscribe(self._on_event)

    def register(self, conn: Connection) -> int:
        """Add the connection and return the head it will be live after (atomic: no await here)."""
        self.connections.add(conn)
        self._groups.setdefault((conn.principal.unit_code, conn.exercise), set()).add(conn)
        metrics.WS_CONNECTIONS.set(len(self.connections))
        for fn in self.on_change:
            fn()
        return self.feed.head

    def unregister(self, conn: Connection) -> None:
        self.connections.discard(conn)
        group = self._groups.get((conn.principal.unit_code, conn.exercise))
        if group is not None:
            group.discard(conn)
            if not group:
                del self._groups[(conn.principal.unit_code, conn.exercise)]
        metrics.WS_CONNECTIONS.set(len(self.connections))
        for fn in self.on_change:
            fn()

    def _on_event(self, ev: CommittedEvent) -> None:
        metrics.FEED_HEAD.set(ev.seq)
        if ev.type in REVOKING_EVENTS:
            self._revoke(ev)
        delivered = 0
        wire = b""
        for (unit, exercise), conns in self._groups.items():
            if exercise != ev.exercise or unit not in ev.units:
                continue
            if not wire:
                wire = ws_text_frame(ev.frame)
            for conn in conns:
                conn.offer(ev, wire)
                delivered += 1
        if delivered:
            metrics.WS_FRAMES.inc(delivered)


    def _revoke(self, ev: CommittedEvent) -> None:
        """Close, on this worker, every connection opened with a credential the event ended."""
        data = orjson.loads(ev.doc).get("data", {})
        sessions = set(data.get("sessions", ()))
        token = data.get("token_id")
        user = data.get("user_id") if data.get("everything") else None
        for conn in list(self.connections):
            p = conn.principal
            if ((p.session_id and p.session_id in sessions) or (token and p.token_id == token)
                    or (user and p.user_id == user)):
                conn.end(REVOKED)


async def _principal(runtime: Runtime, ws: WebSocket) -> Principal | None:
    try:
        cred = read_credential(ws.headers, ws.cookies)
    except Problem:
        return None
    if cred is None:
        return None
    # The websocket's own policy: a cookie rides along on cross-site websocket requests, so accept
    # one only from our own origin.
    origin = ws.headers.get("origin")
    if cred.from_cookie and origin and origin.split("://", 1)[-1] != ws.headers.get("host"):
        return None
    async with runtime.db.read() as session:
        return await resolve(session, runtime.signer, cred)


def _parse_since(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    value = int(raw)
    if not 0 <= value <= 2**53 - 1:  # the API's integer maximum (core/api/registry.py INT_MAX)
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
        principal.authorize("read")
    except Problem:
        await ws.send_text('{"type":"error","reason":"insufficient_scope"}')
        await ws.close(1008)
        return
    try:
        since = _parse_since(ws.query_params.get("since"))
    except ValueError:
        await ws.send_text('{"type":"error","reason":"since must be a non-negative integer"}')
        await ws.close(1008)
        return
    exercise = ws.query_params.get("exercise", "") in ("1", "true")
    conn = Connection(principal=principal, exercise=exercise, queue_size=runtime.settings.ws_queue_size)
    raw: RawSocket | None = ws.scope.get("extensions", {}).get(RAW_EXTENSION)
    head = hub.register(conn)
    receiver: asyncio.Task[None] | None = None
    try:
        await ws.send_text(orjson.dumps({"type": "hello", "head": head, "user": principal.as_doc(),
                                         "exercise": exercise}).decode())
        last_sent = head
        if since is not None:
            reason = await _replay_check(runtime, since, head)
            if reason is None:
                await _replay(runtime, ws, conn, since, head, raw)
                last_sent = max(since, head)
            else:
                conn.reset_reason = reason
        receiver = asyncio.create_task(_receive(ws, conn))
        await _send_live(runtime, ws, conn, last_sent, raw)
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        conn.closed = True
    finally:
        hub.unregister(conn)
        if receiver is not None:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receiver
    if conn.reset_reason == REVOKED and not conn.closed:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.send_text(f'{{"type":"error","reason":"{REVOKED}"}}'), 2.0)
            await ws.close(CLOSE_REVOKED)
    elif conn.reset_reason is not None and not conn.closed:
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


async def _replay(runtime: Runtime, ws: WebSocket, conn: Connection, since: int, head: int,
                  raw: RawSocket | None) -> None:
    """Send what the client missed, (since, head], from the journal, one message per event."""
    cursor = since
    while cursor < head and conn.reset_reason is None:
        async with runtime.db.read() as session:
            rows = await journal.read_after(session, since=cursor, upto=head, unit=conn.principal.unit_code,
                                            exercise=conn.exercise, limit=REPLAY_PAGE)
        if raw is not None:
            await _write_frames(raw, [ws_text_frame(ws_frame(doc)) for _seq, doc in rows])
        else:
            for _seq, doc in rows:
                await ws.send_text(ws_frame(doc))
        if len(rows) < REPLAY_PAGE:
            return
        cursor = rows[-1][0]


async def _write_frames(raw: RawSocket, frames: list[bytes]) -> None:
    """Many frames per socket write, at most REPLAY_CHUNK bytes at a time, waiting for the socket between."""
    start, size = 0, 0
    for i, frame in enumerate(frames):
        size += len(frame)
        if size >= REPLAY_CHUNK or i == len(frames) - 1:
            if not (await raw.drain() and raw.write(b"".join(frames[start:i + 1]))):
                raise ConnectionError("websocket closed during replay")
            start, size = i + 1, 0


async def _send_live(runtime: Runtime, ws: WebSocket, conn: Connection, last_sent: int,
                     raw: RawSocket | None) -> None:
    """The task that writes to this socket after the replay: what was queued (in seq order), pongs,
    pings. While it has nothing queued and is not inside a send, the hub writes live frames itself."""
    idle = runtime.settings.ws_idle_ping_s
    conn.last_sent = last_sent
    conn.raw = raw
    while not conn.closed and conn.reset_reason is None:
        if conn.control:
            await _send_busy(ws, conn, conn.control.popleft())
            continue
        try:
            seq, frame = conn.queue.get_nowait()
        except asyncio.QueueEmpty:
            conn.wake.clear()
            try:
                await asyncio.wait_for(conn.wake.wait(), idle)
            except TimeoutError:
                await _send_busy(ws, conn, '{"type":"ping"}')  # lets a browser see a dead link
            continue
        if seq <= conn.last_sent:
            continue
        await _send_busy(ws, conn, frame)
        conn.last_sent = seq


async def _send_busy(ws: WebSocket, conn: Connection, text: str) -> None:
    conn.busy = True
    try:
        await ws.send_text(text)
    finally:
        conn.busy = False


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
