"""The school's guideline documents for homeroom and prevention work: a text written in the app, an uploaded PDF, or
both; read by the school's staff, kept up by its admins, executives and counsellors. A PDF is checked (size, and that
it starts as a PDF does) and kept in the same store as visit photos. The documents' topics, one a line, are offered
when a homeroom activity is recorded."""

from __future__ import annotations

import re
import uuid

from backend.accounts.access import Viewer, can_manage_guideline, can_read_guideline, manages_guidelines
from backend.clock import now
from backend.i18n import N_
from backend.promotion.services import PromotionError, _plain
from backend.promotion.tables import GuidelineDocument
from backend.visits.storage import PhotoStore

MAX_PDF_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
MAX_TOPICS = 40
UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/]')


def _filename(name: str) -> str:
    """The name the file is served under: the uploaded name without folders or quotes, ending in .pdf."""
    name = UNSAFE_NAME.sub("", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()[:150] or "guideline"
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


def _topics(text) -> str:
    """One topic a line, blank lines and repeats dropped."""
    seen: list[str] = []
    for line in str(text or "").replace("\x00", "").splitlines():
        topic = line.strip()[:200]
        if topic and topic not in seen:
            seen.append(topic)
    return "\n".join(seen[:MAX_TOPICS])


def _check_pdf(data: bytes) -> None:
    if len(data) > MAX_PDF_BYTES:
        too_big = N_("The file is larger than 10 MB. Save a smaller PDF and try again.")
        raise PromotionError(too_big, errors={"file": too_big})
    if not data.startswith(PDF_MAGIC):  # what the file is, not what its name or the browser says it is
        not_pdf = N_("This file is not a PDF. Save the document as PDF and upload that, or write the guideline as "
                     "text.")
        raise PromotionError(not_pdf, errors={"file": not_pdf})


async def documents(viewer: Viewer) -> dict:
    """The school's documents in use, newest change first; those who keep them up see the retired ones too."""
    columns = (GuidelineDocument.id, GuidelineDocument.title, GuidelineDocument.filename, GuidelineDocument.size,
               GuidelineDocument.updated_at, GuidelineDocument.retired_at, GuidelineDocument.topics)
    where = GuidelineDocument.school == viewer.school_id
    if not manages_guidelines(viewer):
        where &= GuidelineDocument.retired_at.is_null()
    rows = await GuidelineDocument.select(*columns).where(where).order_by(GuidelineDocument.updated_at,
                                                                         ascending=False)
    return {"documents": [r for r in rows if r["retired_at"] is None],
            "retired": [r for r in rows if r["retired_at"] is not None], "can_manage": manages_guidelines(viewer)}


async def document(viewer: Viewer, document_id: int) -> dict:
    row = await GuidelineDocument.select(*GuidelineDocument.all_columns(),
                                         GuidelineDocument.updated_by.display_name.as_alias("updated_by_name")).where(
        GuidelineDocument.id == document_id).first()
    if row is None or not can_read_guideline(viewer, row):
        raise PromotionError(N_("No such guideline document."), status=404)
    return {"document": row, "can_manage": can_manage_guideline(viewer, row)}


async def pdf(viewer: Viewer, store: PhotoStore, document_id: int) -> tuple[bytes, str]:
    """The document's PDF and the name to save it under."""
    row = (await document(viewer, document_id))["document"]
    if not row["storage_key"]:
        raise PromotionError(N_("This guideline has no PDF: it is written in the app."), status=404)
    return await store.get(row["storage_key"]), row["filename"]


async def save_document(viewer: Viewer, store: PhotoStore, form: dict, upload: tuple[str, bytes] | None,
                        document_id: int | None = None) -> int:
    """A new document, or changes to one: its title, text, topics, and a PDF (a new one replaces the old). A document
    needs a text or a PDF."""
    existing = None
    if document_id is not None:
        existing = (await document(viewer, document_id))["document"]
        if not can_manage_guideline(viewer, existing):
            raise PromotionError(N_("Only the admin, an executive or a counsellor changes the school's guidelines."),
                                 status=403)
    elif not manages_guidelines(viewer):
        raise PromotionError(N_("Only the admin, an executive or a counsellor changes the school's guidelines."),
                             status=403)
    errors = {}
    title = _plain(form.get("title"), 200)
    if not title:
        errors["title"] = N_("Give the document a title.")
    body = str(form.get("body") or "").replace("\x00", "").strip()[:50000]
    if upload is not None:
        _check_pdf(upload[1])
    if not body and upload is None and not (existing and existing["storage_key"]):
        errors["body"] = N_("Write the guideline here or upload it as a PDF.")
    if errors:
        raise PromotionError(N_("Some fields need fixing."), errors=errors)
    values = {GuidelineDocument.title: title, GuidelineDocument.body: body,
              GuidelineDocument.topics: _topics(form.get("topics")), GuidelineDocument.updated_by: viewer.user_id,
              GuidelineDocument.updated_at: now()}
    old_key = existing["storage_key"] if existing else ""
    if upload is not None:
        key = f"guidelines/{viewer.school_id}/{uuid.uuid4().hex}.pdf"
        await store.put(key, upload[1])  # stored before the row: a row always has its file
        values.update({GuidelineDocument.storage_key: key, GuidelineDocument.filename: _filename(upload[0]),
                       GuidelineDocument.size: len(upload[1])})
    if existing is None:
        rows = await GuidelineDocument.insert(GuidelineDocument(
            school=viewer.school_id, **{column._meta.name: value for column, value in values.items()})).returning(
            GuidelineDocument.id)
        return rows[0]["id"]
    await GuidelineDocument.update(values).where(GuidelineDocument.id == existing["id"])
    if upload is not None and old_key:
        await store.delete(old_key)  # the replaced PDF, once the row names the new one
    return existing["id"]


async def retire(viewer: Viewer, document_id: int, back: bool = False) -> None:
    """Takes a document out of use (it stays, listed as retired, for those who keep them up), or back into use."""
    row = (await document(viewer, document_id))["document"]
    if not can_manage_guideline(viewer, row):
        raise PromotionError(N_("Only the admin, an executive or a counsellor changes the school's guidelines."),
                             status=403)
    await GuidelineDocument.update({GuidelineDocument.retired_at: None if back else (row["retired_at"] or now())}
                                   ).where(GuidelineDocument.id == document_id)

