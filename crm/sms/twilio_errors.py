"""Twilio's error codes, sorted into "retry later" and "give up", with French reasons.

The outbox retries transient errors itself (the SDK's own retries are off), so this table
decides whether a refused message waits for another try or is shown as failed for good.
"""

from __future__ import annotations

from crm.sms.transport import SmsError

OPTED_OUT = 21610  # the recipient replied STOP to this sender: record it as an opt-out

# Refused for good: retrying the same message to the same number cannot succeed.
PERMANENT: dict[int, str] = {
    21211: "Numéro de téléphone invalide.",
    21614: "Ce numéro n'est pas un mobile : il ne peut pas recevoir de SMS.",
    21635: "Ce numéro n'est pas un mobile : il ne peut pas recevoir de SMS.",
    OPTED_OUT: "Le destinataire a demandé l'arrêt des SMS (STOP).",
    21408: "L'envoi de SMS vers ce pays n'est pas activé sur le compte Twilio.",
}

# Refused for now: the sender's queue is full or we went too fast.
TRANSIENT: dict[int, str] = {
    21611: "File d'attente de l'expéditeur pleine : nouvel essai plus tard.",
    30001: "File d'attente de l'expéditeur pleine : nouvel essai plus tard.",
    20429: "Trop de demandes envoyées à Twilio : nouvel essai après une pause.",
}

# Delivery failures reported later by status callbacks.
DELIVERY: dict[int, str] = {
    30003: "Téléphone du destinataire injoignable (éteint ou hors réseau).",
    30004: "Message bloqué par le destinataire ou son opérateur.",
    30005: "Numéro inconnu ou qui n'existe plus.",
    30006: "Numéro fixe ou opérateur ne pouvant pas recevoir de SMS.",
    30007: "Message filtré par l'opérateur (considéré comme indésirable).",
    30008: "Échec de remise inconnu chez l'opérateur.",
}

TOO_MANY_REQUESTS = "Trop de demandes envoyées à Twilio : nouvel essai après une pause."
UNAVAILABLE = "Twilio est momentanément indisponible : nouvel essai plus tard."
NO_ANSWER = "Twilio n'a pas répondu à temps : nouvel essai plus tard."
NO_ANSWER_AFTER_SENDING = ("Twilio n'a pas répondu après l'envoi : le message est peut-être parti, "
                           "vérification auprès de Twilio avant tout nouvel envoi.")
CREDENTIALS = "Twilio refuse les identifiants du compte : vérifier la configuration."


def reason_for(code: int | None) -> str | None:
    """The French sentence for a Twilio code, from any of the tables."""
    if code is None:
        return None
    return PERMANENT.get(code) or TRANSIENT.get(code) or DELIVERY.get(code)


def classify(status: int, code: int | None, message: str,
             retry_after: float | None = None) -> SmsError:
    """Turn a refused API call (HTTP ``status``, Twilio ``code``) into an ``SmsError``."""
    if code in PERMANENT:
        return SmsError(message, permanent=True, code=code, reason=PERMANENT[code])
    if code in TRANSIENT:
        return SmsError(message, permanent=False, code=code, reason=TRANSIENT[code],
                        retry_after=retry_after)
    if status == 429:
        return SmsError(message, permanent=False, code=code or 429, reason=TOO_MANY_REQUESTS,
                        retry_after=retry_after)
    if status >= 500:
        return SmsError(message, permanent=False, code=code or status, reason=UNAVAILABLE,
                        retry_after=retry_after)
    if status in (401, 403):
        # A credentials problem is fixed by an administrator, not by the recipient: failing
        # a whole campaign for good would throw away messages that can still go.
        return SmsError(message, permanent=False, code=code or status, reason=CREDENTIALS,
                        retry_after=retry_after)
    # Any other 4xx: Twilio looked at this very message and said no.
    return SmsError(message, permanent=True, code=code or status,
                    reason=f"Refusé par Twilio (erreur {code or status}).")


def no_answer(message: str) -> SmsError:
    """The request never reached Twilio (connection refused or not made in time): nothing
    was sent, so trying again later is safe."""
    return SmsError(message, permanent=False, code=None, reason=NO_ANSWER)


def no_answer_after_sending(message: str) -> SmsError:
    """The request left but no answer came: Twilio may have the message. Not retried."""
    return SmsError(message, permanent=False, code=None, reason=NO_ANSWER_AFTER_SENDING,
                    outcome_unknown=True)
