"""A teacher teaches one subject to one class once in each term: the unique key of teaching assignments gains the
term (the column comes in the migration before this one, as piccolo runs raw DDL before adding columns)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.db import engine

ID = "2026-11-28T06:45:38:454843"
VERSION = "1.38.0"
DESCRIPTION = "teaching assignments once a term"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="doolae", description=DESCRIPTION)

    async def key_with_term():
        await engine().run_ddl("DROP INDEX IF EXISTS teaching_assignment_once")
        await engine().run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS teaching_assignment_once_a_term "
                               "ON teaching_assignment (classroom, teacher, subject, term)")

    async def key_without_term():
        await engine().run_ddl("DROP INDEX IF EXISTS teaching_assignment_once_a_term")
        await engine().run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS teaching_assignment_once "
                               "ON teaching_assignment (classroom, teacher, subject)")

    manager.add_raw(key_with_term)
    manager.add_raw_backwards(key_without_term)
    return manager
