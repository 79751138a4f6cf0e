"""Intent rules on normalised text (``crm.inbox.replies.normalise``), each one named.

Every rule is a precompiled pattern with a name; ``first_hit`` answers the first rule of a
family that matches and the words it matched, so a classification can say which rule
decided. The families:

- ``PERSISTS_INSISTS``: the problem goes on, said with insistence ("toujours pas", "encore en
  panne", "depuis 3 jours", "c'est faux"), so it stays a complaint even inside a question;
- ``PERSISTS_STATE``: something does not work ("en panne", "ne marche pas", "pas d'eau"),
  a complaint unless the reply is a question ("Pourquoi l'eau est coupée ?" asks);
- ``CALLBACK`` (and ``NO_CALLBACK``, its negation: "arrêtez de m'appeler"), ``QUESTION``,
  ``SOLVED`` (guarded by ``NOT_SOLVED`` for negation scope), ``THANKS``.

Spoken and SMS French drop the "ne" ("c'est pas réparé", "ça remarche pas"): the negation
is "pas / plus / jamais" before the participle or after the verb, both are covered.
"""

from __future__ import annotations

import re

from crm.inbox.replies.prefilter import Gated, Rules, StartSplit, prefiltered, prefiltered_rules


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))



_WORKS = r"(?:marche|marchent|fonctionne|fonctionnent|remarche|remarchent|refonctionne|refonctionnent|va|vont|chauffe|chauffent|coule|coulent|s' allume|demarre|tourne)"
_FIXED = r"(?:repare|reparee|repares|reparees|regle|reglee|regles|resolu|resolue|remis|remise|retabli|retablie|revenu|revenue|revenus|fait|faite|fini|finie|termine|terminee|change|changee|debouche|remplace|remplacee|venu|venus|venue|passe|passes|intervenu)"
_WHEN = r"(?:\d+|deux|trois|quatre|cinq|six|huit|dix|quinze|plusieurs|hier|avant-hier|ce matin|hier soir|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|une semaine|un mois|des jours|des semaines|des mois|le debut|longtemps|ce week-end|la semaine derniere|le mois dernier|noel|l' hiver|septembre|octobre|novembre|decembre)"
_THING = r"(?:chauffage|radiateurs?|ascenseurs?|eau|eau chaude|chaudiere|interphone|porte|portail|lumieres?|eclairage|electricite|courant|ballon|cumulus|vmc|digicode|badge|parking|gaz|chauffe-eau|ventilation|minuterie)"
# What lingers in a home rather than breaks: pests, damp, smells, noise, leaks.
_NUISANCE = r"(?:cafards?|punaises?(?: de lit)?|souris|rats?|blattes?|fourmis|pigeons?|moustiques|nuisibles|moisissures?|champignons?|humidite|infiltrations?|odeurs?(?: de \w+)?|bruits?|fuites?|taches?|traces? d' eau|condensation|etincelles|eau qui (?:coule|goutte|fuit)|de l' eau qui \w+)"
_BROKEN = r"(?:en panne|hs|hors service|en rade|coupee?s?|bloquee?s?|froide?s?|gelee?s?|glacee?s?|cassee?s?|bouchee?s?|ne marche|ne marchent|ne fonctionne|ne fonctionnent|marche pas|marche plus|marchent pas|fonctionne pas|fonctionne plus|fuit|fuient|a l' arret|arretee?|en securite|en defaut|(?:re ?)?demarre (?:pas|plus)|ne ferme (?:plus|pas)|ferme (?:plus|pas)|ne s' ouvre (?:plus|pas))"

