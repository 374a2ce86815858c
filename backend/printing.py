"""A4 PDFs in Thai, for whatever the school prints (student summaries, the term's report pack). Imports no area.

Thai needs three things a plain PDF writer lacks, and each comes from a maintained library: HarfBuzz (uharfbuzz)
shapes the text, placing tone marks and vowels above and below by the font's own rules (ที่, ผู้ปกครอง, น้ำ); BudouX
finds where a line may break between Thai words (Thai writes no spaces between them); fontTools embeds the part of
the font used (backend/pdf_file.py writes the file). The font is TLWG Laksaman, TH Sarabun's free twin
(frontend/static/fonts, licence there).

Laid out as a flow, top to bottom, in millimetres; a block that does not fit goes on a new page:

    doc = Document("แบบสรุปผลการดูแลช่วยเหลือนักเรียนรายบุคคล")
    doc.new_page(footer=("โรงเรียน…", "หน้า 1"))
    doc.heading("แบบสรุป…")
    doc.fields([("ชื่อ", "เด็กหญิงบัว รักเรียน"), ("ชั้น", "ม.1/1")])
    doc.table(["ด้าน", "คะแนน"], [["อารมณ์", "3"]], widths=[3, 1])
    doc.text("…", size=13)
    pdf = doc.to_bytes()

Writing a page costs a few milliseconds (each distinct text is shaped once per process), so a school's 3,000
pages take seconds, not minutes.
"""

from __future__ import annotations

import functools
import math
import io
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import budoux
import uharfbuzz as hb
from fontTools.ttLib import TTFont
from litestar import Response

from backend import pdf_file

FONTS = Path(__file__).resolve().parent.parent / "frontend" / "static" / "fonts"
FONT_FILES = {"regular": FONTS / "Laksaman.ttf", "bold": FONTS / "Laksaman-Bold.ttf"}
MM = 72 / 25.4  # points per millimetre
A4 = (210.0, 297.0)  # millimetres
# A line's height and its baseline from its top, as multiples of the font size: Laksaman's consonants are 0.6 of it
# high, a tone mark over a vowel reaches 1.25 above the baseline and a vowel below 0.37 under it.
LINE = 1.45
BASELINE = 1.12
GREY = 0.9  # a table's header fill

# Thai marks that belong to the letter before them: a line never breaks before one.
_COMBINING = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")
_THAI = re.compile("[\u0e00-\u0e7f]")


@dataclass(frozen=True)
class Glyph:
    gid: int
    text: str  # the characters this glyph stands for ("" for a cluster's further glyphs: น้ำ is 4 glyphs)
    advance: int  # font units
    x_offset: int
    y_offset: int


class Face:
    """A font: HarfBuzz shapes with it, its metrics measure, its file is embedded (the glyphs used only)."""

    def __init__(self, name: str, path: Path):
        self.name = name
        self.path = path
        data = path.read_bytes()
        self.hb_font = hb.Font(hb.Face(hb.Blob(data)))
        font = TTFont(io.BytesIO(data))
        self.upem = font["head"].unitsPerEm
        self.widths = [font["hmtx"][name][0] for name in font.getGlyphOrder()]
        head, os2 = font["head"], font["OS/2"]
        self.bbox = [head.xMin, head.yMin, head.xMax, head.yMax]
        self.ascent, self.descent = os2.sTypoAscender, os2.sTypoDescender
        self.cap_height = getattr(os2, "sCapHeight", 0) or self.ascent
        self.postscript_name = font["name"].getDebugName(6) or name

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one Face per font file, kept for the process
    def shape(self, text: str) -> tuple[tuple[Glyph, ...], int]:
        """The glyphs of a run of text and its width in font units."""
        if not text:  # an empty table cell: HarfBuzz gives no glyph positions at all for it
            return (), 0
        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        hb.shape(self.hb_font, buffer, {})
        infos, positions = buffer.glyph_infos, buffer.glyph_positions
        starts = sorted({info.cluster for info in infos}) + [len(text)]
        ends = dict(zip(starts, starts[1:], strict=False))
        # Each glyph's text, for the copy map: a cluster's text on its first glyph, except that sara am (ำ), drawn as
        # its circle and a า that takes room of its own, goes on that า: a reader places text where its glyph stands,
        # and a า standing for nothing reads as a gap, so "ดำเนิน" would copy as "ดำ เนิน".
        texts = [""] * len(infos)
        for start in starts[:-1]:
            members = [n for n, info in enumerate(infos) if info.cluster == start]
            cluster = text[start:ends[start]]
            spacing = [n for n in members if positions[n].x_advance]
            if cluster.endswith("\u0e33") and len(spacing) > 1:
                texts[members[0]], texts[spacing[-1]] = cluster[:-1], cluster[-1]
            else:
                texts[members[0]] = cluster
        glyphs = [Glyph(info.codepoint, texts[n], position.x_advance, position.x_offset, position.y_offset)
                  for n, (info, position) in enumerate(zip(infos, positions, strict=True))]
        return tuple(glyphs), sum(g.advance for g in glyphs)

    def width(self, text: str, size: float) -> float:
        """In millimetres, at this size in points."""
        return self.shape(text)[1] * size / self.upem / MM


