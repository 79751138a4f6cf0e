"""French labels of call outcomes and task statuses, and the keys and order the pages use."""

from __future__ import annotations

from crm.calls.models import Outcome, TaskStatus
from crm.themes import THEMES

OUTCOME_LABELS = {
    Outcome.NO_ANSWER: "Pas de réponse",
    Outcome.VOICEMAIL: "Messagerie",
    Outcome.BUSY: "Occupé",
    Outcome.WRONG_NUMBER: "Faux numéro",
    Outcome.CALLBACK_REQUESTED: "Rappel demandé",
    Outcome.REFUSED: "Refus",
    Outcome.REACHED: "Joint",
}
# One key per outcome on the queue and the call sheet (static/calls.js).
OUTCOME_KEYS = {
    Outcome.NO_ANSWER: "1", Outcome.VOICEMAIL: "2", Outcome.BUSY: "3",
    Outcome.WRONG_NUMBER: "4", Outcome.CALLBACK_REQUESTED: "5", Outcome.REFUSED: "6",
    Outcome.REACHED: "7",
}
# The interview starts with the move-in, then follows the survey's chapters.
INTERVIEW_ORDER = [("move_in", THEMES["move_in"])] + [(code, label) for code, label in THEMES.items() if code != "move_in"]
STATUS_LABELS = {
    TaskStatus.OPEN: "À appeler", TaskStatus.REACHED: "Joint, entretien à saisir",
    TaskStatus.COMPLETED: "Entretien fait", TaskStatus.REFUSED: "Refus",
    TaskStatus.WRONG_NUMBER: "Aucun numéro valable", TaskStatus.EXHAUSTED: "Injoignable (4 essais)",
    TaskStatus.EXPIRED: "Fenêtre close", TaskStatus.CANCELLED: "Annulée (bail terminé)",
}