PERSISTS_INSISTS: Rules = [
    ("persists.toujours_pas", _rx(
        r"\btoujours (?:pas|rien|aucun|aucune|pareil|le meme|la meme|en panne|bloque|bloquee|coupe|coupee|froid|froide|froids|sans|hors service|en rade|hs|arrete|arretee|de fuite|une fuite|la fuite|des coupures|pas de|en attente|dans le noir|glace|glaces|a l' arret|nul|pire|bouche|bouchee|bouches|bouchees|casse|cassee|casses|cassees|ferme|fermee|ouvert|ouverte|inonde|inondee|humide|moisi|sale|en travaux|autant de \w+)\b",
        r"\btoujours (?:le |la |les |l' |un |une |des )?(?:probleme|panne|coupure|fuite|souci|meme souci|infiltration|humidite|odeur|bruit)s?\b",
        r"\b(?:est|sont|c' est|reste|restent|ca|il|elle) toujours\b.{0,25}\b(?:panne|bloque|coupe|hs|arrete|froid|froids|froide|fuite|noir|sale|casse|cassee|ferme|fermee|bouche|bouchee)",
        r"\btoujours (?:la |une )?(?:cata|catastrophe|galere|meme chose|le meme probleme)\b|\btoujours personne\b",
        r"\b" + _WORKS + r" (?:toujours|tjs)(?: pas| plus)\b",
        r"\bnon toujours\b",
        r"\b(?:attend|attends|attendons|attendent) (?:toujours|encore)\b|\btoujours en attente\b|\b(?:on|j' |nous) (?:attend|attends|attendons) (?:toujours|encore)\b",
        r"\b(?:sent|sentent|fuit|fuient|coule|goutte|gouttent|tombe|claque|sonne|grince|siffle|clignote|saute|disjoncte|pue|puent|refoule|pleut|deconne|deconnent|bug|bugue|beugue|buggue|plante|grouille|grouillent|suinte|suintent|moisit|gele|caille) (?:toujours|encore)\b",
        r"\btoujours (?:l' |le |la |les |des |une |un |cette |ce )?(?:odeur|bruit|fuite|gaz|humidite|moisissures?|infiltrations?|cafards|rats|souris|punaises|coupures?|pannes?|degats?|eau (?:froide|marron|tiede|jaune))\b",
        r"\b(?:\d+ ?(?:e|eme)|deuxieme|troisieme|quatrieme|cinquieme|enieme|nieme) (?:panne|coupure|fuite|inondation)s?\b",
        r"\b(?:\d+|deuxieme|troisieme|quatrieme|cinquieme|\d+e|\d+eme) (?:jour|jours|semaine|semaines|nuit|nuits|fois)\b.{0,20}\b(?:sans|que|d' attente|de suite|panne|coupure)\b",
    )),
    ("persists.encore", _rx(
        r"\bencore (?:panne|en panne|bloque|bloquee|coupe|coupee|hs|rien|une panne|une coupure|une fuite|sans|froid|arrete|en rade|tombe|tombee|casse|cassee|a l' arret|pas (?:d' |de |repare|regle|marche|fonctionne|revenu|venu|passe|d' eau|de chauffage))\b",
        r"\b(?:de nouveau|a nouveau|re) ?(?:en panne|coupe|coupee|bloque|bloquee|hs|en rade|casse|a l' arret)\b",
        r"\bre ?tombee? en panne\b|\bretombe\b|\bre ?coupee?\b|\bre ?bloquee?\b|\bre ?panne\b",
        r"\bcoule (?:toujours|encore)\b|\b(?:fuit|fuient) (?:toujours|encore)\b|\bfuite (?:toujours|encore)\b",
        r"\b(?:toujours|encore) (?:bloque|bloquee|coupe|coupee|en attente|hs|arrete|dans le noir)\b",
        r"\bencore (?:une fois|la meme chose)\b.{0,30}\b(?:panne|coupe|bloque|fuite|froid|hs)\b",
    )),
    ("persists.not_fixed", _rx(
        r"\b(?:pas|jamais|toujours pas|pas encore|pas du tout|absolument pas|toujours rien de|rien) (?:ete |bien )?(?:repare|reparee|repares|regle|reglee|resolu|resolue|remis|remise|retabli|retablie|revenu|revenue|venu|venus|venue|passe|passes|intervenu|fait|faite|fini|finie|change|debouche|remplace)\b",
        r"\b(?:n' ?est|ne sont|n' ?a|n' ?ont|n' ?etait) (?:toujours |toujours pas |pas |jamais |plus )?(?:pas |jamais |toujours )?(?:encore )?(?:ete )?" + _FIXED + r"\b",
        r"\b(?:pas pu|pu rien|rien pu) (?:reparer|regler|intervenir|faire|changer|deboucher|terminer|finir|reparer)\b",
        r"\brien n' ?a change\b|\brien ne change\b|\brien n' ?est regle\b|\brien n' ?a ete fait\b|\brien de fait\b|\brien de regle\b|\bpersonne n' ?est (?:venu|passe)\b|\bpersonne (?:n' )?(?:est )?(?:venu|passe)\b|\baucun (?:changement|technicien|retour|passage)\b|\bpas de changement\b",
        r"\b(?:ca |il |elle |c' )?(?:re ?marche|re ?fonctionne|est revenue?) (?:pas|plus|toujours pas)\b",
        r"\b(?:ca|il|elle|c' est|sa) (?:n' )?(?:a |est )?(?:pas|jamais) (?:re ?marche|re ?fonctionne|tenu|dure)\b",
        r"\b(?:ca|il|elle|tout) (?:a |est )?(?:re ?)?(?:lache|claque|reclaque|relache|recasse|retombe)\b",
        r"\b(?:n' a|n' ont|a|ont) (?:pas|jamais) (?:tenu|dure|marche|fonctionne)\b|\b(?:re ?fuit|re ?fuient|re ?coule (?:du|de|par|sous|dans|au|a nouveau du)|re ?fuite|recommence a fuir|re ?goutte)\b",
    )),
    ("persists.denial", _rx(
        r"\b(?:c' est faux|pas vrai|n' importe quoi|mensonge|mentez|menteurs?|foutez de (?:moi|nous)|soi-disant|soit disant|pretendument|on (?:m' |nous )a (?:dit|assure|affirme|promis) que|vous dites que|vous avez dit que|il parait que)\b.{0,60}\b(?:repare|reparee|regle|reglee|revenu|revenue|retabli|retablie|resolu|fini|termine|fonctionne|marche|ok|bon)\b",
        r"\b(?:repare|reparee|regle|reglee|revenue?|retablie?|resolue?|fini|termine|remise?|en route|en service)\b.{0,40}\b(?:c' est faux|pas vrai|n' importe quoi|mensonge|mentez|menteurs?|faux)\b",
        r"\b(?:repare|reparee|regle|revenue?|retablie?|marche|fonctionne|remarche)\b.{0,40}\b(?:mais|et) (?:ca |il |elle |c' est |c' )?(?:a |est )?(?:de nouveau|a nouveau|re) ?(?:en panne|coupe|coupee|bloque|casse|hs|lache|tombe)\b",
        r"\b(?:repare|reparee|regle|revenue?|retablie?|marche|fonctionne|remarche)\b.{0,30}\b(?:mais|et) (?:seulement |que )?(?:une|deux|1|2|3|quelques|\d+) (?:heure|heures|h|minutes|min|jour|jours)\b",
        r"\b(?:revenue?|remarche|repare|reparee|marche|fonctionne)\b.{0,30}\bmais (?:ca |il |elle |l' eau |c' est )?(?:est |a )?(?:encore |toujours |de nouveau )?(?:re ?)?(?:coupee?|repartie?|en panne|tombee?|marron|jaune|froide?|tiede|bouchee?|casse)\b",
        r"\b(?:revenue?|repare|reparee|regle|reglee|remarche|fonctionne|marche|retabli|retablie)\b.{0,30}\bmais (?:pas|toujours pas|rien|plus rien) (?:chez|dans|au|a|pour|de mon|de notre|ici)\b|\bmais pas chez (?:moi|nous)\b",
        r"\b(?:repare|reparee|regle|reglee|revenue?|retablie?|remarche|remis|remise)\b.{0,30}\bmais (?:ca |il |elle |c' )?(?:a |n' a )?(?:dure|tenu) (?:que |seulement )?(?:une|1|deux|2|trois|3|quelques|\d+) ",
        r"\b(?:revenue?|retablie?|remarche|refonctionne|repare|reparee)\b.{0,30}\bmais (?:toujours )?pas (?:l' |le |la |les |d' |de |du )?" + _THING + r"\b",
        r"\b(?:a peine|seulement|que) (?:une|1|deux|2|quelques) (?:heure|heures|minutes|jour|jours)\b.{0,30}\b(?:panne|coupe|recoupe|lache|tombe)\b",
    )),
    # What lingers (pests, damp, smells, noise) or comes back: run only when one of the stems
    # is there (a substring test costs far less than these patterns).
    ("persists.lingering", Gated(("toujours", "encore", "revien", "retour", "malgre"), _rx(
        r"\b(?:" + _NUISANCE[3:-1] + r"|probleme|souci|trou|degats?|" + _THING[3:-1] + r")s?\b.{0,30}\b(?:est|sont|reste|restent|ils sont|elles sont) (?:toujours|encore) (?:la|presente?s?|installee?s?|partout|visibles?|ici|dans (?:le|la|les|l' |mon|ma|mes|notre|nos))\b",
        r"\b(?:il y a|y a|j' ai|on a|nous avons|nous avons|voit|vois) (?:toujours|encore) (?:des |de la |de l' |du |une |un |autant de |plein de )?" + _NUISANCE + r"\b",
        r"\btoujours (?:de l' |du |des |de la )" + _NUISANCE + r"\b|\b(?:fait|font) (?:toujours|encore) (?:des |du |autant de |de l' |de la )?" + _NUISANCE + r"\b",
        r"\bencore (?:des |de la |de l' |du |une )" + _NUISANCE + r"\b(?! (?:merci|svp))",
        r"\b" + _NUISANCE + r"\b.{0,30}\b(?:revient|reviennent|revenue?s?|de retour) (?:tout le temps|sans cesse|toujours|a chaque)|\b(?:ca|elle|il) revient (?:tout le temps|sans cesse|toujours)\b",
        r"\b(?:toujours|encore)\b.{0,50}\bmalgre (?:la |le |les |l' |vos |votre |leur |son |sa |ses |un |une )?(?:passage|intervention|desinsectisation|deratisation|traitement|travaux|courriers?|lettres?|filets?|reparation|nettoyage|relances?|signalements?|visite)\b",
    ))),
    ("persists.recurring", Gated(("tous les", "toutes les", "sans arret", "sans cesse", "tout le temps", "regulierement", "constamment", "chaque"), _rx(
        r"\b(?:coupe|coupent|saute|sautent|disjoncte|s' arrete|s' arretent|lache|plante|fuit|fuient|bloque|tombe en panne|tombent en panne|s' eteint|s' eteignent|recoupe)\b (?:encore |toujours )?(?:tous les (?:jours|soirs|matins|deux jours)|toutes les (?:nuits|heures|semaines|deux heures|cinq minutes|\d+ ?(?:minutes|min|heures|h))|sans arret|sans cesse|tout le temps|regulierement|constamment|chaque (?:jour|soir|nuit|matin|semaine))\b",
    ))),
    ("persists.relapse", _rx(
        r"\b(?:revenue?s?|reparti|repartie|remarche|refonctionne|repare|reparee|rallume|rallumee|retabli|retablie|marche|fonctionne)\b.{0,30}\b(?:puis|mais|et|avant de|pour) (?:de nouveau |a nouveau |encore )?(?:plus rien|re ?froid|re ?froide|re ?coupee?|re ?panne|re ?en panne|re ?tombee? en panne|(?:re ?)?recoupee?|plus de (?:chauffage|eau|courant|lumiere|chaud)|froid de nouveau|(?:en panne|coupee?|froide?) (?:de nouveau|a nouveau))\b",
    )),
    ("persists.since", _rx(
        r"\b(?:cafards|punaises|souris|rats|blattes|moisissures?|infiltrations?|humidite)\b.{0,40}\bdepuis " + _WHEN + r"\b",
        r"\bdepuis " + _WHEN + r"\b.{0,50}\b(?:sans|pas|(?<!habite )plus|panne|rien|coupe|coupee|bloque|bloquee|froid|hs|fuite|attends|attend|attendons|hors service|casse|cassee|en rade)\b",
        r"\b(?:sans|pas|(?<!habite )plus|panne|rien|coupe|coupee|bloque|bloquee|froid|hs|fuite|attends|attend|attendons|hors service|casse|cassee|en rade)\b.{0,50}\bdepuis " + _WHEN + r"\b",
        r"\b(?:ca fait|voila|cela fait) " + _WHEN + r" (?:jours|semaines|mois|heures)?\b.{0,40}\b(?:que|sans|pas|panne|attends|attend)\b",
        r"\b(?:jours|semaines|mois)(?<!les jours)(?<!les semaines)(?<!les mois) (?:sans|que|d' attente)\b.{0,30}\b(?:eau|chauffage|ascenseur|electricite|lumiere|courant|attends|panne|rien)\b",
        r"\b(?:\d+|deux|trois|quatre|cinq|plusieurs)(?:e|eme)? (?:fois|relance|relances|appels)\b.{0,40}\b(?:appel|appele|signale|rien|toujours|panne|relance)\b",
        r"\b(?:j' |nous )?(?:ai|avons) (?:deja )?(?:signale|appele|relance|ecrit)\b.{0,50}\b(?:rien|toujours|jamais|personne|aucun)\b",
    )),
    ("persists.goes_on", _rx(
        r"\b(?:pire|empire) (?:qu' avant|que avant|qu' hier|qu' avant l' intervention|qu' avant les travaux)\b|\bde pire en pire\b|\b(?:ca|c' est|il|elle) (?:empire|s' aggrave)\b",
        r"\b(?:un|1) jour sur (?:deux|2)\b|\bune fois sur deux\b|\bpar intermittence\b|\bfait (?:encore |toujours |de nouveau )?des siennes\b|\bfont (?:encore |toujours )?des leurs\b",
        r"\b(?:coupure|panne|fuite|infiltration|odeur|bruit|probleme|souci|ca)s? (?:a |ont )?(?:repris|recommence)\b",
        r"\b(?:coupure|panne|fuite|infiltration|odeur|bruit|nuisance|travaux)s?(?: (?:de la|du|des|de l' |d' )[\w' ]{2,20}?)? (?:continuen?t?|persisten?t?|reprenn?e?n?t?|recommencen?t?)\b|\b(?<!si )(?:ca|cela|le probleme|probleme|le souci|souci|les problemes) (?:continue|persiste|perdure|recommence|reprend)\b",
        r"\b(?:ca|cela|c' est) (?:re ?)?recommence\b|\bc' est reparti\b(?! pour)|\bca repart de plus belle\b",
        r"\bpersiste\b|\bperdure\b",
        r"\b(?:fuite|panne|coupure|probleme|souci|infiltration|odeur|bruit|humidite|cafards|rats|punaises|punaises de lit|souris|blattes|moisissure|moustiques|fourmis)s? (?:est |sont )?(?:revenue?s?|de retour|reapparue?s?|revient|reviennent)\b|\bn' a (?:dure|tenu) que\b",
        r"\brien n' ?a bouge\b|\brien ne bouge\b|\baucune? (?:progres|resultat|amelioration|evolution|changement)\b|\bpas mieux\b|\bn' a rien (?:change|fait|regle)\b|\bn' a (?:pas |servi a rien|rien)(?: servi| regle)?\b.{0,10}\b(?:servi|regle)\b",
        r"^(?:non,? )?(?:pas|toujours pas|rien) (?:chez (?:moi|nous)|ici|de mon cote|de notre cote|au \d+\w*)(?: ?[!.])*$|^negatif(?: ?[!.])*$",
        r"^(?:(?:non|ben non|bah non|helas|malheureusement) )?pas encore(?: ?[!.])*$|^(?:meme|le meme|la meme) (?:probleme|souci|chose|panne)\b",
    )),
]

