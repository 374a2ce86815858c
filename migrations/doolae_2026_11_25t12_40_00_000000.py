"""Indexes. Composite unique keys as plain unique indexes: piccolo adds Unique constraints with
ALTER TABLE ... ADD CONSTRAINT, which SQLite does not have, while both engines have CREATE UNIQUE INDEX."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-25T12:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique keys and foreign-key indexes"

UNIQUE_KEYS = [
    ("school_year_school_year_be", "school_year", "school, year_be"),
    ("term_school_year_number", "term", "school_year, number"),
    ("grade_school_code", "grade", "school, code"),
    ("classroom_year_grade_room", "classroom", "school_year, grade, room"),
    ("homeroom_classroom_teacher", "homeroom_assignment", "classroom, teacher"),
    ("student_school_code", "student", "school, code"),
    ("student_guardian_link", "student_guardian", "student, guardian"),
]

# Foreign keys the pages look up by (piccolo does not index foreign keys by itself).
INDEXES = [
    ("student_classroom", "student", "classroom"),
    ("student_user", "student", "user"),
    ("student_guardian_guardian", "student_guardian", "guardian"),
    ("guardian_user", "guardian", "user"),
    ("homeroom_teacher", "homeroom_assignment", "teacher"),
    ("user_session_user", "user_session", "user"),
    ("sign_in_code_user", "sign_in_code", "user"),
    ("classroom_school_year", "classroom", "school_year"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="doolae", description=DESCRIPTION)

    async def create_unique_indexes():
        for name, table, columns in UNIQUE_KEYS:
            await engine_finder().run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})")
        for name, table, columns in INDEXES:
            await engine_finder().run_ddl(f'CREATE INDEX IF NOT EXISTS {name} ON {table} ("{columns}")')

    async def drop_unique_indexes():
        for name, _, _ in UNIQUE_KEYS + INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_unique_indexes)
    manager.add_raw_backwards(drop_unique_indexes)
    return manager
