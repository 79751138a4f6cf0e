"""An adviser corrects a reply's intent (API and conversation page); the correction is kept
(who, when, from -> to), exported as an Excel-safe CSV, and the script adds it to the
development corpus."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.inbox.replies.models import IntentCorrection
from crm.models import OptOutEvent
from tests.support.factories import api_user, make_lease, make_user, page_login
from tests.support.sms import http_settings, inbound, post_sms  # noqa: F401

NUMBER = "+33612345678"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(http_settings):
    return http_settings


async def _message(client, db, text="Le technicien vient demain matin", agency="Blois"):
    await make_lease(db, mobile=NUMBER, agency=agency)
    await post_sms(client, text)
    return (await inbound(db))[-1]


async def _corrections(db):
    async with db.session() as session:
        return list(await session.scalars(select(IntentCorrection).order_by(IntentCorrection.id)))


async def test_a_correction_by_api_changes_the_intent_and_is_kept(client, db, clock):
    m = await _message(client, db)
    user = await make_user(db, "adviser")
    from tests.support.factories import login

    headers = await login(client, user)
    resp = await client.post(f"/api/v1/inbox/{m.id}/intent", json={"intent": "question"}, headers=headers)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["previous_intent"] == m.intent
    [c] = await _corrections(db)
    assert (c.inbound_message_id, c.user_id, c.at) == (m.id, user.id, clock.now())
    assert (c.from_intent, c.to_intent, c.decided_by) == (m.intent, "question", m.decided_by)
    items = (await (await client.get("/api/v1/inbox?status=all", headers=headers)).json())["items"]
    assert items[0]["intent"] == "question"


@pytest.mark.parametrize("body, code", [({"intent": "colere"}, "invalid_intent"),
                                        ({"intent": "other"}, "unchanged_intent")])
async def test_a_wrong_correction_is_a_422_and_keeps_nothing(client, db, body, code):
    m = await _message(client, db)
    assert m.intent == "other"
    headers = await api_user(client, db, "adviser")
    resp = await client.post(f"/api/v1/inbox/{m.id}/intent", json=body, headers=headers)
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == code
    assert await _corrections(db) == []


async def test_correcting_to_opt_out_opts_the_number_out(client, db):
    m = await _message(client, db, "vos rappels de loyer, non merci")
    headers = await api_user(client, db, "adviser")
    resp = await client.post(f"/api/v1/inbox/{m.id}/intent", json={"intent": "opt_out"}, headers=headers)
    assert (await resp.json())["opted_out"] is True
    async with db.session() as session:
        [event] = list(await session.scalars(select(OptOutEvent)))
    assert (event.opted_out, event.source) == (True, "adviser")


async def test_another_agency_cannot_correct(client, db):
    m = await _message(client, db, agency="Vendôme")
    headers = await api_user(client, db, "adviser", agency="Blois")
    resp = await client.post(f"/api/v1/inbox/{m.id}/intent", json={"intent": "question"}, headers=headers)
    assert resp.status in (403, 404)
    assert await _corrections(db) == []


async def test_the_export_holds_only_the_manager_s_agency(client, db):
    m = await _message(client, db, "Texte VENDOMARK", agency="Vendôme")
    vendome = await api_user(client, db, "adviser", agency="Vendôme")
    await client.post(f"/api/v1/inbox/{m.id}/intent", json={"intent": "question"}, headers=vendome)
    blois = await api_user(client, db, "manager", agency="Blois")
    text = await (await client.get("/api/v1/inbox/corrections.csv", headers=blois)).text()
    assert "intention corrigée" in text and "VENDOMARK" not in text
    admin = await api_user(client, db, "admin", agency=None)
    assert "VENDOMARK" in await (await client.get("/api/v1/inbox/corrections.csv", headers=admin)).text()


async def test_the_conversation_page_corrects_with_a_form_and_shows_the_rule_on_hover(client, db):
    m = await _message(client, db, "Pourquoi l'eau est coupée ?")
    csrf = await page_login(client, await make_user(db, role="adviser"))
    page = await (await client.get(f"/messages/{m.id}")).text()
    assert 'title="Décidé par : question.mark « ? »"' in page
    assert 'name="intent"' in page and 'action="/messages/%d/intent"' % m.id in page
    resp = await client.post(f"/messages/{m.id}/intent", allow_redirects=False,
                             data={"csrf_token": csrf, "intent": "problem_persists"})
    assert resp.status == 303 and resp.headers["Location"] == f"/messages/{m.id}?corrige=1"
    assert "Intention corrigée." in await (await client.get(resp.headers["Location"])).text()
    [c] = await _corrections(db)
    assert (c.from_intent, c.to_intent) == ("question", "problem_persists")
    bad = await client.post(f"/messages/{m.id}/intent", data={"csrf_token": csrf, "intent": "zzz"})
    assert bad.status == 422 and "Intention inconnue." in await bad.text()


async def test_the_export_opens_in_excel_and_feeds_the_corpus_script(client, db, tmp_path):
    m = await _message(client, db, "=HYPERLINK(\"x\") le technicien vient demain")
    headers = await api_user(client, db, "adviser")
    await client.post(f"/api/v1/inbox/{m.id}/intent", json={"intent": "question"}, headers=headers)
    manager = await api_user(client, db, "manager")
    assert (await client.get("/api/v1/inbox/corrections.csv", headers=headers)).status == 403  # adviser
    resp = await client.get("/api/v1/inbox/corrections.csv", headers=manager)
    assert resp.status == 200 and resp.content_type == "text/csv"
    raw = await resp.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:6] == ["corrigé le", "message", "reçu le", "texte", "intention détectée",
                           "intention corrigée"]
    assert rows[1][3].startswith("'=HYPERLINK") and rows[1][4:6] == ["other", "question"]

    export = tmp_path / "corrections.csv"
    export.write_bytes(raw)
    corpus = tmp_path / "dev.csv"
    corpus.write_text("text,intent,tone\nbonjour,other,neutral\n", encoding="utf-8")
    done = await _run_script(export, corpus)
    assert done.returncode == 0, done.stderr
    with corpus.open(encoding="utf-8") as f:
        added = list(csv.DictReader(f))
    assert added[-1] == {"text": "=HYPERLINK(\"x\") le technicien vient demain", "intent": "question",
                         "tone": m.sentiment}
    refused = await _run_script(export, tmp_path / "replies_heldout.csv")
    assert refused.returncode == 2


async def _run_script(export, corpus) -> subprocess.CompletedProcess[str]:
    """The corpus script, run as a user would, off the event loop."""
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, str(ROOT / "scripts" / "corrections_to_corpus.py"),
                         str(export), "--corpus", str(corpus)], capture_output=True, text=True)