PERSISTS_STATE: Rules = [
    ("persists.not_working", _rx(
        r"\b(?:ne |n' )" + _WORKS + r" (?:toujours |plus |pas |jamais )",
        r"\b" + _WORKS + r" (?:toujours )?(?:pas|plus|toujours pas|jamais)\b",
        r"\b(?:ne |n' )(?:s' )?allume (?:toujours )?(?:pas|plus)\b|\bs' allume (?:pas|plus)\b",
        r"\b(?:ne |n' )(?:chauffe|coule|demarre) (?:pas|plus)\b",
    )),
    ("persists.without", _rx(
        r"\b(?:pas|plus|toujours pas|rien|aucune?) (?:d' |de |du )(?:eau|eau chaude|chauffage|chaud|courant|electricite|lumiere|gaz|ascenseur|reseau|internet|tele|tv|television|retour|nouvelles|amelioration|changement|reparation|technicien|intervention|reponse)\b",
        r"\b(?:on est|nous sommes|je suis|on reste|on vit|il y a|y a|ya) (?:toujours |encore )?(?:sans|pas d' |pas de|plus d' |plus de) ?(?:eau|chauffage|electricite|courant|ascenseur|lumiere|eau chaude|gaz)\b",
        r"\bsans (?:eau|chauffage|electricite|courant|ascenseur|lumiere|eau chaude|gaz)\b",
        r"\bil n' y a (?:toujours |plus |pas )(?:pas )?(?:d' |de )(?:eau|chauffage|electricite|courant|lumiere|eau chaude|gaz)\b",
    )),
    ("persists.cold", _rx(
        r"\b(?:on gele|on se gele|on a froid|il fait froid|glacial|glaciale|on caille|on meurt de froid|caille|\d+ degres)\b",
        r"\b(?:radiateurs?|chauffage|appartement|logement|eau|douche|maison)\b.{0,15}\b(?:glaces?|glacees?|geles?|gelees?|froids?|froides?|tiedes?)\b",
        r"\bl' eau (?:est )?(?:toujours )?(?:marron|jaune|froide|coupee|tiede)\b|\beau froide\b",
        r"\b(?:eau|elle|elle est|c' est) (?:toute |tres |encore |toujours )?(?:marron|jaune|trouble|boueuse|noire|rouillee)\b",
    )),
    ("persists.broken", _rx(
        r"\b" + _THING + r"\b.{0,25}\b" + _BROKEN,
        r"\b(?:est|sont|reste|restent|c' est|ca) ?(?:toujours |encore |de nouveau )?(?:en panne|en rade|hors service|hs)\b",
        r"^(?:en panne|hs|hors service|panne|coupure|pas d' eau|pas de chauffage|toujours rien|rien)(?: ?[!.])*$",
        r"\b(?:panne|coupure|fuite)\b.{0,20}\b(?:toujours|encore|pas (?:reglee?|reparee?|resolue?))\b",
    )),
]

