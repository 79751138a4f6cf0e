"""A stand-in for Twilio's Messages API: a real aiohttp server the real SDK talks to.

It answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` like Twilio (form-encoded,
basic auth, 201 and a message resource with a unique ``SM…`` sid), records every request,
and can be told to fail: ``fail_next(n, status=400, code=21211)``, 429 with Retry-After,
500, ``delay`` seconds before answering, ``fail_for(number, code)``.

In the test process: the ``twilio_standin`` fixture. In its own process (benchmark, crash
test): ``StandinProcess.start(delay=...)``, controlled over HTTP (``/_standin/...``), or
``python -m tests.support.twilio_standin --port 0``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import secrets
import subprocess
import sys
import urllib.request
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "standin-auth-token"
FROM = "+33700000001"

_MESSAGES = {
    21211: "The 'To' number {to} is not a valid phone number.",
    21614: "'To' number is not a valid mobile number",
    21635: "'To' number cannot be a landline.",
    21610: "Attempt to send to unsubscribed recipient",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}.",
    21611: "This 'From' number has exceeded the maximum number of queued messages",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
}


@dataclass
class Failure:
    status: int = 400
    code: int | None = 21211
    retry_after: str | None = None


@dataclass
class Recorded:
    """One request as it reached the stand-in."""

    to: str | None
    body: str | None
    from_: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    account_sid: str
    status: int  # HTTP status answered
    sid: str | None = None  # set when accepted
    params: dict[str, str] = field(default_factory=dict)


class TwilioStandin:
    def __init__(self, *, auth_token: str | None = AUTH_TOKEN) -> None:
        self.auth_token = auth_token
        self.delay = 0.0
        self.requests: list[Recorded] = []
        self._fail_next: deque[Failure] = deque()
        self._fail_for: dict[str, Failure] = {}
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- what tests tell it --------------------------------------------------------------
    def fail_next(self, n: int = 1, status: int = 400, code: int | None = 21211,
                  retry_after: str | float | None = None) -> None:
        for _ in range(n):
            self._fail_next.append(Failure(status, code, None if retry_after is None else str(retry_after)))

    def fail_for(self, number: str, code: int = 21211, status: int = 400) -> None:
        self._fail_for[number] = Failure(status, code)

    def reset(self) -> None:
        self.delay = 0.0
        self.requests.clear()
        self._fail_next.clear()
        self._fail_for.clear()

    # -- what tests read -----------------------------------------------------------------
    @property
    def accepted(self) -> list[Recorded]:
        return [r for r in self.requests if r.sid]

    def received_by(self, number: str) -> list[Recorded]:
        return [r for r in self.accepted if r.to == number]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- the server ----------------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create_message)
        app.router.add_get("/_standin/requests", self._list_requests)
        app.router.add_post("/_standin/control", self._control)
        return app

    async def start(self, port: int = 0) -> None:
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _authorised(self, request: web.Request, sid: str) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user == sid and (self.auth_token is None or password == self.auth_token)

    async def _create_message(self, request: web.Request) -> web.Response:
        sid = request.match_info["sid"]
        form = {k: str(v) for k, v in (await request.post()).items()}
        rec = Recorded(
            to=form.get("To"), body=form.get("Body"), from_=form.get("From"),
            messaging_service_sid=form.get("MessagingServiceSid"),
            status_callback=form.get("StatusCallback"), account_sid=sid, status=0, params=form,
        )
        self.requests.append(rec)
        if self.delay:
            await asyncio.sleep(self.delay)
        if not self._authorised(request, sid):
            return self._error(rec, Failure(401, 20003))
        if not rec.to:
            return self._error(rec, Failure(400, 21604), "A 'To' phone number is required.")
        if not rec.body:
            return self._error(rec, Failure(400, 21602), "Message body is required.")
        if not (rec.from_ or rec.messaging_service_sid):
            return self._error(rec, Failure(400, 21603), "A 'From' phone number is required.")
        if self._fail_next:
            return self._error(rec, self._fail_next.popleft())
        if rec.to in self._fail_for:
            return self._error(rec, self._fail_for[rec.to])
        rec.status = 201
        rec.sid = f"SM{next(self._seq):08x}{secrets.token_hex(12)}"
        return web.json_response(self._resource(rec), status=201)

    def _resource(self, rec: Recorded) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC), usegmt=True)
        uri = f"/2010-04-01/Accounts/{rec.account_sid}/Messages/{rec.sid}.json"
        return {
            "account_sid": rec.account_sid, "api_version": "2010-04-01", "body": rec.body,
            "date_created": now, "date_sent": None, "date_updated": now,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": rec.from_, "messaging_service_sid": rec.messaging_service_sid,
            "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD",
            "sid": rec.sid, "status": "accepted" if rec.messaging_service_sid else "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": rec.to, "uri": uri,
        }

    def _error(self, rec: Recorded, failure: Failure, message: str | None = None) -> web.Response:
        rec.status = failure.status
        text = message or _MESSAGES.get(failure.code or 0, "Error").format(to=rec.to)
        headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
        if failure.status >= 500 and failure.code is None:
            return web.Response(status=failure.status, text="Internal Server Error", headers=headers)
        payload = {"code": failure.code, "message": text, "status": failure.status,
                   "more_info": f"https://www.twilio.com/docs/errors/{failure.code}"}
        return web.json_response(payload, status=failure.status, headers=headers)

    async def _list_requests(self, request: web.Request) -> web.Response:
        return web.json_response([asdict(r) for r in self.requests])

    async def _control(self, request: web.Request) -> web.Response:
        body = await request.json()
        if "delay" in body:
            self.delay = float(body["delay"])
        if "fail_next" in body:
            self.fail_next(**body["fail_next"])
        if "fail_for" in body:
            self.fail_for(**body["fail_for"])
        if body.get("reset"):
            self.reset()
        return web.json_response({"ok": True})


@pytest.fixture
async def twilio_standin() -> AsyncIterator[TwilioStandin]:
    standin = TwilioStandin()
    await standin.start()
    yield standin
    await standin.stop()


class StandinProcess:
    """The stand-in in a process of its own (so a benchmark or a killed service does not
    share its event loop). ``requests()`` reads what it recorded."""

    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    @classmethod
    def start(cls, *, delay: float = 0.0) -> "StandinProcess":
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.twilio_standin", "--port", "0", "--delay", str(delay)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            raise RuntimeError("the Twilio stand-in did not start")
        return cls(proc, int(json.loads(line)["port"]))

    def requests(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.url}/_standin/requests", timeout=30) as resp:
            return json.loads(resp.read())

    def accepted(self) -> list[dict[str, Any]]:
        return [r for r in self.requests() if r["sid"]]

    def control(self, **settings: Any) -> None:
        req = urllib.request.Request(
            f"{self.url}/_standin/control", data=json.dumps(settings).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )
        with urllib.request.urlopen(req, timeout=30):
            pass

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Twilio Messages API stand-in")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--any-token", action="store_true", help="accept any auth token")
    args = parser.parse_args()

    async def run() -> None:
        standin = TwilioStandin(auth_token=None if args.any_token else AUTH_TOKEN)
        standin.delay = args.delay
        await standin.start(args.port)
        print(json.dumps({"port": standin.port}), flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
