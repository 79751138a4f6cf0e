"""SMS French brought to one spelling before the rules read it.

Tenants write "jen ai marre", "tjs pa deau", "merciiii 🙏", "c bon", "ke", "kan". The rules are
written once against the normal form this module produces:

- lower case, accents folded ("désinscris" -> "desinscris"), one apostrophe ("’" -> "'");
- letters repeated three times or more squeezed to one ("merciiii" -> "merci", "noooon" -> "non");
- emoji mapped to words: 🙏 -> "merci", 👍 👌 -> "ok", angry or sad faces -> "emoneg",
  smiles and hearts -> "emopos" (the sentiment lexicon scores those two tokens);
- abbreviations expanded word by word (tjs, pb, bjr, slt, stp, svp, mci, bcp, c, ke, kan, jsp, dsl…);
- missing apostrophes restored ("jen" -> "j' en", "menvoyez" -> "m' envoyez", "leau" -> "l' eau");
- elided words written "x' word" with a space after the apostrophe, which the rules expect.

Everything is precompiled: a call costs a few tens of microseconds.
"""

from __future__ import annotations

import re

from crm.text import strip_accents

# Emoji and emoticons -> a word the rules and the lexicon know.
_EMOJI_WORDS = {
    **{c: " emopos " for c in "😊🙂😀😃😄😁❤💚💙🥰😍🤗✅☺👏🌞💐😉💪🎉♥"},
    **{c: " emoneg " for c in "😡😠🤬😤👎😞😢😭😩😫😒🙄💩❌😖😣☹🥶😔😟😕🤯😱"},
    "🙏": " merci ", "👍": " ok ", "👌": " ok ", "📞": " appel ", "☎": " appel ",
}
_EMOTICONS = re.compile(r"(?<!\w)(?::-?\)|:-?d\b|;-?\)|<3)|(?<!\w)(:-?\(|:'\()")
_EMOJI_RX = re.compile("|".join(map(re.escape, sorted(_EMOJI_WORDS, key=len, reverse=True))))

