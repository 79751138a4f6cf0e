"""Packages import each other only downwards, as docs/DEVELOPING.md draws it: the core imports
no feature and not the web framework, the SMS channel knows nothing of campaigns or the
inbox, and no two feature packages import each other (no cycle). Cross-feature reactions go
through ``crm/hooks.py`` instead (modules named there are imported on first use)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRM = ROOT / "crm"

FEATURES = ("tenants", "sms", "campaigns", "inbox", "requests", "calls", "surveys", "incidents",
            "morning")
# The composition root: builds the app from every part, so it may import anything.
APP_MODULES = {"crm.app", "crm.serve", "crm.demo", "crm.schema"}

# Which package may import which (besides itself). Keep in step with docs/DEVELOPING.md.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "web": {"core"},
    "sms": {"core"},
    "tenants": {"core", "web"},
    "campaigns": {"core", "web", "tenants", "sms"},
    "inbox": {"core", "web", "tenants", "sms", "campaigns"},
    "requests": {"core", "web", "tenants", "sms", "campaigns", "inbox"},
    "calls": {"core", "web", "tenants", "inbox", "requests"},
    "surveys": {"core", "web", "tenants", "calls", "requests"},
    "incidents": {"core", "web", "tenants", "sms", "campaigns", "inbox", "calls"},
    # "Ce matin" only reads the others' tables; nothing imports it but the route table.
    "morning": {"core", "web", "tenants", "campaigns", "inbox", "calls", "requests"},
}
# Known exceptions, each with its reason.
EXCEPTIONS: set[str] = set()


def package_of(module: str) -> str:
    if module in APP_MODULES or module.startswith("crm.migrations"):
        return "app"
    parts = module.split(".")
    if len(parts) > 1 and parts[1] == "web":
        return "web"
    if len(parts) > 1 and parts[1] in FEATURES:
        return parts[1]
    return "core"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every crm module the file imports, at the top or inside functions (TYPE_CHECKING too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # "from crm import calendar" imports the module crm.calendar
            found |= {f"{node.module}.{alias.name}" for alias in node.names
                      if (CRM.parent / node.module.replace(".", "/") / f"{alias.name}.py").exists()
                      or (CRM.parent / node.module.replace(".", "/") / alias.name).is_dir()}
    return {name for name in found if name == "crm" or name.startswith("crm.")}


def package_edges() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> the imports that make that edge."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted(CRM.rglob("*.py")):
        if "versions" in path.parts:
            continue  # Alembic revisions
        importer = module_name(path)
        for imported in imports_of(path):
            if imported == "crm":
                continue
            a, b = package_of(importer), package_of(imported)
            if a != b and f"{importer} -> {imported}" not in EXCEPTIONS:
                edges.setdefault((a, b), []).append(f"{importer} -> {imported}")
    return edges


def test_every_package_imports_only_what_the_map_allows():
    forbidden = {
        edge: where for edge, where in package_edges().items()
        if edge[0] != "app" and edge[1] not in ALLOWED[edge[0]]
    }
    assert forbidden == {}


def test_feature_packages_form_no_import_cycle():
    graph: dict[str, set[str]] = {}
    for (a, b) in package_edges():
        if a in FEATURES and b in FEATURES:
            graph.setdefault(a, set()).add(b)

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt})):
                return True
        return False

    assert [f for f in FEATURES if reaches(f, f, set())] == []


def test_the_allowed_map_itself_has_no_cycle():
    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for nxt in ALLOWED.get(start, ()):
            if nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt})):
                return True
        return False

    assert [p for p in ALLOWED if reaches(p, p, set())] == []


def test_the_checker_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from crm.campaigns.delivery import apply_delivery_status\n")
    assert imports_of(source) == {"crm.campaigns.delivery"}
    assert package_of("crm.sms.local") == "sms" and package_of("crm.keys") == "core"
