"""Pydantic's validation errors in French, in one place.

The API keeps machine-readable field paths (``variables.date``, ``audience.buildings.0``)
and gives a French message per field; pages mark the field a path names. Messages are
keyed by pydantic's stable error ``type``; an unknown type falls back to a plain French
sentence rather than pydantic's English.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


def _fmt(template: str, ctx: dict[str, Any]) -> str:
    if isinstance(ctx.get("expected"), str):
        ctx["expected"] = ctx["expected"].replace(" or ", " ou ")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template.split(" (")[0].rstrip(" :{}") + "."


def _plural(n: Any, one: str, many: str) -> str:
    return f"{n} {one if n in (0, 1) else many}"


MESSAGES: dict[str, str] = {
    "missing": "Ce champ est obligatoire.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "string_type": "Une chaîne de caractères est attendue.",
    "string_pattern_mismatch": "Le format n'est pas valide.",
    "int_type": "Un nombre entier est attendu.",
    "int_parsing": "Un nombre entier est attendu.",
    "int_from_float": "Un nombre entier est attendu.",
    "float_type": "Un nombre est attendu.",
    "float_parsing": "Un nombre est attendu.",
    "bool_type": "Vrai ou faux (true/false) est attendu.",
    "bool_parsing": "Vrai ou faux (true/false) est attendu.",
    "dict_type": "Un objet est attendu.",
    "list_type": "Une liste est attendue.",
    "model_type": "Un objet est attendu.",
    "model_attributes_type": "Un objet est attendu.",
    "date_type": "Une date AAAA-MM-JJ est attendue.",
    "date_parsing": "Une date AAAA-MM-JJ est attendue.",
    "date_from_datetime_parsing": "Une date AAAA-MM-JJ est attendue.",
    "datetime_type": "Une date et heure ISO 8601 est attendue.",
    "datetime_parsing": "Une date et heure ISO 8601 est attendue.",
    "datetime_from_date_parsing": "Une date et heure ISO 8601 est attendue.",
    "timezone_aware": "La date et heure doit préciser son fuseau (ex. +01:00).",
    "time_parsing": "Une heure HH:MM est attendue.",
    "literal_error": "Valeur non reconnue ; valeurs possibles : {expected}.",
    "enum": "Valeur non reconnue ; valeurs possibles : {expected}.",
    "greater_than": "Doit être supérieur à {gt}.",
    "greater_than_equal": "Doit être supérieur ou égal à {ge}.",
    "less_than": "Doit être inférieur à {lt}.",
    "less_than_equal": "Doit être inférieur ou égal à {le}.",
    "json_invalid": "JSON invalide.",
    "union_tag_invalid": "Type non reconnu.",
}


def french_message(error: dict[str, Any]) -> str:
    kind, ctx = error.get("type", ""), dict(error.get("ctx") or {})
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        return "Ce champ est obligatoire." if n == 1 else f"Au moins {_plural(n, 'caractère', 'caractères')}."
    if kind == "string_too_long":
        return f"Au plus {_plural(ctx.get('max_length'), 'caractère', 'caractères')}."
    if kind == "too_short":
        return f"Au moins {_plural(ctx.get('min_length'), 'élément', 'éléments')}."
    if kind == "too_long":
        return f"Au plus {_plural(ctx.get('max_length'), 'élément', 'éléments')}."
    if kind == "value_error":
        # Our own validators raise ValueError with a French sentence.
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ") \
            or "Valeur invalide."
    if kind in MESSAGES:
        return _fmt(MESSAGES[kind], ctx)
    return "Valeur invalide."


def field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def french_details(exc: ValidationError) -> list[dict[str, str]]:
    """``[{"field": "variables.date", "message": "Ce champ est obligatoire."}, ...]``."""
    return [{"field": field_path(e["loc"]), "message": french_message(e)}
            for e in exc.errors(include_url=False)]


def summary(details: list[dict[str, str]]) -> str:
    """One French sentence naming the fields, for the error's ``message``."""
    named = [f"{d['field'] or 'corps'} ({d['message'][:1].lower()}{d['message'][1:].rstrip('.')})"
             for d in details[:5]]
    more = f" et {len(details) - 5} autre(s)" if len(details) > 5 else ""
    return "Champ invalide : " + " ; ".join(named) + more + "." if len(details) == 1 \
        else "Champs invalides : " + " ; ".join(named) + more + "."
