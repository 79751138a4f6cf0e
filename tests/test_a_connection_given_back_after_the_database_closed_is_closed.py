"""A connection still in use when the database is closed (a task finishing its work during
a shutdown) is closed when it is given back, not left open in the pool that was disposed
until the garbage collector finds it (PostgreSQL: asyncpg connections)."""

import pytest
from sqlalchemy import text


async def test_a_connection_given_back_after_dispose_is_closed(db):
    if not db.is_postgres:
        pytest.skip("asyncpg connections: PostgreSQL only")
    session = db.sessionmaker()
    await session.execute(text("SELECT 1"))
    driver = (await (await session.connection()).get_raw_connection()).driver_connection

    await db.dispose()  # the shutdown, while the session still holds its connection
    assert not driver.is_closed()  # in use: dispose leaves it to its holder
    await session.close()  # given back, to the pool that was disposed

    assert driver.is_closed()


async def test_connections_of_the_new_pool_stay_open_for_reuse(db):
    if not db.is_postgres:
        pytest.skip("asyncpg connections: PostgreSQL only")
    await db.dispose()
    async with db.session() as session:  # the database is used again after a dispose
        await session.execute(text("SELECT 1"))
        driver = (await (await session.connection()).get_raw_connection()).driver_connection

    assert not driver.is_closed()
    async with db.session() as session:
        again = (await (await session.connection()).get_raw_connection()).driver_connection
    assert again is driver  # the pool kept it
