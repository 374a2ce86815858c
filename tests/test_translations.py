"""Thai first: every message in the code and the templates has its Thai translation in the catalogue."""

import re
from collections import Counter
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent
KEYWORDS = {"N_": None, "_": None, "gettext": None, "ngettext": (1, 2)}  # as the README's pybabel extract


def test_every_message_has_its_thai_translation():
    with open(ROOT / "backend/locale/th/LC_MESSAGES/messages.po", "rb") as po:
        catalogue = read_po(po, locale="th")
    translated = {message.id if isinstance(message.id, str) else message.id[0] for message in catalogue
                  if message.id and not message.fuzzy  # pybabel compile leaves fuzzy ones out
                  and (message.string if isinstance(message.string, str) else message.string[0])}
    found = list(extract_from_dir(
        ROOT, [("backend/**.py", "python"), ("frontend/templates/**.html", "jinja2")],
        {"frontend/templates/**.html": {"extensions": "jinja2.ext.i18n"}}, keywords=KEYWORDS))
    assert len(found) > 500  # the walk reached the code and the templates
    missing = sorted({f"{name}:{line}: {text if isinstance(text, str) else text[0]}"
                      for name, line, text, _comments, _context in found
                      if (text if isinstance(text, str) else text[0]) not in translated})
    assert missing == [], "run the README's pybabel steps and translate these"


def test_each_message_is_translated_once():
    """Merged branches both append to the catalogue: a message defined twice keeps one translation at random
    (pybabel takes the last, msgfmt refuses the file), so the second one must go."""
    text = (ROOT / "backend/locale/th/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    entries = re.findall(r'^msgid (".*")$', text, flags=re.M)
    twice = sorted(msgid for msgid, n in Counter(entries).items() if n > 1 and msgid != '""')
    assert twice == []
