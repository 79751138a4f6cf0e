"""An admin's inbox holds every agency's replies: each row says whose it is. A manager,
who sees only their agency, gets no agency note."""

from __future__ import annotations

import re

from tests.support.factories import make_user, page_login
from tests.support.security import two_agencies


async def test_an_admin_sees_the_agency_of_each_message(client, db):
    await two_agencies(db)
    await page_login(client, await make_user(db, "admin", None))

    html = await (await client.get("/messages", params={"status": "all"})).text()

    rows = re.findall(r'<li class="inbox-item.*?</li>', html, flags=re.S)
    notes = {re.search(r'class="muted inbox-agency">Agence ([^<]+)<', row).group(1)  # type: ignore[union-attr]
             for row in rows}
    assert notes == {"Blois", "Vendôme"}
    blois_row = next(row for row in rows if "BLOISMARK" in row)
    assert "Agence Blois<" in blois_row


async def test_a_manager_sees_no_agency_note(client, db):
    await two_agencies(db)
    await page_login(client, await make_user(db, "manager", "Blois"))

    html = await (await client.get("/messages", params={"status": "all"})).text()

    assert "BLOISMARK" in html and "VENDOMARK" not in html
    assert "inbox-agency" not in html
