"""Helpers for the personal-data tests: a tenant with a history in every feature table."""

from datetime import UTC, date, datetime
from typing import Any

from crm.calls.models import CallAttempt, CallTask, FollowUp, Interview
from crm.campaigns.models import Campaign, OutboxMessage
from crm.db import Database
from crm.inbox.models import InboundMessage
from crm.models import Lease
from crm.sms.models import LocalSms

AT = datetime(2026, 11, 5, 9, tzinfo=UTC)


async def add_history(db: Database, lease: Lease, e164: str, at: datetime = AT, sid: str = "SM1") -> dict[str, Any]:
    """A call with a note, an interview, a follow-up, an SMS sent and a reply."""
    async with db.session() as s:
        task = CallTask(lease_id=lease.id, tenant_id=lease.tenant_id, agency_id=lease.agency_id,
                        window_start=date(2026, 11, 3), window_end=date(2026, 11, 24),
                        status="completed", created_at=at)
        s.add(task)
        await s.flush()
        attempt = CallAttempt(task_id=task.id, at=at, outcome="reached", phone_e164=e164,
                              note="Mme Lefèvre dit que son fils Kevin passe le samedi")
        interview = Interview(task_id=task.id, tenant_id=lease.tenant_id, agency_id=lease.agency_id, at=at,
                              answers={"accueil": 4}, summary="Très contente, mais fuite sous l'évier")
        s.add_all([attempt, interview])
        await s.flush()
        follow_up = FollowUp(interview_id=interview.id, tenant_id=lease.tenant_id, agency_id=lease.agency_id,
                             kind="technical", category="plomberie", description="Fuite chez Mme Lefèvre",
                             created_at=at, updated_at=at)
        campaign = Campaign(name="Coupure d'eau", category="outage", body="Bonjour {{ first_name }}",
                            created_at=at)
        direct = Campaign(name="SMS à un locataire", kind="direct", category="information",
                          body="Hélène, votre rendez-vous est confirmé", created_at=at)
        s.add_all([follow_up, campaign, direct])
        await s.flush()
        direct_out = OutboxMessage(campaign_id=direct.id, tenant_id=lease.tenant_id, e164=e164,
                                   body=direct.body, status="sent", provider_sid=f"{sid}-direct",
                                   created_at=at)
        s.add(direct_out)
        outbox = OutboxMessage(campaign_id=campaign.id, tenant_id=lease.tenant_id, e164=e164,
                               body="Bonjour Hélène, coupure d'eau demain", status="delivered",
                               provider_sid=f"{sid}-out", created_at=at)
        s.add(outbox)
        await s.flush()
        inbound = InboundMessage(provider_sid=f"{sid}-in", from_e164=e164, body="Toujours pas d'eau, Hélène L.",
                                 received_at=at, tenant_id=lease.tenant_id, agency_id=lease.agency_id,
                                 campaign_id=campaign.id, outbox_message_id=outbox.id)
        local = LocalSms(sid=f"{sid}-local", to=e164, body="Bonjour Hélène, coupure d'eau demain", at=at)
        s.add_all([inbound, local])
        await s.commit()
        return {"task": task.id, "attempt": attempt.id, "interview": interview.id, "follow_up": follow_up.id,
                "outbox": outbox.id, "direct": direct.id, "inbound": inbound.id, "local": local.id}
