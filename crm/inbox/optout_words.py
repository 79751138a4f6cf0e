"""Opt-out and opt-in keywords (RULES.md, SMS): a reply made of one such word only.

"Stop", "S T O P", "arrêt", "Arrete !" all count; "stop les appels svp" does not (that is a
sentence, read by a person in the inbox).
"""

from __future__ import annotations

import re

from crm.text import strip_accents

OPT_OUT_WORDS = frozenset({
    "STOP", "ARRET", "ARRETE", "DESABONNER", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
})
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "OUI"})

# Everything that is not a letter goes: spaces inside the word, trailing "!" or ".".
_NOT_LETTER = re.compile(r"[^A-Z]")



def keyword_of(text: str) -> str:
    """The reply reduced to bare upper-case letters without accents ("Arrêt !" -> "ARRET")."""
    return _NOT_LETTER.sub("", strip_accents(text).upper())


def _is_single_word(text: str) -> bool:
    # "S T O P" is one word spelt with spaces; "stop merci" and "STOP 2" are not. Spelt-out
    # words are made of single letters only; punctuation around the word is allowed.
    if re.search(r"[^\w\s.!?,;:'\-]|[\d_]", text):
        return False
    parts = re.findall(r"[^\W\d_]+", text)
    return len(parts) == 1 or (len(parts) > 1 and all(len(p) == 1 for p in parts))


def is_opt_out(text: str) -> bool:
    key = keyword_of(text)
    # "STOP SMS" is how French short codes spell it in every marketing message.
    if key.endswith("SMS") and key[:-3] in OPT_OUT_WORDS and len(text.split()) <= 2:
        return not re.search(r"[\d_]", text)
    return _is_single_word(text) and key in OPT_OUT_WORDS


def is_opt_in(text: str) -> bool:
    return _is_single_word(text) and keyword_of(text) in OPT_IN_WORDS