# SMS spellings and abbreviations, replaced token by token (after accents are folded).
SMS_WORDS = {
    # always, problem, thanks, politeness
    "tjrs": "toujours", "tjr": "toujours", "tjs": "toujours", "toujour": "toujours",
    "tjours": "toujours", "tj": "toujours", "toujou": "toujours",
    "pb": "probleme", "pbs": "problemes", "pbm": "probleme", "prob": "probleme",
    "pblm": "probleme", "prblm": "probleme", "pbl": "probleme", "probs": "problemes",
    "svp": "s'il vous plait", "stp": "s'il te plait", "svpl": "s'il vous plait",
    "slvp": "s'il vous plait", "svvp": "s'il vous plait", "pls": "s'il vous plait",
    "plz": "s'il vous plait", "silvousplait": "s'il vous plait",
    "bcp": "beaucoup", "bcq": "beaucoup", "bcoup": "beaucoup", "bocou": "beaucoup",
    "mrc": "merci", "mci": "merci", "mercii": "merci", "mersi": "merci", "merki": "merci",
    "thx": "merci", "msi": "merci", "remerci": "remercie",
    "dsl": "desole", "dslee": "desolee", "desoler": "desole",
    "bjr": "bonjour", "bjour": "bonjour", "bonjoure": "bonjour", "bsr": "bonsoir",
    "slt": "salut", "cc": "coucou", "nn": "non", "ouai": "oui", "ouais": "oui", "wi": "oui",
    "okk": "ok", "oki": "ok", "okay": "ok", "okey": "ok", "dacc": "d'accord", "dac": "d'accord",
    "daccord": "d'accord", "d'acc": "d'accord", "d'ac": "d'accord", "dak": "d'accord", "tkt": "ne vous inquietez pas",
    # question words
    "pk": "pourquoi", "pq": "pourquoi", "pkoi": "pourquoi", "pourkoi": "pourquoi",
    "pkq": "pourquoi", "qd": "quand", "kan": "quand", "kand": "quand", "koi": "quoi",
    "ke": "que", "k": "que", "kel": "quel", "kelle": "quelle", "cmt": "comment",
    "cmb": "combien", "cb": "combien", "combi1": "combien", "keske": "est-ce que",
    "kesk": "est-ce que", "eske": "est-ce que", "esque": "est-ce que", "estce": "est-ce",
    # short words
    "dc": "donc", "ds": "dans", "ms": "mais", "tt": "tout", "tte": "toute", "ts": "tous",
    "pr": "pour", "pa": "pas", "pat": "pas", "mm": "meme", "vs": "vous", "ns": "nous",
    "bi1": "bien", "b1": "bien", "rien2": "rien", "qq": "quelque", "qqn": "quelqu'un",
    "qqun": "quelqu'un", "qlq": "quelque", "qlqn": "quelqu'un", "pcq": "parce que",
    "pck": "parce que", "psk": "parce que", "parske": "parce que", "vrmt": "vraiment",
    "jsp": "je ne sais pas", "chui": "je suis", "jsuis": "je suis", "chuis": "je suis",
    "jss": "je suis", "jvais": "je vais", "jveux": "je veux", "jpeux": "je peux",
    "jai": "j'ai", "jsui": "je suis", "cest": "c'est", "cetait": "c'etait", "ct": "c'etait",
    "bloke": "bloque", "blokee": "bloquee", "bloker": "bloquer", "bloquer": "bloque",
    "ki": "qui", "kil": "qu'il", "kon": "qu'on", "koment": "comment", "kom": "comme",
    "j": "j'", "ya": "il y a",
    "plu": "plus", "jveu": "je veux", "veu": "veux", "arete": "arrete",
    "aretez": "arretez", "areter": "arreter", "desinscri": "desinscris", "desabone": "desabonne",
    "apeler": "appeler", "apelez": "appelez", "apel": "appel", "depui": "depuis", "cv": "ca va",
    "asenceur": "ascenseur", "lasenceur": "l'ascenseur", "dmd": "demande", "vrm": "vraiment",
    "nrv": "enerve", "grv": "grave", "ptit": "petit", "jpense": "je pense", "jcrois": "je crois",
    "jdois": "je dois", "jsais": "je sais", "jme": "je me", "jvous": "je vous", "jlai": "je l'ai", "na": "n'a", "ni": "ni", "quelquun": "quelqu'un", "quelqun": "quelqu'un", "yapa": "il n'y a pas", "yen": "il y en", "g": "j'ai", "c": "c'est",
    "mn": "maintenant", "mtn": "maintenant", "mnt": "maintenant", "now": "maintenant",
    "auj": "aujourd'hui", "ajd": "aujourd'hui", "ojd": "aujourd'hui", "aujourdhui": "aujourd'hui",
    "dm1": "demain", "2m1": "demain", "dmn": "demain", 
    "rdv": "rendez-vous", "asc": "ascenseur", "ascenceur": "ascenseur", "assenceur": "ascenseur",
    "acenseur": "ascenseur", "asenseur": "ascenseur", "asanceur": "ascenseur", "assanceur": "ascenseur",
    "ascanceur": "ascenseur", "assenseur": "ascenseur", "lasanceur": "l'ascenseur", "lassenseur": "l'ascenseur",
    "lascenceur": "l'ascenseur", "e": "est",
    "rapl": "rappel", "rapel": "rappel", "rapellez": "rappelez", "rapeler": "rappeler",
    "rapelez": "rappelez", "rappeller": "rappeler", "rappellez": "rappelez",
    "rapeller": "rappeler", "rapelle": "rappelle", "rapplez": "rappelez",
    "bat": "batiment", "bt": "batiment", "bats": "batiments",
    "appart": "appartement", "apart": "appartement", "appt": "appartement",
    "tel": "telephone", "tl": "telephone", "num": "numero",
    "msg": "message", "msgs": "messages", "txt": "texto", "txto": "texto", "txts": "textos",
    "rep": "reponse", "ptn": "", "mdr": "", "lol": "", "ptdr": "", "stp.": "s'il te plait",
    "nikel": "nickel", "nickelle": "nickel", "impec": "impeccable", 
    "chauf": "chauffage", "chaufage": "chauffage",
    "chaufe": "chauffe", "elec": "electricite",
    "pane": "panne", "panes": "pannes", "dpuis": "depuis", "ui": "oui", "repar": "repare",
    "mwa": "moi", "moa": "moi", "twa": "toi", "toa": "toi",
    "aret": "arret", "desabonez": "desabonnez", "desaboner": "desabonner", "desabonement": "desabonnement",
    "desincrire": "desinscrire", "desincris": "desinscris", "desincrivez": "desinscrivez", "desinscrir": "desinscrire",
    "unsuscribe": "unsubscribe", "unsubscibe": "unsubscribe", "reabone": "reabonne", "reaboner": "reabonner", "kes": "qu'est-ce", "kesque": "qu'est-ce que", "stope": "stop",
    "apl": "appelez", "aple": "appelle", "aplez": "appelez", "apler": "appeler", "appeller": "appeler",
    "technicient": "technicien", "tech": "technicien", "plombie": "plombier",
}