CALLBACK: Rules = [
    ("callback.call_me", _rx(
        r"\brappel+(?:ez|er|e|es)?[ -]?(?:moi|nous)\b",
        r"\b(?:me|nous|m') ?rappel+(?:er|ez|e)\b",
        r"\b(?:m' |me |nous )(?:appeler|appelez|appelle|appellez|telephoner|telephonez|contacter|contactez|joindre|recontacter|recontactez)\b",
        r"\bappel+(?:ez|er|e)?[ -]?(?:moi|nous)\b",
        r"\b(?:contactez|telephonez|joignez|recontactez)[ -]?(?:moi|nous)\b",
        r"\bpouvez[ -]vous m' appeler\b|\bappelez[ -]moi\b",
        r"\b(?:pouvez|pourriez)[ -]vous (?:me |m' |nous )?(?:rappeler|recontacter)\b|\b(?:vous pouvez|tu peux|pouvez vous) (?:me |m' |nous )(?:rappeler|appeler|appelez|telephoner|recontacter)\b",
        r"\bcall me\b|\bcall me back\b",
    )),
    ("callback.wish", _rx(
        r"\b(?:besoin|envie|souhaite\w*|voudrais|veux|aimerais|aimerai|desire|demande)\b.{0,30}\b(?:etre rappele|etre rappelee|etre rappeles|etre contacte|etre contactee|un rappel|un appel|un coup de fil|qu' on m' appelle|qu' on me rappelle|qu' on me contacte|qu' on m' telephone|parler (?:a|avec) (?:(?:quelqu' ?un|quelquun)|un conseiller|une conseillere|un responsable|une personne|mon conseiller|ma conseillere|un agent)|vous parler|avoir (?:quelqu' ?un|quelquun) au telephone|avoir un conseiller)",
        r"\bqu' ?on (?:me |m' )(?:rappelle|appelle|telephone|contacte)\b",
        r"\betre (?:rappele|rappelee|rappeles|recontacte|recontactee|appele|appelee)\b",
        r"\btelephone[ -]?moi\b|\btelephonez[ -]?moi\b",
        r"\b(?:aimerais|voudrais|souhaite|souhaiterais|aimerai|voudrai|faudrait|veux|demande) que (?:l' \w+|le \w+|la \w+|quelqu' ?un(?: de [\w' ]+?)?|votre \w+) (?:me |m' |nous )(?:contacte|rappelle|appelle|telephone|joigne|recontacte)\b",
        r"\bque (?:quelqu' ?un|quelquun|on|vous|un conseiller|une conseillere|le gardien|l' agence|mon conseiller|ma conseillere|quelqu' un de l' agence) (?:me |m' |nous )(?:contacte|contactiez|rappelle|rappeliez|appelle|appeliez|telephone|telephoniez|joigne|joigniez|recontacte)\b",
        r"\b(?:avoir|recevoir) un (?:appel|rappel|coup de fil|coup de telephone)\b",
        r"\b(?:un|votre) (?:appel|rappel|coup de fil|coup de telephone) (?:me |nous )?(?:serait|seraient|est|sera) (?:le |la |tres |bien )?(?:bienvenue?|apprecie|utile|necessaire|souhaite|souhaitable|plus simple|mieux)\b",
        r"\bmerci de rappeler\b|\b(?:rappeler|appeler|rappelez|appelez|contactez|contacter) (?:ma|mon) (?:fille|fils|mari|femme|epouse|voisine?|mere|pere|soeur|frere|aidante?|tuteur|tutrice|curateur)\b|\b(?:faut|il faut) que je (?:vous )?parle\b|\bdois (?:vous )?parler a\b",
        r"\bprendre contact avec (?:moi|nous)\b|\b(?:rendez-vous|rendez vous|entretien|echange) (?:telephonique|par telephone)\b",
        r"\b(?:me |m' |nous )(?:passer|donner|faire) un (?:coup de fil|coup de telephone|appel|petit appel|petit coup de fil)\b",
        r"\bqu' ?un (?:conseiller|agent|responsable|technicien) (?:me |m' |nous )(?:rappelle|appelle|contacte|telephone)\b",
        r"\b(?:conseiller|conseillere|agent|responsable|(?:quelqu' ?un|quelquun)|gardien)\b.{0,20}\b(?:peut|pourrait|peut-il|peut il|pourrait-il|pourrait il)\b.{0,10}\b(?:me |m' |nous )(?:rappeler|appeler|joindre|contacter|telephoner)\b",
        r"^(?:un )?(?:appel|rappel)(?: (?:s' il vous plait|s' il te plait|merci|rapide|urgent|rapidement))+(?: ?[!.])*$",
        r"\brappel (?:s' il vous plait|urgent|rapide|merci|rapidement|svp|demain|ce matin|cet apres-midi)\b|^rappel\b",
        r"(?<!plus )(?<!pas )\bjoignable\b.{0,40}\b(?:apres|avant|a partir|entre|le matin|l' apres-midi|demain|ce soir|toute la journee|au|sur ce numero)\b",
        r"\bmerci de (?:me |m' |nous )(?:rappeler|appeler|contacter|telephoner|recontacter)\b",
        r"\b(?:j' |on |nous )?(?:attends|attend|attendons) (?:toujours |encore |depuis \w+ )?(?:votre|un|le|ton|vos) (?:appel|coup de fil|rappel|coup de telephone)\b",
        r"\b(?:un|le) (?:rappel|appel|coup de fil) (?:s' il vous plait|svp|merci|rapidement|urgent|demain|au plus vite)\b",
        r"\b(?:appelez|rappelez|telephonez|contactez)[ -]?(?:moi|nous)?\b.{0,15}\b(?:au|sur le) (?:\d|numero)",
    )),
]

