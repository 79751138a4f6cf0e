"""The Twilio transport drives the real SDK over HTTP and sorts Twilio's refusals into
permanent and transient errors (against the stand-in server, never a mock)."""

from __future__ import annotations

import pytest

from crm.config import load_settings
from crm.sms.transport import SmsError
from crm.sms.twilio import RebasingHttpClient, TwilioTransport, retry_after_seconds
from tests.support.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, FROM, TwilioStandin, twilio_standin  # noqa: F401

TO = "+33612345678"
CALLBACK = "http://testserver.local/webhooks/twilio/status"


def _settings(url: str, **extra):  # type: ignore[no-untyped-def]
    values = dict(sms_backend="twilio", twilio_account_sid=ACCOUNT_SID,
                  twilio_auth_token=AUTH_TOKEN, twilio_from=FROM, twilio_api_base_url=url,
                  public_url="http://testserver.local")
    values.update(extra)
    return load_settings(**values)


@pytest.fixture
async def transport(twilio_standin: TwilioStandin):  # type: ignore[no-untyped-def]
    t = TwilioTransport(_settings(twilio_standin.url), timeout=2)
    yield t
    await t.close()


async def test_a_message_is_posted_to_the_messages_api_and_its_sid_returned(
        transport: TwilioTransport, twilio_standin: TwilioStandin) -> None:
    sid = await transport.send(TO, "Bonjour, l'eau est rétablie.", status_callback=CALLBACK)
    assert sid.startswith("SM") and len(sid) == 34
    [req] = twilio_standin.requests
    assert (req.to, req.body, req.from_, req.status_callback, req.sid) == (
        TO, "Bonjour, l'eau est rétablie.", FROM, CALLBACK, sid)
    assert req.account_sid == ACCOUNT_SID and req.messaging_service_sid is None


async def test_a_messaging_service_is_used_instead_of_from_when_configured(
        twilio_standin: TwilioStandin) -> None:
    t = TwilioTransport(_settings(twilio_standin.url, twilio_messaging_service_sid="MG" + "a" * 32))
    try:
        await t.send(TO, "Bonjour")
    finally:
        await t.close()
    [req] = twilio_standin.requests
    assert req.messaging_service_sid == "MG" + "a" * 32 and req.from_ is None
    assert req.status_callback is None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (21211, "Numéro de téléphone invalide."),
        (21614, "Ce numéro n'est pas un mobile : il ne peut pas recevoir de SMS."),
        (21635, "Ce numéro n'est pas un mobile : il ne peut pas recevoir de SMS."),
        (21610, "Le destinataire a demandé l'arrêt des SMS (STOP)."),
        (21408, "L'envoi de SMS vers ce pays n'est pas activé sur le compte Twilio."),
    ],
)
async def test_refusals_about_the_number_are_permanent_with_a_french_reason(
        transport: TwilioTransport, twilio_standin: TwilioStandin, code: int, reason: str) -> None:
    twilio_standin.fail_next(1, status=400, code=code)
    with pytest.raises(SmsError) as info:
        await transport.send(TO, "Bonjour")
    assert (info.value.permanent, info.value.code, info.value.reason) == (True, code, reason)
    assert len(twilio_standin.requests) == 1  # the SDK did not retry


@pytest.mark.parametrize(
    ("status", "code", "expected_code"),
    [(400, 21611, 21611), (400, 30001, 30001), (429, 20429, 20429), (429, None, 429),
     (500, None, 500), (503, 20500, 20500)],
)
async def test_queue_full_throttling_and_server_errors_are_transient_and_not_retried_by_the_sdk(
        transport: TwilioTransport, twilio_standin: TwilioStandin,
        status: int, code: int | None, expected_code: int) -> None:
    twilio_standin.fail_next(1, status=status, code=code)
    with pytest.raises(SmsError) as info:
        await transport.send(TO, "Bonjour")
    assert info.value.permanent is False and info.value.code == expected_code
    assert len(twilio_standin.requests) == 1
    # The next try goes through.
    assert (await transport.send(TO, "Bonjour")).startswith("SM")


async def test_retry_after_of_a_429_is_passed_on(
        transport: TwilioTransport, twilio_standin: TwilioStandin) -> None:
    twilio_standin.fail_next(1, status=429, code=20429, retry_after=7)
    with pytest.raises(SmsError) as info:
        await transport.send(TO, "Bonjour")
    assert info.value.retry_after == 7.0 and not info.value.permanent


async def test_a_slow_answer_is_a_transient_error(twilio_standin: TwilioStandin) -> None:
    t = TwilioTransport(_settings(twilio_standin.url), timeout=0.2)
    twilio_standin.delay = 1.0
    try:
        with pytest.raises(SmsError) as info:
            await t.send(TO, "Bonjour")
    finally:
        await t.close()
    assert info.value.permanent is False
    assert info.value.reason == "Twilio n'a pas répondu à temps : nouvel essai plus tard."


async def test_an_unreachable_api_is_a_transient_error() -> None:
    t = TwilioTransport(_settings("http://127.0.0.1:9"), timeout=2)
    try:
        with pytest.raises(SmsError) as info:
            await t.send(TO, "Bonjour")
    finally:
        await t.close()
    assert info.value.permanent is False


async def test_wrong_credentials_are_transient_so_a_campaign_is_not_thrown_away(
        twilio_standin: TwilioStandin) -> None:
    t = TwilioTransport(_settings(twilio_standin.url, twilio_auth_token="wrong"))
    try:
        with pytest.raises(SmsError) as info:
            await t.send(TO, "Bonjour")
    finally:
        await t.close()
    assert (info.value.permanent, info.value.code) == (False, 20003)
    assert twilio_standin.accepted == []


async def test_fail_for_refuses_one_number_only(
        transport: TwilioTransport, twilio_standin: TwilioStandin) -> None:
    twilio_standin.fail_for("+33600000000", code=21614)
    with pytest.raises(SmsError) as info:
        await transport.send("+33600000000", "Bonjour")
    assert info.value.code == 21614
    assert (await transport.send(TO, "Bonjour")).startswith("SM")
    assert [r.to for r in twilio_standin.accepted] == [TO]


def test_the_rebasing_client_only_rewrites_twilio_urls() -> None:
    client = RebasingHttpClient.__new__(RebasingHttpClient)
    client.base_url = "http://127.0.0.1:4010"
    assert client.rebase("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json") == (
        "http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json")
    assert client.rebase("https://example.org/x") == "https://example.org/x"


def test_retry_after_reads_seconds_and_http_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    assert retry_after_seconds("12", now) == 12.0
    assert retry_after_seconds("Mon, 16 Nov 2026 09:00:30 GMT", now) == 30.0
    assert retry_after_seconds("n'importe quoi", now) is None
    assert retry_after_seconds(None, now) is None
