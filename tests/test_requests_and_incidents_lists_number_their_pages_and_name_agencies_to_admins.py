"""The requests and incidents lists show page numbers (partials/pagination.html)
whose links keep the filters, and tell an admin, who sees every agency, whose each row is;
a manager, who sees only their agency, gets no agency note."""

from __future__ import annotations

import re

import pytest

from tests.support.factories import make_user, page_login
from tests.support.security import two_agencies

LISTS = ["/demandes", "/incidents"]


def _page_links(html: str) -> dict[str, str]:
    return {n: url.replace("&amp;", "&") for url, n in re.findall(
        r'<a class="page" href="([^"]+)"[^>]*aria-label="Page (\d+)"', html)}


@pytest.mark.parametrize("path", LISTS)
async def test_an_admin_pages_by_number_and_sees_each_rows_agency(client, db, path):
    await two_agencies(db)
    await page_login(client, await make_user(db, "admin", None))

    first = await client.get(path, params={"status": "all", "per_page": "1"})
    html = await first.text()

    assert first.status == 200
    assert '<span class="page current" aria-current="page">1</span>' in html
    assert _page_links(html) == {"2": "?status=all&per_page=1&page=2"}
    second = await (await client.get(path, params={"status": "all", "per_page": "1", "page": "2"})).text()
    agencies = {re.search(r"[Aa]gence (Blois|Vendôme)", page).group(1) for page in (html, second)}  # type: ignore[union-attr]
    assert agencies == {"Blois", "Vendôme"}


@pytest.mark.parametrize("path", LISTS)
async def test_a_manager_sees_no_agency_note_on_rows(client, db, path):
    await two_agencies(db)
    await page_login(client, await make_user(db, "manager", "Blois"))

    html = await (await client.get(path, params={"status": "all"})).text()

    assert not re.search(r"[Aa]gence (Blois|Vendôme)</span>|· agence ", html)
    assert 'class="pagination"' not in html  # one agency's single row: one page