# "Arrêtez de m'appeler", "ne me rappelez pas": the opposite of a callback request.
NO_CALLBACK = _rx(
    r"\b(?:arrete[rz]?|cessez|stop|plus besoin) (?:de )?(?:me |m' )(?:appeler|rappeler|telephoner|contacter)\b",
    r"\bne (?:me |m' )(?:appelez|rappelez|appeler|rappeler|telephonez|contactez)(?: plus| pas| jamais)\b",
    r"\bne (?:pas|plus|jamais) (?:me |m' )(?:appeler|rappeler|telephoner|contacter)\b",
    r"\bpas (?:la peine|besoin|utile) de (?:me |m' )(?:appeler|rappeler|telephoner|contacter)\b",
    r"\b(?:me |m' )(?:appelez|rappelez) (?:pas|plus)\b",
)

QUESTION_START: re.Pattern[str] | Gated | StartSplit = _rx(
    # Questions by word order without "?": "vous avez reçu mon attestation", "il y a moyen de
    # décaler", "le rdv est toujours maintenu", "de quelle résidence", "par mail ou seulement par sms".
    r"^(?:bonjour |bonsoir )?vous (?:avez|auriez) (?:bien )?(?:recu|eu|vu|note|enregistre|pris en compte|trouve)\b",
    r"^(?:bonjour |bonsoir )?(?:vous pouvez|tu peux|vous pourriez) (?:envoyer|passer|venir|decaler|avancer|reporter|changer|deplacer|me dire|m' envoyer|me donner|me renvoyer)\b",
    r"^(?:il y a|y a) (?:moyen|possibilite) (?:de |d' )|\by a-t-il moyen\b",
    r"\b(?:toujours|bien) (?:maintenue?s?|prevue?s?|d' actualite|valables?|confirmee?s?)$",
    r"\b(?:de|a|pour|dans|sur|par|en|avec|chez) (?:quel|quelle|quels|quelles) \w+",
    r"\bou (?:seulement|uniquement|juste) (?:par|en|le|la|les)\b|\bou (?:pas|non)$",
    r"^c' est (?:payant|gratuit|obligatoire|possible|permis|autorise) (?:pour|de|d')\b",
    r"\b(?:retrouve|trouve) (?:plus|pas) (?:le|la|les|l' |votre|vos) (?:numero|adresse|mail|horaires|coordonnees|telephone)\b",
    r"^(?:(?:bonjour|bonsoir|salut|madame|monsieur|oui|non|ok|et|mais|alors|desole|excusez-moi|pardon|svp|s' il vous plait) )*(?:quand|comment|pourquoi|combien|qui|(?:quel|quelle|quels|quelles)(?! (?:honte|horreur|galere|scandale|misere|bordel|plaisir|bonheur|joie|soulagement|bonne nouvelle|catastrophe|cauchemar|enfer|blague))|ou est|ou se|ou dois|ou puis|ou peut|ou faut|ou en est|est-ce|est ce|savez-vous|savez vous|sauriez|pouvez-vous|pouvez vous|pourriez-vous|pourriez vous|peut-on|peut on|puis-je|puis je|dois-je|dois je|doit-on|doit on|faut-il|faut il|y a-t-il|y a t il|a quelle heure|a quel heure|jusqu' a quand|jusqu' a quelle|ou je|ou on|ou faut|ou dois|ou peut|c' est pour (?:tout|quel|qui|quand|combien)|c' est quand|c' est pour quand|c' est normal|vous savez|on sait|serait-il|serait il|est-il|est il|sera-t-il|sera t il|vont-ils|vont ils|va-t-il|va t il|avez-vous|avez vous|aurez-vous|a-t-on|a t on|peut-il|peut il|quoi|d' ou|depuis quand|a partir de quand|a qui)\b",
    r"\b(?:je voudrais|j' aimerais|je souhaiterais|je veux|voudrais|aimerais|souhaiterais|j' aurais aime|pourrais-je|pourrai-je|je voulais|voulais|j' aurais voulu|j' aimerai|je souhaitais|souhaitais) (?:juste |seulement |simplement |bien |aussi )?(?:savoir|connaitre|des informations|une information|un renseignement|des renseignements|des precisions|comprendre|avoir (?:des|une) (?:info|infos|informations|precisions))\b",
    r"\b(?:une question|savoir si|savoir quand|savoir pourquoi|savoir comment|savoir combien|savoir ou|savoir qui|c' est prevu quand|prevu pour quand|combien de temps|a quelle heure|quelle heure|quel jour|jusqu' a quand|pour quand|est-ce normal|est ce normal|est-ce que|est ce que|je me demandais|on peut savoir|vous pouvez me dire|pouvez-vous me dire|pouvez vous me dire|pourriez-vous me dire|pourriez vous me dire|merci de me dire|merci de m' indiquer|m' indiquer)\b",
    r"\bquand (?:l' |le |la |les |mon |ma |mes |notre |nos )\w+(?: \w+)?$|^(?:c' est )?(?:que )?quand (?:l' |le |la |les )\w+(?: [\w']+){0,3}$",
    r"\bquand (?:cette annee|ce mois|cette semaine|exactement|environ|a peu pres|pour (?:ma|mon|la|le|les|l' |nous|moi))\b",
    r"\b(?:quand|combien|ou|pourquoi|comment|quelle heure|quel jour|qui|quoi|c' est quand|c' est ou)(?: (?:s' il vous plait|s' il te plait|merci|exactement|environ|alors|donc|svp))*(?: ?[.!])*$",
    r"^(?:et )?(?:pour|concernant) (?:le|la|les|l'|mon|ma|mes|nous|moi|notre|chez)\b|^et (?:le|la|les|l'|nous|moi|chez|au|a la|pour)\b",
    r"^(?:info|infos|information|informations|renseignement|renseignements|precision|precisions) (?:sur|svp|pour|concernant|s' il)\b|^qu' est[ -]ce\b|\bqu' est[ -]ce qu",
    r"\b(?:une idee|des nouvelles|du nouveau|une date|un delai|une estimation|une heure) (?:de|d'|pour|sur|concernant|quand)\b|^(?:des nouvelles|du nouveau)\b",
    r"\ba (?:que|quelle|quel|ke) heure\b|\b(?:va|vont|ca va) durer (?:longtemps|combien)\b|\bdurer longtemps\b",
    r"^c' est bien (?!recu|note|compris|repare|revenu|regle|gentil|merci|vrai)\w|^(?:il y aura|y aura|ce sera|ca sera|on aura|ce sera bien) ",
    r"^(?:je peux|on peut|je pourrais|on pourrait|puis je|je pourrai) (?:avoir|savoir|recevoir|obtenir|venir|passer|payer|utiliser|laisser|mettre|faire|prendre|deposer|envoyer|changer)\b",
    r"\b(?:dites|dite|dis)[ -]?(?:moi|nous)\b|\b(?:je me demande|je me demandais|on se demande|on se demandait)\b|\bbesoin d' (?:info|infos|information|informations|renseignements?|precisions?|explications?)\b",
    r"\b(?:c' est|est-il|est il|serait-il|serait il|ce serait|ce sera|est-ce) possible (?:de|d' )|\bpour quelles? raisons?\b|\ba quoi (?:correspond|sert|servent|ca sert|ca correspond)\b|\bou en est\b|\b(?<!c' est )pourquoi\b",
    r"\b(?:peut|pouvez|pourriez|pourrait|dois|doit|devez|faut|sera|serait|seront|(?<!y )est|sont|avez|aurez|savez|puis|voulez|serez|viendra|viendront|passera|passerez|passeront|comptez|reviendra|durera|fonctionnera|marchera|concerne|s' agit) (?:t )?(?:je|il|elle|on|vous|ils|elles)\b|\b(?:va|a|aura) t (?:il|elle|on)\b|\b(?:vont|ont) (?:ils|elles)\b",
    r"\b(?:a quel moment|quel jour|quelle date|quels jours|quel horaire|quels horaires|quelle heure|combien de temps)\b",
    r"\bc' est (?:combien|quand|ou|qui|quoi|quel|quelle)\b|\bcombien (?:coute|ca coute|je dois|je vous dois|de temps|de jours|d' heures)\b",
    r"^(?:je peux|on peut|j' ai le droit|on a le droit|je pourrais|on pourrait|puis je|peut on|je pourrai) (?:de |d' )?(?:se |s' |me |m' |nous |y )?(?:[a-z]+(?:er|ir|re)|y)\b(?! (?:pas|plus))",
    r"\bou (?:je|on|il) (?:dois|doit|peux|peut|faut)\b|\bou faut\b",
    r"\bcombien (?:de |d' )(?!fois\b)\w+",
    r"\b(?:vous savez|savez-vous|savez vous|on sait|sait-on|sait on|vous avez une idee|avez-vous une idee) (?:quand|si|pourquoi|comment|combien|ou|qui|a quelle|jusqu)",
    r"\bcomment (?:se passe|se passent|ca se passe|faire pour|on fait|je fais|je dois|on doit|proceder|s' inscrire|payer|obtenir)\b",
    r"\bou (?:c' est |est-ce )?(?:juste|seulement|que) (?:chez (?:moi|nous)|moi|nous|mon \w+|ma \w+|notre \w+|le \w+|la \w+)\b",
    r"\b(?:pas|rien) compris (?:si|quand|ou|pourquoi|le|la|les|c' est|ce que)\b|\bc' est (?:aujourd' hui|demain|ce matin|cet apres-midi|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|le matin|l' apres-midi) ou\b",
    r"^(?:bonjour |bonsoir )?(?:vous pouvez|vous pourriez|tu peux|tu pourrais) (?:me |m' |nous )(?:envoyer|donner|dire|indiquer|communiquer|transmettre|expliquer|preciser|renseigner)\b",
    r"^(?:je peux|on peut|peut-on|je dois|on doit|il faut|faut il|dois je) .{0,60}(?:ou pas|oui ou non)$",
    r"\b(?:when|what time|how long|why|where|how)\b.*\?",
)

