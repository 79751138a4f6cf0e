"""Understanding French tenant replies: an intent and a sentiment, rules first.

textblob-fr's PatternAnalyzer gives a polarity hint offline, but alone it reads
"toujours pas d'eau chaude" as positive (it scores "chaude"), so the French rules below
decide: opt-out words, callback requests, "toujours pas / encore / en panne / ne marche pas",
negation, SMS spellings ("tjrs", "pb", "svp") and emoji. The polarity only tips replies the
rules leave undecided. Everything lives in this module so that the labelled set in
tests/data/replies_labelled.csv exercises it as a whole.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

from crm.inbox.optout_words import is_opt_in, is_opt_out
from crm.text import strip_accents


class Intent:
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    PROBLEM_PERSISTS = "problem_persists"  # "toujours pas d'eau"
    PROBLEM_SOLVED = "problem_solved"  # "l'eau est revenue, merci"
    CALLBACK_REQUEST = "callback_request"  # "rappelez-moi svp"
    THANKS = "thanks"
    QUESTION = "question"
    OTHER = "other"
    ALL = (OPT_OUT, OPT_IN, PROBLEM_PERSISTS, PROBLEM_SOLVED, CALLBACK_REQUEST, THANKS,
           QUESTION, OTHER)


INTENT_LABELS = {
    Intent.OPT_OUT: "Désinscription (STOP)",
    Intent.OPT_IN: "Réinscription",
    Intent.PROBLEM_PERSISTS: "Le problème continue",
    Intent.PROBLEM_SOLVED: "Problème résolu",
    Intent.CALLBACK_REQUEST: "Demande de rappel",
    Intent.THANKS: "Remerciement",
    Intent.QUESTION: "Question",
    Intent.OTHER: "Autre",
}
SENTIMENT_LABELS = {"negative": "négatif", "neutral": "neutre", "positive": "positif"}


@dataclass(frozen=True)
class Understanding:
    intent: str
    sentiment: str  # negative | neutral | positive
    score: float  # in [-1, 1]


# --- normalisation -------------------------------------------------------------------------

# SMS spellings and abbreviations, replaced word by word before the rules run.
_SMS_WORDS = {
    "tjrs": "toujours", "tjr": "toujours", "tjs": "toujours", "toujour": "toujours",
    "tjours": "toujours",
    "pb": "probleme", "pbs": "problemes", "pbm": "probleme", "prob": "probleme",
    "pblm": "probleme", "prblm": "probleme",
    "svp": "s'il vous plait", "stp": "s'il te plait", "svpl": "s'il vous plait",
    "slvp": "s'il vous plait",
    "bcp": "beaucoup", "bcq": "beaucoup", "mrc": "merci", "mci": "merci", "mercii": "merci",
    "merciii": "merci", "thx": "merci", "tkt": "ne vous inquietez pas",
    "pk": "pourquoi", "pq": "pourquoi", "pkoi": "pourquoi", "pourkoi": "pourquoi",
    "qd": "quand", "kan": "quand", "koi": "quoi", "ki": "qui", "cmt": "comment",
    "dc": "donc", "ds": "dans", "ms": "mais", "tt": "tout", "tte": "toute", "ts": "tous",
    "jsp": "je ne sais pas", "chui": "je suis", "jsuis": "je suis", "chuis": "je suis",
    "ya": "il y a", "yapa": "il n'y a pas", "yen": "il y en", "g": "j'ai", "c": "c'est",
    "ct": "c'etait", "pa": "pas", "mm": "meme", "mn": "maintenant",
    "mtn": "maintenant", "now": "maintenant", "auj": "aujourd'hui", "ajd": "aujourd'hui",
    "rdv": "rendez-vous", "asc": "ascenseur", "ascenceur": "ascenseur",
    "rapl": "rappel", "rapel": "rappel", "rapellez": "rappelez",
    "rapeler": "rappeler", "rapelez": "rappelez",
    "okk": "ok", "oki": "ok", "dacc": "d'accord", "dac": "d'accord", "daccord": "d'accord",
    "bjr": "bonjour", "bsr": "bonsoir", "slt": "salut", "cc": "coucou", "nn": "non",
    "vs": "vous", "ns": "nous", "bat": "batiment", "bt": "batiment",
    "appart": "appartement", "apart": "appartement", "tel": "telephone",
    "rep": "reponse", "pr": "pour", "ptn": "", "mdr": "", "lol": "",
    "nikel": "nickel", "impec": "impeccable",
}

# Words after which a lone letter names a place rather than abbreviating a verb.
_PLACE_WORDS = frozenset({"batiment", "bat", "bt", "entree", "escalier", "bloc", "immeuble",
                          "cage", "allee", "porte", "residence", "tour", "hall"})

_POSITIVE_EMOJI = set("👍🙏😊🙂😀😃😄😁👌❤💚💙🥰😍🤗✅☺👏🌞💐")
_NEGATIVE_EMOJI = set("😡😠🤬😤👎😞😢😭😩😫😒🙄💩❌😖😣☹🥶")


def normalise(text: str) -> str:
    """Lower case, no accents, one kind of apostrophe, SMS spellings expanded."""
    t = strip_accents(text.lower())
    t = t.replace("’", "'").replace("`", "'").replace("œ", "oe")
    t = re.sub(r"(.)\1{2,}", r"\1\1", t)  # "merciiii" -> "mercii", "!!!!" -> "!!"
    words: list[str] = []
    for token in re.findall(r"[a-z0-9']+|[?!.,;:]", t):
        if token in ("c", "g") and words and words[-1] in _PLACE_WORDS:
            words.append(token)  # "bâtiment C", "entrée G": a name, not "c'est" / "j'ai"
        else:
            words.append(_SMS_WORDS.get(token, token))
    out = " ".join(w for w in words if w)
    # "n'" / "l'" / "d'" glued to the next word: keep the apostrophe as a separate mark.
    out = re.sub(r"\b([nldjmcstqu]+)'\s*", r"\1' ", out)
    return re.sub(r"\s+", " ", out).strip()


# --- intent rules (on normalised text) -----------------------------------------------------

def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


_VERBS_WORK = r"(?:marche|marchent|fonctionne|fonctionnent|remarche|refonctionne|va|vont|chauffe|chauffent|coule|coulent|s'allume|s' allume)"

_CALLBACK = _rx(
    r"\brappel+(?:ez|er|e|es)?[ -]?(?:moi|nous)\b",
    r"\b(?:me|nous) rappel+(?:er|ez|e)\b",
    r"\b(?:m' |me )(?:appeler|appelez|telephoner|contacter|joindre)\b",
    r"\bappel+(?:ez|er|e)[ -]?(?:moi|nous)\b",
    r"\bcontactez[ -]?(?:moi|nous)\b",
    r"\b(?:besoin|envie|souhaite\w*|voudrais|veux|aimerais)\b.{0,30}\b(?:etre rappele|etre rappelee|un rappel|un appel|qu' on m' appelle|qu' on me rappelle|parler a quelqu' ?un|parler a un conseiller|vous parler|qu' on m' rappelle)",
    r"\bpouvez[ -]vous m' appeler\b",
    r"\bqu' ?on me rappelle\b|\bqu' ?on m' appelle\b",
    r"\brappel (?:s'il vous plait|svp|urgent|rapide|merci)\b",
    r"^rappel\b",
    r"\bjoignable\b.{0,40}\b(?:apres|avant|a partir|entre|le matin|l' apres-midi|demain|ce soir)\b",
    r"\bmerci de (?:me|m' ) (?:rappeler|appeler|contacter)\b",
    r"\bmerci de me rappeler\b",
    r"\bj' attends (?:votre|un|le|ton) (?:appel|coup de fil|rappel|coup de telephone)\b",
)

# "Arrêtez de m'appeler", "ne me rappelez pas": the opposite of a callback request.
_NO_CALLBACK = _rx(
    r"\b(?:arrete[rz]?|cessez|stop|plus besoin) (?:de )?(?:me |m' )(?:appeler|rappeler|telephoner|contacter)\b",
    r"\bne (?:me |m' )(?:appelez|rappelez|appeler|rappeler|telephonez|contactez)(?: plus| pas| jamais)\b",
    r"\bne (?:pas|plus|jamais) (?:me |m' )(?:appeler|rappeler|telephoner|contacter)\b",
    r"\bpas (?:la peine|besoin) de (?:me |m' )(?:appeler|rappeler|telephoner|contacter)\b",
)

_PERSISTS = _rx(
    r"\btoujours (?:pas|rien|aucun|aucune|pareil|le meme|la meme|en panne|bloque|bloquee|coupe|coupee|froid|froide|sans|hors service|en rade|hs|arrete|arretee|de fuite|une fuite|la fuite|des coupures|pas de)\b",
    r"\btoujours (?:le |la |les |l' )?(?:probleme|panne|coupure|fuite)s?\b",
    r"\b(?:est|sont|c' est|reste|restent) toujours\b.{0,25}\b(?:panne|bloque|coupe|hs|arrete|froid|froids|froide|fuite|noir|sale)",
    r"\bencore (?:en panne|bloque|bloquee|coupe|coupee|hs|rien|pas|une panne|une coupure|une fuite|sans|froid|arrete|en rade|tombe|tombee)\b",
    r"\b(?:de nouveau|a nouveau|re) ?(?:en panne|coupe|coupee|bloque|hs)\b",
    r"\bre ?tombe(?:e)? en panne\b|\bretombe\b",
    r"\b(?:est|sont|reste|restent|c' est|ca) ?(?:toujours |encore |de nouveau )?(?:en panne|en rade|hors service|hs)\b",
    r"\b(?:ne |n' )(?:" + _VERBS_WORK[3:-1] + r") (?:toujours |plus |pas |jamais )",
    r"\b" + _VERBS_WORK + r" (?:toujours )?(?:pas|plus|toujours pas)\b",
    r"\b(?:pas|plus|toujours pas|rien) (?:d' |de |du )(?:eau|eau chaude|chauffage|chaud|courant|electricite|lumiere|gaz|ascenseur|reseau|internet|tele|tv|television|retour|nouvelles|amelioration|changement|reparation|technicien|intervention)\b",
    r"\bsans (?:eau|chauffage|electricite|courant|ascenseur|lumiere|eau chaude|gaz)\b",
    r"\brien n' ?a change\b|\brien ne change\b|\brien n' ?est regle\b|\brien n' ?a ete fait\b|\brien de fait\b|\bpersonne n' ?est (?:venu|passe)\b|\bpersonne n' ?est venu\b",
    r"\b(?:pas|jamais|toujours pas) (?:ete )?(?:repare|reparee|regle|reglee|resolu|resolue|remis|remise|retabli|retablie|revenu|revenue|venu|venus|passe|passes)\b",
    r"\b(?:n' ?est|ne sont|n' ?a|n' ?ont) (?:toujours |toujours pas |pas |jamais )?(?:pas |jamais |toujours )?(?:ete )?(?:repare|reparee|regle|reglee|resolu|resolue|revenu|revenue|retabli|retablie|venu|venus|passe)\b",
    r"\b(?:on gele|on se gele|on a froid|il fait froid|glacial|glaciale|on caille)\b",
    r"\b(?:radiateurs?|chauffage|appartement|logement|eau)\b.{0,15}\b(?:glaces?|glacees?|geles?|gelees?)\b",
    r"\btoujours (?:la |une )?(?:cata|catastrophe|galere|meme chose|le meme probleme)\b",
    r"\b(?:coupure|panne|fuite) (?:continue|persiste|dure)\b|\b(?:ca|le probleme|probleme) (?:continue|persiste|dure)\b",
    r"\bdepuis (?:\d+|deux|trois|quatre|cinq|plusieurs|hier|ce matin|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|une semaine|des jours|des semaines)\b.{0,40}\b(?:sans|pas|panne|rien|coupe|bloque|froid)\b",
    r"\b(?:sans|pas|panne|rien|coupe|bloque|froid)\b.{0,40}\bdepuis (?:\d+|deux|trois|quatre|cinq|plusieurs|hier|ce matin|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|une semaine|des jours|des semaines)\b",
    r"\bl' eau (?:est )?(?:toujours )?(?:marron|jaune|froide|coupee)\b|\beau froide\b",
    r"\b(?:eau|elle|elle est|c' est) (?:toute |tres |encore |toujours )?(?:marron|jaune|trouble|boueuse)\b",
    r"\bcoule (?:toujours|encore)\b|\b(?:fuit|fuient) (?:toujours|encore)\b|\bfuite (?:toujours|encore)\b",
    r"\b(?:toujours|encore) (?:bloque|bloquee|coupe|coupee|en attente|hs|arrete|dans le noir)\b",
    r"\bne (?:s' )?allume (?:toujours )?(?:pas|plus)\b",
    r"\b(?:chauffage|radiateurs?|ascenseur|eau|chaudiere|interphone|porte|lumiere|electricite|courant)\b.{0,20}\b(?:en panne|hs|hors service|en rade|coupee?|bloquee?|froids?|ne marche|ne fonctionne)\b",
)

_SOLVED = _rx(
    r"\b(?:ca |tout |il |elle |l' ascenseur |le chauffage |l' eau |le courant |la lumiere )?(?:re ?marche|re ?fonctionne|refonctionne|remarche|repart|est reparti|est repartie)\b",
    r"\b(?:est|sont|a ete|ont ete|c' est) (?:bien )?(?:de retour|revenue?s?|retablie?s?|reparee?s?|reglee?s?|resolue?s?|remise? en (?:service|route|marche))\b",
    r"\b(?:eau|chauffage|courant|electricite|ascenseur|lumiere|gaz|chaude?)\b.{0,25}\b(?:revenue?|retablie?|de retour|repare|reparee|remis|remise|fonctionne|marche)\b",
    r"\b(?:c' est|tout est) (?:bon|ok|regle|rentre dans l' ordre|revenu|repare|good|parfait)\b",
    r"\bprobleme (?:regle|resolu)\b|\bplus de (?:probleme|panne|souci|fuite|coupure)\b",
    r"\b(?:ca|il|elle|tout|l' ascenseur|le chauffage|l' eau|les radiateurs|ils|elles) (?:marche|fonctionne|fonctionnent|marchent|chauffe|chauffent|coule|coulent) (?:de nouveau|a nouveau|bien|maintenant|parfaitement|nickel|correctement|enfin)\b",
    r"\bc' est revenu\b|\bc' est repare\b|\best revenue?\b|\bon a (?:de nouveau |enfin |a nouveau )?(?:de l' eau|l' eau|le chauffage|du chauffage|l' electricite|de l' eau chaude|du courant)\b",
    r"\b(?:le technicien|le plombier|l' electricien|le chauffagiste|quelqu' ?un|l' entreprise|ils sont) (?:est |sont )?(?:passe|passes|venu|venus|intervenu)\b.{0,40}\b(?:marche|fonctionne|regle|repare|bon|ok|merci|resolu|nickel)\b",
    r"\b(?:fonctionne|marche) (?:tres bien|parfaitement|nickel)\b",
    r"^(?:c' est )?(?:repare|reparee|regle|reglee|resolu|resolue|retabli|retablie)\b",
    r"\benfin (?:de l' eau|l' eau|du chauffage|le chauffage|chaud|repare|reparee|revenue?|regle)\b",
    r"\b(?:eau|chauffage|ascenseur|courant)\b.{0,10}\bok\b",
)

_QUESTION_START = _rx(
    r"^(?:bonjour |bonsoir |salut |madame |monsieur |oui |non |ok )*(?:quand|comment|pourquoi|combien|qui|quel|quelle|quels|quelles|ou est|ou se|ou dois|est-ce|est ce|savez-vous|savez vous|pouvez-vous|pouvez vous|peut-on|peut on|puis-je|puis je|dois-je|dois je|faut-il|faut il|y a-t-il|y a t il|a quelle heure|jusqu' a quand|c' est quand|c' est pour quand|vous savez|on sait|serait-il|serait il|est-il|est il|sera-t-il|sera t il)\b",
    r"\b(?:je voudrais|j' aimerais|je souhaiterais|je veux|voudrais|aimerais|souhaiterais) (?:savoir|connaitre|des informations|une information|un renseignement|des precisions|comprendre)\b",
    r"\b(?:une question|savoir si|savoir quand|savoir pourquoi|savoir comment|c' est prevu quand|prevu pour quand|combien de temps|a quelle heure|quelle heure|quel jour|jusqu' a quand|pour quand|est-ce normal|est ce normal|est-ce que|est ce que)\b",
)

_THANKS = _rx(
    r"\bmerci+\b|\bmercii\b|\bremercie\b|\bremerciements?\b|\bgentil\b|\bbien recu\b|\bbien note\b|\bc' est note\b|\bnote\b$",
    r"^(?:ok |d' accord )?(?:bien |tres bien )?(?:compris|recu|note)\b",
    r"^(?:ok|d' accord|parfait|super|top|genial|nickel|impeccable|tres bien|bien|entendu|compris|ca marche)(?: ?[!.])*(?: merci| bonne (?:journee|soiree))?(?: ?[!.])*$",
    r"\bbonne (?:journee|soiree|continuation)\b",
)

# Words that turn a question into a complaint about something lasting.
_INSISTS = re.compile(r"\b(?:toujours|encore|de nouveau|depuis|rien n' ?a|persiste|continue|jamais|toujours pas)\b")

# Set phrases scored as one word ("RAS" in a summary means nothing to report, not "ras le bol").
_PHRASES = (("ras le bol", "raslebol"), ("tout va bien", "toutvabien"), ("tout se passe bien", "toutvabien"),
            ("sans souci", "sanssouci"), ("sans probleme", "sansprobleme"))

_NEGATORS = {"pas", "plus", "jamais", "aucun", "aucune", "rien", "sans", "ni", "personne"}

# Word polarity for sentiment (normalised words). Kept small and domain-specific.
_POLARITY = {
    # negative
    "panne": -0.6, "pannes": -0.6, "probleme": -0.5, "problemes": -0.5, "souci": -0.4,
    "soucis": -0.4, "fuite": -0.5, "fuites": -0.5, "froid": -0.4, "glace": -0.4, "glaces": -0.4, "glacee": -0.4, "glacees": -0.4, "cata": -0.7, "gele": -0.5, "coupe": -0.4,
    "coupee": -0.4, "coupure": -0.5, "coupures": -0.5, "bloque": -0.5, "bloquee": -0.5,
    "inadmissible": -0.9, "inacceptable": -0.9, "scandale": -0.9, "scandaleux": -0.9,
    "honte": -0.9, "honteux": -0.9, "nul": -0.7, "nuls": -0.7, "nulle": -0.7, "marre": -0.8,
    "raslebol": -0.8, "toutvabien": 0.6, "sanssouci": 0.4, "colere": -0.8, "enerve": -0.7, "enervee": -0.7, "furieux": -0.9,
    "furieuse": -0.9, "decu": -0.7, "decue": -0.7, "deception": -0.7, "mecontent": -0.7,
    "mecontente": -0.7, "insupportable": -0.8, "lamentable": -0.9, "catastrophe": -0.8,
    "catastrophique": -0.9, "grave": -0.4, "urgent": -0.3, "urgence": -0.4, "malade": -0.5,
    "sale": -0.5, "salete": -0.5, "bruit": -0.4, "bruyant": -0.4, "humidite": -0.4,
    "moisissure": -0.5, "moisissures": -0.5, "cafards": -0.6, "punaises": -0.7, "rats": -0.6,
    "degat": -0.6, "degats": -0.6, "inondation": -0.7, "inonde": -0.7, "odeur": -0.3,
    "odeurs": -0.3, "attente": -0.2, "attendre": -0.2, "attends": -0.2, "toujours": 0.0,
    "hs": -0.6, "rade": -0.5, "galere": -0.6, "galerer": -0.6, "impossible": -0.5,
    "difficile": -0.3, "peur": -0.5, "dangereux": -0.6, "danger": -0.6, "abandonnes": -0.7,
    "abandonne": -0.6, "marron": -0.3, "degoute": -0.8, "degoutee": -0.8, "mal": -0.4,
    "pire": -0.7, "insalubre": -0.8, "plainte": -0.5, "vol": -0.5, "casse": -0.5,
    "cassee": -0.5, "panique": -0.6, "stress": -0.5, "fatigue": -0.3, "fatiguee": -0.3,
    "bebe": -0.1, "rien": -0.2, "personne": -0.1, "helas": -0.5, "malheureusement": -0.4,
    "retard": -0.4, "lent": -0.3, "lente": -0.3, "agressif": -0.6, "impoli": -0.6,
    "insulte": -0.7, "mepris": -0.7, "ignore": -0.4, "ignores": -0.5, "delais": -0.2,
    # positive
    "merci": 0.5, "mercii": 0.6, "remercie": 0.6, "remerciements": 0.6, "super": 0.7,
    "top": 0.7, "parfait": 0.8, "parfaitement": 0.6, "genial": 0.8, "excellent": 0.8,
    "nickel": 0.7, "impeccable": 0.8, "bien": 0.3, "bon": 0.3, "bonne": 0.3, "content": 0.6,
    "contente": 0.6, "contents": 0.6, "ravi": 0.8, "ravie": 0.8, "satisfait": 0.6,
    "satisfaite": 0.6, "satisfaits": 0.6, "gentil": 0.5, "gentille": 0.5, "sympa": 0.5,
    "agreable": 0.5, "efficace": 0.6, "rapide": 0.4, "reactif": 0.6,
    "reactivite": 0.6, "professionnel": 0.5, "accueillant": 0.5, "accueil": 0.2,
    "chaleureux": 0.6, "propre": 0.4, "calme": 0.3, "lumineux": 0.4, "spacieux": 0.4,
    "revenu": 0.3, "revenue": 0.3, "retabli": 0.4, "retablie": 0.4, "repare": 0.4,
    "reparee": 0.4, "regle": 0.3, "resolu": 0.4, "remarche": 0.5, "refonctionne": 0.5,
    "enfin": 0.1, "ouf": 0.4, "bravo": 0.8, "felicitations": 0.8, "cool": 0.5, "ok": 0.1,
    "plaisir": 0.5, "heureux": 0.7, "heureuse": 0.7, "aimable": 0.6, "serviable": 0.6,
    "encombrants": -0.4, "squat": -0.6, "squattent": -0.6, "squatteurs": -0.6,
    "arretez": -0.4, "force": -0.3, "forcee": -0.4, "tiede": -0.2,
    "apprecie": 0.5, "fonctionne": 0.2, "marche": 0.1, "tranquille": 0.3,
}


@lru_cache(maxsize=1)
def _analyzer():  # type: ignore[no-untyped-def]
    """textblob-fr's PatternAnalyzer, loaded once; None when it cannot be imported."""
    try:
        with warnings.catch_warnings():
            # pattern-era code trips a few import-time warnings that are not ours to fix.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            from textblob_fr import PatternAnalyzer
            return PatternAnalyzer()
    except Exception:  # pragma: no cover - the package is a declared dependency
        return None


