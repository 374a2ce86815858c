"""The A4 PDFs the school prints (backend/printing.py): Thai reads back as written, marks placed by the font's rules,
lines broken between Thai words, tables that go on over pages with their header."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from backend import printing

HARD_WORDS = "ที่ ผู้ปกครอง น้ำ กิ่ง ญี่ปุ่น ฤทธิ์ ศักดิ์สิทธิ์ ปั้น"
PARAGRAPH = ("นักเรียนมีพฤติกรรมซึมเศร้าและขาดเรียนบ่อยครั้งในช่วงภาคเรียนที่ผ่านมาครูที่ปรึกษาได้ประสานงานกับ"
             "ผู้ปกครองแล้วและส่งต่อให้ครูแนะแนวเพื่อให้คำปรึกษาเบื้องต้นต่อไป")


def _pages(data: bytes) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def test_thai_reads_back_as_it_was_written():
    doc = printing.Document("ทดสอบ")
    doc.new_page(footer=("โรงเรียนกรุงเทพศึกษา", "หน้า 1"))
    doc.heading("แบบสรุปผลการดูแลช่วยเหลือนักเรียนรายบุคคล")
    doc.text(HARD_WORDS)
    doc.fields([("ชื่อ", "เด็กหญิงบัว รักเรียน"), ("ชั้น", "ม.1/1")])
    data = doc.to_bytes()
    assert data.startswith(b"%PDF-1.7") and data.rstrip().endswith(b"%%EOF")
    [page] = _pages(data)
    for words in ("แบบสรุปผลการดูแลช่วยเหลือนักเรียนรายบุคคล", HARD_WORDS.replace(" ", ""), "เด็กหญิงบัวรักเรียน",
                  "โรงเรียนกรุงเทพศึกษา", "หน้า1"):
        assert words in page


def test_marks_are_placed_where_harfbuzz_puts_them():
    """The font's own rules: a tone mark over an upper vowel is the raised one (ที่, not ท่'s), one over ป moves
    left of its tail, and น้ำ is four glyphs (its sara am split in two) that copy as three letters."""
    font = printing.face("regular")
    glyphs, _ = font.shape("ที่")
    assert len(glyphs) == 3 and glyphs[0].text == "ที่" and all(g.advance == 0 for g in glyphs[1:])
    assert glyphs[2].gid != font.shape("ท่")[0][1].gid  # raised above the vowel, never on top of it
    assert font.shape("ป่")[0][1].x_offset < 0  # clear of ป's tail
    water, _ = font.shape("น้ำ")
    assert len(water) == 4 and "".join(g.text for g in water) == "น้ำ"


def test_thai_lines_break_between_words_never_inside_one():
    lines = printing.wrap(PARAGRAPH, "regular", 14, 60)
    assert len(lines) > 3 and "".join(lines) == PARAGRAPH
    words = set(printing._pieces(PARAGRAPH))
    for line in lines:
        assert all(printing.face("regular").width(line, 14) <= 60 for line in lines)
        assert not re.match("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]", line)  # no line starts with a mark
        assert any(line.startswith(word) for word in words)


def test_a_long_table_goes_on_over_pages_with_its_header():
    doc = printing.Document("ตาราง")
    doc.new_page(footer=("", "ต่อ"))
    doc.table(["ลำดับ", "ชื่อ-นามสกุล"], [[str(n), f"เด็กหญิงกิ่ง{n} น้ำใจ"] for n in range(1, 81)], [1, 4])
    pages = _pages(doc.to_bytes())
    assert len(pages) >= 2
    assert all(page.count("ลำดับชื่อ-นามสกุล") == 1 for page in pages)
    assert "เด็กหญิงกิ่ง80น้ำใจ" in pages[-1] and "ต่อ" in pages[-1]


def pdftotext(data: bytes, layout: bool = False) -> str:
    """The text as poppler's pdftotext reads it: a line of the page is a line of its output."""
    import subprocess

    return subprocess.run(["pdftotext", *(["-layout"] if layout else []), "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode("utf-8")


def test_a_narrow_header_breaks_between_words_and_shrinks_a_word_too_wide():
    """เป้าหมาย is one word wider than its column: set smaller, whole, never เป้าหม / าย; a header of several words
    breaks only between them (BudouX), each line whole words."""
    words = "ภาคเรียนเดียวกันปีที่แล้ว"
    doc = printing.Document("หัวตาราง")
    doc.new_page()
    doc.table(["รายการ", "เป้าหมาย"], [["เยี่ยมบ้าน", "100 %"]], [12, 1], size=12)
    doc.table([words, "รายการ"], [["1", "เยี่ยมบ้าน"]], [1, 10], size=12)
    lines = [line.strip() for line in pdftotext(doc.to_bytes()).splitlines() if line.strip()]
    assert "เป้าหมาย" in lines and "เป้าหม" not in lines
    pieces = printing._pieces(words)
    wholes = {"".join(pieces[i:j]) for i in range(len(pieces)) for j in range(i + 1, len(pieces) + 1)}
    header = [line.split()[0] for line in lines if line.split()[0] in words]  # beside it: the next column's
    assert len(header) > 1 and "".join(header) == words  # wrapped, in order
    assert all(line in wholes for line in header), header
    # The word set smaller fits its column: the header row is one line high, as its neighbour's.
    lines, size = printing.fit_words("เป้าหมาย", "bold", 11, 10)
    assert lines == ["เป้าหมาย"] and size < 11 and printing.face("bold").width("เป้าหมาย", size) <= 10


def test_making_a_pdf_logs_nothing_below_a_warning(caplog):
    """`doolae report` logs at INFO: cutting the font down must not add a line per table it touches (fontTools)."""
    import logging

    caplog.set_level(logging.INFO)
    doc = printing.Document("บันทึก")
    doc.new_page()
    doc.text("ผู้ปกครอง น้ำ กิ่ง ที่")
    doc.to_bytes()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("fontTools")] == []


def test_words_with_sara_am_copy_and_search_whole():
    """ำ is drawn as two glyphs (its circle and its า, which takes room): the copy map must give the text to glyphs
    where they stand, or a reader (poppler) sees a gap after ดำ and copies "ดำ เนิน", and a search for ดำเนิน fails."""
    words = ["ดำเนินการ", "จำนวน", "ผู้ปกครอง", "น้ำใจ", "กิ่งไม้", "ที่นี่", "กำลังทำงาน"]
    doc = printing.Document("คำ")
    doc.new_page()
    doc.text(" ".join(words))
    doc.table(["จำนวน", "ดำเนินการแล้ว"], [["น้ำ", "กำลังดำเนินการ"]], [1, 1])
    data = doc.to_bytes()
    for text in (pdftotext(data), pdftotext(data, layout=True)):
        assert " ".join(words) in text
        assert re.search(r"จำนวน\s+ดำเนินการแล้ว", text) and re.search(r"น้ำ\s+กำลังดำเนินการ", text)
    assert "".join(words) in _pages(data)[0]  # and as pypdf reads it


def test_a_number_with_its_share_never_breaks_in_a_table_cell():
    """The survey's narrow answer columns read 119, never 11 over 9; 100 % and 150/365 · 41 % stay on one line: the
    column is widened from what it holds, or the cell set smaller."""
    doc = printing.Document("ตัวเลข")
    doc.new_page()
    doc.table(["คำถาม", "ตอบ", "1", "2", "3", "4", "5", "ร้อยละ"],
              [["ความพึงพอใจต่อการดูแล", "119", "110", "104", "114", "1,234", "9", "100 %"]],
              [4, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.6], size=12)
    doc.table(["รายการ", "ภาคเรียนที่ 1", "ภาคเรียนที่ 2", "ปีที่แล้ว"],
              [["เยี่ยมบ้าน", "150/365 · 41 %", "98/365 · 27 %", "100 %"]], [5, 1, 1, 0.6], size=12)
    read = pdftotext(doc.to_bytes(), layout=True)
    tokens = {token for line in read.splitlines() for token in line.split()}
    assert {"119", "110", "104", "114", "1,234"} <= tokens and not {"11", "10", "1,23", "23", "34"} & tokens, read
    assert re.search(r"119\s+110\s+104\s+114\s+1,234\s+9\s+100 %", read), read
    assert "150/365 · 41 %" in read and "98/365 · 27 %" in read, read
    # In a paragraph a number stays with the word it counts: never "ปีการศึกษา" at a line's end, "2569" alone below.
    note = "คอลัมน์ปีที่แล้วคือภาคเรียนที่ 2 ของปีการศึกษา 2568 เทียบกับภาคเรียนที่ 2 ของปีการศึกษา 2569"
    for width in range(30, 140, 2):
        lines = printing.wrap(note, "regular", 13, width)
        assert not [line for line in lines if re.fullmatch(r"[\d ·/%]+", line)], (width, lines)


def test_table_cells_and_titles_break_only_between_words():
    """A body cell as a header: ดำเนินการ / แล้ว, never ดำเนิน / การแล้ว, in a column too narrow for the phrase
    (BudouX cuts some words, จาก|ทั้ง|หมด: those are kept whole); a title leaves no lone word on its last line."""
    cells = ["ดำเนินการแล้ว", "จากทั้งหมด", "ระเบียนสะสมครบถ้วน", "ความช่วยเหลือ", "ปีการศึกษา", "ครูประจำชั้น"]
    doc = printing.Document("คำ")
    doc.new_page()
    doc.table(["รายการ", *("ข้อ" for _ in cells)], [["ข้อความยาว", *cells]], [3, *(1 for _ in cells)], size=13)
    lines = [line.strip() for line in pdftotext(doc.to_bytes()).splitlines() if line.strip()]
    for cut in ("ดำเนิน", "การแล้ว", "จากทั้ง", "หมด", "ระเบียนสะสมครบ", "ถ้วน", "ความช่วย", "เหลือ", "ปีการ",
                "ศึกษา", "ครูประจำ", "ชั้น"):
        assert cut not in lines, (cut, lines)
    title = "ผลการดำเนินงานแต่ละองค์ประกอบ เทียบเป้าหมายและภาคเรียนเดียวกันปีที่แล้ว"
    doc = printing.Document("หัวเรื่อง")
    doc.new_page()
    doc.heading(title)
    lines = [line.strip() for line in pdftotext(doc.to_bytes()).splitlines() if line.strip()]
    assert "".join(lines).replace(" ", "") == title.replace(" ", "") and len(lines) == 2, lines
    assert len(printing._pieces(lines[-1])) > 1 and not lines[-1].endswith("ปีที่"), lines
    assert all(printing.wrap(text, "regular", 13, 200) == [text] for text in cells)
