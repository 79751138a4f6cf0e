"""Cross-feature reactions, wired in one place.

A package announces that something happened (leases were imported, a number opted out, a
tenant texted "rappelez-moi"...) and the features that care react, without the announcing
package importing them: lower packages never import higher ones (see
``tests/test_package_imports_follow_the_map.py``). Each hook names the modules implementing
it, as the timeline lists its providers; they are imported on first use, so this core
module imports no feature.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Hook:
    attribute: str  # what each module exposes: a function, or a list (jobs); "" = several
    modules: tuple[str, ...]

    def handlers(self) -> list[Callable[..., Any]]:
        if not self.attribute:
            raise TypeError("this hook's modules expose several functions: use modules_loaded()")
        return [getattr(importlib.import_module(name), self.attribute) for name in self.modules]

    def modules_loaded(self) -> list[Any]:
        return [importlib.import_module(name) for name in self.modules]

    def values(self) -> list[Any]:
        """The exposed attribute of every module (same as ``handlers``, for non-callables)."""
        return self.handlers()


# Periodic jobs: each module has ``JOBS: list[crm.scheduler.Job]``.
JOBS = Hook("JOBS", ("crm.calls.jobs", "crm.campaigns.jobs", "crm.incidents.jobs", "crm.tenants.retention",
                   "crm.tenants.import_jobs"))

# Tenant timeline: ``async def entries(session, tenant_id) -> list[TimelineEntry]``.
TIMELINE = Hook("entries", ("crm.calls.timeline", "crm.campaigns.timeline", "crm.inbox.timeline",
                            "crm.requests.timeline", "crm.incidents.timeline"))

# Personal data (RGPD), for each feature keeping free texts or numbers about households:
# ``anonymize_statements(tenant_id, numbers) -> dict[str, list[UPDATE]]`` (numbers: old -> new),
# ``contact_since(cutoff) -> list[condition on Tenant.id]`` (no contact since the cutoff) and
# ``purge_statements(dormant, cutoff) -> list[UPDATE]``. See ``crm/tenants/retention.py``.
RETENTION = Hook("", ("crm.calls.retention", "crm.campaigns.retention",
                               "crm.inbox.retention", "crm.sms.retention", "crm.requests.retention"))

# Leases were created or changed (tenant import):
# ``async def on_leases_changed(session, *, today, lease_ids) -> None``. The caller commits.
LEASES_CHANGED = Hook("on_leases_changed", ("crm.calls.reactions",))

# Numbers opted out of SMS (one, or an import's batch):
# ``async def on_opted_out(session, e164s: Collection[str], at) -> None``.
OPTED_OUT = Hook("on_opted_out", ("crm.campaigns.reactions",))
# The same reaction as SQL, for folding a STOP into ONE PostgreSQL statement (the webhook):
# ``opted_out_statement(numbers: Select[tuple[str]], at: BindParameter) -> Update``, run
# there as a data-modifying CTE. Same modules and same effect as OPTED_OUT.
OPTED_OUT_SQL = Hook("opted_out_statement", OPTED_OUT.modules)

# A tenant asked by SMS to be called back:
# ``async def on_callback_requested(session, *, tenant_id, at, tz) -> bool`` (True: taken on).
CALLBACK_REQUESTED = Hook("on_callback_requested", ("crm.calls.reactions",))
# The same as SQL, for folding a "rappelez-moi" into ONE PostgreSQL statement (the webhook):
# ``callback_statements(tenant_id: ColumnElement[int]) -> (list[CTE], ColumnElement[bool])``
# (data-modifying CTEs, and "taken on") with ``callback_params(at, tz) -> dict`` for their
# bind parameters; on a SQLite file ``sqlite_callback(dialect) -> (conn, tenant_id, params) ->
# bool``, run by the webhook's group commit on a DB-API connection in its transaction, with the
# same ``callback_params``. Same modules and same effect as CALLBACK_REQUESTED.
CALLBACK_REQUESTED_SQL = Hook("", CALLBACK_REQUESTED.modules)

# Replies to a campaign, for its progress: ``async def campaign_replies(session, campaign_id)
# -> dict[str, int]`` with keys ``replies``, ``opt_outs`` and ``problem_persists``.
CAMPAIGN_REPLIES = Hook("campaign_replies", ("crm.inbox.reactions",))

# Queue sizes for /metrics: ``QUEUE_PROBES: list[(name, documentation, model, column, value)]``.
QUEUE_PROBES = Hook("QUEUE_PROBES", ("crm.calls.reactions", "crm.campaigns.reactions",
                                     "crm.inbox.reactions"))

# An incoming SMS was stored and threaded (the inbox): ``async def on_inbound_reply(session, *,
# outbox_message_id, body, intent, now, tz) -> bool`` (True: nothing left for an adviser, the
# inbox files it as handled). Requests score satisfaction answers and reopen on "pas réparé".
INBOUND_REPLY = Hook("on_inbound_reply", ("crm.requests.replies",))
# Whether a reply concerns the module at all, as SQL the inbox's insert returns (so that a
# reply to an SMS no feature cares about runs no reaction and no query):
# ``concerns_reply(outbox_message_id: ColumnElement[int]) -> ColumnElement[bool]``.
INBOUND_REPLY_CONCERNS = Hook("concerns_reply", INBOUND_REPLY.modules)

# Links the inbox shows beside a tenant's SMS: ``async def message_links(session, message_id,
# outbox_message_id) -> list[(label, href)]`` (the request it answers, "créer une demande").
MESSAGE_LINKS = Hook("message_links", ("crm.requests.replies",))