# Words after which a lone letter names a place rather than abbreviating a verb.
_PLACE_WORDS = frozenset({"batiment", "bat", "bt", "entree", "escalier", "bloc", "immeuble",
                          "cage", "allee", "porte", "residence", "tour", "hall", "numero", "appartement"})

# Glued elisions: "jen", "menvoyez", "leau". A token is split when it is one of these
# prefixes followed by a word that starts with a vowel (listed, or by its stem).
_ELIDED_PREFIXES = ("qu", "j", "m", "t", "l", "d", "n", "s", "c")
_VOWEL_WORDS = frozenset({
    "en", "ai", "y", "est", "etait", "eau", "avez", "avons", "ont", "on", "il", "elle",
    "ecris", "ecrit", "etes", "etre", "ici", "un", "une", "autre", "abord", "accord", "aide",
    "amis", "arret", "entree", "etage", "equipe", "agence", "adresse", "immeuble", "hiver",
    "habite", "heure", "attestation", "electricite", "ordre", "occupe", "oublie",
    "ennui", "urgence", "appel", "appels", "ascenseur", "appartement", "interphone",
    "importe", "inondation",
})
_VOWEL_STEMS = ("envo", "aim", "appel", "appell", "attend", "inscri", "abonn", "ecri", "inform",
                "interess", "excus", "arriv", "ascens", "enerv", "embet", "harcel", "occup",
                "ennuy", "arret", "etai", "eta", "avai", "avez", "enleve", "effac", "oubli",
                "habit", "import", "entend", "expliqu", "indiqu", "inquiet", "achet", "appart",
                "electri", "eteint", "allum", "electr", "intervien", "intervent", "apel", "app", "effondr", "importe", "entrepri", "escalier",
                "etat", "ordinateur", "esper", "oppos")
# Words that happen to look like an elision and are not ("mais", "lait", "dans"...).
_NOT_ELIDED = frozenset({
    "mais", "mai", "lait", "laisse", "laissez", "lent", "lente", "dans", "deja", "des", "les",
    "mes", "ses", "tes", "ces", "sont", "son", "ton", "mon", "non", "lui", "leur", "leurs",
    "met", "mettre", "mettez", "menu", "mener", "demain", "depuis", "devant", "derniere",
    "dernier", "ete", "tout", "toute", "tous", "sinon", "suis", "sur", "sauf", "seul",
    "tenez", "nous", "nos", "ni", "nord", "noel", "jamais", "juste", "jeudi", "lundi", "mardi",
    "mercredi", "samedi", "dimanche", "cela", "celle", "celui", "ceux", "cet", "cette", "ceci",
    "lequel", "laquelle", "messages", "message", "meme", "merci", "madame", "monsieur",
    "semaine", "sera", "serait", "ta", "ma", "sa", "la", "le", "de", "ne", "se", "te", "me",
    "ce", "je", "que", "qui", "quoi", "quand", "quel", "quelle", "quels", "quelles",
    "lappelle", "dent", "tenir", "tienne", "tient", "sent", "sentir", "dire", "dit",
    "dois", "doit", "lire", "nen", "leo", "men", "ten", "sen", "den", "len", "ti",
    "service", "services", "saine", "seine", "date", "dates", "tapis", "temps",
    "mari", "marie", "matin", "mairie", "marche", "maison", "salut", "sale",
    "tele", "tenant", "loi", "loin", "soir", "soit", "tot", "toit", "mois",
    "savez", "savais", "savait", "savaient", "detail", "details", "detaille", "detaillee",
})

