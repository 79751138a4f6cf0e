"""« Planifier le rappel » from the inbox: a tenant asked by SMS to be called back; the
adviser picks the time and the call goes into the queue then. In the calls package because
it shapes a call task (the inbox knows nothing of calls: see crm/hooks.py)."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from crm import auth, calendar
from crm.calls.tasks import request_callback_from_sms
from crm.inbox.list_state import conversation_url, state_from_form
from crm.inbox.models import InboundStatus
from crm.inbox.triage_views import scoped_message
from crm.keys import CLOCK, DB, SETTINGS
from crm.web.flash import redirect
from crm.web.middlewares import principal


@auth.any_user
async def schedule_callback_submit(request: web.Request) -> web.StreamResponse:
    """« Planifier le rappel »: a tenant asked to be called back; the adviser picks the time
    and the call goes into the queue at that time (crm.calls.tasks)."""
    form = await request.post()
    settings, now = request.app[SETTINGS], request.app[CLOCK].now()
    async with request.app[DB].session() as session:
        message = await scoped_message(request, session)
        back = conversation_url(message.id, state_from_form(form))
        if message.tenant_id is None:
            raise redirect(request, back, "Numéro inconnu : aucun locataire à rappeler.", kind="error")
        try:
            at = datetime.fromisoformat(str(form.get("callback_at", "")).strip())
        except ValueError:
            raise redirect(request, back, "Indiquez le jour et l'heure du rappel.", kind="error",
                           field="callback_at") from None
        at = (at.replace(tzinfo=settings.tz) if at.tzinfo is None else at)
        if at <= now or at.year > now.year + 1:
            raise redirect(request, back, "Le rappel doit être dans le futur (et dans l'année).",
                           kind="error", field="callback_at")
        task = await request_callback_from_sms(session, tenant_id=message.tenant_id, at=now, tz=settings.tz)
        if task is None:
            raise redirect(request, back, "Ce locataire n'a plus de bail actif : rien à planifier.",
                           kind="error")
        day = calendar.local_today(at, settings.tz)
        if day > task.window_end:
            if task.kind != "callback":
                # A courtesy call has its month: past it, the callback would never show.
                raise redirect(request, back, f"Choisissez un jour avant la fin de la fenêtre d'appel "
                               f"({task.window_end:%d/%m/%Y}).", kind="error", field="callback_at")
            task.window_end = day
        task.callback_at = task.next_attempt_at = at
        message.status, message.handled_by, message.handled_at = InboundStatus.HANDLED, principal(request).user_id, now
        await session.commit()
    raise redirect(request, back, f"Rappel planifié le {at.astimezone(settings.tz):%d/%m/%Y à %H:%M} : "
                                  "il sera en tête des appels à cette heure-là.")


PAGE_ROUTES = [
    ("POST", "/messages/{id:\\d+}/rappel", schedule_callback_submit, "inbox_callback_submit"),
]
