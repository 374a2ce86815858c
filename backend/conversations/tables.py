"""Messages between a guardian and their child's homeroom teachers: one thread per (child, guardian), its messages
(kept, never edited or deleted: a correction is a new message), a teacher's message to a family or the whole class,
the executive's audited reads, and the school's hours for replies."""

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from backend.accounts.tables import User
from backend.schools.tables import Classroom, School
from backend.students.tables import Guardian, Student

MAX_LENGTH = 2000  # characters in one message: a long letter, not a document


class Thread(Table):
    """A guardian and the homeroom teachers of one child (unique per student and guardian). Two guardians of a child
    have a thread each; a guardian of two children, one per child. The counters are kept with each message written,
    so inboxes and home pages read them without counting messages."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade)
    guardian = ForeignKey(Guardian, on_delete=OnDelete.cascade)
    started_at = Timestamptz()
    last_at = Timestamptz()
    last_preview = Varchar(length=80, default="")
    last_from_school = Boolean(default=False)
    school_unread = Integer(default=0)  # the guardian's messages no homeroom teacher has opened yet
    parent_unread = Integer(default=0)  # the school's messages the guardian has not opened yet
    school_read_at = Timestamptz(null=True, default=None)
    parent_read_at = Timestamptz(null=True, default=None)


class Broadcast(Table):
    """A teacher's message to one family (student set) or the whole class: one copy per guardian, each in their
    thread. token: the compose page's own, so that sending the form twice sends once."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    classroom = ForeignKey(Classroom, on_delete=OnDelete.cascade)
    student = ForeignKey(Student, on_delete=OnDelete.cascade, null=True)
    token = Varchar(length=40, unique=True)
    body = Text()
    sent_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    sent_at = Timestamptz()
    pushed = Integer(default=0)
    texted = Integer(default=0)  # guardians sent an SMS
    segments = Integer(default=0)  # SMS parts in all
    unreachable = Integer(default=0)


class Post(Table):
    """One message of a thread. copy_key: "broadcast:<id>:<guardian>" for a class or family message, so that each
    guardian's copy is written once."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    thread = ForeignKey(Thread, on_delete=OnDelete.cascade)
    from_school = Boolean(default=False)
    author = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    author_name = Varchar(length=200, default="")
    body = Text()
    written_at = Timestamptz()
    broadcast = ForeignKey(Broadcast, on_delete=OnDelete.set_null, null=True)
    copy_key = Varchar(length=80, null=True, default=None, unique=True)
    channel = Varchar(length=8, default="")  # how the guardian was told of a school message: push, sms, or ""
    unreachable = Varchar(length=12, default="")  # why not (no_phone, not_mobile, opted_out), when channel is ""


class ThreadRead(Table):
    """An executive opened a thread (a complaint): who, when and why. The read is also in the record's audit."""

    school = ForeignKey(School, on_delete=OnDelete.cascade)
    thread = ForeignKey(Thread, on_delete=OnDelete.cascade)
    reader = ForeignKey(User, on_delete=OnDelete.cascade)
    reason = Varchar(length=300)
    read_at = Timestamptz()


class ReplyHours(Table):
    """When the homeroom teachers answer messages, on the school's school days (unique per school; without a row,
    07:30–16:30)."""

    school = ForeignKey(School, on_delete=OnDelete.cascade, unique=True)
    opens_at = Varchar(length=5, default="07:30")
    closes_at = Varchar(length=5, default="16:30")
    updated_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True)
    updated_at = Timestamptz()
