"""One campaign's texts, computed once per distinct set of placeholder values.

A 100,000-recipient campaign holds far fewer distinct texts than recipients (a message
naming the residence has one text per residence), so the preview and the launch render,
check and analyse each distinct text once and only look the others up: the key is the
tuple of the values the template actually prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crm.campaigns.templating import TENANT_NAMES, MessageTemplate, placeholders
from crm.sms.encoding import SmsAnalysis, analyse

MAX_CACHED = 200_000  # a bound, not a tuning: past it, texts are computed without keeping them


@dataclass(frozen=True, slots=True)
class Rendering:
    text: str
    analysis: SmsAnalysis
    blank: tuple[str, ...]  # required placeholders left blank for these values


class Renderings:
    def __init__(self, template: MessageTemplate, body: str) -> None:
        self.template = template
        # The tenant fields the body prints: the campaign's own variables are the same
        # for every recipient, so they are not part of the key.
        used = placeholders(body)  # parses the body
        self.names = tuple(n for n in TENANT_NAMES if n in used)
        self._seen: dict[tuple[Any, ...], Rendering] = {}

    def of(self, context: Mapping[str, Any]) -> tuple[Rendering, bool]:
        """The rendering for this recipient, and whether its values are new."""
        key = tuple(context.get(n) for n in self.names)
        found = self._seen.get(key)
        if found is not None:
            return found, False
        text = self.template.render(context)
        rendering = Rendering(text, analyse(text), tuple(self.template.blank_fields(context)))
        if len(self._seen) < MAX_CACHED:
            self._seen[key] = rendering
        return rendering, True
