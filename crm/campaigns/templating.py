"""Message templates: ``{{ placeholders }}`` rendered per tenant in a sandboxed Jinja2.

The body comes from a manager's keyboard, so it is rendered in a ``SandboxedEnvironment``
(no attribute tricks) with ``StrictUndefined``; names are checked when the campaign is
created, so a typo ("{{ prenom }}") is refused before anything is launched rather than
discovered on the 3,000th message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from crm.errors import Invalid

# What every tenant's rendering context holds (audience.py fills it).
TENANT_NAMES: tuple[str, ...] = (
    "first_name", "last_name", "civility", "residence", "building", "entrance",
    "agency_name", "agency_phone",
)
_VARIABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")


def _blank_none(value: Any) -> Any:
    # A tenant without a building must read "", never "None".
    return "" if value is None else value


_env = SandboxedEnvironment(
    undefined=jinja2.StrictUndefined, autoescape=False, finalize=_blank_none,
    keep_trailing_newline=False,
)


def placeholders(body: str) -> set[str]:
    """The names a template uses; 422 when it is not a valid template."""
    try:
        return set(meta.find_undeclared_variables(_env.parse(body)))
    except jinja2.TemplateSyntaxError as exc:
        raise Invalid(
            f"Le modèle de message est mal formé (ligne {exc.lineno}) : {exc.message}",
            code="template_syntax",
        ) from None


def check_template(body: str, variables: Mapping[str, Any]) -> None:
    """Refuse (422) unknown placeholders and badly named or shadowing variables."""
    for name in variables:
        if not _VARIABLE_NAME.match(name) or name in TENANT_NAMES:
            raise Invalid(
                f"Nom de variable invalide : « {name} » (minuscules, chiffres et _ ; "
                "pas un nom réservé).",
                code="invalid_variable", details={"variable": name},
            )
    unknown = sorted(placeholders(body) - set(TENANT_NAMES) - set(variables))
    if unknown:
        raise Invalid(
            "Champ inconnu dans le message : " + ", ".join("{{ " + n + " }}" for n in unknown)
            + ". Champs possibles : " + ", ".join(TENANT_NAMES + tuple(variables)) + ".",
            code="unknown_placeholder", details={"unknown": unknown},
        )


class MessageTemplate:
    """A body compiled once, rendered for many tenants."""

    def __init__(self, body: str, variables: Mapping[str, Any] | None = None) -> None:
        self.variables = dict(variables or {})
        check_template(body, self.variables)
        self._template = _env.from_string(body)

    def render(self, context: Mapping[str, Any]) -> str:
        # Campaign variables first: the tenant's own fields are reserved names anyway.
        return self._template.render({**self.variables, **context}).strip()


def render_once(body: str, context: Mapping[str, Any], variables: Mapping[str, Any] | None = None) -> str:
    return MessageTemplate(body, variables).render(context)
