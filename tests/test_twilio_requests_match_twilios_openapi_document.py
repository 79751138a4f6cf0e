"""Contract: what TwilioTransport sends is a valid request according to Twilio's published
OpenAPI document, checked by Prism (a mock server that validates requests: 422 naming the
fault when a request breaks the contract)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm.config import load_settings
from crm.sms.transport import SmsError
from crm.sms.twilio import TwilioTransport
from tests.support.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, FROM

# One Prism (slow to start) for the module, on one xdist worker.
pytestmark = pytest.mark.xdist_group("prism")

ROOT = Path(__file__).resolve().parent.parent
# Twilio's published document, in ../shared beside the clone (CI lays a copy there).
SPEC = next((p for p in (ROOT.parent / "shared" / "twilio-oai" / "twilio_api_v2010.json",
                         Path("/work/shared/twilio-oai/twilio_api_v2010.json")) if p.exists()),
            ROOT.parent / "shared" / "twilio-oai" / "twilio_api_v2010.json")
START_TIMEOUT = 180.0  # Prism parses a 1.9 MB document: slow on a busy machine


def _prism() -> str | None:
    local = ROOT / ".tools" / "node_modules" / ".bin" / "prism"
    if local.exists():
        return str(local)
    return shutil.which("prism")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    prism = _prism()
    if prism is None:
        message = ("Prism is not installed: run `npm install --prefix .tools "
                   "@stoplight/prism-cli` (or put `prism` on PATH)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    if not SPEC.exists():
        pytest.fail(f"Twilio's OpenAPI document is missing: {SPEC}")
    port = _free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([prism, "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail("Prism stopped:\n" + log.read_text(errors="replace")[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("Prism did not start in time:\n" + log.read_text(errors="replace")[-2000:])
                time.sleep(0.2)  # waiting for a subprocess to listen, bounded above
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _transport(url: str, **extra: str) -> TwilioTransport:
    values = dict(sms_backend="twilio", twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                  twilio_from=FROM, twilio_api_base_url=url, public_url="https://crm.example.fr")
    values.update(extra)
    return TwilioTransport(load_settings(**values), timeout=30)


async def test_a_message_with_a_status_callback_matches_the_contract(prism_url: str) -> None:
    transport = _transport(prism_url)
    try:
        sid = await transport.send("+33612345678", "Coupure d'eau ce matin, retour prévu à 12h. é€",
                                   status_callback="https://crm.example.fr/webhooks/twilio/status")
    except SmsError as exc:  # Prism's 422 says which part of the request is wrong
        pytest.fail(f"Prism refused the request: {exc} ({exc.code})")
    finally:
        await transport.close()
    assert sid.startswith("SM")


async def test_a_message_through_a_messaging_service_matches_the_contract(prism_url: str) -> None:
    transport = _transport(prism_url, twilio_messaging_service_sid="MG" + "a" * 32)
    try:
        sid = await transport.send("+33612345678", "Bonjour")
    except SmsError as exc:
        pytest.fail(f"Prism refused the request: {exc} ({exc.code})")
    finally:
        await transport.close()
    assert sid.startswith("SM")


def test_prism_does_refuse_a_request_that_breaks_the_contract(prism_url: str) -> None:
    # Without this, a Prism that accepted anything would make the tests above meaningless.
    request = urllib.request.Request(
        f"{prism_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        data=b"From=%2B33700000001&Body=Bonjour", method="POST",  # no To
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Authorization": "Basic QUM6dG9r"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 422
    assert "To" in info.value.read().decode()
