"""French text compared without accents ("Hélène" == "Helene", "ARRÊT" == "ARRET")."""

from __future__ import annotations

import unicodedata


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))

# What replaces personal texts (RGPD): on a household's request, and after the retention
# period (crm/tenants/retention.py). Purges skip texts already replaced.
ANONYMIZED = "[anonymisé]"
PURGED = "[supprimé — durée de conservation dépassée]"
