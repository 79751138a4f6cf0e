"""The steps of a request, their French labels, and the one rule about moving between them:
forward only, except ``done → in_progress`` (reopened) and ``cancelled`` from any open step."""

from __future__ import annotations

from crm.errors import Conflict

REGISTERED = "registered"  # enregistrée
TAKEN_ON = "taken_on"  # prise en charge
SCHEDULED = "scheduled"  # rendez-vous fixé (appointment_at)
IN_PROGRESS = "in_progress"  # intervention commencée
DONE = "done"  # traitée
CLOSED = "closed"  # clôturée
CANCELLED = "cancelled"  # annulée (from any open step)

ORDER = (REGISTERED, TAKEN_ON, SCHEDULED, IN_PROGRESS, DONE, CLOSED)
ALL = ORDER + (CANCELLED,)
RANK = {status: i for i, status in enumerate(ORDER)}
# Still being worked on: may be late, may be cancelled.
OPEN = (REGISTERED, TAKEN_ON, SCHEDULED, IN_PROGRESS)
FINISHED = (DONE, CLOSED, CANCELLED)

LABELS = {
    REGISTERED: "Enregistrée", TAKEN_ON: "Prise en charge", SCHEDULED: "Rendez-vous fixé",
    IN_PROGRESS: "Intervention commencée", DONE: "Traitée", CLOSED: "Clôturée",
    CANCELLED: "Annulée",
}
# What the one-click buttons on the request page say.
ACTIONS = {
    TAKEN_ON: "Prendre en charge", SCHEDULED: "Fixer le rendez-vous",
    IN_PROGRESS: "Intervention commencée", DONE: "Marquer traitée", CLOSED: "Clôturer",
    CANCELLED: "Annuler la demande",
}

KINDS = {"technical": "Technique", "administrative": "Administrative"}
URGENCIES = {"U1": "U1 — 4 heures", "U2": "U2 — 24 heures", "U3": "U3 — 5 jours ouvrés"}

# Suggested categories (free text is accepted too: landlords name things their own way).
CATEGORIES: dict[str, dict[str, str]] = {
    "technical": {
        "leak": "Fuite / plomberie", "heating": "Chauffage / eau chaude",
        "electricity": "Électricité", "lift": "Ascenseur", "locks": "Serrurerie / portes",
        "joinery": "Menuiseries", "common_areas": "Parties communes", "pests": "Nuisibles",
        "equipment": "Équipements", "other_technical": "Autre (technique)",
    },
    "administrative": {
        "rent": "Loyer / APL", "charges": "Charges", "dwelling_change": "Changement de logement",
        "certificate": "Attestation", "lease": "Contrat / bail",
        "neighbour_dispute": "Troubles de voisinage", "incivility": "Incivilités",
        "insurance": "Assurance", "other_administrative": "Autre (administrative)",
    },
}
CATEGORY_LABELS = {code: label for group in CATEGORIES.values() for code, label in group.items()}
# Never a status SMS: telling a household about a dispute with its neighbours by SMS can make
# it worse (the neighbour may read it; the other party is sometimes the one who reported).
SILENT_CATEGORIES = ("neighbour_dispute", "incivility")
# Free-text categories of the former follow-ups that mean the same thing.
_SILENT_WORDS = ("voisin", "incivil")


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category)


_BY_LABEL = {label.lower(): code for code, label in CATEGORY_LABELS.items()}


def category_code(text: str) -> str:
    """The code of a category typed as its French label ("Fuite / plomberie" -> leak);
    free text is kept as typed."""
    text = text.strip()
    return _BY_LABEL.get(text.lower(), text)


def is_silent(category: str) -> bool:
    """True for the categories that never send the tenant a status SMS."""
    from crm.text import strip_accents

    if category in SILENT_CATEGORIES:
        return True
    folded = strip_accents(category.lower())
    return any(word in folded for word in _SILENT_WORDS)


def theme_of(kind: str) -> str:
    """The survey theme a request's satisfaction answer counts for."""
    return "technical_requests" if kind == "technical" else "non_technical_requests"


def is_allowed(current: str, new: str) -> bool:
    if new == CANCELLED:
        return current in OPEN
    if current == DONE and new == IN_PROGRESS:
        return True  # reopened: the tenant says it is not fixed
    if current not in RANK or new not in RANK:
        return False
    return RANK[new] > RANK[current]


def is_older_or_same(current: str, new: str) -> bool:
    """A pushed step the request has already passed (ignored by the push by reference)."""
    if new == current:
        return True
    if current == CANCELLED:
        return True
    return new in RANK and current in RANK and RANK[new] < RANK[current]


def check_transition(current: str, new: str) -> None:
    if not is_allowed(current, new):
        raise Conflict(
            f"Une demande « {LABELS.get(current, current)} » ne peut pas passer à "
            f"« {LABELS.get(new, new)} » : les étapes ne reviennent pas en arrière.",
            code="step_not_allowed", details={"from": current, "to": new},
        )
