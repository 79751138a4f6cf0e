"""The "refus SMS" column: what the file asks for each number, settled over the whole file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db import Database
from crm.models import (
    OptOutEvent,
    OptOutSource,
)
from crm.tenants.imports.bulk import BATCH_SIZE
from crm.tenants.imports.rows import Row, is_anonymised, mobile_of
from crm.tenants.optouts import OptChange, record_opt_changes


@dataclass
class OptOutState:
    last_import: bool | None  # the file's value as last recorded by an import
    import_is_latest: bool  # nothing (STOP, START, adviser) happened since that import event


class OptOutSettlement:
    """The file's "refus SMS", settled per number over the whole file, then recorded."""

    def __init__(self) -> None:
        # number -> (tenant id, line)
        self.opt_outs: dict[str, tuple[int, int]] = {}
        self.opt_ins: dict[str, tuple[int, int]] = {}
        self.objecting: set[str] = set()  # numbers some row says "oui" for
        self.known: set[int] = set()  # see load()

    async def load(self, session: AsyncSession) -> None:
        """The numbers an import ever recorded something for, as hashes: only they have a
        state to ask for (none on a first import). A hash collision only costs a query."""
        self.known = {hash(e164) for e164 in await session.scalars(
            select(OptOutEvent.e164).where(OptOutEvent.source == OptOutSource.IMPORT).distinct())}

    async def states(self, session: AsyncSession, rows: list[Row]) -> dict[str, OptOutState]:
        """For the mobiles of the rows that say something about SMS: the last state an import
        recorded, and whether anything happened since (one query)."""
        numbers = {m for r in rows if r.values.get("sms_opt_out") is not None
                   for m in [mobile_of(r)] if m and hash(m) in self.known}
        if not numbers:
            return {}
        latest = select(
            OptOutEvent.e164,
            func.max(OptOutEvent.id).label("any_id"),
            func.max(case((OptOutEvent.source == OptOutSource.IMPORT, OptOutEvent.id))).label("import_id"),
        ).where(OptOutEvent.e164.in_(numbers)).group_by(OptOutEvent.e164).subquery()
        found = await session.execute(
            select(OptOutEvent.e164, OptOutEvent.opted_out, latest.c.any_id == OptOutEvent.id)
            .join(latest, OptOutEvent.id == latest.c.import_id))
        return {e164: OptOutState(opted_out, bool(is_latest)) for e164, opted_out, is_latest in found.all()}

    def note(self, row: Row, states: dict[str, OptOutState]) -> None:
        """Remember what the file's "refus SMS" asks for this row's mobile; ``record`` writes
        it once the whole file is read.

        A number may be shared by two households whose rows disagree: deciding row by row
        would flip it at every import, so the file's wish for a number is settled over the
        whole file ("oui" anywhere wins). Only a change of the file's own value is recorded,
        so a later STOP or START by the tenant is never overwritten by importing the same
        file again: "oui" records an objection unless the last import already did; "non"
        withdraws only an objection that came from the file and that nothing (STOP, START,
        an adviser) has superseded since.
        """
        wanted = row.values.get("sms_opt_out")
        mobile = mobile_of(row)
        if wanted is None or mobile is None or is_anonymised(row.tenant):
            return
        state = states.get(mobile, OptOutState(None, False))
        note = (row.tenant.id, row.line)
        if wanted:
            self.objecting.add(mobile)
            if state.last_import is not True:
                self.opt_outs.setdefault(mobile, note)
        elif state.last_import is True and state.import_is_latest:
            self.opt_ins.setdefault(mobile, note)

    async def record(self, db: Database, *, at: datetime, user_id: int | None) -> int:
        """Write the settled wishes, a batch per transaction; how many were written."""
        now = at
        changes = [(e164, True, note) for e164, note in self.opt_outs.items()]
        changes += [(e164, False, note) for e164, note in self.opt_ins.items() if e164 not in self.objecting]
        for start in range(0, len(changes), BATCH_SIZE):
            async with db.session() as session:
                await record_opt_changes(session, [
                    OptChange(e164, opted_out, tenant_id, f"Import du fichier locataires, ligne {line}")
                    for e164, opted_out, (tenant_id, line) in changes[start:start + BATCH_SIZE]
                ], at=now, source=OptOutSource.IMPORT, user_id=user_id)
                await session.commit()
        return len(changes)
