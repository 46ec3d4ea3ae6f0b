"""What every scenario shares: databases, servers, tokens, process statistics, results."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"

# The city's own users see every event of the jurisdiction: the command hall's worst case.
CITY = "360700"
CITY_USERS = ("admin", "commander.360700", "duty.360700", "lead.360700")
COUNTIES = ("360702", "360703", "360704", "360722", "360723", "360724", "360725", "360726", "360728",
            "360729", "360730", "360731", "360732", "360733", "360734", "360735", "360781", "360783", "360771")


def raise_fd_limit() -> int:
    """Soft RLIMIT_NOFILE up to the hard limit (children inherit it). Returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending sequence (p in 0..100)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def r(x: float, nd: int = 2) -> float:
    return round(float(x), nd)


# --- results ------------------------------------------------------------------------------------

class Results:
    """One JSON object per line on stdout, and the same lines into bench/results/latest.jsonl."""

    def __init__(self, path: Path | None) -> None:
        self.lines: list[dict[str, Any]] = []
        self.path = path

    def emit(self, metric: str, value: float | int, unit: str, **params: Any) -> None:
        line = {"metric": metric, "value": value, "unit": unit, **params}
        self.lines.append(line)
        print(orjson.dumps(line).decode(), flush=True)

    def write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("".join(orjson.dumps(line).decode() + "\n" for line in self.lines))