_TOKEN = re.compile(r"[a-z0-9']+|[?!.,;:]")
_SQUEEZE = re.compile(r"([a-z?!.])\1{2,}")
_ELISION = re.compile(r"'\s*")
_SPACES = re.compile(r"\s+")
# "sa marche", "sa remarche pas": "ça" spelt as the possessive, before a verb only.
# "c réparer", "c'est régler": SMS French writes the participle as the infinitive.
_PARTICIPLE = re.compile(r"\b(est|ete|sont|c' est) (repar|regl|chang|debouch|remplac|retabl)er\b")
# "cé réparé" folds to "ce repare": "ce" before a participle or a state is "c'est".
_CE_CEST = re.compile(r"\bce (?=(?:repare|reparee|regle|reglee|bon|ok|fini|finie|revenu|revenue|resolu|resolue|nickel|toujours|en panne|normal|urgent|quand|pour quand|pas normal)\b)")
_SA_CA = re.compile(r"\bsa (?=(?:re ?)?(?:marche|fonctionne|va|coule|chauffe|fait|est|ne |n' |repart|a |y ))")


_J_CONSONANTS = frozenset("bcdfgklmnpqrstvwxz")
# "m envoyer", "arretez de m ecrire": an elision written with a space instead of the apostrophe.
_SPACED_ELISION = re.compile(r"(?<![0-9] )\b([mtns]) (?=[aeiouyh])")


def _unglue(token: str) -> str:
    """ "jen" -> "j' en", "menvoyez" -> "m' envoyez", "jretire" -> "je retire"; other tokens
    unchanged."""
    if len(token) < 3 or token in _NOT_ELIDED or "'" in token:
        return token
    if token[0] == "j" and len(token) >= 5 and token[1] in _J_CONSONANTS:
        # French writes no word "j" + consonant: SMS French glues "je" ("jretire", "jrecois").
        rest = token[1:]
        if rest[0] in "mt" and rest[1] in "aeiouyh" and (rest[1:] in _VOWEL_WORDS or rest[1:].startswith(_VOWEL_STEMS)):
            return f"je {rest[0]}' {rest[1:]}"  # "jmoppose" -> "je m' oppose"
        return "je " + SMS_WORDS.get(rest, rest)
    for prefix in _ELIDED_PREFIXES:
        if token.startswith(prefix):
            rest = token[len(prefix):]
            if rest and rest[0] in "aeiouyh" and (rest in _VOWEL_WORDS or (
                    len(rest) >= 4 and rest.startswith(_VOWEL_STEMS))):
                return f"{prefix}' {SMS_WORDS.get(rest, rest)}"
            return token
    return token


# One table for what SMS French uses most (accented letters, apostrophes, emoji); anything
# else outside ASCII goes through crm.text.strip_accents. str.translate is one C pass.
_FRENCH = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿ"
_FOLD_TABLE: dict[str | int, str] = {
    **{c: strip_accents(c) for c in _FRENCH}, "’": "'", "`": "'", "´": "'", "œ": "oe", "æ": "ae",
    "\u00a0": " ", **{ord(e): w for e, w in _EMOJI_WORDS.items()}}
_FOLD = str.maketrans(_FOLD_TABLE)


def fold(text: str) -> str:
    """Lower case without accents, emoji as words, one apostrophe, repeats squeezed."""
    t = text.lower().translate(_FOLD)
    if not t.isascii():
        t = strip_accents(_EMOJI_RX.sub(lambda m: _EMOJI_WORDS[m.group(0)], t))
    if ":" in t or ";" in t or "<" in t:
        t = _EMOTICONS.sub(lambda m: " emoneg " if m.group(1) else " emopos ", t)
    return _SQUEEZE.sub(r"\1", t)


def normalise(text: str) -> str:
    """The normal form the rules read (see the module docstring)."""
    words: list[str] = []
    for token in _TOKEN.findall(fold(text)):
        if token in ("c", "g", "e") and words and words[-1] in _PLACE_WORDS:
            words.append(token)  # "bâtiment C", "entrée G": a name, not "c'est" / "j'ai"
            continue
        expanded = SMS_WORDS.get(token)
        if expanded is None and "'" in token:
            head, _, rest = token.partition("'")  # "m'apl" -> "m' appelez"
            rest_expanded = SMS_WORDS.get(rest)
            expanded = f"{head}' {rest_expanded}" if rest_expanded else token
        if expanded is None:
            expanded = _unglue(token)
        if expanded:
            words.append(expanded)
    out = _SA_CA.sub("ca ", _ELISION.sub("' ", " ".join(words)))
    if " m " in out or " t " in out or " n " in out or " s " in out:
        out = _SPACED_ELISION.sub(r"\1' ", out)
    if "ce " in out:
        out = _CE_CEST.sub("c' est ", out)
    if "er" in out:
        out = _PARTICIPLE.sub(r"\1 \2e", out)
    return _SPACES.sub(" ", out).strip()
