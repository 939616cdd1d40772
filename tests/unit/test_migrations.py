from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models.schema import Base


async def test_migrations_match_the_models(database):
    def diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with database.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == []


async def test_totals_are_back_filled_when_upgrading_a_populated_database(tmp_path):
    from sqlalchemy import text

    from models.db import Database
    from models.migrate import upgrade

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(db.engine, "0003")
    async with db.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO regions (id, kind, name, name_key) VALUES (1, 'county', 'c', 'c')")
        )
        await conn.execute(
            text(
                "INSERT INTO agencies (id, code, name, county_id, created_at, updated_at) "
                "VALUES (1, 'a', 'a', 1, '2026-01-01', '2026-01-01')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO people (id, name, role, active, nudges_muted, created_at, updated_at) "
                "VALUES (1, 'p', 'rep', 1, 0, '2026-01-01', '2026-01-01')"
            )
        )
        for jobs, rasad, day in ((5, 1, "2026-05-01"), (7, 0, "2026-05-01"), (3, 1, "2026-06-01")):
            await conn.execute(
                text(
                    "INSERT INTO achievements (agency_id, person_id, year, created_on, jobs, sector, title, "
                    "rasad_registered, status, created_at, updated_at) VALUES "
                    f"(1, 1, 1405, '{day}', {jobs}, 'services', 't', {rasad}, 'reported', '{day}', '{day}')"
                )
            )
    await upgrade(db.engine)
    async with db.engine.connect() as conn:
        totals = (await conn.execute(text("SELECT achieved, registered, reports FROM agency_totals"))).all()
        days = (await conn.execute(text("SELECT day, jobs, registered FROM agency_days ORDER BY day"))).all()
        versions = (
            await conn.execute(text("SELECT version, data FROM achievement_versions ORDER BY achievement_id"))
        ).all()
        approved = (await conn.execute(text("SELECT approved FROM agency_totals"))).scalar_one()
    await db.dispose()
    # Each earlier achievement is its own first version, awaiting review.
    import json

    assert [(v, json.loads(d)["jobs"], json.loads(d)["rasad_registered"]) for v, d in versions] == [
        (1, 5, True),
        (1, 7, False),
        (1, 3, True),
    ]
    assert approved == 0
    assert totals == [(15, 8, 3)]
    assert [tuple(d)[1:] for d in days] == [(12, 5), (3, 3)]


async def test_a_populated_database_of_the_previous_release_upgrades_without_loss(tmp_path):
    """Demo data (agencies, people, reports, versions, totals, audit), a linked account with a draft and a
    reminder, taken back to the previous release's schema and upgraded again: every row and value is still
    there (the downgrade loses only the columns or the empty tables the last migration added)."""
    import datetime as dt

    from alembic import command
    from sqlalchemy import inspect, text

    from models.db import Database
    from models.migrate import alembic_config, upgrade
    from models.schema import Account, Draft, Outbox
    from playground import demo

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'previous.db'}")
    await upgrade(db.engine)
    assert await demo.seed(db, 1405, dt.date(2026, 11, 29))
    async with db.write() as session:
        person_id = (await session.execute(text("SELECT min(id) FROM people"))).scalar_one()
        account = Account(
            platform="telegram", platform_user_id=77, chat_id=77, person_id=person_id, pending_receipt=1
        )
        session.add(account)
        await session.flush()
        session.add(Draft(account_id=account.id, kind="report", token="abc123", state="jobs", data={"x": 1}))
        session.add(
            Outbox(
                key="milestone:1405-12-22:1",
                account_id=account.id,
                person_id=person_id,
                kind="milestone",
                payload={"year": 1405},
                due_at=dt.datetime(2027, 3, 13, 6, 0, tzinfo=dt.UTC),
            )
        )

    def downgrade(connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")

    async def snapshot() -> dict[str, list[dict[str, object]]]:
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
            found = {}
            for table in tables:
                if table == "alembic_version":
                    continue
                rows = (await conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))).mappings().all()
                found[table] = [dict(row) for row in rows]
            return found

    before = await snapshot()
    assert sum(len(rows) for rows in before.values()) > 100 and before["drafts"] and before["outbox"]
    async with db.engine.begin() as conn:
        await conn.run_sync(downgrade)
    previous = await snapshot()
    await upgrade(db.engine)
    after = await snapshot()
    await db.dispose()
    assert set(after) == set(before) and set(previous) <= set(before)
    assert all(not before[table] for table in set(before) - set(previous))  # a table the last migration made
    for table, rows in before.items():
        if table not in previous:
            continue
        old_columns = previous[table][0].keys() if previous[table] else ()
        assert [{c: row[c] for c in old_columns} for row in rows] == previous[table], table  # no loss down
        assert after[table] == [{**row, **_added(row, old_columns)} for row in rows], table  # nor up


def _added(row: dict, old_columns) -> dict:
    """The last migration's new columns start empty after an upgrade."""
    return {column: None for column in row if column not in old_columns}