@functools.cache
def face(style: str) -> Face:
    return Face(style, FONT_FILES[style])


@functools.cache
def _thai_parser():
    return budoux.load_default_thai_parser()


@functools.cache
def _whole_words() -> tuple[frozenset[str], int]:
    """The words a line never breaks inside (thai_words.txt beside this file), and the longest one's length."""
    path = Path(__file__).with_name("thai_words.txt")
    words = frozenset(line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                      if line.strip() and not line.startswith("#"))
    return words, max(map(len, words))


def _thai_pieces(run: str) -> list[str]:
    """A run of Thai cut where BudouX finds a break, except inside a word of thai_words.txt (BudouX cuts จากทั้งหมด
    as จาก|ทั้ง|หมด and ครบถ้วน as ครบ|ถ้วน; every word of the list found in the run keeps its letters together)."""
    pieces = _thai_parser().parse(run)
    words, longest = _whole_words()
    inside: set[int] = set()
    for start in range(len(run)):
        for end in range(min(len(run), start + longest), start + 1, -1):
            if run[start:end] in words:
                inside.update(range(start + 1, end))
                break
    merged, at = [], 0
    for piece in pieces:
        if merged and at in inside:
            merged[-1] += piece
        else:
            merged.append(piece)
        at += len(piece)
    return merged


# A number with what belongs to it: 119, 1,234, 100 %, 4/9, 150/365 · 41 %, and the Thai word before it (ภาคเรียนที่ 2,
# ปีการศึกษา 2569): a line never breaks inside one.
_NUMERIC = re.compile(r"[\d,.]*\d[\d,.]*(?:/[\d,.]*\d)?%?")
_TOGETHER = re.compile(r"(?<=\d)\s+(?=%)|(?<=\d)\s+(?=·\s*\d)|(?<=\d\s·)\s+(?=\d)|(?<=[\u0e01-\u0e4e])\s+(?=\d)")


@functools.lru_cache(maxsize=16384)
def _pieces(text: str) -> tuple[str, ...]:
    """Where a line may break: between words and spaces, and between Thai words (BudouX, never inside a word of
    thai_words.txt); never inside a number with its per cent or its total."""
    pieces = []
    glued = _TOGETHER.sub("\u00a0", text)  # the spaces inside a number's expression: not places to break
    for part in re.split(r"([^\S\u00a0]+)", glued):
        if not part:
            continue
        words, _, number = part.partition("\u00a0")
        if part.isspace() and not number:
            pieces.append(" ")
        elif _THAI.search(words) and not _NUMERIC.search(words):
            pieces += _thai_pieces(words)  # a Thai word and the number after it go together: ปีการศึกษา 2569
            if number:
                pieces[-1] += " " + number.replace("\u00a0", " ")
        else:
            pieces.append(part.replace("\u00a0", " "))
    return tuple(pieces)


def _letters(piece: str) -> list[str]:
    """A piece too long for a line, cut between letters (never before a mark that sits on the letter before)."""
    letters: list[str] = []
    for char in piece:
        if letters and _COMBINING.match(char):
            letters[-1] += char
        else:
            letters.append(char)
    return letters


