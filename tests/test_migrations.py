"""The migrations build exactly the tables the code declares: a table or column added without its migration (or a
migration the code no longer matches) fails here, not on a school's server at deploy time."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager  # noqa: F401 - loaded by the differ
from piccolo.apps.migrations.commands.new import AutoMigrationManager

from backend import db


async def test_the_migrations_make_exactly_the_tables_of_the_code():
    groups = await AutoMigrationManager(auto_input="n").get_alter_statements(app_config=db.APP_CONFIG)
    assert [statement for group in groups for statement in group.statements] == []
