"""Piccolo's own commands (piccolo migrations new/forwards) find the engine here. The app does not depend on it:
create_app(settings), the worker and the doolae command choose the database with backend.db.configure(), which also
puts the engine here for piccolo's migration runner. On its own (the piccolo command line) DATABASE_URL decides."""

from piccolo.conf.apps import AppRegistry

from backend import db

DB = db.engine()

APP_REGISTRY = AppRegistry(apps=["backend.db"])
