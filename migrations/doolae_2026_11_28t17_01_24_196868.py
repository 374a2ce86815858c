from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class School(Table, tablename="school", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class User(Table, tablename="app_user", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-11-28T17:01:24:196868"
VERSION = "1.38.0"
DESCRIPTION = "Area supervisors and the schools they oversee"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="doolae", description=DESCRIPTION
    )

    manager.add_table(
        class_name="SupervisedSchool",
        tablename="supervised_school",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="SupervisedSchool",
        tablename="supervised_school",
        column_name="user",
        db_column_name="user",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": User,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
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

    manager.add_column(
        table_class_name="SupervisedSchool",
        tablename="supervised_school",
        column_name="school",
        db_column_name="school",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": School,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
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

    manager.add_column(
        table_class_name="SupervisedSchool",
        tablename="supervised_school",
        column_name="added_at",
        db_column_name="added_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
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

    manager.alter_column(
        table_class_name="AccountChange",
        tablename="account_change",
        column_name="role",
        db_column_name="role",
        params={
            "choices": Enum(
                "Role",
                {
                    "admin": "admin",
                    "executive": "executive",
                    "homeroom_teacher": "homeroom_teacher",
                    "subject_teacher": "subject_teacher",
                    "counsellor": "counsellor",
                    "discipline": "discipline",
                    "nurse": "nurse",
                    "grade_head": "grade_head",
                    "parent": "parent",
                    "student": "student",
                    "area_supervisor": "area_supervisor",
                },
            )
        },
        old_params={
            "choices": Enum(
                "Role",
                {
                    "admin": "admin",
                    "executive": "executive",
                    "homeroom_teacher": "homeroom_teacher",
                    "subject_teacher": "subject_teacher",
                    "counsellor": "counsellor",
                    "discipline": "discipline",
                    "nurse": "nurse",
                    "grade_head": "grade_head",
                    "parent": "parent",
                    "student": "student",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="User",
        tablename="app_user",
        column_name="role",
        db_column_name="role",
        params={
            "choices": Enum(
                "Role",
                {
                    "admin": "admin",
                    "executive": "executive",
                    "homeroom_teacher": "homeroom_teacher",
                    "subject_teacher": "subject_teacher",
                    "counsellor": "counsellor",
                    "discipline": "discipline",
                    "nurse": "nurse",
                    "grade_head": "grade_head",
                    "parent": "parent",
                    "student": "student",
                    "area_supervisor": "area_supervisor",
                },
            )
        },
        old_params={
            "choices": Enum(
                "Role",
                {
                    "admin": "admin",
                    "executive": "executive",
                    "homeroom_teacher": "homeroom_teacher",
                    "subject_teacher": "subject_teacher",
                    "counsellor": "counsellor",
                    "discipline": "discipline",
                    "nurse": "nurse",
                    "grade_head": "grade_head",
                    "parent": "parent",
                    "student": "student",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