def wrap(text: str, style: str, size: float, width: float) -> list[str]:
    """The lines of a text in a width (millimetres): each paragraph of it broken between words."""
    font = face(style)
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        if font.width(paragraph, size) <= width:  # most do: no need to find where they could break
            lines.append(paragraph.strip())
            continue
        line, used = "", 0.0
        for piece in _pieces(paragraph):
            wide = font.width(piece, size)
            if piece == " ":
                if line:
                    line, used = line + piece, used + wide
                continue
            if used + wide <= width or not line.strip():
                if wide > width:  # a word longer than the line: cut it
                    for letter in _letters(piece):
                        step = font.width(letter, size)
                        if used + step > width and line.strip():
                            lines.append(line.rstrip())
                            line, used = "", 0.0
                        line, used = line + letter, used + step
                    continue
                line, used = line + piece, used + wide
            else:
                lines.append(line.rstrip())
                line, used = piece, wide
        lines.append(line.rstrip())
    return lines


def fit_words(text: str, style: str, size: float, width: float, smallest: float = 7) -> tuple[list[str], float]:
    """The lines of a short text (a table's header cell) broken only between words (spaces, BudouX), and the size
    they are set at: smaller than `size` when a word is wider than the width, so it fits whole. Below `smallest`
    points a word would not be read; there, and only there, it is cut as wrap() cuts."""
    font = face(style)
    widest = max((font.width(piece, size) for line in str(text).split("\n") for piece in _pieces(line)
                  if piece != " "), default=0.0)
    if widest > width:
        size = max(smallest, math.floor(size * width / widest * 4) / 4)  # quarter points, rounded down to fit
    return wrap(text, style, size, width), size


def balanced(text: str, style: str, size: float, width: float) -> list[str]:
    """A title's lines as wrap() breaks them, but with no word left alone on the last line when a narrower measure
    keeps as many lines and takes one more word down ("…ภาคเรียน / เดียวกันปีที่แล้ว", not "…ปีที่ / แล้ว")."""
    lines = wrap(text, style, size, width)
    lone = len(lines) > 1 and len([p for p in _pieces(lines[-1]) if p != " "]) == 1
    for share in (0.95, 0.9, 0.85, 0.8, 0.75, 0.7) if lone else ():
        tried = wrap(text, style, size, width * share)
        if len(tried) > len(lines):
            break
        if len([p for p in _pieces(tried[-1]) if p != " "]) > 1:
            return tried
    return lines


