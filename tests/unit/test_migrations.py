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
