"""Objections (opt-out) and opt-in written as sentences: which ones act, which ones a person reads.

RULES.md (SMS): a reply made of one opt-out word stops every message to the number and is
confirmed once; START / UNSTOP / OUI reverse it. The CNIL accepts an objection "in any form",
so a sentence that clearly objects must act exactly like the keyword. The boundary:

CLEAR (acts at once, like the keyword; history source ``sms_sentence`` with the text):
  - an opt-out word with nothing but politeness or emphasis around it: "stop c bon merci",
    "STOP SVP !!", "stop sms merci", "désabonner moi svp";
  - a refusal of the messages as a whole: "plus de textos svp", "merci de ne plus m'envoyer de
    textos", "je ne veux plus recevoir vos sms", "arrêtez de m'envoyer des messages",
    "ne me contactez plus";
  - a request to leave the list: "retirez mon numéro de vos envois", "je me désinscris",
    "désinscrivez-moi", "supprimez mon numéro", "unsubscribe me", "remove my number".
  - the keyword as a sentence of its own or repeated, whatever follows: "STOP. Et l'ascenseur
    est toujours en panne", "STOP STOP ..."; a keyword misspelt alone: "sotp", "desabo", "startt";
  - an RGPD opposition, a refusal to be contacted: "je m'oppose à l'envoi de SMS", "je refuse
    d'être contacté sur mon portable".
Undoing an objection is an opt-in, though it names one: "annuler désabonnement", "je retire
mon stop", "depuis que j'ai dit stop je rate les infos, remettez-moi". Refusing paper letters
or leaving the housing waiting list is no objection.
POSSIBLE (nothing changes; the inbox shows "objection possible" with "désinscrire" / "non"):
  - a refusal limited to one topic or of unclear scope: "arrêtez de me relancer pour le loyer",
    "arrêtez de m'envoyer des messages pour les travaux", "stop aux relances" (reminders of
    one debt), "laissez-moi tranquille",
    "ça ne m'intéresse pas", "trop de sms";
  - "stop" followed by something other than politeness: "stop les travaux svp", "STOP 2"
    (but a "STOP" said on its own after a refusal or after naming the messages is clear:
    "arrêtez de m'envoyer des SMS à 7h !!! STOP").
NOT an objection: "arrêtez de m'appeler le soir" is about calls at one hour (a person reads it
as any other reply); "pourquoi je ne reçois plus vos sms ?" is a question; "je ne veux pas me
désinscrire" negates it.

Opt-in mirrors it: "vous pouvez de nouveau m'envoyer vos messages", "je veux recevoir à
nouveau vos sms", "réinscrivez-moi" are clear; "start" with other words is possible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crm.inbox.replies.prefilter import Rules, StemSet, prefiltered, prefiltered_rules

OPT_OUT = "opt_out"
OPT_IN = "opt_in"


@dataclass(frozen=True)
class Objection:
    kind: str  # OPT_OUT | OPT_IN
    clear: bool  # True: act at once; False: flag "objection possible" for a person
    rule: str  # which rule decided (shown in the inbox)
    span: str  # the words it matched (normalised)


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


# What a message is, in the tenant's words.
_MSG = r"(?:sms|textos?|messages?|mails?|e-?mails?|notifications?|envois?|alertes?|infos?|informations?|relances?|pubs?|publicites?|newsletters?|courriers?|spams?)"
_SEND = r"(?:envoyer|envoyez|envoie|envoies|renvoyer|ecrire|ecrivez|contacter|contactez|spammer|spammez|sms|texter|textez|harceler|harcelez|solliciter|sollicitez|deranger|derangez|relancer|relancez)"
_ME = r"(?:me |m' |nous |moi )"
_STOP_VERB = r"(?:arrete[rz]?|arretes|arretons|arretiez|cessez|cesser|cessiez|stoppez|stopper|stoppe|stopez|stop|arret|mettez fin|mettre fin)"
# A restriction to one topic makes a refusal unclear: "... pour le loyer", "... le soir".
_TOPIC = prefiltered(re.compile(r"\b(?:pour (?:le|la|les|l' (?!envoi)|ce|cette|ces|mon|ma|mes|du|des)|concernant|a propos|au sujet|sur (?:le|la|les)|le soir|la nuit|le matin|le week-end|le dimanche|a cette heure|a \d+ ?h)\b"))
_NEGATED = prefiltered(_rx(
    r"\b(?:ne (?:veux|souhaite|voudrais) pas|veux pas|pas) (?:me |m' )?(?:desinscri|desabonn)",
    r"\bne (?:me |m' )?(?:desinscri|desabonn)\w* pas\b",
    r"\bne (?:me |m' )?(?:retirez|supprimez|enlevez) pas\b",
))

# Clear refusals of all messages, each named for the inbox.
_CLEAR_OUT: Rules = [
    ("opt_out.no_more_messages", _rx(
        rf"^(?:(?:bonjour|bonsoir|madame|monsieur|merci|s' il vous plait|s' il te plait|svp|stp),? )*(?:plus|pas|stop|assez|fini|finis) (?:de |d' |des |les |aux |vos )(?:vos |ces |tes )?{_MSG}\b",
        rf"\b(?:plus|pas) (?:de |d' )(?:vos |ces )?{_MSG} (?:s' il vous plait|s' il te plait|merci|svp|!|\.|$)",
        rf"\b(?:plus|pas) (?:de |d' )(?:vos |ces )?{_MSG} (?:pour moi|sur ce numero|a ce numero|ici)\b",
        rf"\b(?:plus|pas) (?:de |d' )(?:vos |ces )?{_MSG}$",
        rf"\bplus jamais (?:de |d' |vos |ces )(?:vos |ces )?{_MSG}\b|\bplus aucun (?:{_MSG}|envoi)\b",
        rf"^(?:(?:les|vos|des|ces) )?{_MSG},? non merci\b",
        rf"\b(?:ca suffit|assez|basta|fini) (?:les |vos |ces |de |des |avec )(?:vos |ces )?{_MSG}\b",
    )),
    ("opt_out.stop_sending", _rx(
        rf"\bne (?:{_ME})?(?:plus|pas|jamais) (?:{_ME})?{_SEND}\b",
        rf"\bne {_ME}(?:{_SEND}|envoyez|ecrivez) (?:plus|jamais)\b",
        rf"\bn' {_SEND} plus\b",
        rf"\b{_STOP_VERB} (?:de |d' )?(?:{_ME}|lui |leur )?(?:en )?(?:{_SEND}|envoyer des {_MSG})\b",
        rf"\b(?:{_ME}){_SEND} plus\b",
        rf"\b(?:{_MSG}) (?:a |au |sur )?(?:ce numero|mon numero) (?:non|plus)\b",
        rf"\b{_STOP_VERB} (?:s' il vous plait |s' il te plait |donc |maintenant |tout de suite |immediat |immediatement |definitif |definitivement |total )?(?:a |aux |de |d' |avec )?(?:les |vos |ces |tous ces |toutes ces |l' |tes |tout |tous les |toute )?(?:{_MSG}|envois?)\b",
        r"\b(?:interdis|interdit|interdisons) (?:de |d' )(?:utiliser|contacter|ecrire|envoyer|m' ecrire|me contacter|m' envoyer)\b",
        rf"\b(?:plus|pas) (?:la peine|besoin|utile) de (?:{_ME})?(?:prevenir|informer|avertir|tenir informee?) par (?:sms|textos?|messages?)\b",
        r"\b(?:mon|ce|notre) numero\b.{0,20}\bne (?:doit|devra|doivent) plus (?:etre )?(?:utilise|contacte|sollicite)\b",
        r"\b(?:n' utilisez plus|ne plus utiliser|oubliez|effacez) (?:mon numero|moi|mon 0\d)\b|\b(?:m' oublier|oubliez[ -]moi)\b",
        rf"\bpas (?:la peine|besoin|utile) de (?:{_ME})?(?:envoyer|ecrire|contacter|renvoyer)\b",
        rf"\bplus (?:la peine|besoin|utile) de (?:{_ME})?(?:(?:envoyer|renvoyer) (?:des |les |vos |de |d' )?{_MSG}|ecrire|texter)\b",
        r"\b(?:mon|ce) numero\b.{0,20}\b(?:plus|pas) a utiliser\b",
        rf"\bplus besoin (?:de |d' )(?:vos |ces |les |des )?{_MSG}\b",
        r"^(?:vous pouvez|pouvez vous|merci de|merci d') (?:arreter|cesser|stopper)(?: ?[!.])*(?: merci)?(?: ?[!.])*$",
        r"\b(?:j' ai|je vous ai|on vous a|j' avais) (?:deja |pourtant |bien )?(?:dit|fait|envoye|repondu|ecrit|mis|tape) (?:un |le )?stop\b",
        r"\b(?:alors que|pourtant|malgre) (?:j' ai|mon|le) (?:deja )?(?:fait |dit |envoye |repondu )?stop\b",
        # "combien de fois je dois vous dire STOP", "je vous ai déjà dit de ne plus m'écrire"
        r"\b(?:combien de fois|fois)\b.{0,30}\b(?:dire|dis|dit|disons|ecrire|ecris|ecrit|envoyer|envoie|envoye|repeter|repete|taper|tape|mettre|mets|mis) (?:un |le )?stop\b",
        rf"\b(?:dit|demande|ecrit|repete|precise)\b (?:de |d' )(?:ne )?plus (?:{_ME})?{_SEND}\b",
    )),
    ("opt_out.refuse_receiving", _rx(
        r"\b(?:ne )?(?:veux|veut|voulons|souhaite|souhaitons|desire|voudrais|voudrions|aimerais|souhaiterais|tiens a ne) (?:plus|pas|ne plus|ne pas|plus jamais|jamais|plus rien|rien) (?:en )?(?:recevoir|avoir|etre (?:contacte|contactee|derange|deranges|derangee|sollicite|sollicitee|informe|informee|prevenu|prevenue))\b",
        r"\b(?:plus|pas) (?:faire partie|etre) (?:de |dans |sur )(?:vos|la|votre|les|ta) (?:contacts|liste|listes|fichier|fichiers|base|envois|destinataires)\b",
        r"\b(?:jamais|pas) (?:demande|accepte|autorise|consenti|voulu) (?:a |de |d' )?(?:recevoir |etre )?(?:vos |ces |les |des |de |d' |contacte)",
        rf"\b(?:ne )?(?:veux|veut|souhaite|desire|voudrais|aimerais|souhaiterais) (?:plus|pas|ne plus|ne pas|plus jamais|plus aucun|aucun) (?:de |d' )?(?:vos |les |des |ces |tes )?{_MSG}\b",
        rf"\b{_MSG}\b.{{0,20}}\bne (?:m' |nous )interesse(?:nt)? (?:pas|plus)\b",
        rf"\bpas interessee?s? (?:par|pour) (?:vos |les |ces |des )?{_MSG}\b",
        r"\bje ne (?:veux|souhaite|desire) (?:plus|pas|plus jamais|jamais) (?:recevoir|etre contacte|etre contactee)\b",
        r"\bne plus (?:recevoir|etre contacte|etre contactee)\b",
        rf"\b(?:ne|plus)\b.{{0,50}}\bni (?:recevoir|etre contactee?) (?:par )?(?:vos |les |ces |des |de )?{_MSG}\b",
        r"\b(?:refuse|refusons|m' oppose a|nous opposons a) (?:d' |a )?etre (?:contactee?|sollicitee?|derangee?|relancee?) (?:par|sur|a)\b",
        r"\b(?:m' oppose|nous opposons|opposition) (?:a l' |au |a |aux )(?:traitement|utilisation|usage|envoi|envois)\b.{0,40}\b(?:numero|telephone|portable|donnees|sms)\b",
        rf"\b(?:refuse|refusons|m' oppose|nous opposons|opposition) (?:a |aux |de |d' )?(?:recevoir |l' envoi (?:de |des )?)?(?:vos |les |ces |des |de |d' )?{_MSG}\b",
        r"\b(?:veux|veut|voulons|souhaite|desire|voudrais) (?:plus|pas|ne plus|ne pas|plus jamais|jamais) (?:etre )?(?:harcele|harcelee|harceler|spamme|spammee|relance|relancee|embete|embetee|importune|importunee)\b",
        rf"\b{_MSG} (?:non|pas) (?:desiree?s?|sollicitee?s?|voulue?s?|souhaitee?s?|demandee?s?|consentie?s?)\b",
        rf"\b{_MSG}\b.{{0,12}}\b(?:j' en veux plus|je n' en veux plus|n' en veux plus|j' en veux pas|je n' en veux pas)\b",
    )),
    ("opt_out.leave_list", _rx(
        r"\b(?:retirez|retirer|supprimez|supprimer|enlevez|enlever|effacez|effacer|rayez|rayer|otez|oter|radiez|radier|sortez|sortir)[ -]?(?:moi|nous|mon numero|mon nom|mes coordonnees|mon contact|ce numero|notre numero|mes donnees|mes informations|mon 06|mon 07)\b",
        r"\b(?:retirez|retirer|supprimez|supprimer|enlevez|enlever|effacez|effacer|rayez|rayer|sortez|sortir)[ -]?(?:le|la|les|l' )? (?:de|des|du) (?:vos|la|votre|les|ta) (?:envois|liste|listes|fichier|fichiers|base|contacts|destinataires)\b",
        r"\b(?:me|m' |nous) (?:retirer|supprimer|enlever|effacer|rayer|radier|sortir) (?:de|des|du)\b",
        r"\b(?:retire|supprime|enleve|efface|raye)[ -]?(?:moi|mon numero|mon nom|ce numero)\b(?! (?:de la|du) (?:liste d' attente|dossier))",
        r"\b(?:je me|me|nous) (?:desinscris|desinscrit|desinscrire|desinscrivons|desabonne|desabonner|desabonnons)\b",
        r"\b(?:desinscri(?:vez|re|ption)|desabonn(?:ez|er|ement))(?:[ -](?:moi|nous))?\b",
        r"\b(?:desinscri[st]?|desabonnee?s?)[ -](?:moi|nous)\b",
        r"\b(?:veux|voudrais|souhaite|souhaiterais|aimerais|desire|demande a) (?:etre |a etre )(?:desinscrite?|desabonnee?|retiree? de)\b",
        r"\b(?:je veux|je souhaite|je voudrais|je desire|merci de|veuillez) (?:me )?(?:desinscrire|desabonner|retirer de)\b",
    )),
    ("opt_out.english", _rx(
        r"\b(?:stop|quit) (?:sending|texting|messaging|the messages|these messages|messages|texts|sms)\b",
        r"\b(?:unsubscribe|remove) (?:me|my number)\b", r"\bno more (?:messages|texts|sms)\b",
        r"\bdon' t (?:text|message|contact) me\b|\bunsubscribe\b|^stop (?:it|please|now)\b",
    )),
]

# Unclear: may be an objection, a person decides.
_POSSIBLE_OUT: Rules = [
    ("opt_out.possible.nagging", _rx(
        rf"\b{_STOP_VERB} (?:de |d' )?(?:{_ME})(?:relancer|harceler|deranger|embeter|ennuyer|saouler|soler|spammer)\b",
        r"\b(?:laissez|lachez)[ -]?(?:moi|nous)(?: tranquilles?| en paix)?\b",
        r"\bfoutez[ -]?(?:moi|nous) la paix\b",
        rf"\b(?:marre|trop|assez|ras le bol) (?:de |d' )recevoir (?:vos |ces |tous ces |toutes ces |des |les )?{_MSG}\b",
        rf"\b(?:marre|trop|assez|ras le bol) (?:de |d' |des |avec )(?:vos |ces |tous ces |toutes ces )?{_MSG}\b",
        r"\b(?:ca |cela )?(?:ne )?(?:m' |nous )interessen?t? (?:pas|plus)\b|\bpas interessee?s?\b",
        r"\b(?:saoulez|soulez|saoule|soule|saoulent|soulent|gonflez|emmerdez|fatiguez)\b",
        r"\bqu' ?on arrete de (?:me |m' )",
        rf"^non merci(?: ?[!.,])*$|\b(?:rappels?|relances?|{_MSG})\b.{{0,40}}\bnon merci\b|\bpas besoin de vos\b",
    )),
]

_CLEAR_IN: Rules = [
    ("opt_in.sentence", _rx(
        rf"\b(?:tenez|tenir)[ -]?(?:moi|nous) (?:informee?s?|au courant) par {_MSG}\b",
        rf"\benvoyez[ -]?(?:moi|nous) (?:les |vos |des )?(?:{_MSG})\b.{{0,20}}\b(?:dorenavant|desormais|a l' avenir|a nouveau|de nouveau)\b",
        r"\b(?:desinscrit|desinscrite|desabonne|desabonnee|desinscris|desabonner) (?:par erreur|sans faire expres|par accident|sans le vouloir)\b",
        rf"^(?:oui,? )?(?:continuez|continue) (?:a |de )(?:{_ME})?(?:envoyer|ecrire|informer|prevenir|texter)\b",
        rf"\b(?:pouvez|pourriez|pouvez-vous|pourriez-vous|vous pouvez) (?:de nouveau |a nouveau |re ?)(?:{_ME})?(?:renvoyer|envoyer|envoyez|ecrire|recontacter|reecrire) (?:vos |les |des |mes )?{_MSG}\b",
        rf"\b(?:pouvez|pourriez|pouvez-vous|pourriez-vous|vous pouvez) (?:{_ME})?(?:envoyer|ecrire|renvoyer) (?:de nouveau|a nouveau|encore) (?:vos |les |des |mes )?{_MSG}\b",
        rf"\b(?:pouvez|vous pouvez|pourriez) (?:de nouveau|a nouveau) (?:{_ME})?(?:envoyer|ecrire|contacter)\b",
        rf"\b(?:veux|voudrais|souhaite|souhaiterais|aimerais|desire) (?:de nouveau |a nouveau |bien )?(?:re)?recevoir (?:de nouveau |a nouveau )?(?:vos |les |des )?{_MSG}\b",
        r"\b(?:veux|voudrais|souhaite|souhaiterais|aimerais|desire) (?:de nouveau |a nouveau )?recevoir (?:de nouveau|a nouveau)\b",
        r"\b(?:reinscri(?:vez|re|s|t|ption)|reabonn(?:ez|er|e|ement))(?:[ -](?:moi|nous))?\b",
        r"\b(?:remettez|remettre)[ -]?(?:moi|nous|mon numero) (?:dans|sur|a) (?:la |vos |les )?(?:liste|listes|envois|fichier)\b",
        r"\b(?:je me reinscris|je (?:reprends|veux reprendre) (?:les|vos) (?:sms|messages))\b",
        r"\b(?:resubscribe|subscribe me again|start again)\b",
        r"\b(?:fait|envoye|mis|tape|repondu) (?:un )?stop (?:par erreur|sans faire expres|par accident)\b",
        r"\b(?:annule[rz]?|annulation|retirez|enlevez) (?:de |du |le |mon |ma |l' )?(?:stop|desabonnement|desinscription|opposition)\b",
        r"\b(?:reactivation|reactivez|reactiver|reactive) (?:de |des |du |de l' |l' |les |vos |mes |mon )?(?:envois?|abonnement|{_MSG})\b".replace("{_MSG}", _MSG),
        r"\b(?:prefere|preferons|prefererais) (?:finalement )?(?:recevoir |avoir )?(?:les |vos |des )?(?:sms|textos|alertes)\b",
        r"\b(?:veux|voudrais|souhaite|aimerais) (?:bien )?(?:les |vos )?(?:ravoir|re ?recevoir)\b|\brabonn",
        r"\b(?:donne|donnons) (?:mon|notre) (?:accord|consentement) (?:pour|a) (?:recevoir|etre (?:contactee?|informee?|prevenue?))\b",
        r"\b(?:etre|rester) (?:de nouveau |a nouveau )?(?:informe|informee|informes|prevenu|prevenue|prevenus|averti|avertie|tenu au courant|tenue au courant) par (?:sms|texto|textos|message|messages)\b",
        r"\b(?:de nouveau|a nouveau|encore) (?:informe|informee|prevenu|prevenue|averti|avertie)\b",
        rf"\b(?:change d' avis|par erreur)\b.{{0,40}}\b{_MSG}\b|\b{_MSG}\b.{{0,40}}\b(?:change d' avis|par erreur)\b",
        rf"\b(?:reprendre|reprenez|reactive[rz]?|reactivez|remettez|remettre|remets|remet|relancez les)(?:[ -](?:moi|nous))? (?:les |vos |mes |des |mon |ma )?(?:{_MSG}|envois|abonnement|inscription|numero|ligne)\b",
        r"\b(?:abonnez|inscrivez|reinscrivez|reabonnez)[ -]?(?:moi|nous)\b|\bje m' abonne\b|\bje reviens sur ma decision\b",
        r"\b(?:veux bien|voudrais|souhaite|souhaiterais|aimerais) (?:de nouveau |a nouveau )?(?:etre|rester) (?:informe|informee|prevenu|prevenue|tenu au courant|tenue au courant|averti|avertie)\b",
        r"\b(?:veux|voudrais|souhaite|aimerais) (?:bien )?(?:les|vos|des) (?:sms|textos|alertes sms|messages sms)\b|\b(?:oui|ok|d' accord) pour (?:les |vos |des )?(?:sms|textos|alertes|messages)\b",
        r"\b(?:receive|send me) (?:the |your )?(?:messages|texts|sms) again\b",
        r"\b(?:continuer|continue|rester) (?:a |de )?recevoir\b",
        rf"\b(?:pouvez|vous pouvez|pourriez|pouvez-vous|pourriez-vous) (?:{_ME})?(?:renvoyer|re-envoyer|reecrire) (?:vos |les |des )?{_MSG}\b",
        r"\b(?:pouvez|vous pouvez|pourriez|pouvez-vous|pourriez-vous|peux) (?:me |m' |nous )(?:recontacter|contacter|ecrire|reecrire|renvoyer|prevenir|informer|joindre) (?:de nouveau |a nouveau )?par (?:sms|texto|textos)\b",
        r"\betre (?:de nouveau |a nouveau )?(?:informe|informee|informes|prevenu|prevenue|prevenus|averti|avertie|tenu au courant|tenue au courant)\b.{0,30}\bpar (?:sms|texto|textos|message|messages)\b",
        r"\b(?:veux|voudrais|souhaite|souhaiterais|aimerais|aimerai|voudrai|souhaiterai|desire) (?:bien )?(?:re)?recevoir (?:les |vos |des )(?:alertes|sms|textos|messages|infos|informations)\b",
        r"\b(?:accepte|acceptons|d' accord pour|ok pour) (?:de |a )?recevoir\b",
        rf"\b(?:accepte|acceptons) (?:les |vos |des )?{_MSG}\b|\bre ?abonn|\bre ?inscri",
        rf"\b(?:me |m' |nous )(?:r?ajouter|inscrire|reinscrire|remettre) (?:a|sur|dans|aux) (?:la |vos |les )?(?:liste|listes|envois|{_MSG})\b",
        rf"\b(?:renvoyez|envoyez)[ -]?(?:moi|nous) (?:de nouveau|a nouveau|encore) (?:les |vos |des )?{_MSG}\b|\bremettez[ -]?moi(?: ?[!.])*$|\bplus oppose\b",
        r"^oui,? (?:je veux|je souhaite|je veux bien|pour recevoir|d' accord pour)(?: bien)?(?: les recevoir)?(?: ?[!.])*$",
        r"\b(?:recommence[rz]?|recommencer) a (?:m' |me |nous )?(?:envoyer|ecrire|recevoir)\b|\b(?:r?ajoutez|r?ajouter|inscrivez)[ -]?(?:moi|nous|mon numero)\b",
        rf"\b(?:abonnement|inscription) (?:aux |a |des )?{_MSG}\b|\betre (?:de nouveau |a nouveau )?(?:alerte|alertee)\b",
        r"\bcontinuer a (?:recevoir|etre (?:informe|informee|prevenu|prevenue|averti|avertie|tenu))\b",
        rf"\b(?:veux|voudrais|souhaite|aimerais|desire) (?:de nouveau|a nouveau|encore) (?:les |vos |des )?{_MSG}\b",
        rf"\b(?:inscrivez|inscrire|abonnez|abonner)[ -]?(?:moi|nous)? (?:a |aux |pour )(?:les |vos |des )?{_MSG}\b|\bje m' (?:inscris|abonne) (?:a |aux )",
        r"\b(?:me |nous )remettre (?:dans|sur|a) (?:la |vos |les )?(?:liste|listes|envois|fichier)\b",
        r"\b(?:ne )?(?:veux|souhaite) (?:plus|pas) (?:etre )?(?:desinscrit|desinscrite|desabonne|desabonnee)\b",
        rf"\b(?:oui|ok|d' accord) (?:je veux|je souhaite|pour) (?:bien )?(?:recevoir )?(?:les |vos |des )?{_MSG}\b",
        rf"\brenvoyez[ -]?(?:moi|nous) (?:les |vos |des )?{_MSG}\b",
        rf"\b(?:veux|voudrais|souhaite|souhaiterais|aimerais|aimerai|desire) (?:bien )?(?:recevoir |avoir )?(?:les |vos |des )?{_MSG} (?:a nouveau|de nouveau)\b",
        rf"\b(?:pouvez|vous pouvez|pourriez) (?:me |m' |nous )(?:envoyer|ecrire|texter) (?:les |vos |des )?(?:{_MSG} )?(?:ici|sur ce numero|a ce numero|a ce nouveau numero|sur ce nouveau numero|dorenavant|desormais)\b",
    )),
]

# Words that may stand around an opt-out or opt-in word without changing it.
_FILLER = frozenset("""
merci beaucoup bien s' il vous te plait svp c' est bon ok d' accord tout definitivement
maintenant pour moi nous please bonne journee soiree au revoir aurevoir salut bonjour bonsoir
madame monsieur ! . , ; : emoneg emopos sms message messages texto textos envoi envois les des
vos ces a aux de du sur ce numero numeros mon ici suffit assez ca svp et deja dit encore
une fois je veux plus rien la stp pub publicite spam fini thanks thank you mes l' ai vous
dis dit fois deux trois deja pas interesse interessee ca suffit definitif tous toutes
mais votre comprehension cordialement
""".split())
_OUT_WORDS = frozenset({"stop", "stopall", "desabonner", "unsubscribe", "desinscrire", "arretez",
                        "cessez", "stoppez", "stopp",
                        "desabonnement", "desinscription", "desabonne", "desabonnee", "desinscrit",
                        "desinscrite", "desinscris", "desabonnez", "desinscrivez",
                        # misspellings of the keywords, alone: "sotp", "desabo"
                        "sotp", "stpo", "sopt", "desabo", "desabon", "desabonnes", "unsub"})
# "Arrêt", "arrête" are opt-out words only in front: "c'est arrêté" is a lift, not a refusal.
_OUT_FIRST_WORDS = _OUT_WORDS | {"arret", "arrete", "arreter", "arretez", "cessez", "stoppez"}
_IN_WORDS = frozenset({"start", "unstop", "reabonner", "reinscrire", "reinscription", "restart",
                       "strt", "strat", "staart", "statr", "satrt", "starte"})
# A keyword typed with a doubled letter, alone: "startt", "stopp", "desabboner".
_DOUBLED = re.compile(r"([a-z])\1+")
_OUT_SQUEEZED = frozenset(_DOUBLED.sub(r"\1", w) for w in _OUT_WORDS)
_IN_SQUEEZED = frozenset(_DOUBLED.sub(r"\1", w) for w in _IN_WORDS)
# Annoyance: with a "stop" it makes the objection clear ("STOP j'en ai marre"); alone it is
# no objection ("j'en ai marre, toujours pas d'eau").
_ANNOYED = prefiltered(re.compile(r"\b(?:marre|rien a faire|m' en fous|m' en fiche|ras le bol|ca suffit|suffit|harcel\w*|cette fois|respecte[rz]? ma demande|lourd|penible|saoulent|saoulez|soulez|inutiles?|servent a rien|sert a rien)\b"))
# "J'avais dit stop mais finalement je veux bien les SMS": an opt-in, though it says "stop".
_REVERSAL = prefiltered(re.compile(r"\bdepuis (?:que )?(?:j' ai|j' avais|mon) (?:dit |fait |envoye |mis |repondu |tape )?(?:un |le )?(?:stop|desabonnement|desinscription)\b.{0,50}\b(?:remett|ravoir|a nouveau|de nouveau|rate|reactiv|reinscri|re ?recevoir|revoir|veux les|voudrais les)|\b(?:avais|ai) (?:dit|fait|envoye|mis|repondu|tape) (?:un )?stop\b.{0,30}\b(?:mais|finalement|par erreur|change d' avis|sans faire expres)\b|\b(?:voulais|voulait) pas (?:faire|envoyer|mettre|dire|repondre) stop\b|\btrompee? .{0,25}\bstop\b|\bstop\b.{0,25}\b(?:par erreur|trompee?)\b"))
_UNDO_OPT_OUT = prefiltered(re.compile(r"\b(?:annule[rz]?|annulation|retire[rz]?|enleve[rz]?) (?:de |du |le |mon |ma |l' )?(?:demande (?:de |d' )?)?(?:stop|desabonnement|desinscription|opposition)\b|\b(?:veux|voudrais|souhaite|souhaiterais|aimerais|desire) (?:bien )?(?:les |vos |des )?(?:re ?)?recevoir (?:a nouveau|de nouveau)\b"))
# "Ne m'envoyez plus de courrier papier": paper letters refused, not the SMS; "retirez-moi de
# la liste d'attente": a housing request withdrawn, not the contact list.
_PAPER = prefiltered(re.compile(r"\b(?:courriers?|papiers?|lettres?|postaux|par (?:la )?poste|liste d' attente|dossier)\b"))
_CLAUSE_END = re.compile(r"[,.!;?]")
_TEXT_MSG = prefiltered(re.compile(r"\b(?:sms|textos?|messages?)\b"))
_WHOLE_MSG = prefiltered(re.compile(r"\b(?:vos|ces|tes|les|des|de|d') (?:sms|textos?|messages?|notifications?|alertes?)\b"))
_TIMES = re.compile(r"\b\d+ ?(?:fois|x)\b")  # "déjà dit 3 fois" is emphasis
_STOP_WORD = prefiltered(re.compile(r"(?:^|[,.!;] ?)(?:stop|arretez|arrete|cessez|stoppez)\b|\b(?:stop|arretez|cessez|stoppez)(?: ?[!.])*$"))
# "STOP mauvais numéro", "STOP je ne suis plus locataire": the messages are not for this person.
_NOT_CONCERNED = prefiltered(re.compile(r"\b(?:mauvais numero|wrong number|trompe de numero|plus locataire|pas locataire|demenage|pas la bonne personne|connais pas|ne suis pas|numero a change|change de numero|plus mon numero|pas mon logement|pas moi|pas concernee?|(?:ecrivez|contactez|appelez|envoyez|ecrire|contacter)[ -]?(?:lui|leur|plutot a|a mon|a ma)|s' occupe de tout|telephone (?:de mon travail|du travail|professionnel|pro)|numero (?:professionnel|pro))\b"))
# Reminders about one debt are one topic: "stop aux relances, j'ai un échéancier".
_ONE_TOPIC_MSG = prefiltered(re.compile(r"\brelances?\b"))
_CONDITION = prefiltered(re.compile(r"\bsi (?:je|j'|on|nous|ma|mon)\b"))
# "STOP" as a sentence of its own at the end, after other words.
_FINAL_STOP = prefiltered(re.compile(r"[!.?] ?(?:stop|stopall)(?: ?[!.])*$"))
_RECEIVE = prefiltered(re.compile(r"\b(?:recoi[st]?|recoivent|recevoir|recu|recue)\b"))
_WORD = re.compile(r"[a-z0-9]+'?|[!.,;:?]")


def _keyword_with_filler(tokens: list[str], words: frozenset[str]) -> bool:
    return any(t in words for t in tokens) and all(t in words or t in _FILLER for t in tokens)


# Behind gates of their own stems, like the intent rules (crm/inbox/replies/prefilter.py).
_CLEAR_OUT = prefiltered_rules(_CLEAR_OUT)
_POSSIBLE_OUT = prefiltered_rules(_POSSIBLE_OUT)
_CLEAR_IN = prefiltered_rules(_CLEAR_IN)


def _first(rules: Rules, norm: str) -> tuple[str, str] | None:
    for name, rx in rules:
        m = rx.search(norm)
        if m:
            return name, m.group(0)
    return None


# Every rule above needs one of these stems: a reply with none of them skips the patterns
# (most replies; tests/test_replies_classify_fast_paths.py checks nothing changes).
_HINTS = StemSet("""
sms texto messag msg mail notif alerte info relanc pub newsletter courrier spam envo ecri contact
harcel sollicit derang stop arret cess fin desinscri desabonn inscri abonn retir suppri enlev
effac raye rayer otez oter radi sort recev unsub remove send text start unstop interess
tranquille paix lach laiss marre suffit saoul soul gonfl emmerd fatigu merci besoin liste
numero donnees coordonnees prevenu informe averti oubli utilis reactiv reprend remett renvoy
oppos refus peine utile partie demande accept accord recontact reinscri reabonn subscribe again
don' quit more bol trop assez basta fini lourd penible inutile relou annul decision avis erreur
continu oui je
stopp sotp stpo sopt desabo strt strat staart statr satrt rabonn prefer
""".split())


def objection_of(norm: str) -> Objection | None:
    """The opt-out or opt-in the normalised reply expresses, clear or possible, or None."""
    if not _HINTS.found_in(norm):
        return None
    return read_objection(norm)


def read_objection(norm: str) -> Objection | None:
    """``objection_of`` without the stem check (tests compare the two)."""
    tokens = _WORD.findall(_TIMES.sub("fois", norm))
    if not tokens:
        return None
    if _keyword_with_filler(tokens, _OUT_WORDS) or (
            tokens[0] in _OUT_FIRST_WORDS and _keyword_with_filler(tokens[1:] or ["stop"], _OUT_WORDS | _FILLER)):
        return Objection(OPT_OUT, True, "opt_out.keyword_with_politeness", norm[:60])
    words = [t for t in tokens if t not in "!.,;:"]
    if len(words) == 1 and (squeezed := _DOUBLED.sub(r"\1", words[0])) != words[0]:
        if squeezed in _OUT_SQUEEZED:
            return Objection(OPT_OUT, True, "opt_out.keyword_misspelt", norm[:60])
        if squeezed in _IN_SQUEEZED:
            return Objection(OPT_IN, True, "opt_in.keyword_misspelt", norm[:60])
    if reversal := _REVERSAL.search(norm):
        return Objection(OPT_IN, True, "opt_in.stop_was_a_mistake", reversal.group(0))
    if undo := _UNDO_OPT_OUT.search(norm):
        return Objection(OPT_IN, True, "opt_in.undo_opt_out", undo.group(0))
    if not _NEGATED.search(norm):
        hit = _first(_CLEAR_OUT, norm)
        if hit and ("pap" in norm or "lettre" in norm or "poste" in norm or "courrier" in norm or "attente" in norm or "dossier" in norm):
            # the words the refusal names, up to the end of its clause
            after = _CLAUSE_END.split(norm[norm.find(hit[1]):], 1)[0]
            if _PAPER.search(after) and not _TEXT_MSG.search(after):
                return None
        if hit:
            name, span = hit
            # "arrêtez de m'envoyer des messages pour le loyer": one topic only, a person decides.
            clear = not _TOPIC.search(norm[norm.find(span):]) and not _ONE_TOPIC_MSG.search(span) and not (
                # "plus de sms de relance si je paye par prélèvement ?": a question about a case.
                "?" in norm and _CONDITION.search(norm))
            if not clear and _FINAL_STOP.search(norm):
                clear = True  # "... à 7h du matin !!! STOP": the keyword said on its own
            return Objection(OPT_OUT, clear, name if clear else name + ".topic", span)
    hit = _first(_POSSIBLE_OUT, norm)
    stop_said = bool(_STOP_WORD.search(norm))
    if ((hit or _ANNOYED.search(norm)) and stop_said and not _TOPIC.search(norm)) or (
            (tokens[0] in ("stop", "stopall") or stop_said) and _NOT_CONCERNED.search(norm)):
        # "STOP je ne suis pas intéressé", "j'en ai marre de vos SMS, arrêtez", "STOP mauvais
        # numéro": the keyword and a refusal (or "not me") together are clear.
        return Objection(OPT_OUT, True, "opt_out.keyword_with_refusal", norm[:60])
    if stop_said and _FINAL_STOP.search(norm) and _WHOLE_MSG.search(norm) and not _TOPIC.search(norm):
        # "comment on fait pour plus recevoir vos sms ?? stop": the messages, then the keyword.
        return Objection(OPT_OUT, True, "opt_out.keyword_after_messages", norm[-60:])
    if hit and _WHOLE_MSG.search(norm) and not _TOPIC.search(norm):
        # "laissez-moi tranquille avec vos SMS", "j'en ai marre de vos messages": the messages
        # themselves are refused.
        return Objection(OPT_OUT, True, "opt_out.refusal_of_messages", hit[1])
    if hit:
        return Objection(OPT_OUT, False, *hit)
    if tokens[0] in ("stop", "stopall") and tokens[1:2] in (["."], ["!"]):
        # "STOP. Et l'ascenseur est toujours en panne": the keyword as a sentence of its own,
        # whatever follows.
        return Objection(OPT_OUT, True, "opt_out.keyword_own_sentence", norm[:60])
    if tokens[0] == "stop" and tokens[1:2] == ["stop"]:
        return Objection(OPT_OUT, True, "opt_out.keyword_repeated", norm[:60])  # "STOP STOP ..."
    if tokens[0] == "stop" or (tokens[0] in ("bonjour", "bonsoir") and tokens[1:2] == ["stop"]):
        return Objection(OPT_OUT, False, "opt_out.possible.stop_with_words", norm[:60])
    if _keyword_with_filler(tokens, _IN_WORDS):
        return Objection(OPT_IN, True, "opt_in.keyword_with_politeness", norm[:60])
    hit = _first(_CLEAR_IN, norm)
    if hit:
        return Objection(OPT_IN, True, *hit)
    if tokens[0] in _IN_WORDS and len(tokens) > 1 and tokens[1] in ".!," and _RECEIVE.search(norm):
        # "START. Mon voisin reçoit les infos et pas moi": the keyword, then why.
        return Objection(OPT_IN, True, "opt_in.keyword_then_reason", norm[:60])
    if tokens[0] in _IN_WORDS:
        return Objection(OPT_IN, False, "opt_in.possible.start_with_words", norm[:60])
    return None
