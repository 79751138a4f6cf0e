"""Benchmark of the two Twilio webhooks over real HTTP: requests per second and latency.

    .venv/bin/python bench/webhooks.py                      # SQLite file in a temp directory
    .venv/bin/python bench/webhooks.py --n 500 --concurrency 50
    .venv/bin/python bench/webhooks.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/crm_bench

A fresh database (SQLite file, or on PostgreSQL a database ``crm_bench_webhooks_<hex>``
created on the given server and dropped at the end) gets the schema and a realistic estate
by direct inserts: a few thousand tenants with a mobile and an active lease, an outage
campaign whose N outbox rows went out an hour ago (status "sent", a provider sid each).
The real app (``create_app``, scheduler off, a Twilio auth token, ``public_url`` = the
server's address) then listens on a 127.0.0.1 port, and a client in a separate process
(so that its work does not eat the server's event loop) sends, with bounded concurrency,
requests signed exactly as Twilio signs them:

  a. N incoming SMS, each with its own MessageSid and Twilio's full parameter set, bodies
     drawn from a realistic mix (STOP, "toujours en panne", "merci", "rappelez-moi svp",
     questions), mostly from tenants the campaign went to, some from unknown numbers;
  b. N delivery status callbacks moving the seeded messages from "sent" to "delivered";
  c. a replay burst: N incoming SMS made of N/R MessageSids each sent R times back to back,
     as Twilio does when it retries (the copies of one sid race each other).

Then the ratio the issue asks for: a bare aiohttp baseline (``baseline_app``: read the
form, check the signature with the SDK's RequestValidator, one raw driver INSERT … ON
CONFLICT DO NOTHING, empty TwiML) and the service take the same incoming-SMS load in
``--pairs`` interleaved pairs; prints each pair's req/s and CPU per request and the median
ratio service / baseline (goal ≥ 0.5).

With ``--processes`` (PostgreSQL only) it measures instead how the incoming-SMS webhook
scales with ``serve --workers``: the real command line is started twice on the same seeded
database, once with 1 process and once with 2 (each on its own port, both listening all
along), and the same load goes to each in ``--pairs`` interleaved pairs; prints each pair's
req/s and the median ratio 2 processes / 1 process, beside the machine's CPU during each
phase from /proc/stat: the share left idle (while one process serves, the most a second one
can use) and the share stolen by the hypervisor (on a shared host it moved from 0 to 40 %
between phases, more than the effect measured), with the ratio per CPU share not stolen,
and the CPU milliseconds a request costs each party (the serving processes, PostgreSQL's
processes, the client, the kernel and the rest), from /proc: a second serving process can
only add throughput when the first one is what the requests wait for.
The load comes from ``wrk`` (C, one thread, the same signed requests read from a file)
when it is installed (``apt-get install wrk``), so that the client takes little of the two
cores the servers and PostgreSQL share;
``--client python`` (or no ``wrk``) uses the aiohttp client of the other phases.

    .venv/bin/python bench/webhooks.py --processes --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/crm_bench

Prints, per phase: requests, seconds, requests/second, p50/p95 latency, non-2xx count, and
the server process' CPU time per request (steadier than wall-clock figures when other work
shares the machine; the load average is printed at both ends for the same reason) and the
database connections the app's pool opened during the phase (pool churn); then
checks that the database holds exactly the expected inbound rows (replays stored once) and
delivered rows, and prints the server process' peak memory (ru_maxrss). Exits 1 when a check
fails. Everything stays on loopback; the run stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import secrets
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select, text  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from crm import schema  # noqa: E402
from crm.campaigns.models import Campaign, CampaignStatus, Category, OutboxMessage, OutboxStatus  # noqa: E402
from crm.campaigns.service import progress as campaign_progress  # noqa: E402
from crm.config import load_settings  # noqa: E402
from crm.db import Database  # noqa: E402
from crm.inbox.models import InboundMessage  # noqa: E402
from crm.models import Agency, Lease, Phone, Residence, Tenant  # noqa: E402

AUTH_TOKEN = "bench0123456789abcdef0123456789ab"
ACCOUNT_SID = "AC" + "5e" * 16
SERVICE_SID = "MG" + "7c" * 16
SERVICE_NUMBER = "+33644600000"
SMS_PATH = "/webhooks/twilio/sms"
STATUS_PATH = "/webhooks/twilio/status"
AGENCIES = [("Blois", "41"), ("Vendôme", "41"), ("Romorantin", "41"), ("Mer", "41"), ("Montoire", "41")]
CHUNK = 2000
CAMPAIGN_BODY = ("Coupure d'eau chaude dans votre résidence : nos équipes interviennent, retour "
                 "prévu ce soir. Votre agence.")
# (weight, bodies): what tenants answer an outage SMS, roughly in these proportions.
REPLIES: list[tuple[int, list[str]]] = [
    (10, ["STOP", "Stop", "STOP "]),
    (25, ["toujours en panne", "Toujours pas d'eau chaude au 3e étage", "tjrs en panne",
          "Toujours rien ici, ça fait 2 jours 😡"]),
    (25, ["merci", "Merci pour l'info", "ok merci 👍", "Merci beaucoup, bonne journée"]),
    (10, ["rappelez-moi svp", "Pouvez-vous me rappeler svp ?", "Rappelez moi au plus vite"]),
    (30, ["Bonjour, à quelle heure passe le technicien ?", "C'est pour tout le bâtiment ?",
          "Quand est-ce que l'eau revient ?", "Est-ce que je dois être présent ?"]),
]


# --- client side (a separate process) -------------------------------------------------------

@dataclass
class PhaseResult:
    requests: int
    seconds: float
    latencies: list[float]
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # a few non-2xx answers, for the report


def run_phase(base_url: str, requests: list[tuple[str, bytes, str]], concurrency: int,
              warmup: list[tuple[str, bytes, str]]) -> PhaseResult:
    """Send ``requests`` (path, body, signature) with ``concurrency`` workers; in a child process."""
    return asyncio.run(_send_all(base_url, requests, concurrency, warmup))


async def _send_all(base_url: str, requests: list[tuple[str, bytes, str]], concurrency: int,
                    warmup: list[tuple[str, bytes, str]]) -> PhaseResult:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=120)
    result = PhaseResult(len(requests), 0.0, [0.0] * len(requests))
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as http:

        async def send(path: str, body: bytes, signature: str) -> tuple[int, str]:
            async with http.post(path, data=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}) as resp:
                return resp.status, await resp.text()

        # Open the connections outside the timing (callbacks for an unknown sid change nothing).
        await asyncio.gather(*(send(*w) for w in warmup))
        next_index = iter(range(len(requests)))

        async def worker() -> None:
            for i in next_index:
                start = time.perf_counter()
                status, answer = await send(*requests[i])
                result.latencies[i] = time.perf_counter() - start
                if not 200 <= status < 300:
                    result.statuses[status] += 1
                    if len(result.errors) < 5:
                        result.errors.append(f"{status}: {answer[:300]}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - start
    return result


# --- the same requests sent by wrk (C): a client that leaves the cores to the servers ----------

# One wrk thread for ``--seconds``; request() hands out the pre-built requests in turn (the
# file holds more than can be sent in that time: running out is reported, not hidden by
# repeating one); done() prints one line of JSON.
WRK_SCRIPT = r"""
local reqs = {}
issued, bad = 0, 0  -- globals: done() reads them through thread:get()
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  for line in io.lines(args[1]) do
    local path, host, signature, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    reqs[#reqs + 1] = wrk.format("POST", path, {["Host"] = host,
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Twilio-Signature"] = signature, ["User-Agent"] = "TwilioProxy/1.1"}, body)
  end
end
function request()
  issued = issued + 1
  return reqs[math.min(issued, #reqs)]
end
function response(status, headers, body)
  if status < 200 or status >= 300 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local issued_all, bad_all = 0, 0
  for _, t in ipairs(threads) do
    issued_all = issued_all + t:get("issued")
    bad_all = bad_all + t:get("bad")
  end
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "issued": %d, "non2xx": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p95_us": %d}\n', summary.requests, summary.duration,
    issued_all, bad_all, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, latency:percentile(50), latency:percentile(95)))
end
"""
WRK_MAX_RATE = 4000  # requests/s the file is sized for (a 2-core machine serves far fewer)


def run_wrk(base_url: str, requests: list[tuple[str, bytes, str]], seconds: int, concurrency: int,
            workdir: Path) -> tuple[PhaseResult, int]:
    """Send ``requests`` in turn for ``seconds`` with wrk; (the phase's figures: answers,
    seconds, p50/p95; how many requests left, answered or in flight at the end)."""
    import json
    import subprocess

    host = base_url.split("://", 1)[1]
    script, lines = workdir / "incoming.lua", workdir / "incoming.tsv"
    script.write_text(WRK_SCRIPT)
    lines.write_text("".join(f"{path}\t{host}\t{signature}\t{body.decode()}\n"
                             for path, body, signature in requests))
    out = subprocess.run(["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s",
                          "-s", str(script), base_url, "--", str(lines)],
                         capture_output=True, text=True, check=True).stdout
    found = [line for line in out.splitlines() if line.startswith("WRKJSON ")]
    if not found:
        raise SystemExit(f"wrk printed no summary:\n{out[-2000:]}")
    figures = json.loads(found[-1].removeprefix("WRKJSON "))
    if figures["issued"] > len(requests):
        raise SystemExit(f"wrk sent all {len(requests)} requests before {seconds} s: raise WRK_MAX_RATE")
    result = PhaseResult(figures["requests"], figures["duration_us"] / 1e6,
                         [figures["p50_us"] / 1e6, figures["p95_us"] / 1e6])
    if figures["non2xx"] or figures["socket_errors"]:
        result.statuses[0] += figures["non2xx"] + figures["socket_errors"]
        result.errors.append(f"{figures['non2xx']} non-2xx answers, {figures['socket_errors']} socket errors")
    return result, figures["issued"]


# --- requests, signed as Twilio signs them --------------------------------------------------

def new_sid() -> str:
    return "SM" + secrets.token_hex(16)


def sms_params(sid: str, sender: str, body: str) -> dict[str, str]:
    """Every parameter Twilio posts for an incoming SMS."""
    return {
        "ToCountry": "FR", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
        "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "",
        "Body": body, "FromCountry": "FR", "To": SERVICE_NUMBER, "MessagingServiceSid": SERVICE_SID,
        "ToZip": "", "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
        "AccountSid": ACCOUNT_SID, "From": sender, "ApiVersion": "2010-04-01",
    }


def status_params(sid: str, to: str, status: str) -> dict[str, str]:
    """What Twilio posts to the StatusCallback of an outgoing SMS."""
    return {
        "SmsSid": sid, "SmsStatus": status, "MessageStatus": status, "To": to,
        "MessagingServiceSid": SERVICE_SID, "MessageSid": sid, "AccountSid": ACCOUNT_SID,
        "From": SERVICE_NUMBER, "ApiVersion": "2010-04-01", "RawDlrDoneDate": "2611161000",
    }


def signed(public_url: str, path: str, params: dict[str, str]) -> tuple[str, bytes, str]:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(public_url + path, params)
    return path, urlencode(params).encode(), signature


def mobile(i: int) -> str:
    return f"+336{10_000_000 + i:08d}"


def reply_body(rng: random.Random) -> str:
    weights = [w for w, _ in REPLIES]
    bodies = rng.choices([b for _, b in REPLIES], weights=weights)[0]
    return rng.choice(bodies)


def sender(rng: random.Random, tenants: int) -> str:
    # About 5% of replies come from numbers the landlord does not know.
    if rng.random() < 0.05:
        return f"+337{rng.randrange(10_000_000, 99_999_999)}"
    return mobile(rng.randrange(tenants))


# --- database -------------------------------------------------------------------------------

async def fresh_database(url: str | None) -> tuple[str, str | None]:
    """A new empty database: SQLite file, or a PostgreSQL database created for the run."""
    if not url:
        path = Path(tempfile.mkdtemp(prefix="crm-bench-webhooks-")) / "crm.db"
        return f"sqlite+aiosqlite:///{path}", None
    import asyncpg

    base, _, _ = url.rpartition("/")
    name = f"crm_bench_webhooks_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}", name


async def drop_database(url: str | None, name: str | None) -> None:
    if url and name:
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def _bulk(db: Database, model: type, rows: list[dict[str, Any]]) -> None:
    async with db.engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            await conn.execute(insert(model), rows[i:i + CHUNK])


async def seed(db: Database, tenants: int, sent: int, now: datetime, rng: random.Random) -> tuple[int, list[tuple[str, str]]]:
    """The estate and a sent outage campaign; returns its id and its (sid, number) pairs."""
    stamp = now - timedelta(days=400)
    await _bulk(db, Agency, [{"id": a + 1, "name": name, "department": dep, "phone": "0254000000"}
                             for a, (name, dep) in enumerate(AGENCIES)])
    await _bulk(db, Residence, [{"id": r + 1, "agency_id": r % len(AGENCIES) + 1,
                                 "name": f"Résidence {r + 1}", "postcode": "41000", "city": "Blois"}
                                for r in range(len(AGENCIES) * 10)])
    await _bulk(db, Tenant, [{"id": i + 1, "last_name": f"Locataire{i + 1}", "first_name": "Camille",
                              "civility": "Mme", "reduced_mobility": False, "created_at": stamp,
                              "updated_at": stamp} for i in range(tenants)])
    residence = [rng.randrange(len(AGENCIES) * 10) + 1 for _ in range(tenants)]
    await _bulk(db, Lease, [{"id": i + 1, "contract_ref": f"B{i + 1:07d}", "tenant_id": i + 1,
                             "agency_id": (residence[i] - 1) % len(AGENCIES) + 1,
                             "residence_id": residence[i],
                             "lease_start": date(2020, 1, 1) + timedelta(days=rng.randrange(2000)),
                             "created_at": stamp, "updated_at": stamp} for i in range(tenants)])
    await _bulk(db, Phone, [{"id": i + 1, "tenant_id": i + 1, "e164": mobile(i), "kind": "mobile",
                             "valid": True, "source": "import", "created_at": stamp}
                            for i in range(tenants)])
    went = now - timedelta(hours=1)
    await _bulk(db, Campaign, [{"id": 1, "name": "Coupure d'eau chaude", "kind": "campaign",
                                "category": Category.OUTAGE, "urgent": True, "body": CAMPAIGN_BODY,
                                "variables": {}, "audience": {}, "agency_id": None, "lift": False,
                                "status": CampaignStatus.DONE, "created_at": went - timedelta(minutes=5),
                                "launched_at": went}])
    # The campaign went to every tenant; beyond ``tenants`` rows go to numbers without a tenant.
    pairs = [(new_sid(), mobile(i)) for i in range(sent)]
    await _bulk(db, OutboxMessage, [{"id": i + 1, "campaign_id": 1, "tenant_id": i + 1 if i < tenants else None,
                                     "e164": e164, "body": CAMPAIGN_BODY, "segments": 1,
                                     "status": OutboxStatus.SENT, "attempts": 1, "provider_sid": sid,
                                     "created_at": went, "sent_at": went, "updated_at": went}
                                    for i, (sid, e164) in enumerate(pairs)])
    if db.is_postgres:
        # Rows were inserted with their ids: move the sequences past them.
        async with db.engine.begin() as conn:
            for table in ("agency", "residence", "tenant", "lease", "phone", "campaign", "outbox_message"):
                await conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    # What the tenant import does after writing an estate (crm/tenants/imports): without
    # statistics PostgreSQL threads each SMS with a scan of every lease (3.2 ms a threading
    # insert instead of 1.2 ms with 3,000 leases, and growing with the estate).
    await db.refresh_statistics()
    return 1, pairs


# --- the fair baseline: a bare aiohttp handler, one raw driver statement -------------------

BASELINE_SQL = ("INSERT INTO inbound_message (provider_sid, from_e164, \"to\", body, received_at, "
                "intent, sentiment, sentiment_score, status, decided_by) VALUES ({}) "
                "ON CONFLICT (provider_sid) DO NOTHING")


async def baseline_app(db_url: str, public_url: str) -> Any:
    """What the webhook minimally does: read the form, check the signature with the SDK's
    RequestValidator, insert the message with one statement of the raw driver (aiosqlite on
    one connection, asyncpg on a pool of the app's size), answer empty TwiML."""
    from aiohttp import web

    validator = RequestValidator(AUTH_TOKEN)
    empty_twiml = '<?xml version="1.0" encoding="UTF-8"?><Response />'
    if db_url.startswith("sqlite"):
        import aiosqlite

        conn = await aiosqlite.connect(db_url.split("///", 1)[1])
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        sql = BASELINE_SQL.format(", ".join("?" * 10))

        async def store(values: tuple[Any, ...]) -> None:
            await conn.execute(sql, values)
            await conn.commit()

        async def close() -> None:
            await conn.close()
    else:
        import asyncpg

        pg = await asyncpg.create_pool(db_url.replace("postgresql+asyncpg://", "postgresql://"),
                                       min_size=10, max_size=10)
        sql = BASELINE_SQL.format(", ".join(f"${i}" for i in range(1, 11)))

        async def store(values: tuple[Any, ...]) -> None:
            await pg.execute(sql, *values)

        async def close() -> None:
            await pg.close()

    async def handler(request: web.Request) -> web.Response:
        form = await request.post()
        params = {k: str(v) for k, v in form.items()}
        # The form (a MultiDict) as the SDK reads it fastest, as the service does.
        if not validator.validate(public_url + request.path_qs, form,
                                  request.headers.get("X-Twilio-Signature", "")):
            raise web.HTTPForbidden()
        now = datetime.now(UTC)
        await store((params["MessageSid"], params["From"], params.get("To"), params.get("Body", ""),
                     now.replace(tzinfo=None) if db_url.startswith("sqlite") else now,
                     "other", "neutral", 0.0, "open", ""))
        return web.Response(text=empty_twiml, content_type="text/xml")

    app = web.Application()
    app.router.add_post(SMS_PATH, handler)

    async def closing(_app: Any) -> None:
        await close()

    app.on_cleanup.append(closing)
    return app


# --- the run --------------------------------------------------------------------------------

def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class MachineCpu:
    """Shares of the machine's CPU time over a phase, from /proc/stat (Linux): idle (idle and
    I/O wait) and stolen by the hypervisor. The idle share while one process serves is the
    most a second one could use."""
    idle: float
    steal: float


def machine_ticks() -> list[int] | None:
    """The first line of /proc/stat (all CPUs): user nice system idle iowait irq softirq steal."""
    try:
        with open("/proc/stat") as stat:
            return [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None


def machine_cpu(before: list[int] | None, after: list[int] | None) -> MachineCpu | None:
    if before is None or after is None:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (b - a for a, b in zip(before, after, strict=True))
    total = user + nice + system + idle + iowait + irq + softirq + steal
    if total <= 0 or steal == total:
        return None
    return MachineCpu((idle + iowait) / total, steal / total)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class CpuBy:
    """CPU seconds used so far, by who used them (Linux /proc): the processes of the serve
    command (the parent and its descendants), PostgreSQL's processes (its backends, WAL
    writer...), the load client (this process' children that ended: wrk), and the machine as
    a whole (busy ticks of /proc/stat: the kernel's network work shows only there)."""
    server: float
    postgres: float
    client: float
    machine: float

    def minus(self, before: CpuBy) -> CpuBy:
        return CpuBy(self.server - before.server, self.postgres - before.postgres,
                     self.client - before.client, self.machine - before.machine)


def _process_table() -> dict[int, tuple[int, int, bytes]]:
    """pid -> (parent pid, CPU ticks, start of the command line), for every process readable."""
    table: dict[int, tuple[int, int, bytes]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                command = f.read(64)
        except OSError:
            continue  # ended meanwhile
        table[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]), command)
    return table


def _family(table: dict[int, tuple[int, int, bytes]], roots: set[int]) -> int:
    """CPU ticks of ``roots`` and all their descendants."""
    family, grew = set(roots), True
    while grew:
        more = {pid for pid, (parent, _, _) in table.items() if parent in family} - family
        family |= more
        grew = bool(more)
    return sum(table[pid][1] for pid in family if pid in table)


def cpu_by(server_pid: int, client_pids: set[int]) -> CpuBy | None:
    """``client_pids``: a Python client's running processes (wrk counts once it ended)."""
    ticks = machine_ticks()
    if ticks is None:
        return None
    table = _process_table()
    postgres = sum(t for _, t, command in table.values() if command.startswith(b"postgres"))
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, nice, system, _idle, _iowait, irq, softirq, _steal = ticks
    return CpuBy(_family(table, {server_pid}) / CLOCK_TICKS, postgres / CLOCK_TICKS,
                 _family(table, client_pids) / CLOCK_TICKS + ended.ru_utime + ended.ru_stime,
                 (user + nice + system + irq + softirq) / CLOCK_TICKS)


def per_request(used: list[CpuBy], answered: list[int]) -> str:
    """Median CPU milliseconds a request, by who used them, over the phases of one side."""
    def ms(part: str) -> float:
        return statistics.median(getattr(u, part) / max(n, 1) * 1000 for u, n in zip(used, answered, strict=True))
    rest = statistics.median((u.machine - u.server - u.postgres - u.client) / max(n, 1) * 1000
                             for u, n in zip(used, answered, strict=True))
    server, postgres, client = ms("server"), ms("postgres"), ms("client")
    whole = ms("machine")
    return (f"serving processes {server:.2f} ({server / max(whole, 1e-9):.0%}), PostgreSQL {postgres:.2f}, "
            f"client {client:.2f}, kernel and the rest {rest:.2f}; the machine {whole:.2f}")


def shares(cpu: MachineCpu | None) -> str:
    return "—" if cpu is None else f"{cpu.idle:.0%} idle, {cpu.steal:.0%} stolen"


def report(name: str, r: PhaseResult, cpu: float, connections: int) -> None:
    lat = sorted(r.latencies)
    non_2xx = sum(r.statuses.values())
    print(f"{name:<22} {r.requests:>8} {r.seconds:>8.2f} {r.requests / r.seconds:>8.0f} "
          f"{percentile(lat, 0.50) * 1000:>8.1f} {percentile(lat, 0.95) * 1000:>8.1f} {non_2xx:>8} "
          f"{cpu / r.requests * 1000:>10.2f} {connections:>8}")
    for status, count in sorted(r.statuses.items()):
        print(f"    {count} × HTTP {status}")
    for e in r.errors:
        print(f"    e.g. {e}")


# --- 1 vs 2 processes: the real command line --------------------------------------------------

SERVING = "crm.serve: serving"
STARTUP_TIMEOUT = 180.0


def start_serve(db_url: str, workers: int, workdir: Path) -> tuple[Any, str, Path]:
    """``python main.py serve --workers N`` on a free port; returns (process, url, log file)."""
    import subprocess

    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "TWILIO_"))}
    env.update({"CRM_DATABASE_URL": db_url, "CRM_HOST": "127.0.0.1", "CRM_PORT": str(port),
                "CRM_PUBLIC_URL": url, "CRM_SMS_BACKEND": "local", "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "CRM_SCHEDULER": "false", "CRM_ACCESS_LOG": "false", "CRM_WORKERS": str(workers)})
    log = workdir / f"serve-{workers}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve"], env=env,
                                cwd=workdir, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    return proc, url, log


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def wait_serving(proc: Any, url: str, log: Path, workers: int) -> None:
    """Until the port answers and, with several workers, each said it serves."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not _answers(url) or (workers > 1 and log.read_text(errors="replace").count(SERVING) < workers):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve --workers {workers} did not start:\n"
                             + log.read_text(errors="replace")[-3000:])
        time.sleep(0.2)


async def compare_processes(args: argparse.Namespace) -> int:
    """Incoming SMS on `serve --workers 1` and `--workers 2`, interleaved pairs, median ratio."""
    import shutil
    import signal

    n, rng = args.n, random.Random(args.seed)
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
    db_url, pg_name = await fresh_database(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="crm-bench-processes-"))
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    servers: list[Any] = []
    failed = False
    try:
        db = Database(db_url)
        await db.create_all(schema.metadata)
        await seed(db, args.tenants, n, datetime.now(UTC), rng)
        await db.dispose()
        urls = {}
        for workers in (1, 2):
            proc, url, log = start_serve(db_url, workers, workdir)
            servers.append(proc)
            urls[workers] = (url, proc, log)
        for workers, (url, proc, log) in urls.items():
            wait_serving(proc, url, log, workers)
        client = "wrk (C, one thread)" if use_wrk else "aiohttp (Python)"
        print(f"database: PostgreSQL; `python main.py serve --workers 1` and `--workers 2`, both "
              f"listening; client {client} in its own process, concurrency {args.concurrency}; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"incoming SMS, {args.pairs} interleaved pairs of "
              + (f"{args.seconds} s of requests" if use_wrk else f"{n} requests"))
        print(f"{'pair':<6} {'1 process req/s':>16} {'2 processes req/s':>18} {'ratio':>7}   "
              "machine CPU during the phases (1 process; 2 processes)")
        loop = asyncio.get_running_loop()
        ratios = []
        idle_with_one: list[float] = []  # the cores' idle share while one process serves
        idle_with_two: list[float] = []  # ... and while two do: did the second one use it?
        # req/s per share of the machine the hypervisor left us (steal varies from 0 to 40 %
        # between phases on a shared host, more than the effect measured)
        adjusted: list[float] = []
        sent = sent_low = 0  # requests sent: at least (the answered ones), at most
        # CPU by who used it, a phase at a time: a second process can add throughput only
        # when the serving process is what the requests wait for.
        used: dict[int, list[CpuBy]] = {1: [], 2: []}
        answered: dict[int, list[int]] = {1: [], 2: []}
        for pair in range(args.pairs):
            figures, machine = [], []
            for workers in (1, 2):
                url = urls[workers][0]
                count = WRK_MAX_RATE * args.seconds if use_wrk else n
                reqs = [signed(url, SMS_PATH, sms_params(new_sid(), sender(rng, args.tenants),
                                                         reply_body(rng))) for _ in range(count)]
                ticks = machine_ticks()
                serving_pid = urls[workers][1].pid
                clients = set(getattr(pool, "_processes", None) or {})
                used_before = cpu_by(serving_pid, clients)
                if use_wrk:
                    result, issued = run_wrk(url, reqs, args.seconds, args.concurrency, workdir)
                    sent_low += result.requests  # answered; those in flight at the end may be stored too
                    sent += issued
                else:
                    warm = [signed(url, STATUS_PATH, status_params(new_sid(), mobile(0), "delivered"))
                            for _ in range(args.concurrency)]
                    result = await loop.run_in_executor(pool, run_phase, url, reqs, args.concurrency, warm)
                    sent_low += n
                    sent += n
                machine.append(machine_cpu(ticks, machine_ticks()))  # the Python client's warm-up included
                used_after = cpu_by(serving_pid, clients | set(getattr(pool, "_processes", None) or {}))
                if used_before is not None and used_after is not None:
                    used[workers].append(used_after.minus(used_before))
                    answered[workers].append(result.requests)
                figures.append(result.requests / result.seconds)
                failed |= bool(result.statuses)
                for e in result.errors:
                    print(f"    e.g. {e}")
            ratios.append(figures[1] / figures[0])
            if machine[0] is not None and machine[1] is not None:
                idle_with_one.append(machine[0].idle)
                idle_with_two.append(machine[1].idle)
                adjusted.append(ratios[-1] * (1 - machine[0].steal) / (1 - machine[1].steal))
            print(f"{pair + 1:<6} {figures[0]:>16.0f} {figures[1]:>18.0f} {ratios[-1]:>7.2f}   "
                  f"{shares(machine[0])}; {shares(machine[1])}")
        print(f"median ratio 2 processes / 1 process: {statistics.median(ratios):.2f} "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        if adjusted:
            print(f"median ratio per CPU share not stolen by the hypervisor: {statistics.median(adjusted):.2f} "
                  f"(pairs {min(adjusted):.2f}–{max(adjusted):.2f})")
        if idle_with_one:
            # What a second process can add is bounded by the CPU the first one left idle
            # (the servers, PostgreSQL and the client share the machine's cores).
            idle = statistics.median(idle_with_one)
            print(f"while 1 process served, the machine's {os.cpu_count()} cores were {idle:.0%} idle "
                  f"(median): a second process could add at most about {idle / max(1 - idle, 0.01):.0%} "
                  "if it cost the machine what the first one does per request; while 2 served, "
                  f"{statistics.median(idle_with_two):.0%} idle")
        if used[1] and used[2]:
            print("CPU milliseconds a request (median of the phases; share of the machine's):")
            for workers in (1, 2):
                print(f"  {workers} process{'es' if workers > 1 else ''}: {per_request(used[workers], answered[workers])}")
        check = Database(db_url)
        async with check.session() as session:
            stored = await session.scalar(select(func.count()).select_from(InboundMessage)) or 0
        await check.dispose()
        ok = sent_low <= stored <= sent
        expected = f"{sent}" if sent == sent_low else f"{sent_low} answered, up to {sent} sent"
        print(("ok    " if ok else "WRONG ") + f"inbound rows: {stored} (expected {expected})")
        failed |= not ok
    finally:
        for proc in servers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in servers:
            try:
                proc.wait(90)
            except Exception:  # noqa: BLE001 - do not leave a server behind
                proc.kill()
        pool.shutdown()
        await drop_database(args.database_url, pg_name)
    return 1 if failed else 0


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--n", type=int, default=2000, help="requests per phase (default 2000)")
    parser.add_argument("--tenants", type=int, default=3000, help="seeded tenants (default 3000)")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight (default 20)")
    parser.add_argument("--replays", type=int, default=10,
                        help="copies of each MessageSid in the replay burst (default 10)")
    parser.add_argument("--pairs", type=int, default=3,
                        help="interleaved baseline/service pairs for the ratio (default 3)")
    parser.add_argument("--seed", type=int, default=20261116)
    parser.add_argument("--processes", action="store_true",
                        help="incoming SMS with `serve --workers 1` vs `--workers 2` (PostgreSQL)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load client of --processes: wrk when installed (auto), or aiohttp")
    parser.add_argument("--seconds", type=int, default=5, help="length of a --processes phase with wrk")
    args = parser.parse_args()
    if args.processes:
        if not args.database_url:
            parser.error("--processes needs --database-url (several workers need PostgreSQL)")
        return await compare_processes(args)
    n, rng = args.n, random.Random(args.seed)
    replays = max(1, min(args.replays, n))

    from aiohttp import web

    from crm.app import create_app
    from crm.calls.models import CallTask

    db_url, pg_name = await fresh_database(args.database_url)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    runner: web.AppRunner | None = None
    failed = False
    try:
        db = Database(db_url)
        await db.create_all(schema.metadata)
        now = datetime.now(UTC)
        start = time.perf_counter()
        campaign_id, pairs = await seed(db, args.tenants, n, now, rng)
        seed_s = time.perf_counter() - start

        sock = free_socket()
        port = sock.getsockname()[1]
        public_url = f"http://127.0.0.1:{port}"
        settings = load_settings(database_url=db_url, sms_backend="local", scheduler_enabled=False,
                                 public_url=public_url, twilio_account_sid=None,
                                 twilio_auth_token=AUTH_TOKEN)
        app = create_app(settings, db=db)
        opened = [0]  # database connections opened by the app's pool (churn shows here)
        event.listen(db.engine.sync_engine, "connect", lambda *_: opened.__setitem__(0, opened[0] + 1))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        kind = "PostgreSQL" if pg_name else "SQLite"
        print(f"database: {kind}; server {public_url}; client in its own process, "
              f"concurrency {args.concurrency}")
        print(f"seeded {args.tenants} tenants and {n} sent outbox rows in {seed_s:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

        # Everything is built and signed before the timing starts.
        inbound_reqs = [signed(public_url, SMS_PATH, sms_params(new_sid(), sender(rng, args.tenants),
                                                                  reply_body(rng)))
                        for _ in range(n)]
        order = list(pairs)
        rng.shuffle(order)
        status_reqs = [signed(public_url, STATUS_PATH, status_params(sid, e164, "delivered"))
                       for sid, e164 in order]
        distinct_replayed = -(-n // replays)
        replay_reqs: list[tuple[str, bytes, str]] = []
        for _ in range(distinct_replayed):
            one = signed(public_url, SMS_PATH, sms_params(new_sid(), sender(rng, args.tenants),
                                                          reply_body(rng)))
            replay_reqs += [one] * replays
        replay_reqs = replay_reqs[:n]
        warmup = [signed(public_url, STATUS_PATH, status_params(new_sid(), mobile(0), "delivered"))
                  for _ in range(args.concurrency)]

        loop = asyncio.get_running_loop()
        print()
        print(f"{'phase':<22} {'requests':>8} {'seconds':>8} {'req/s':>8} {'p50 ms':>8} "
              f"{'p95 ms':>8} {'non-2xx':>8} {'cpu ms/req':>10} {'db conns':>8}")
        for name, reqs in (("a. incoming SMS", inbound_reqs), ("b. status callbacks", status_reqs),
                           (f"c. replays (×{replays})", replay_reqs)):
            cpu, connections = cpu_seconds(), opened[0]
            result = await loop.run_in_executor(pool, run_phase, public_url, reqs, args.concurrency, warmup)
            report(name, result, cpu_seconds() - cpu, opened[0] - connections)
            failed |= bool(result.statuses)

        # The ratio: the same incoming-SMS load on the bare baseline and on the service, in
        # interleaved pairs (fresh MessageSids each time), so that the machine's load
        # changes touch both sides alike.
        base_sock = free_socket()
        base_url = f"http://127.0.0.1:{base_sock.getsockname()[1]}"
        base_runner = web.AppRunner(await baseline_app(db_url, base_url), access_log=None)
        await base_runner.setup()
        await web.SockSite(base_runner, base_sock).start()
        base_warmup = [signed(base_url, SMS_PATH, sms_params(new_sid(), mobile(0), "merci"))
                       for _ in range(args.concurrency)]
        extra_inbound = len(base_warmup)
        print()
        print(f"incoming SMS, {args.pairs} interleaved pairs of {n} requests "
              f"(baseline: bare aiohttp + signature + one raw INSERT)")
        print(f"{'pair':<6} {'baseline req/s':>15} {'cpu ms/req':>10} {'service req/s':>14} "
              f"{'cpu ms/req':>10} {'ratio':>7}")
        ratios = []
        for pair in range(args.pairs):
            figures = []
            for url, warm in ((base_url, base_warmup), (public_url, warmup)):
                reqs = [signed(url, SMS_PATH, sms_params(new_sid(), sender(rng, args.tenants),
                                                         reply_body(rng))) for _ in range(n)]
                extra_inbound += n
                cpu = cpu_seconds()
                result = await loop.run_in_executor(pool, run_phase, url, reqs, args.concurrency, warm)
                figures.append((result.requests / result.seconds, (cpu_seconds() - cpu) / n * 1000))
                failed |= bool(result.statuses)
                for e in result.errors:
                    print(f"    e.g. {e}")
            ratio = figures[1][0] / figures[0][0]
            ratios.append(ratio)
            print(f"{pair + 1:<6} {figures[0][0]:>15.0f} {figures[0][1]:>10.2f} {figures[1][0]:>14.0f} "
                  f"{figures[1][1]:>10.2f} {ratio:>7.2f}")
        print(f"median ratio service / baseline: {statistics.median(ratios):.2f} (goal ≥ 0.5)")
        await base_runner.cleanup()

        await runner.cleanup()  # closes the app's database too
        runner = None
        check = Database(db_url)
        async with check.session() as session:
            stored = await session.scalar(select(func.count()).select_from(InboundMessage)) or 0
            delivered = await session.scalar(
                select(func.count()).select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.DELIVERED)) or 0
            intents = dict((await session.execute(
                select(InboundMessage.intent, func.count()).group_by(InboundMessage.intent))).all())
            persists = await session.scalar(
                select(func.count()).select_from(InboundMessage)
                .where(InboundMessage.intent == "problem_persists",
                       InboundMessage.campaign_id == campaign_id)) or 0
            # As the campaign's page and API give it (counted from the replies when read).
            flagged = (await campaign_progress(session, await session.get(Campaign, campaign_id)))[
                "problem_persists_count"]
            callbacks = await session.scalar(select(func.count()).select_from(CallTask)) or 0
        await check.dispose()

        expected_inbound = n + distinct_replayed + extra_inbound
        print()
        checks = [
            (f"inbound rows: {stored} (expected {n} + {distinct_replayed} replayed sids = {expected_inbound})",
             stored == expected_inbound),
            (f"delivered outbox rows: {delivered} (expected {n})", delivered == n),
            (f"campaign's problem_persists_count: {flagged} (replies saying so: {persists})",
             flagged == persists),
        ]
        for line, ok in checks:
            print(("ok    " if ok else "WRONG ") + line)
            failed |= not ok
        print("intents: " + ", ".join(f"{k} {v}" for k, v in sorted(intents.items()))
              + f"; callback call tasks: {callbacks}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"server process peak memory (ru_maxrss): {peak:.0f} MB; "
              f"load average {os.getloadavg()[0]:.1f}")
    finally:
        if runner is not None:
            await runner.cleanup()
        pool.shutdown()
        await drop_database(args.database_url, pg_name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
