"""School.parent_sections: the record sections a school shares with parents ("learning" until changed)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-25T15:06:23:425185"
VERSION = "1.38.0"
DESCRIPTION = "what parents see of the record, per school"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="doolae", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="School",
        tablename="school",
        column_name="parent_sections",
        db_column_name="parent_sections",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
            "default": "learning",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
