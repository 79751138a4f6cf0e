"""The Twilio HTTP client encodes a POST's form parameters itself (aiohttp's own path for a
dict builds a FormData and a multipart writer per request, a sixth of a message's CPU):
what reaches the server must be byte for byte what aiohttp would have sent, for French
text, the characters that mean something in a form, an emoji, and repeated parameters."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from aiohttp import FormData, web

from crm.config import load_settings
from crm.sms.twilio import RebasingHttpClient, TwilioTransport

ACCOUNT = "AC" + "1" * 32
TRICKY = "Ascenseur réparé & testé : 5 % = ok + merci 👍\nRép. ?a=b;c"


class Capture:
    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.content_types: list[str] = []
        self.lengths: list[str | None] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.read())
        self.content_types.append(request.headers.get("Content-Type", ""))
        self.lengths.append(request.headers.get("Content-Length"))
        return web.json_response({"sid": "SM" + "0" * 32, "status": "queued", "to": "+33612345678",
                                  "body": "x", "account_sid": ACCOUNT}, status=201)


@pytest.fixture
async def capture(aiohttp_server) -> tuple[Capture, str]:  # type: ignore[no-untyped-def]
    cap = Capture()
    app = web.Application()
    app.router.add_post("/{tail:.*}", cap.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    return cap, str(server.make_url("")).rstrip("/")


def _aiohttp_encoding(data: dict[str, object]) -> bytes:
    return FormData(data)()._value  # type: ignore[attr-defined,no-any-return]


async def test_a_message_reaches_the_server_with_the_form_aiohttp_would_send(capture) -> None:  # type: ignore[no-untyped-def]
    cap, url = capture
    transport = TwilioTransport(load_settings(
        sms_backend="twilio", twilio_account_sid=ACCOUNT, twilio_auth_token="secret",
        twilio_from="+33700000000", twilio_api_base_url=url, public_url="https://crm.example.fr"))
    try:
        await transport.send("+33612345678", TRICKY, status_callback="https://crm.example.fr/s?a=1&b=2")
    finally:
        await transport.close()
    [raw] = cap.bodies
    fields = parse_qsl(raw.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    assert dict(fields) == {"To": "+33612345678", "From": "+33700000000", "Body": TRICKY,
                            "StatusCallback": "https://crm.example.fr/s?a=1&b=2"}
    assert raw == _aiohttp_encoding(dict(fields))  # same order, same escapes
    assert cap.content_types == ["application/x-www-form-urlencoded"]
    assert cap.lengths == [str(len(raw))]


async def test_repeated_parameters_are_sent_once_per_value(capture) -> None:  # type: ignore[no-untyped-def]
    cap, url = capture
    http = RebasingHttpClient(url)
    data: dict[str, object] = {"Body": TRICKY, "MediaUrl": ["https://a.fr/1.png", "https://a.fr/2.png"],
                               "SendAsMms": "true"}
    try:
        response = await http.request(
            "POST", "https://api.twilio.com/2010-04-01/Accounts/x/Messages.json", data=data,
            headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=(ACCOUNT, "secret"))
    finally:
        await http.close()
    assert response.status_code == 201
    [raw] = cap.bodies
    assert raw == _aiohttp_encoding(data)
    assert [v for k, v in parse_qsl(raw.decode("ascii")) if k == "MediaUrl"] == [
        "https://a.fr/1.png", "https://a.fr/2.png"]
