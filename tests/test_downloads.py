"""Downloads download: a tap on XLSX (or any file) saves the file instead of htmx swapping its bytes into the page."""

import re

from backend.web import DOWNLOAD_FORMATS, TEMPLATES

ANAN = "10001"
LINK = re.compile(r"<a\b[^>]*>", re.S)


def _is_download(tag: str) -> bool:
    href = re.search(r'href="([^"]*)"', tag)
    target = href.group(1) if href else ""
    return (" download" in tag or any(f"format={kind}" in target or target.endswith(f".{kind}")
                                      for kind in DOWNLOAD_FORMATS))


def test_every_download_link_in_the_templates_leaves_htmx_alone():
    """hx-boost on <body> turns every link into an htmx swap; a file must be a plain navigation."""
    downloads = []
    for path in TEMPLATES.rglob("*.html"):
        for tag in LINK.findall(path.read_text()):
            if _is_download(tag):
                downloads.append(tag)
                assert 'hx-boost="false"' in tag and " download" in tag, f"{path.name}: {tag}"
    assert len(downloads) >= 2  # the screening summaries' XLSX, at least


async def test_a_boosted_tap_on_xlsx_downloads_the_file_and_never_swaps_it_in(client, people, settings):
    await people.somchai.sign_in(settings, client)
    room = people.classrooms["BKK ม.1/1"]
    for address in (f"/screening/classrooms/{room}", f"/screening/students/{people.students[ANAN]}"):
        page = await client.get(address)
        [link] = [tag for tag in LINK.findall(page.text) if "format=xlsx" in tag]
        assert 'hx-boost="false"' in link and " download" in link
        # Even reached through htmx (an old cached page, an hx-get), the answer is "open it plainly", not the bytes.
        boosted = await client.get(f"{address}?format=xlsx", headers={"hx-request": "true", "hx-boosted": "true"})
        assert boosted.headers["hx-redirect"] == f"{address}?format=xlsx" and boosted.content == b""
        plain = await client.get(f"{address}?format=xlsx")
        assert plain.headers["content-disposition"].startswith("attachment;")
        assert plain.content.startswith(b"PK")  # a workbook