SOLVED: Rules = [
    ("solved.works_again", _rx(
        r"\b(?:ca |tout |il |elle |ils |elles |l' ascenseur |le chauffage |l' eau |le courant |la lumiere |les radiateurs |c' )?(?:re ?marche|re ?marchent|re ?fonctionne|re ?fonctionnent|repart|est reparti|est repartie|re ?chauffe|re ?chauffent|re ?coule)\b",
        r"\b(?:ca|il|elle|tout|ils|elles|" + _THING + r"s?) (?:marche|fonctionne|fonctionnent|marchent|chauffe|chauffent|coule|coulent|va|tourne) (?:de nouveau|a nouveau|bien|maintenant|parfaitement|nickel|correctement|enfin|normalement|super bien|tres bien|impeccable|depuis)\b",
        r"\b(?:fonctionne|marche|chauffe) (?:tres bien|parfaitement|nickel|normalement|super|impeccable|comme avant)\b",
        r"\b(?:ca|tout) (?:re ?)?fonctionnen?t?\b|\btout (?:re ?)?marchen?t?\b",
        r"\b(?:de nouveau|a nouveau|enfin) (?:de l' eau|l' eau|du chauffage|le chauffage|chaud|l' ascenseur|la lumiere|du courant|de la lumiere|l' electricite)\b",
    )),
    ("solved.fixed", _rx(
        r"\b(?:est|sont|a ete|ont ete|c' est|tout est|c' etait) (?:bien |enfin |deja )?(?:de retour|revenue?s?|retablie?s?|reparee?s?|reglee?s?|resolue?s?|remise? en (?:service|route|marche|etat)|debouchee?s?|remplacee?s?|fini|finis|termine|terminee)\b",
        r"\b(?:eau|chauffage|courant|electricite|ascenseur|lumiere|gaz|chaude?|interphone|porte|radiateurs?)\b.{0,25}\b(?:revenue?|retablie?|de retour|reparee?|remis|remise|reglee?|resolue?|fonctionne|marche|debouchee?|remplacee?)\b",
        r"\bplus rien ne (?:fuit|coule|goutte)\b|\b(?:ne|n' ) ?(?:fuit|goutte|coule) plus\b|\btout est en ordre\b",
        r"\b(?:c' est|tout est|tout va|ca va|tout est rentre|c' est rentre) (?:bon|ok|regle|rentre dans l' ordre|revenu|repare|bien maintenant|dans l' ordre|mieux|revenu a la normale)\b",
        r"\bprobleme (?:regle|resolu|reparee?|resout)\b|\bplus (?:de |aucun )(?:probleme|panne|souci|fuite|coupure)\b|\bplus rien a signaler\b",
        r"\bc' est revenu\b|\bc' est repare\b|\best revenue?\b|\bon a (?:de nouveau |enfin |a nouveau )?(?:de l' eau|l' eau|le chauffage|du chauffage|l' electricite|de l' eau chaude|du courant|la lumiere)\b",
        r"\b(?:le technicien|le plombier|l' electricien|le chauffagiste|(?:quelqu' ?un|quelquun)|l' entreprise|ils sont|il est|le reparateur|l' ascensoriste|la societe|le gardien) (?:est |sont |a |ont )?(?:change (?:la |le |les )?pieces?|remplace (?:la |le |les )?pieces?|passe|passes|venu|venus|intervenu|intervenus)\b.{0,40}\b(?:marche|fonctionne|regle|repare|reparee|bon|ok|merci|resolu|nickel|revenu|revenue|top|parfait|change)\b",
        r"^(?:c' est )?(?:repare|reparee|regle|reglee|resolu|resolue|retabli|retablie|revenu|revenue|fixe)(?: ?[!.,])* ?(?:merci|maintenant|c' est bon|ce matin|hier)?\b",
        r"\benfin (?:repare|reparee|revenue?|regle|reglee|retabli|retablie)\b|\benfin\b.{0,10}\b(?:marche|fonctionne|chaud)\b",
        r"\b" + _THING + r"\b.{0,10}\bok\b",
        r"\bc' est bon (?:pour nous|chez nous|chez moi|pour moi|de notre cote|de mon cote|maintenant)\b|^(?:oui )?c' est bon\b",
        r"\b(?:retrouve|recupere) (?:l' |le |la |de l' |du |les )?(?:eau|chauffage|electricite|courant|lumiere|ascenseur|eau chaude|chaleur)\b",
        r"\b(?:ca va|tout va|c' est|ca|tout) (?:beaucoup |bien |nettement )?mieux\b|\btout roule\b|\bca roule (?:maintenant|depuis)\b",
        r"\b(?:est|sont|de nouveau|a nouveau|enfin) (?:de nouveau |a nouveau |bien )?(?:operationnele?s?|en service|en marche|en fonction|utilisables?|accessibles?)\b",
        r"\b(?:radiateurs?|chauffage|eau|appartement|logement|douche) (?:est |sont )?(?:bien |enfin |de nouveau |a nouveau )?(?:chauds?|chaudes?|rallumee?s?)\b|\b(?:est|sont|a ete) (?:bien )?rallumee?s?\b",
        r"\b(?:pris en charge|traitee?|faite?|passee?|venue?) et (?:bien )?(?:reglee?s?|reparee?s?|resolue?s?|terminee?s?)\b",
        r"\bintervention (?:faite|effectuee|reussie|terminee|ok)\b|\b(?:travaux|reparation) (?:termines|terminee|finis|finie|faits|faite)\b",
        r"\b(?:it|everything) (?:works|is fixed|is ok)\b",
        r"\b(?:a|ont|est|sont) (?:bien |enfin |deja )?ete (?:bien |enfin )?(?:reparee?s?|reglee?s?|resolue?s?|retablie?s?|debouchee?s?|remplacee?s?|changee?s?|colmatee?s?|soudee?s?|rebranchee?s?|purgee?s?|traitee?s?|desinfectee?s?|nettoyee?s?|remise? en (?:service|route|marche|etat))\b",
        r"^(?:(?:oui|ok|bon|ben|voila|parfait|super|c' est bon)(?: ?[!.,])* )+(?:c' est )?(?:bien )?(?:repare|reparee|regle|reglee|resolu|resolue|retabli|retablie|revenu|revenue)\b(?! (?:quand|\?))",
        r"\b(?:a l' air|semble|semblent|parait|on dirait) (?:de )?(?:re ?marcher|re ?fonctionner|fonctionner|marcher|etre (?:repare|reparee|regle|reglee|revenu|revenue|bon|ok))\b",
        r"^(?:l' |le |la |les |ma |mon |notre )?" + _THING + r"s? (?:bien |enfin )?(?:reparee?s?|reglee?s?|changee?s?|remplacee?s?|debouchee?s?|retablie?s?)\b(?! (?:quand|\?))",
        r"^(?:l' |le |la |les |ma |mon |notre )?(?:fuite|panne|probleme|souci)s? (?:bien |enfin )?(?:reparee?s?|reglee?s?|resolue?s?)\b(?! (?:quand|\?))",
        r"\b(?:a|ont|m' a|nous a|nous ont|m' ont) (?:bien |enfin )?(?:repare|regle|change|remplace|debouche|remis en (?:route|marche|service)) (?:l' |le |la |les |ma |mon |notre |nos )?" + _THING + r"s?\b",
        r"\b(?:de nouveau|a nouveau|enfin) (?:de l' |du |de la |l' |le |la )?(?:eau|chauffage|electricite|courant|lumiere|gaz|eau chaude)\b",
        r"\bplus (?:de |d' )?(?:cafards|punaises|souris|rats|blattes|bruit|odeur|humidite|infiltration)s?\b(?! (?:depuis|que))|\bplus (?:de |d' )?(?:cafards|punaises|souris|rats|blattes) depuis\b",
        r"^(?:ah |bon |ok )?ca y est\b|\bfini (?:la|les) (?:panne|coupure|fuite|galere)s?\b",
    )),
    ("solved.nuisance_gone", Gated(("arret", "calme", "parti", "disparu", "termine"), _rx(
        r"\b" + _NUISANCE + r"\b.{0,20}\b(?:s' est|se sont|est|sont|a|ont) (?:enfin |bien |completement |totalement )?(?:arretee?s?|calmee?s?|partie?s?|disparue?s?|terminee?s?)\b",
    ))),
]

