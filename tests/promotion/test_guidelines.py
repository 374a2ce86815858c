"""The school's guideline documents: written in the app or uploaded as a PDF (checked: a PDF, at most 10 MB), read
by the school's staff only, kept up by the admin, an executive or a counsellor; their topics are offered when a
homeroom activity is recorded."""

from __future__ import annotations

import pytest

from backend.promotion import guidelines
from backend.promotion.tables import GuidelineDocument
from tests.conftest import text_of

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<<>>\n%%EOF\n")


async def _add(client, data: dict, files: dict | None = None):
    return await client.submit("/promotion/guidelines", data, files=files)


async def test_a_file_that_is_not_a_pdf_is_refused_with_words(client, people, settings):
    await people.ratana.sign_in(settings, client)
    refused = await _add(client, {"title": "คู่มือระบบดูแลช่วยเหลือ"},
                         {"file": ("คู่มือ.pdf", b"MZ\x90\x00 not really a pdf", "application/pdf")})
    page = text_of(refused.text)
    assert refused.status_code == 422 and "ไฟล์นี้ไม่ใช่ PDF" in page
    assert 'value="คู่มือระบบดูแลช่วยเหลือ"' in refused.text and await GuidelineDocument.count() == 0
    big = await _add(client, {"title": "คู่มือ"},
                     {"file": ("big.pdf", PDF + b"0" * guidelines.MAX_PDF_BYTES, "application/pdf")})
    assert big.status_code == 422 and "ไฟล์ใหญ่เกิน 10 MB" in text_of(big.text)
    nothing = await _add(client, {"title": "คู่มือ"})
    assert nothing.status_code == 422 and "อัปโหลดเป็นไฟล์ PDF" in text_of(nothing.text)
    assert await GuidelineDocument.count() == 0


async def test_a_pdf_is_served_to_the_schools_staff_only(client, people, settings, make_client):
    await people.ratana.sign_in(settings, client)
    saved = await _add(client, {"title": "คู่มือระบบดูแลช่วยเหลือนักเรียน"},
                       {"file": ("คู่มือ ดูแล.pdf", PDF, "application/pdf")})
    assert "บันทึกแนวปฏิบัติแล้ว" in text_of(saved.text) and "ดาวน์โหลดไฟล์ PDF" in text_of(saved.text)
    url = str(saved.url.path)
    for person in (people.wipa, people.nipa, people.kanya, people.somchai):  # every staff member of the school
        reader = make_client()
        await person.sign_in(settings, reader)
        assert "คู่มือระบบดูแลช่วยเหลือนักเรียน" in text_of((await reader.get("/promotion/guidelines")).text)
        pdf = await reader.get(f"{url}/file")
        assert pdf.status_code == 200 and pdf.content == PDF
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith("attachment;")
        assert "%E0%B8%84%E0%B8%B9%E0%B9%88%E0%B8%A1%E0%B8%B7%E0%B8%AD%20" in pdf.headers["content-disposition"]
    for person in (people.somsri, people.chai, people.dao, people.preecha, people.noi):
        outsider = make_client()
        await person.sign_in(settings, outsider)
        for address in (url, f"{url}/file"):
            response = await outsider.get(address)
            assert response.status_code in (403, 404) and PDF not in response.content
            assert "คู่มือระบบดูแลช่วยเหลือนักเรียน" not in text_of(response.text)


async def test_a_written_guideline_gives_its_topics_to_the_homeroom_activity_form(client, people, settings,
                                                                                  make_client):
    await people.wichai.sign_in(settings, client)
    saved = await _add(client, {"title": "แนวทางกิจกรรมโฮมรูม ภาคเรียนที่ 1", "body": "สัปดาห์ที่ 1 ปฐมนิเทศ\nสัปดาห์ที่ 2 ...",
                                "topics": "รู้จักเพื่อนใหม่\nป้องกันบุหรี่ไฟฟ้า\n\nรู้จักเพื่อนใหม่"})
    page = text_of(saved.text)
    assert "สัปดาห์ที่ 1 ปฐมนิเทศ" in page and "ดาวน์โหลดไฟล์ PDF" not in page
    teacher = make_client()
    await people.somchai.sign_in(settings, teacher)
    form = (await teacher.get(f"/promotion/classrooms/{people.classrooms['BKK ม.1/1']}")).text
    assert form.count('<option value="รู้จักเพื่อนใหม่">') == 1 and '<option value="ป้องกันบุหรี่ไฟฟ้า">' in form
    # A teacher reads it but cannot change it; the director retires it and it leaves the list and the form.
    assert (await teacher.submit(f"{saved.url.path}/retire")).status_code == 403
    assert (await teacher.submit(str(saved.url.path), {"title": "แก้"})).status_code == 403
    retired = await client.submit(f"{saved.url.path}/retire", {"action": "retire"})
    assert "เลิกใช้แนวปฏิบัตินี้แล้ว" in text_of(retired.text)
    assert "แนวทางกิจกรรมโฮมรูม" not in text_of((await teacher.get("/promotion/guidelines")).text)
    form = (await teacher.get(f"/promotion/classrooms/{people.classrooms['BKK ม.1/1']}")).text
    assert "ป้องกันบุหรี่ไฟฟ้า" not in form


async def test_a_new_pdf_replaces_the_old_one_in_the_store(client, people, settings, app):
    await people.kanya.sign_in(settings, client)
    saved = await _add(client, {"title": "คู่มือ"}, {"file": ("a.pdf", PDF, "application/pdf")})
    old = await GuidelineDocument.select(GuidelineDocument.storage_key).first()
    newer = PDF.replace(b"1.4", b"1.7")
    edited = await client.submit(str(saved.url.path), {"title": "คู่มือ ฉบับปรับปรุง", "body": ""},
                                 files={"file": ("b.pdf", newer, "application/pdf")})
    assert "คู่มือ ฉบับปรับปรุง" in text_of(edited.text)
    assert (await client.get(f"{saved.url.path}/file")).content == newer
    with pytest.raises(FileNotFoundError):  # the replaced PDF is no longer stored
        await app.state.photos.get(old["storage_key"])
