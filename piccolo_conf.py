"""Piccolo finds this file at the project root: the engine comes from DATABASE_URL (SQLite by default)."""

from piccolo.conf.apps import AppRegistry

from backend.config import Settings
from backend.db import make_engine

DB = make_engine(Settings.from_env().database_url)

APP_REGISTRY = AppRegistry(apps=["backend.db"])