def pattern_polarity(text: str) -> float:
    """The PatternAnalyzer's polarity in [-1, 1] (0.0 when unavailable)."""
    analyzer = _analyzer()
    if analyzer is None or not text.strip():
        return 0.0
    try:
        polarity, _subjectivity = analyzer.analyze(text)
    except Exception:  # pragma: no cover - odd input must not break the webhook
        return 0.0
    return max(-1.0, min(1.0, float(polarity)))


def _lexicon_score(norm: str) -> tuple[float, int]:
    """Sum of word polarities with negation (a negator within three words flips and damps)."""
    for phrase, word in _PHRASES:
        norm = norm.replace(phrase, word)
    tokens = re.findall(r"[a-z0-9]+", norm)
    total = 0.0
    hits = 0
    for i, tok in enumerate(tokens):
        value = _POLARITY.get(tok)
        if not value:
            continue
        window = tokens[max(0, i - 3):i]
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok.startswith("merci") and after == "de":
            value = 0.1  # "merci de me rappeler": politeness, not gratitude
        elif any(t in _NEGATORS for t in window) or after in ("pas", "plus", "jamais"):
            # "pas satisfait", "remarche pas" (spoken French drops the "ne")
            value = -value * 0.6
        total += value
        hits += 1
    return total, hits


