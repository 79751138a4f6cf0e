"""Lists: page numbers (first, last and around the current page), sortable columns that
keep the filters, and residences named with their agency in an admin's filter."""

import re

from crm.web.listing import page_links, sort_choice
from tests.support.factories import make_lease, make_user, page_login


def test_page_numbers_show_the_ends_and_the_neighbourhood():
    links = page_links(50, 100, {"q": "martin"})
    shown = [link.get("n", "…") for link in links]
    assert shown == [1, "…", 48, 49, 50, 51, 52, "…", 100]
    assert links[-1]["url"] == "?q=martin&page=100"
    assert [link["n"] for link in page_links(1, 3, {})] == [1, 2, 3]


def test_an_unknown_sort_falls_back_to_the_default():
    assert sort_choice("-lease_start", {"lease_start": 1, "name": 1}, "name") == ("lease_start", True)
    assert sort_choice("drop table", {"name": 1}, "name") == ("name", False)


async def test_the_tenants_list_sorts_by_a_column_both_ways_keeping_the_filters(client, db):
    from datetime import date

    await make_lease(db, last_name="Ancien", lease_start=date(2020, 1, 1), mobile=None)
    await make_lease(db, last_name="Nouveau", lease_start=date(2026, 11, 1), mobile=None)
    await make_lease(db, last_name="Milieu", lease_start=date(2023, 6, 1), mobile=None)
    await page_login(client, await make_user(db, "manager", "Blois"))
    html = await (await client.get("/locataires?sort=-lease_start")).text()
    assert html.index("Nouveau") < html.index("Milieu") < html.index("Ancien")
    assert '<th scope="col" aria-sort="descending"><a class="sort" href="?sort=lease_start">Entrée' in html
    html = await (await client.get("/locataires?sort=lease_start&q=a")).text()
    assert html.index("Ancien") < html.index("Nouveau")
    assert 'href="?q=a&amp;sort=name"' in html  # the search stays when sorting by another column


async def test_an_admin_sees_each_residence_with_its_agency(client, db):
    for agency in ("Blois", "Vendôme", "Romorantin"):
        await make_lease(db, agency=agency, residence="La Chênaie", mobile=None, last_name=agency)
    await page_login(client, await make_user(db, "admin", None))
    html = await (await client.get("/locataires")).text()
    for agency in ("Blois", "Vendôme", "Romorantin"):
        assert re.search(rf'<optgroup label="Agence {agency}">\s*<option value="\d+" >La Chênaie \({agency}\)</option>', html)
