"""One thread per child and guardian; a thread's messages and audited reads found by their thread."""

from backend.db import index_migration

ID = "2026-11-28T13:08:59:224189"
VERSION = "1.38.0"
DESCRIPTION = "conversation keys and indexes"

forwards = index_migration(ID, DESCRIPTION, unique=[
    ("thread_key", "thread", "student, guardian"),
], plain=[
    ("thread_guardian", "thread", "guardian"),
    ("post_thread", "post", "thread, id"),
    ("thread_read_thread", "thread_read", "thread"),
])