def _emoji_score(text: str) -> tuple[float, int]:
    pos = sum(1 for c in text if c in _POSITIVE_EMOJI)
    neg = sum(1 for c in text if c in _NEGATIVE_EMOJI)
    return 0.5 * pos - 0.6 * neg, pos + neg


def intent_of(text: str, norm: str | None = None) -> str:
    if is_opt_out(text):
        return Intent.OPT_OUT
    if is_opt_in(text):
        return Intent.OPT_IN
    norm = normalise(text) if norm is None else norm
    if not norm and not text.strip():
        return Intent.OTHER
    if _CALLBACK.search(norm) and not _NO_CALLBACK.search(norm):
        return Intent.CALLBACK_REQUEST
    if "?" in norm and _QUESTION_START.search(norm) and not _INSISTS.search(norm):
        # "Quand l'eau sera-t-elle rétablie ?", "Pourquoi l'eau est coupée ?": asking, not
        # reporting. "Pourquoi toujours pas d'eau ?" insists, and stays a complaint below.
        return Intent.QUESTION
    if _PERSISTS.search(norm):
        return Intent.PROBLEM_PERSISTS
    if _SOLVED.search(norm):
        return Intent.PROBLEM_SOLVED
    if "?" in norm or _QUESTION_START.search(norm):
        return Intent.QUESTION
    emoji, _ = _emoji_score(text)
    if _THANKS.search(norm) or (emoji > 0 and len(norm) < 3):
        return Intent.THANKS
    if emoji < 0 and len(norm) < 3:
        return Intent.PROBLEM_PERSISTS
    return Intent.OTHER


