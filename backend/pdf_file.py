"""The PDF file itself, for backend/printing.py's pages: numbered objects and their cross-reference table, and each
font embedded as a composite (Type 0) font cut down to the glyphs used, with the map a reader copies text by (so
that Thai copied out of the PDF reads as it was written). Imports no area."""

from __future__ import annotations

import hashlib
import io
import logging
import zlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from fontTools import subset
from fontTools.ttLib import TTFont

if TYPE_CHECKING:
    from backend.printing import Face, Glyph

# fontTools logs each table it cuts at INFO (70 lines for a year's report pack): a command's log is for what happened.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class Embedded:
    """A font as this document uses it: character ids (CIDs) handed out to (glyph, text) pairs as they are drawn,
    so that a copy of the text from the PDF reads as it was written."""

    def __init__(self, face: Face, resource: str):
        self.face = face
        self.resource = resource
        self.cids: dict[tuple[int, str], int] = {}
        self.runs: dict[tuple[str, float], str] = {}  # text and size → TJ operators

    def cid(self, glyph: Glyph) -> int:
        key = (glyph.gid, glyph.text)
        found = self.cids.get(key)
        if found is None:
            found = self.cids[key] = len(self.cids) + 1  # CID 0 is the font's .notdef
        return found

    def operators(self, text: str, size: float) -> str:
        """The run's glyphs as PDF text operators, each glyph where HarfBuzz placed it."""
        key = (text, size)
        found = self.runs.get(key)
        if found is not None:
            return found
        scale = 1000 / self.face.upem
        parts: list[str] = []
        items: list[str] = []
        rise = 0
        for glyph in self.face.shape(text)[0]:
            if glyph.y_offset != rise:
                if items:
                    parts.append(f"[{' '.join(items)}] TJ")
                    items = []
                rise = glyph.y_offset
                parts.append(f"{rise * size / self.face.upem:.2f} Ts")
            shift = glyph.x_offset * scale
            if shift:
                items.append(f"{-shift:.0f}")
            items.append(f"<{self.cid(glyph):04x}>")
            # The PDF moves by the glyph's own width; HarfBuzz may want another advance (a mark, a kern).
            back = shift + self.face.widths[glyph.gid] * scale - glyph.advance * scale
            if back:
                items.append(f"{back:.0f}")
        if items:
            parts.append(f"[{' '.join(items)}] TJ")
        if rise:
            parts.append("0 Ts")
        found = self.runs[key] = " ".join(parts)
        return found


def write(title: str, lang: str, pages: list[list[str]], fonts: list[Embedded], size: tuple[float, float]) -> bytes:
    """The file of these pages (each a list of content operators), `size` in points."""
    writer = _Writer()
    catalog, pages_id = writer.reserve(), writer.reserve()
    refs = {font.resource: _font(writer, font) for font in fonts if font.cids}
    resources = "<< /Font << " + " ".join(f"/{name} {ref} 0 R" for name, ref in refs.items()) + " >> >>"
    kids = []
    for operators in pages:
        content = writer.stream("\n".join(operators).encode("latin-1"))
        kids.append(writer.add(f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {size[0]:.2f} {size[1]:.2f}] "
                               f"/Resources {resources} /Contents {content} 0 R >>"))
    writer.put(pages_id, f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>")
    writer.put(catalog, f"<< /Type /Catalog /Pages {pages_id} 0 R /Lang {_text(lang)} >>")
    made = datetime.now(timezone.utc).strftime("D:%Y%m%d%H%M%SZ")
    info = writer.add(f"<< /Title {_text(title)} /Producer (Doolae) /CreationDate ({made}) >>")
    return writer.finish(catalog, info)


def _font(writer: _Writer, font: Embedded) -> int:
    """The font as a composite (Type 0) font: CIDs in the page text, a map from CID to glyph, each CID's
    width and text, and the font file cut down to the glyphs used."""
    face = font.face
    scale = 1000 / face.upem
    by_cid = sorted((cid, gid, text) for (gid, text), cid in font.cids.items())
    cid_to_gid = bytearray(2 * (len(by_cid) + 1))
    for cid, gid, _ in by_cid:
        cid_to_gid[2 * cid:2 * cid + 2] = gid.to_bytes(2, "big")
    widths = " ".join(str(round(face.widths[gid] * scale)) for _, gid, _ in by_cid)
    options = subset.Options()
    options.retain_gids = True  # the CID map names glyphs by their number in the whole font
    options.layout_features = []  # shaped already
    options.hinting = False
    options.notdef_outline = True
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "DSIG", "FFTM"]
    cut = subset.Subsetter(options)
    cut.populate(gids=[gid for _, gid, _ in by_cid])
    whole = TTFont(str(face.path))
    cut.subset(whole)
    buffer = io.BytesIO()
    whole.save(buffer)
    # A subset font's name starts with six capital letters of its own (PDF 32000, 9.6.4).
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(repr(by_cid).encode()).digest()[:6])
    name = f"{tag}+{face.postscript_name}"
    file_id = writer.stream(buffer.getvalue())
    descriptor = writer.add(
        f"<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{' '.join(map(str, face.bbox))}] "
        f"/ItalicAngle 0 /Ascent {face.ascent} /Descent {face.descent} /CapHeight {face.cap_height} "
        f"/StemV 80 /FontFile2 {file_id} 0 R >>")
    cid_map = writer.stream(bytes(cid_to_gid))
    descendant = writer.add(
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) "
        f"/Ordering (Identity) /Supplement 0 >> /FontDescriptor {descriptor} 0 R /DW 0 "
        f"/W [1 [{widths}]] /CIDToGIDMap {cid_map} 0 R >>")
    to_unicode = writer.stream(_to_unicode(by_cid).encode("ascii"))
    return writer.add(f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
                      f"/DescendantFonts [{descendant} 0 R] /ToUnicode {to_unicode} 0 R >>")


def _text(value: str) -> str:
    """A PDF text string (UTF-16 with its byte order mark), for the title and the language."""
    return "<feff" + value.encode("utf-16-be").hex() + ">"


def _to_unicode(by_cid: list[tuple[int, int, str]]) -> str:
    """The map a reader uses to copy or search the text: each CID's characters (printing.Face.shape hands them out).
    A cluster's marks map to nothing, so the word reads once; ำ's า maps to ำ (น้ำ: น → น้, ํ → nothing, า → ำ)."""
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <ffff>", "endcodespacerange"]
    mapped = [(cid, text) for cid, _, text in by_cid]
    for start in range(0, len(mapped), 100):
        chunk = mapped[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{cid:04x}> <{text.encode('utf-16-be').hex()}>" for cid, text in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


class _Writer:
    """PDF objects, numbered, then the cross-reference table that finds them."""

    def __init__(self):
        self.objects: dict[int, bytes] = {}
        self.count = 0

    def reserve(self) -> int:
        self.count += 1
        return self.count

    def put(self, number: int, body: str | bytes) -> None:
        self.objects[number] = body.encode("latin-1") if isinstance(body, str) else body

    def add(self, body: str | bytes) -> int:
        number = self.reserve()
        self.put(number, body)
        return number

    def stream(self, data: bytes) -> int:
        packed = zlib.compress(data, 6)
        return self.add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed
                        + b"\nendstream")

    def finish(self, root: int, info: int) -> bytes:
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = [0] * (self.count + 1)
        for number in range(1, self.count + 1):
            offsets[number] = len(out)
            out += b"%d 0 obj\n" % number + self.objects[number] + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (self.count + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets[1:])
        out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            self.count + 1, root, info, xref)
        return bytes(out)