class Document:
    """A PDF of A4 pages, written top to bottom. Sizes in millimetres, fonts in points."""

    def __init__(self, title: str, margin: float = 15, lang: str = "th-TH", numbered: str = ""):
        """`numbered`: each page's number and the count, written after its footer on the right once all pages are
        made ("หน้า %(page)s จาก %(pages)s")."""
        self.title = title
        self.numbered = numbered
        self.rights: list[str] = []  # each page's footer on the right, written when the pages are counted
        self.lang = lang
        self.margin = margin
        self.width = A4[0] - 2 * margin  # the text's width
        self.fonts = {style: pdf_file.Embedded(face(style), f"F{n}")
                      for n, style in enumerate(FONT_FILES, start=1)}
        self.pages: list[list[str]] = []
        self.y = 0.0  # from the page's top edge
        self.footer: tuple[str, str] = ("", "")

    # Pages ----------------------------------------------------------------------------------------------------

    def new_page(self, footer: tuple[str, str] = ("", "")) -> None:
        """A new page; `footer` is written at its bottom, left and right (the next pages of a flow keep it)."""
        self.pages.append([])
        self.y = self.margin
        self.footer = footer
        left, right = footer
        if left:
            self._run(left, "regular", 10, self.margin, A4[1] - self.margin / 2)
        self.rights.append(right)

    def _footers(self) -> None:
        """Each page's footer on the right, with its number of the pages' count when they are numbered."""
        for n, right in enumerate(self.rights):
            if self.numbered:
                number = self.numbered % {"page": n + 1, "pages": len(self.pages)}
                right = f"{right} · {number}" if right else number
            if right:
                self._run(right, "regular", 10, A4[0] - self.margin - self.fonts["regular"].face.width(right, 10),
                          A4[1] - self.margin / 2, page=n)
        self.rights, self.numbered = [""] * len(self.pages), ""  # written once, however often the file is made

    def drop_pages(self, start: int) -> None:
        """Take back the pages from `start` on (a try at fitting something on one page that did not)."""
        del self.pages[start:]
        del self.rights[start:]

    @property
    def room(self) -> float:
        """What is left of the page, in millimetres."""
        return A4[1] - self.margin - self.y

    def _fit(self, height: float) -> None:
        if not self.pages or (height > self.room and self.y > self.margin):
            self.new_page(self.footer)

    # Drawing --------------------------------------------------------------------------------------------------

    def _out(self, operators: str, page: int = -1) -> None:
        self.pages[page].append(operators)

    def _run(self, text: str, style: str, size: float, x: float, baseline: float, page: int = -1) -> None:
        """One line of text, its baseline at (x, baseline) from the page's top left corner (on the page being
        written, or another)."""
        if not text:
            return
        font = self.fonts[style]
        self._out(f"BT /{font.resource} {size:g} Tf {x * MM:.2f} {(A4[1] - baseline) * MM:.2f} Td "
                  f"{font.operators(text, size)} ET", page)

    def _lines(self, lines: list[str], style: str, size: float, x: float, top: float, width: float,
               align: str = "left") -> None:
        font = self.fonts[style].face
        for n, line in enumerate(lines):
            shift = 0.0
            if align != "left":
                spare = width - font.width(line, size)
                shift = spare / 2 if align == "center" else spare
            self._run(line, style, size, x + shift, top + (n * LINE + BASELINE) * size / MM)

    def _rect(self, x: float, top: float, width: float, height: float, fill: float | None = None) -> None:
        box = f"{x * MM:.2f} {(A4[1] - top - height) * MM:.2f} {width * MM:.2f} {height * MM:.2f} re"
        self._out(f"q {fill:g} g {box} f Q" if fill is not None else f"0.5 w {box} S")

    def line_height(self, size: float) -> float:
        return LINE * size / MM

    # Blocks ---------------------------------------------------------------------------------------------------

    def keep(self, height: float) -> None:
        """What comes next stays together: a new page unless `height` millimetres are left on this one."""
        self._fit(height)

    def space(self, height: float) -> None:
        self.y += height

    def rule(self) -> None:
        self._fit(2)
        self._out(f"0.5 w {self.margin * MM:.2f} {(A4[1] - self.y) * MM:.2f} m "
                  f"{(A4[0] - self.margin) * MM:.2f} {(A4[1] - self.y) * MM:.2f} l S")
        self.y += 2

    def text(self, text: str, size: float = 14, bold: bool = False, indent: float = 0,
             align: str = "left", lines: list[str] | None = None) -> None:
        """A paragraph, wrapped in the page's width (or as `lines` already wrapped); a long one goes on over
        pages."""
        style = "bold" if bold else "regular"
        for line in lines if lines is not None else wrap(text, style, size, self.width - indent):
            self._fit(self.line_height(size))
            self._lines([line], style, size, self.margin + indent, self.y, self.width - indent, align)
            self.y += self.line_height(size)

    def heading(self, text: str, size: float = 16, align: str = "left") -> None:
        """A bold title, kept with at least two lines of what follows, with no lone word on its last line."""
        if self.pages and self.y > self.margin:
            self.y += 1
        lines = balanced(text, "bold", size, self.width)
        self._fit(self.line_height(size) * len(lines) + self.line_height(14) * 2)
        self.text(text, size, bold=True, align=align, lines=lines)

    def fields(self, pairs: list[tuple[str, str]], size: float = 14, gap: float = 6) -> None:
        """Label and value pairs written one after another as on a form ("เลขประจำตัว 10002   ชื่อ …"), the label
        in bold; a pair that does not fit what is left of the line starts the next, a long value wraps."""
        x, right, line = self.margin, self.margin + self.width, self.line_height(size)
        self._fit(line)
        for label, value in pairs:
            label_width = self.fonts["bold"].face.width(label, size) + 1.5
            width = label_width + self.fonts["regular"].face.width(value, size)
            if x > self.margin and x + width > right:
                x, self.y = self.margin, self.y + line
                self._fit(line)
            lines = wrap(value, "regular", size, right - x - label_width)
            self._fit(line * len(lines))
            self._lines([label], "bold", size, x, self.y, label_width)
            self._lines(lines, "regular", size, x + label_width, self.y, right - x - label_width)
            if len(lines) > 1:
                x, self.y = self.margin, self.y + line * len(lines)
            else:
                x += width + gap
        if x > self.margin:
            self.y += line

    def columns(self, header: list[str], rows: list[list[str]], widths: list[float], size: float) -> list[float]:
        """The columns' widths in millimetres, from what they hold (as a browser lays out a table): each at least as
        wide as its widest word or number (a header's a point smaller, in bold), the rest of the page shared out
        towards the width each needs to hold its body's cells on one line, and what is left after that in
        proportion to `widths`. When even the widest words cannot all be had, in proportion to them (the cells then
        set smaller)."""
        pad = 2 * 1.5 + 0.5  # a cell's sides, and a little room
        regular, bold = self.fonts["regular"].face, self.fonts["bold"].face

        def measure(text: str, face: Face, at: float) -> tuple[float, float]:
            lines = str(text).split("\n")
            words = [face.width(p, at) for line in lines for p in _pieces(line) if p != " "]
            return max(words, default=0.0), max((face.width(line, at) for line in lines), default=0.0)

        cells = [[measure(head, bold, size - 1)] + [measure(row[n], regular, size) for row in rows]
                 for n, head in enumerate(header)]
        need = [pad + max(word for word, _ in column) for column in cells]
        # A header may take two or three lines: only the body's cells ask for room to stand on one line.
        whole = [max(need[n], pad + max((line for _, line in column[1:]), default=0.0))
                 for n, column in enumerate(cells)]
        if sum(need) >= self.width:
            return [self.width * n / sum(need) for n in need]
        wish = [w - n for n, w in zip(need, whole, strict=True)]
        left = self.width - sum(need)
        if sum(wish) >= left:
            return [n + left * w / sum(wish) for n, w in zip(need, wish, strict=True)]
        left -= sum(wish)
        return [w + left * hint / sum(widths) for w, hint in zip(whole, widths, strict=True)]

    def table(self, header: list[str], rows: list[list[str]], widths: list[float], size: float = 13,
              like: list[list[str]] | None = None) -> None:
        """A ruled table across the page, its columns as wide as their content asks (columns(); `widths` share out
        the room left); cells wrap, a row never splits, and the header comes again on a new page. A cell breaks only
        between words, never inside a number with its % or total: one whose word is still wider than its column is
        set smaller (fit_words), so that a narrow column reads เป้าหมาย and 119, never เป้าหม / าย or 11 / 9.
        `like`: the rows of every table meant to line up with this one (the same columns on one page), to measure
        the columns by."""
        columns = self.columns(header, like or rows, widths, size)
        pad, side = 1.0, 1.5  # room above and below a cell's text, and at its sides

        # Each cell as (lines, size): the header smaller, fewer of its words wrap.
        head = [fit_words(text, "bold", size - 1, width - 2 * side) for text, width in zip(header, columns,
                                                                                            strict=True)]
        body = [[fit_words(text, "regular", size, width - 2 * side) for text, width in zip(row, columns, strict=True)]
                for row in rows]

        def row_height(cells: list[tuple[list[str], float]]) -> float:
            return max(len(lines) * self.line_height(at) for lines, at in cells) + pad

        def draw(cells: list[tuple[list[str], float]], style: str, fill: float | None) -> None:
            height = row_height(cells)
            x = self.margin
            for (lines, at), width in zip(cells, columns, strict=True):
                if fill is not None:
                    self._rect(x, self.y, width, height, fill)
                self._rect(x, self.y, width, height)
                self._lines(lines, style, at, x + side, self.y + pad * 0.6, width - 2 * side)
                x += width
            self.y += height

        self._fit(row_height(head) + (row_height(body[0]) if body else 0))
        draw(head, "bold", GREY)
        for cells in body:
            if row_height(cells) > self.room:
                self.new_page(self.footer)
                draw(head, "bold", GREY)
            draw(cells, "regular", None)
        self.y += 1.2

    def signatures(self, blocks: list[list[str]], size: float = 14) -> None:
        """Places to sign, side by side, each a few centred lines ("ลงชื่อ ……", "( name )", the position), as Thai
        forms end."""
        column = self.width / max(len(blocks), 1)
        height = self.line_height(size) * max((len(lines) for lines in blocks), default=0)
        self._fit(height + 4)
        self.y += 4
        for n, lines in enumerate(blocks):
            self._lines(lines, "regular", size, self.margin + n * column, self.y, column, align="center")
        self.y += height

    # The file -------------------------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        if not self.pages:
            self.new_page()
        self._footers()
        return pdf_file.write(self.title, self.lang, self.pages, list(self.fonts.values()),
                              (A4[0] * MM, A4[1] * MM))


def response(data: bytes, filename: str, inline: bool = False) -> Response:
    """A PDF to keep (or, inline, to open in the browser's viewer). About children: never kept by a shared cache."""
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store"})