# How strongly the intent itself colours the sentiment of a short reply.
_INTENT_BIAS = {
    Intent.PROBLEM_PERSISTS: -0.6,
    Intent.PROBLEM_SOLVED: 0.5,
    Intent.THANKS: 0.5,
    Intent.CALLBACK_REQUEST: -0.1,
}


def _score(text: str, norm: str, intent: str | None) -> float:
    lexicon, hits = _lexicon_score(norm)
    emoji, emoji_hits = _emoji_score(text)
    rules = lexicon + emoji
    if intent in _INTENT_BIAS:
        rules += _INTENT_BIAS[intent]
        hits += 1
    if re.search(r"\b(?:toujours pas|encore en panne|toujours en panne|ne marche pas|ne fonctionne pas|ne marche plus|ne fonctionne plus)\b", norm):
        rules -= 0.4
        hits += 1
    if rules < 0 and "!" in text:
        rules -= 0.1 * min(text.count("!"), 3)  # "!!!" after a complaint is anger
    rules = max(-1.0, min(1.0, rules))
    polarity = pattern_polarity(text)
    if intent == Intent.CALLBACK_REQUEST and hits + emoji_hits <= 1:
        return round(max(-1.0, min(1.0, 0.5 * rules)), 3)  # a plain "rappelez-moi" is neutral
    if intent == Intent.QUESTION:
        # "Combien de temps va durer la coupure ?" names a problem but asks calmly.
        return round(max(-1.0, min(1.0, 0.25 * rules)), 3)
    if hits + emoji_hits == 0:
        # Nothing the rules know: the PatternAnalyzer's hint decides, damped.
        combined = 0.4 * polarity
    else:
        combined = 0.8 * rules + 0.2 * polarity if (rules >= 0) == (polarity >= 0) else 0.9 * rules + 0.1 * polarity
    return round(max(-1.0, min(1.0, combined)), 3)


def _label(score: float) -> str:
    if score <= -0.15:
        return "negative"
    if score >= 0.15:
        return "positive"
    return "neutral"


def sentiment(text: str) -> tuple[str, float]:
    """Sentiment of any French text (an SMS reply, an interview summary): (label, score)."""
    norm = normalise(text)
    intent = intent_of(text, norm) if len(norm) < 300 else None
    score = _score(text, norm, intent)
    return _label(score), score


def understand(text: str) -> Understanding:
    """The intent and sentiment of one tenant reply."""
    text = text or ""
    norm = normalise(text)
    intent = intent_of(text, norm)
    if intent in (Intent.OPT_OUT, Intent.OPT_IN):
        return Understanding(intent, "neutral", 0.0)
    score = _score(text, norm, intent)
    return Understanding(intent, _label(score), score)
