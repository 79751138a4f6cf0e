"""A Content-Security-Policy that allows no inline script, and templates that need none:
JavaScript lives in static/ files (JSON data blocks are not scripts)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.factories import make_user

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


async def test_pages_send_a_policy_without_inline_script(client, db):
    for path in ("/login", "/static/style.css"):
        policy = (await client.get(path)).headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"


def test_no_template_holds_an_inline_script_or_event_handler():
    found = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for attrs in SCRIPT.findall(text):
            if "src=" not in attrs and 'type="application/json"' not in attrs:
                found.append(f"{template.relative_to(TEMPLATES)}: <script{attrs}>")
        found += [f"{template.relative_to(TEMPLATES)}: {m.group().strip()}" for m in HANDLER.finditer(text)]
    assert found == []


async def test_the_scripts_pages_name_are_served(client, db):
    user = await make_user(db, "manager", "Blois")
    del user
    for template in TEMPLATES.rglob("*.html"):
        for src in re.findall(r'<script[^>]*src="([^"]+)"', template.read_text(encoding="utf-8")):
            assert (await client.get(src)).status == 200, f"{template.name}: {src}"
