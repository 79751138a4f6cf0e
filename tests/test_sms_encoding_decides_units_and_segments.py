"""The encoding of an SMS body decides its cost: GSM-7 or UCS-2, units and segments."""

from __future__ import annotations

import pytest

from crm.sms.encoding import analyse, make_gsm_friendly

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments", "culprits"),
    [
        ("", "GSM-7", 0, 0, []),
        ("Bonjour Mme Martin, l'ascenseur est réparé.", "GSM-7", 43, 1, []),
        ("é è ù ì ò à É Ç Ä ä Ö ö Ñ ñ Ü ü ß", "GSM-7", 33, 1, []),
        ("Coût : 5€", "UCS-2", 9, 1, ["û"]),
        ("Prix 5€", "GSM-7", 8, 1, []),
        ("[]{}~^|\\", "GSM-7", 16, 1, []),
        ("saut\fde page", "GSM-7", 13, 1, []),
        ("a" * 160, "GSM-7", 160, 1, []),
        ("a" * 161, "GSM-7", 161, 2, []),
        ("a" * 306, "GSM-7", 306, 2, []),
        ("a" * 307, "GSM-7", 307, 3, []),
        ("€" * 80, "GSM-7", 160, 1, []),
        # 152 letters then a two-unit €: the escape pair is never cut, so it starts segment 2.
        ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2, []),
        ("Le chauffage est rétabli ça va mieux", "UCS-2", 36, 1, ["ç"]),
        ("ç" * 70, "UCS-2", 70, 1, ["ç"]),
        ("ç" * 71, "UCS-2", 71, 2, ["ç"]),
        ("ç" * 134, "UCS-2", 134, 2, ["ç"]),
        ("ç" * 135, "UCS-2", 135, 3, ["ç"]),
        ("Merci 😀", "UCS-2", 8, 1, ["😀"]),
        ("😀" * 35, "UCS-2", 70, 1, ["😀"]),
        ("😀" * 36, "UCS-2", 72, 2, ["😀"]),
        ("l’eau « chaude » … – œ", "UCS-2", 22, 1, ["’", "«", "»", "…", "–", "œ"]),
        (f"Merci{NBSP}!", "UCS-2", 7, 1, [NBSP]),
        ("â ê î ô û ë ï", "UCS-2", 13, 1, ["â", "ê", "î", "ô", "û", "ë", "ï"]),
    ],
)
def test_analyse_counts_units_and_segments_as_the_carrier_does(
    text: str, encoding: str, units: int, segments: int, culprits: list[str]
) -> None:
    result = analyse(text)
    assert (result.encoding, result.units, result.segments, result.ucs2_characters) == (
        encoding, units, segments, culprits)


@pytest.mark.parametrize(
    ("text", "friendly"),
    [
        ("l’eau", "l'eau"),
        ("‘oui’", "'oui'"),
        ("« coupure »", '" coupure "'),
        ("“merci”", '"merci"'),
        ("à bientôt…", "à bientôt..."),
        ("9h–12h — demain", "9h-12h - demain"),
        (f"Merci{NBSP}!{NNBSP}?", "Merci ! ?"),
        ("Ça déçoit, cœur, été, à", "Ça déçoit, cœur, été, à"),
    ],
)
def test_make_gsm_friendly_replaces_only_typography(text: str, friendly: str) -> None:
    assert make_gsm_friendly(text) == friendly


def test_a_message_with_only_typographic_culprits_becomes_gsm7_once_made_friendly() -> None:
    text = f"Mme Martin, l’ascenseur « B » est réparé{NNBSP}! Merci…"
    assert analyse(text).encoding == "UCS-2"
    assert analyse(make_gsm_friendly(text)).encoding == "GSM-7"


def test_accented_letters_outside_gsm7_keep_the_message_ucs2_after_friendly() -> None:
    text = "Votre chaudière sera contrôlée lundi"
    assert make_gsm_friendly(text) == text
    assert analyse(make_gsm_friendly(text)).ucs2_characters == ["ô"]
