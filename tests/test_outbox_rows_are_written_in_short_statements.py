"""A launch's outbox rows go to the database in statements of at most ``outbox.CHUNK``
(250) rows: SQLAlchemy prepares each statement's parameters in one stretch on the event
loop, and a 1,000-row one held it 12-45 ms (/healthz and the dispatcher waiting behind)."""

from __future__ import annotations

from sqlalchemy import event, func, select

from crm.campaigns.models import OutboxMessage
from crm.campaigns.outbox import CHUNK
from tests.support.outbox import make_campaign, numbers


async def test_a_thousand_rows_are_written_250_at_a_time(db, clock) -> None:
    written: list[int] = []

    def count(_conn, _cursor, statement, parameters, _context, _executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX_MESSAGE"):
            # One multi-row INSERT per batch ("insertmanyvalues": its parameters flat), or
            # an executemany (one set of parameters per row).
            if parameters and isinstance(parameters[0], (tuple, list, dict)):
                written.append(len(parameters))
            else:
                columns = statement[statement.index("(") + 1:statement.index(")")].count(",") + 1
                written.append(len(parameters) // columns)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        campaign = await make_campaign(db, clock.now(), numbers(1000))
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert CHUNK == 250
    assert written == [250, 250, 250, 250]
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.campaign_id == campaign.id)) == 1000
