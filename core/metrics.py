"""Prometheus metrics, defined once for the whole process."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("yingji_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("yingji_http_request_seconds", "HTTP request latency", ["method", "route"],
                         buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
WS_CONNECTIONS = Gauge("yingji_ws_connections", "Open websocket connections")
WS_FRAMES = Counter("yingji_ws_frames_total", "Event frames queued to websocket connections")
WS_RESETS = Counter("yingji_ws_resets_total", "Connections reset (4008)", ["reason"])
FEED_HEAD = Gauge("yingji_feed_head_seq", "Highest seq delivered by this process's feed")
FEED_FILLED = Counter("yingji_feed_filled_total", "Events this process read from the journal to fill holes")
BUS_HEALTHY = Gauge("yingji_bus_healthy", "1 while the bus is trusted, 0 while tailing the journal")
TIMERS_FIRED = Counter("yingji_timers_fired_total", "Timers fired", ["kind", "outcome"])
GROUP_COMMIT_BATCHES = Counter("yingji_group_commit_batches", "Transactions committed by the group writer")
GROUP_COMMIT_UNITS = Counter("yingji_group_commit_units", "Units of work committed by the group writer")
