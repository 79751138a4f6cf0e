"""The incident declaration form marks the field a refusal is about — aria-invalid, with a
French .field-error it is described by — and names it by its label in the summary, never
by a code: no place chosen, an unreadable start, an end before the start, a referent phone
that is not French, a title too long, a planned stop announced too late."""

from __future__ import annotations

import re

import pytest

from tests.support.factories import make_user, page_login
from tests.support.incidents import building


def _marked(html: str, field_id: str) -> str | None:
    """The field's error text when the field is aria-invalid and described by it (the place
    picker, ``estate``, is the form's ``scope``)."""
    name = "scope" if field_id == "estate" else field_id
    tag = re.search(rf'<(?:input|select|textarea|div)[^>]*\bid="{field_id}"[^>]*>', html)
    if not tag or f'aria-invalid="true" aria-describedby="{name}-error"' not in tag.group(0):
        return None
    error = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', html)
    return error.group(1) if error else None


CASES = [
    ("no place", {"buildings": None}, "estate", "Choisissez au moins une résidence"),
    ("unreadable start", {"starts_at": "16/11/2026 8h"}, "starts_at", "Date et heure illisibles"),
    ("end before start", {"starts_at": "2026-11-16T08:00", "expected_end_at": "2026-11-16T07:00"},
     "expected_end_at", "La fin prévue doit suivre le début."),
    ("foreign phone", {"referent_name": "Karim", "referent_phone": "+1 202 555 0100"}, "referent_phone",
     "n'est pas un numéro français valide"),
    ("long title", {"title": "x" * 201}, "title", "Au plus 200 caractères."),
    ("short notice", {"planned": "1", "starts_at": "2026-11-20T08:00", "referent_name": "Karim",
                      "referent_phone": "0254901234"}, "force_short_notice", "au moins 8 jours avant"),
]


@pytest.mark.parametrize(("case", "changes", "field_id", "message"), CASES, ids=[c[0] for c in CASES])
async def test_the_refused_field_is_marked_with_a_french_message(client, db, clock, case, changes, field_id, message):
    b = await building(db)
    csrf = await page_login(client, await make_user(db, role="manager", agency="Blois"))
    data = {"csrf_token": csrf, "kind": "lift", "planned": "0", "buildings": str(b.id)} | changes

    resp = await client.post("/incidents/nouveau", data={k: v for k, v in data.items() if v is not None})

    html = (await resp.text()).replace("&#39;", "'")
    assert resp.status == 422
    assert message in (_marked(html, field_id) or ""), html[html.find('id="form-error"'):][:300]
    assert len(re.findall(r'aria-invalid="true"', html)) == 1


async def test_the_summary_names_fields_by_their_labels(client, db, clock):
    b = await building(db)
    csrf = await page_login(client, await make_user(db, role="manager", agency="Blois"))

    resp = await client.post("/incidents/nouveau", data={
        "csrf_token": csrf, "kind": "meteorite", "planned": "0", "buildings": str(b.id), "title": "x" * 201})

    html = await resp.text()
    assert resp.status == 422
    assert re.search(r'id="form-error">À corriger : (Service interrompu, Titre|Titre, Service interrompu).<', html)
    assert _marked(html, "kind") and _marked(html, "title")
