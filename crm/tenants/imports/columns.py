"""The columns of a tenant file: their French names, accepted headers and length limits."""

from __future__ import annotations

from crm.csvfile import CsvFileError as ImportFileError
from crm.csvfile import header_key

# field: (French label used in messages, accepted headers besides the field name, max length)
COLUMNS: dict[str, tuple[str, tuple[str, ...], int | None]] = {
    "contract_ref": ("n° contrat", ("n° contrat", "nº contrat", "no contrat", "numero contrat",
                                    "numéro de contrat", "n° de contrat", "bail", "contrat"), 60),
    "tenant_ref": ("n° locataire", ("n° locataire", "numero locataire", "code tiers",
                                    "n° tiers"), 60),
    "civility": ("civilité", ("civilité", "title"), 20),
    "last_name": ("nom", ("nom", "nom de famille"), 120),
    "first_name": ("prénom", ("prénom",), 120),
    "mobile_phone": ("téléphone portable", ("portable", "tél. portable", "téléphone mobile",
                                            "téléphone portable", "tél. mobile", "mobile"), None),
    "landline_phone": ("téléphone fixe", ("téléphone fixe", "tél. fixe", "téléphone", "tél.",
                                          "fixe"), None),
    "email": ("courriel", ("courriel", "e-mail", "mail", "adresse e-mail", "adresse mail"), 254),
    "lease_start": ("date d'entrée", ("date d'entrée", "date entrée", "date de début"), None),
    "lease_end": ("date de sortie", ("date de sortie", "date sortie", "date de fin"), None),
    "agency": ("agence", ("agence",), 120),
    "local_office": ("permanence", ("permanence", "antenne"), 120),
    "residence": ("résidence", ("groupe", "résidence", "programme"), 160),
    "building": ("bâtiment", ("bâtiment", "immeuble"), 60),
    "entrance": ("escalier", ("escalier", "entrée"), 60),
    "floor": ("étage", ("étage",), 20),
    "dwelling_ref": ("n° logement", ("n° logement", "logement", "numero logement"), 60),
    "address": ("adresse", ("adresse",), 255),
    "postcode": ("code postal", ("code postal", "cp", "postal code", "zip"), 10),
    "city": ("commune", ("commune", "ville"), 120),
    "reduced_mobility": ("PMR", ("pmr", "mobilité réduite"), None),
    "sms_opt_out": ("refus SMS", ("refus sms", "opposition sms"), None),
    "monthly_rent": ("loyer", ("loyer", "loyer mensuel", "montant du loyer"), 20),  # rent rebates
}
REQUIRED = ("contract_ref", "last_name", "lease_start", "agency", "residence")


HEADERS: dict[str, str] = {}
for _field, (_label, _aliases, _max) in COLUMNS.items():
    for _alias in (_field, *_aliases):
        HEADERS.setdefault(header_key(_alias), _field)


def columns_of(header: list[str]) -> dict[str, int]:
    """field -> cell index; the first column wins when two headers mean the same field."""
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = header_key(name)
        if key in HEADERS and HEADERS[key] not in found:
            found[HEADERS[key]] = index
    return found


def check_columns(columns: dict[str, int]) -> None:
    missing = [f for f in REQUIRED if f not in columns]
    if not missing:
        return
    names = ", ".join(f"« {COLUMNS[f][0]} » ({f})" for f in missing)
    plural = "s" if len(missing) > 1 else ""
    labelled = [(f, COLUMNS[f][0]) for f in missing]
    if not columns:
        raise ImportFileError(
            "Ce fichier ne ressemble pas à un export CSV de locataires : aucune colonne "
            f"reconnue. Colonne{plural} obligatoire{plural} absente{plural} : {names}.",
            missing=labelled,
        )
    raise ImportFileError(f"Colonne{plural} obligatoire{plural} absente{plural} : {names}. "
                          "Vérifiez la ligne d'en-tête et le séparateur (; ou ,).", missing=labelled)