# A leak that stops is solved, water that stops is not: "le plafond ne coule plus".
LEAK_STOPPED = re.compile(r"\b(?:plafond|robinet|mur|murs|fuite|toit|toiture|evier|lavabo|chasse d' eau|tuyau|canalisation|joint|siphon|ballon|fenetre)s?\b.{0,20}\b(?:ne |n' )(?:coule|goutte|fuit|fuient|coulent|gouttent) plus\b")

# Negation scope: "n'est pas revenue", "pas encore réparé", "ça remarche pas" are not solved.
NOT_SOLVED = _rx(
    r"\b(?:pas|plus|jamais|pas encore|toujours pas) (?:ete |bien |encore )?(?:re ?marche|re ?fonctionne|repare|reparee|regle|reglee|revenue?|retablie?|resolue?|de retour)\b",
    r"\b(?:re ?marche|re ?fonctionne|revenue?|repart|chauffe|marche|fonctionne) (?:pas|plus|toujours pas|jamais)\b",
    r"\bn' (?:est|a|ont) (?:pas|jamais|toujours pas)\b",
    r"\b(?:loyer|facture|paiement|virement|cheque|dette|solde|charges|somme|montant|echeance|arriere|arrieres)\b.{0,20}\b(?:regle|reglee|regles|paye|payee|fait)\b",
)

