"""Redis pub/sub as the bus: one subscription per process, fanned out in memory by the feed.

Pub/sub drops messages while a connection is down and says nothing about it. So this bus reports
every connection loss to the feed (which then tails the journal) and re-subscribes with backoff;
when the subscription is back the feed fills whatever was published meanwhile from the journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from core.bus.base import DocHandler, StateHandler

log = logging.getLogger("yingji.bus")


class RedisBus:
    name = "redis"

    def __init__(self, url: str, channel: str) -> None:
        self.url = url
        self.channel = channel
        self._pub = aioredis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1.0)
        self._healthy = False
        self._publish_suspended_until = 0.0
        self._task: asyncio.Task[None] | None = None
        self._publisher: asyncio.Task[None] | None = None
        self._outbox: asyncio.Queue[str] = asyncio.Queue(10_000)
        self.dropped = 0
        self._on_doc: DocHandler | None = None
        self._on_state: StateHandler | None = None
        self._stopping = False

    @property
    def healthy(self) -> bool:
        return self._healthy

    async def start(self, on_doc: DocHandler, on_state: StateHandler) -> None:
        self._on_doc, self._on_state = on_doc, on_state
        self._task = asyncio.create_task(self._listen_forever(), name="redis-bus-listen")
        self._publisher = asyncio.create_task(self._publish_forever(), name="redis-bus-publish")

    async def publish(self, docs: list[str]) -> None:
        """Queue for the publisher task: a commit never waits on Redis. A full queue (Redis stalled
        for long) drops; peers find those events in the journal."""
        for doc in docs:
            try:
                self._outbox.put_nowait(doc)
            except asyncio.QueueFull:
                self.dropped += 1

    async def _publish_forever(self) -> None:
        while True:
            batch = [await self._outbox.get()]
            while not self._outbox.empty() and len(batch) < 500:
                batch.append(self._outbox.get_nowait())
            if time.monotonic() < self._publish_suspended_until:
                self.dropped += len(batch)
                continue
            for retry in (True, False):
                try:
                    async with self._pub.pipeline(transaction=False) as pipe:
                        for doc in batch:
                            pipe.publish(self.channel, doc)
                        await pipe.execute()
                    break
                except (RedisError, OSError) as exc:
                    if retry:
                        # A pooled connection that died since the last batch (killed, timed out): once
                        # more on a fresh one, or the peers would wait for their journal check (a
                        # second or two) for every event of the next second. A repeat is harmless.
                        continue
                    # Redis itself is gone: others will find these in the journal; stop for a second.
                    self._publish_suspended_until = time.monotonic() + 1.0
                    self.dropped += len(batch)
                    log.warning("publish to redis failed (%s); peers will tail the journal", exc)

    async def ping(self) -> bool:
        try:
            return bool(await self._pub.ping())
        except (RedisError, OSError):
            return False

    async def stop(self) -> None:
        self._stopping = True
        for task in (self._task, self._publisher):
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        with contextlib.suppress(Exception):
            await self._pub.aclose()

    async def _set_state(self, healthy: bool) -> None:
        if healthy != self._healthy:
            self._healthy = healthy
            if self._on_state:
                await self._on_state(healthy)

    async def _listen_forever(self) -> None:
        delay = 0.05
        while not self._stopping:
            # The health check pings an idle subscription every 2 s; the socket timeout turns a link
            # that stalls without closing into an error, so the feed starts tailing the journal.
            client = aioredis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=5,
                                             health_check_interval=2)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                # Subscribed: anything published from here on reaches us; the feed fills the rest.
                await self._set_state(True)
                delay = 0.05
                while True:
                    msg = await pubsub.get_message(timeout=1.0)
                    if msg is None:
                        continue
                    data = msg.get("data")
                    if isinstance(data, bytes) and self._on_doc:
                        await self._on_doc(data.decode())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost, server gone, protocol error: all the same here
                log.warning("redis subscription lost (%s); tailing the journal", exc)
                await self._set_state(False)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            # Back off with jitter so a fleet of workers does not reconnect in lock-step.
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)
