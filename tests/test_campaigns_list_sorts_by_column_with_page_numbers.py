"""The campaigns list sorts by name, status (in the campaign's life order), recipients,
agency, creation and sending dates — on the page (column headers with aria-sort, page
numbers that keep the order) and in the API (``sort``, ``-key`` descending); campaigns never
launched stay last when sorting by sending date. Admins see each campaign's agency."""

from __future__ import annotations

import re

import pytest

from tests.support.campaigns import LISTED, add_listed_campaigns
from tests.support.factories import api_user, make_user, page_login


async def _names(client, headers, sort: str | None, **query: str) -> list[str]:
    params = {**({"sort": sort} if sort else {}), **query}
    resp = await client.get("/api/v1/campaigns", params=params, headers=headers)
    assert resp.status == 200, await resp.text()
    return [item["name"] for item in (await resp.json())["items"]]


@pytest.mark.parametrize(("sort", "expected"), [
    (None, ["écho", "Alpha", "Delta", "bravo", "charlie"]),  # newest first
    ("created", ["charlie", "bravo", "Delta", "Alpha", "écho"]),
    ("name", ["Alpha", "bravo", "charlie", "Delta", "écho"]),
    ("-name", ["écho", "Delta", "charlie", "bravo", "Alpha"]),
    ("status", ["charlie", "écho", "Alpha", "bravo", "Delta"]),  # draft → … → cancelled
    ("-recipients", ["Alpha", "bravo", "écho", "Delta", "charlie"]),
    ("launched", ["bravo", "Alpha", "écho", "Delta", "charlie"]),  # never launched: last
    ("-launched", ["écho", "Alpha", "bravo", "Delta", "charlie"]),  # …either way
    ("agency", ["Alpha", "Delta", "charlie", "écho", "bravo"]),  # then newest first
])
async def test_the_api_sorts_by_the_sort_parameter(client, db, clock, sort, expected):
    await add_listed_campaigns(db, clock.now())
    headers = await api_user(client, db, "admin", None)

    assert await _names(client, headers, sort) == expected


async def test_an_unknown_sort_is_a_400_naming_the_parameter(client, db):
    headers = await api_user(client, db, "manager", "Blois")

    resp = await client.get("/api/v1/campaigns", params={"sort": "couleur"}, headers=headers)

    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_parameter"
    assert error["details"][0]["field"] == "sort" and "name, created" in error["details"][0]["message"]


async def test_a_manager_sorts_only_their_agency(client, db, clock):
    await add_listed_campaigns(db, clock.now())
    headers = await api_user(client, db, "manager", "Blois")

    assert await _names(client, headers, "-recipients") == ["Alpha", "Delta", "charlie"]


def _headers(html: str) -> dict[str, tuple[str, str]]:
    """Column label -> (aria-sort, link)."""
    return {label: (aria, url.replace("&amp;", "&")) for aria, url, label in re.findall(
        r'<th scope="col" aria-sort="(\w+)"><a class="sort" href="([^"]+)">([^<]+?) <span', html)}


def _rows(html: str) -> list[str]:
    return re.findall(r'<td><a href="/campagnes/\d+">([^<]+)</a>', html)


async def test_the_page_sorts_by_a_header_and_the_page_numbers_keep_the_order(client, db, clock):
    await add_listed_campaigns(db, clock.now())
    await page_login(client, await make_user(db, "admin", None))

    default = await (await client.get("/campagnes")).text()
    headers = _headers(default)
    assert headers["Créée le"][0] == "descending"
    assert headers["Campagne"] == ("none", "?sort=name")
    assert set(headers) == {"Campagne", "Statut", "Destinataires", "Agence", "Créée le", "Envoi"}

    by_name = await (await client.get("/campagnes", params={"sort": "name", "per_page": "2"})).text()
    assert _rows(by_name) == ["Alpha", "bravo"]
    assert _headers(by_name)["Campagne"] == ("ascending", "?per_page=2&sort=-name")
    pages = re.findall(r'<a class="page" href="([^"]+)"[^>]*aria-label="Page (\d)"', by_name)
    assert [(n, url.replace("&amp;", "&")) for url, n in pages] == [
        ("2", "?per_page=2&sort=name&page=2"), ("3", "?per_page=2&sort=name&page=3")]
    assert '<span class="page current" aria-current="page">1</span>' in by_name

    third = await (await client.get("/campagnes", params={"sort": "name", "per_page": "2", "page": "3"})).text()
    assert _rows(third) == ["écho"]


async def test_admins_see_the_agency_of_each_campaign_and_managers_do_not(client, db, clock):
    await add_listed_campaigns(db, clock.now())
    await page_login(client, await make_user(db, "admin", None))

    html = await (await client.get("/campagnes", params={"sort": "-agency"})).text()

    assert _rows(html)[:2] == ["écho", "bravo"]
    cells = re.findall(r"<tr>\s*<td><a href=\"/campagnes/\d+\">([^<]+)</a>.*?</td>(?:\s*<td>[^<]*</td>){3}\s*<td>([^<]+)</td>", html, re.S)
    assert dict(cells) == {name: agency for name, (agency, *_) in LISTED.items()}

    await client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)})
    await page_login(client, await make_user(db, "manager", "Blois"))
    mine = await (await client.get("/campagnes")).text()
    assert "Agence" not in _headers(mine) and "Vendôme" not in mine
    assert sorted(_rows(mine)) == ["Alpha", "Delta", "charlie"]