def note(msg: str) -> None:
    """Progress goes to stderr, so stdout stays one JSON object per line."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- services -----------------------------------------------------------------------------------

@dataclass
class Services:
    pg_host: str = os.environ.get("YINGJI_BENCH_PG_HOST", "127.0.0.1")
    pg_port: int = int(os.environ.get("YINGJI_BENCH_PG_PORT", "5432"))
    pg_user: str = os.environ.get("YINGJI_BENCH_PG_USER", "postgres")
    pg_admin_db: str = os.environ.get("YINGJI_BENCH_PG_DB", "postgres")
    redis_url: str = os.environ.get("YINGJI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix: str = field(default_factory=lambda: f"yj_bench_{uuid.uuid4().hex[:10]}")
    template: str | None = None
    created: list[str] = field(default_factory=list)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="yingji-bench-")))
    server_root: Path = ROOT  # the source tree the servers run from (another one: A/B comparisons)

    def pg_url(self, name: str) -> str:
        return f"postgresql+asyncpg://{self.pg_user}@{self.pg_host}:{self.pg_port}/{name}"

    async def _admin(self, sql: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(host=self.pg_host, port=self.pg_port, user=self.pg_user,
                                     database=self.pg_admin_db)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def check(self) -> None:
        for what, host, port in (("PostgreSQL", self.pg_host, self.pg_port),
                                 ("Redis", "127.0.0.1", int(self.redis_url.rsplit(":", 1)[1].split("/")[0]))):
            try:
                socket.create_connection((host, port), timeout=1).close()
            except OSError as exc:
                raise SystemExit(f"bench: {what} is not reachable at {host}:{port} ({exc})") from None

    async def template_db(self) -> str:
        """A migrated database with the demo jurisdiction, made once per run."""
        if self.template is None:
            from core import migrate
            from core.db import Database
            from web.demo import load_demo  # the whole demo, as `yingji init --demo` loads it

            name = f"{self.prefix}_tmpl"
            await self._admin(f'CREATE DATABASE "{name}"')
            self.created.append(name)
            url = self.pg_url(name)
            # Alembic runs its own event loop: keep it off ours.
            await asyncio.get_running_loop().run_in_executor(None, migrate.upgrade, url)
            db = Database(url)
            try:
                await load_demo(db)
            finally:
                await db.dispose()
            self.template = name
        return self.template

    async def new_database(self, label: str) -> str:
        """A fresh copy of the demo database; its own installation id, so its own bus channel."""
        template = await self.template_db()
        name = f"{self.prefix}_{label}"
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.created.append(name)
        return self.pg_url(name)

    async def drop_all(self) -> None:
        for name in reversed(self.created):
            with contextlib.suppress(Exception):
                await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)


async def make_tokens(database_url: str, usernames: Iterable[str]) -> dict[str, str]:
    from core.auth import service as auth
    from core.db import Database

    db = Database(database_url)
    out: dict[str, str] = {}
    try:
        async with db.write() as uow:
            for name in usernames:
                user = await auth.find_user(uow.session, name)
                if user is None:
                    raise SystemExit(f"bench: no user {name} in the demo data")
                _row, out[name] = await auth.create_token(uow, user=user, label="bench")
    finally:
        await db.dispose()
    return out


async def journal_head(database_url: str) -> int:
    from core.db import Database
    from core.journal import service as journal

    db = Database(database_url, pool_size=1)
    try:
        async with db.read() as session:
            return await journal.head(session)
    finally:
        await db.dispose()


async def analyze(database_url: str) -> None:
    """ANALYZE the journal tables (what autovacuum does for a live database)."""
    from sqlalchemy import text

    from core.db import Database

    db = Database(database_url, pool_size=1)
    try:
        async with db.write() as uow:
            await uow.session.execute(text("ANALYZE journal"))
            await uow.session.execute(text("ANALYZE journal_audience"))
    finally:
        await db.dispose()


async def visible_seqs(database_url: str, *, unit: str, since: int, upto: int) -> list[int]:
    """The seqs in (since, upto] that a user of `unit` may see (non-exercise): what a screen must get."""
    from core.db import Database
    from core.journal import service as journal

    db = Database(database_url, pool_size=1)
    seqs: list[int] = []
    try:
        cursor = since
        while cursor < upto:
            async with db.read() as session:
                rows = await journal.read_after(session, since=cursor, upto=upto, unit=unit, exercise=False,
                                                limit=5000)
            if not rows:
                break
            seqs.extend(s for s, _doc in rows)
            cursor = rows[-1][0]
    finally:
        await db.dispose()
    return seqs


# --- servers ------------------------------------------------------------------------------------

class Server:
    """`yingji serve` as deployed, in its own process (like tests.support.ServerProcess)."""

    def __init__(self, services: Services, database_url: str, *, workers: int, redis: bool = True,
                 label: str = "server", extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.workers = workers
        self.data_dir = services.workdir / f"{label}-{self.port}"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "YINGJI_DATA_DIR": str(self.data_dir), "YINGJI_DATABASE_URL": database_url,
               "YINGJI_SECRET_KEY": "bench-secret-key", "YINGJI_LOG_LEVEL": "warning", **(extra_env or {})}
        env.pop("YINGJI_REDIS_URL", None)
        if redis:
            env["YINGJI_REDIS_URL"] = services.redis_url
        self.log_path = self.data_dir / "server.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=services.server_root, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def wait_ready(self, within: float = 90) -> None:  # a loaded machine starts workers slowly
        deadline = time.monotonic() + within
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(self.url + "/readyz")).status_code == 200 and \
                            len(self.worker_pids()) == self.workers:
                        # Every worker must have finished its start-up (feed subscribed), not just one.
                        await asyncio.sleep(1.0)
                        return
                await asyncio.sleep(0.1)
        raise TimeoutError(f"server not ready:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The processes that serve: the server itself with one worker, else uvicorn's children."""
        if self.workers == 1:
            return [self.proc.pid]
        return [pid for pid in children(self.proc.pid) if b"spawn_main" in cmdline(pid)]

    def log_count(self, needle: str) -> int:
        """How many lines of the server's log mention `needle` (e.g. a lost Redis subscription)."""
        try:
            return sum(needle in line for line in self.log_path.read_text(errors="replace").splitlines())
        except OSError:
            return 0

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


# --- /proc --------------------------------------------------------------------------------------

def children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(x) for x in f.read().split())
    return sorted(out)


def cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except OSError:
        return 0.0


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    total = sum(parts[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


class CpuWindow:
    """CPU used by named groups of processes (and the machine) over a window, in cores."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self.t0 = time.monotonic()
        self.wall = 0.0
        self.start = {name: sum(cpu_seconds(p) for p in pids) for name, pids in groups.items()}
        self.m0 = machine_busy()

    def stop(self) -> dict[str, float]:
        self.wall = wall = time.monotonic() - self.t0
        out = {f"cpu_{name}_cores": r((sum(cpu_seconds(p) for p in pids) - self.start[name]) / wall)
               for name, pids in self.groups.items()}
        m1 = machine_busy()
        total = m1[1] - self.m0[1]
        out["cpu_machine_busy_pct"] = r(100 * (m1[0] - self.m0[0]) / total, 1) if total else math.nan
        return out


def background_busy_pct(seconds: float = 2.0) -> float:
    """How busy the machine is while this benchmark's parties sit idle: other load skews every figure."""
    b0, t0 = machine_busy()
    time.sleep(seconds)
    b1, t1 = machine_busy()
    return r(100 * (b1 - b0) / (t1 - t0), 1) if t1 > t0 else math.nan


def wait_quiet(within: float, threshold: float = 20.0) -> float:
    """Wait (up to `within` seconds) until the machine is under `threshold` % busy; the last reading."""
    deadline = time.monotonic() + within
    busy = background_busy_pct(2.0)
    while busy >= threshold and time.monotonic() < deadline:
        busy = background_busy_pct(2.0)
    return busy


class Profiler:
    """py-spy (if installed in the environment) sampling the given processes for a while."""

    def __init__(self, out_dir: Path | None, label: str, pids: list[int], seconds: float) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        exe = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
        if out_dir is None:
            return
        if exe is None:
            note("profile: py-spy not installed (pip install py-spy into .venv); skipping")
            return
        out_dir.mkdir(parents=True, exist_ok=True)
        for pid in pids:
            for fmt, ext in (("raw", "txt"), ("flamegraph", "svg")):
                self.procs.append(subprocess.Popen(
                    [exe, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250",
                     "--nonblocking", "--format", fmt, "-o", str(out_dir / f"{label}-{pid}.{ext}")],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def wait(self) -> None:
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


def socket_inodes(pid: int) -> set[int]:
    inodes: set[int] = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(int(link[8:-1]))
    return inodes


def local_ports_to(pids: Iterable[int], remote_port: int) -> set[int]:
    """Local TCP ports of the connections these processes hold to `remote_port` (e.g. Redis)."""
    inodes: set[int] = set()
    for pid in pids:
        inodes |= socket_inodes(pid)
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            next(f)
            for line in f:
                cols = line.split()
                if int(cols[9]) in inodes and int(cols[2].rsplit(":", 1)[1], 16) == remote_port:
                    ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def count_established(pid: int, local_port: int) -> int:
    """How many accepted connections on `local_port` this process holds."""
    inodes = socket_inodes(pid)
    n = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[3] == "01" and int(cols[9]) in inodes and int(cols[1].rsplit(":", 1)[1], 16) == local_port:
                    n += 1
    return n


def service_pids() -> dict[str, list[int]]:
    """The machine's PostgreSQL and Redis processes (read-only: their CPU time is part of the picture)."""
    found: dict[str, list[int]] = {"postgres": [], "redis": []}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        comm = ""
        with contextlib.suppress(OSError), open(f"/proc/{entry}/comm") as f:
            comm = f.read().strip()
        if comm.startswith("postgres"):
            found["postgres"].append(int(entry))
        elif comm.startswith("redis-server"):
            found["redis"].append(int(entry))
    return found


class BusProbe:
    """A Redis subscriber on the installation's channel: when each event reached the bus (a peer
    worker can have it no sooner). Separates the publishing worker's delay from the rest."""

    def __init__(self, redis_url: str, database_url: str) -> None:
        self.redis_url = redis_url
        self.database_url = database_url
        self.arrivals: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        from core.db import Database
        from core.migrate import installation_id

        db = Database(self.database_url, pool_size=1)
        try:
            async with db.read() as session:
                channel = f"yingji:{await installation_id(session)}:journal"
        finally:
            await db.dispose()
        ready = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._listen(channel, ready))
        await asyncio.wait_for(ready, 10)

    async def _listen(self, channel: str, ready: asyncio.Future[None]) -> None:
        import redis.asyncio as aioredis

        while True:
            client = aioredis.Redis.from_url(self.redis_url)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(channel)
                if not ready.done():
                    ready.set_result(None)
                while True:
                    msg = await pubsub.get_message(timeout=1.0)
                    if msg is None:
                        continue
                    t = time.time()
                    data = msg["data"]
                    seq = int(data[7:data.index(b",")]) if data.startswith(b'{"seq":') else orjson.loads(data)["seq"]
                    self.arrivals.setdefault(seq, t)
            except asyncio.CancelledError:
                raise
            except Exception:  # killed by someone's CLIENT KILL: subscribe again; those seqs go unmeasured
                await asyncio.sleep(0.05)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
