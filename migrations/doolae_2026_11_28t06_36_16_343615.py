"""Students kept before enrolments were: each is in their classroom from the first day of its school year, so that
registers and lists (which ask students.enrolment) still show them. A raw step runs before a migration's tables are
made, hence a migration of its own after the one that makes student_enrolment."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from backend.db import engine

ID = "2026-11-28T06:36:16:343615"
VERSION = "1.38.0"
DESCRIPTION = "enrol existing students"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="doolae", description=DESCRIPTION)

    async def enrol_existing_students():
        await engine().run_ddl(
            "INSERT INTO student_enrolment (school, student, school_year, classroom, number_in_class, starts_on, "
            "ends_on, changed_by, changed_at) SELECT s.school, s.id, c.school_year, s.classroom, s.number_in_class, "
            "y.starts_on, NULL, NULL, s.updated_at FROM student s JOIN classroom c ON c.id = s.classroom "
            "JOIN school_year y ON y.id = c.school_year "
            "WHERE NOT EXISTS (SELECT 1 FROM student_enrolment e WHERE e.student = s.id)")

    manager.add_raw(enrol_existing_students)
    return manager