THANKS: Rules = [
    ("thanks.merci", _rx(
        r"(?<!non )\bmerci\b(?! pour rien)(?! de (?:(?:me|m'|nous|bien vouloir|bien) )?(?:passer|venir|faire|reparer|prendre|rappeler|appeler|contacter|recontacter|telephoner|envoyer|renvoyer|ne|regler|intervenir|changer|retirer|supprimer|m'|me|joindre|verifier|repondre|indiquer|dire))",
        r"\bremercie\b|\bremerciements?\b|\bmerci d' avance\b|\bmercis\b|\bmerci (?:de |d' )(?:m' |nous |vous |l' )?(?:avoir|etre)\b",
        r"^(?:c' est |trop |vraiment )(?:top|super|parfait|genial|gentil|sympa|cool|bien)(?: ?[!.,])*(?: merci)?(?: ?[!.,])*$",
    )),
    ("thanks.acknowledged", _rx(
        r"^(?:(?:ah|oh|bon|ben|alors|ok|d' accord|parfait|super|top|genial|nickel|impeccable|tres bien|bien|entendu|compris|ca marche|cool|ca roule|merci|beaucoup|au top|sanssouci|sansprobleme|pas de souci|pas de soucis|pas de probleme|emopos|excellent|bravo)(?: ?[!.,])* ?)+$",
        r"\b(?:bonne|super|excellente|tres bonne) nouvelle\b",
        r"\bgentil\b|\bbien recu\b|\bbien note\b|\bc' est note\b|\bnote\b$|\bnote merci\b|\bc' est compris\b|\bbien vu\b|\bmessage recu\b|\binformation recue\b|\binfo recue\b",
        r"^(?:ok |d' accord )?(?:bien |tres bien )?(?:compris|recu|note|entendu)\b(?! \d)",
        r"^(?:ok|d' accord|tres bien|parfait|entendu|ca marche|super)(?: ?[!.,])* (?:ca me va|ca nous va|ca me convient|ca nous convient|je note|c' est note)(?: ?[!.,])*(?: merci)?(?: ?[!.,])*$",
        r"^(?:ok|d' accord|parfait|super|top|genial|nickel|impeccable|tres bien|bien|entendu|compris|ca marche|cool|ca roule|ok pas de souci|pas de souci|pas de probleme|pas de soucis|no souci|au top|bravo|excellent|formidable|vous etes (?:super|top|geniaux|formidables))(?: ?[!.,])*(?: (?:ok|merci|bonne (?:journee|soiree|fin de journee)|a vous|beaucoup))*(?: ?[!.,])*$",
        r"\bbonne (?:journee|soiree|continuation|fin de journee)\b",
        r"^(?:c' est )?(?:ok|parfait|super|top|genial|nickel|tres bien|d' accord|entendu|impeccable|cool)(?: ?[!.,])* ?(?:ca|alors|a (?:demain|bientot|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|tout a l' heure|plus tard|la semaine prochaine))(?: alors)?(?: ?[!.,])*$",
        r"\b(?:bonne annee|bonnes fetes|joyeux noel|joyeuses fetes|meilleurs voeux)\b",
        r"^[45] ?(?:/ ?5|sur 5)?\b(?! (?:jours?|semaines?|fois|heures?|mois))|\b(?:tres |super |bien |parfaitement )bien passee?\b|\bintervention (?:nickel|parfaite|top|super|impeccable|au top|rapide|efficace)\b",
        r"\b(?:technicien|technicienne|intervenant|plombier|electricien|ouvriers?|gardien|equipe|chauffagiste)s? (?:etait |etaient |est |tres |super |vraiment )*(?:au top|top|super|parfait|gentil|gentille|sympa|aimable|ponctuel|efficace|professionnel|pro|competent|serviable|rapide|adorable)\b",
        r"\b(?:bravo|felicitations) (?:a|pour)\b|\bvous etes (?:super|top|geniaux|formidables|efficaces|au top|des anges|adorables)\b",
    )),
]


# Each rule behind a gate of the stems it cannot match without (crm/inbox/replies/prefilter.py):
# the same answers, about a quarter less CPU per reply.
PERSISTS_INSISTS = prefiltered_rules(PERSISTS_INSISTS)
PERSISTS_STATE = prefiltered_rules(PERSISTS_STATE)
CALLBACK = prefiltered_rules(CALLBACK)
SOLVED = prefiltered_rules(SOLVED)
THANKS = prefiltered_rules(THANKS)
QUESTION_START = prefiltered(QUESTION_START)


def first_hit(rules: Rules, norm: str) -> tuple[str, str] | None:
    """(rule name, matched words) of the first rule that matches, or None."""
    for name, rx in rules:
        m = rx.search(norm)
        if m:
            return name, m.group(0).strip()
    return None


def is_question(norm: str) -> tuple[str, str] | None:
    """A reply that asks: a question mark, or a question word or phrase where French puts one."""
    if "?" in norm:
        return "question.mark", "?"
    m = QUESTION_START.search(norm)
    return ("question.words", m.group(0).strip()) if m else None
