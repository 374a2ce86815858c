"""Thai on a 360 px phone breaks between words, never inside one: a table too wide for the screen scrolls in its box
rather than splitting a teacher's name (ครูวิภา|วรรณ) or a header's word (คัด|กรอง)."""

from __future__ import annotations

import pytest

from tests.e2e.test_behaviour import _fits, _phone
from tests.supervision.school import seed

pytestmark = pytest.mark.e2e

# The characters of an element's text, grouped by the line each sits on.
LINES = """(element) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const lines = [];
  let top = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      if (top === null || rect.top > top + 2) { lines.push(""); top = rect.top; }
      lines[lines.length - 1] += node.data[i];
    }
  }
  return lines.map((line) => line.trim()).filter(Boolean);
}"""


async def test_the_homerooms_table_keeps_names_and_words_whole(chromium, server_url, signed_in, people, app):
    await seed(people, app)
    director = await _phone(chromium, server_url, signed_in, people.wichai)
    page = await director.new_page()
    await page.goto("/supervision/teachers")
    await _fits(page)  # the page itself never scrolls sideways: the table scrolls in its box
    names = page.locator("main table td small")
    assert await names.count() > 0
    for n in range(await names.count()):
        lines = await names.nth(n).evaluate(LINES)
        assert len(lines) == 1, lines  # ครูสมชาย ใจดี on one line, not ครู|สมชาย
    header = page.locator("main table th", has_text="คัดกรอง")
    lines = await header.evaluate(LINES)
    assert any("คัดกรอง" in line for line in lines), lines
    await page.screenshot(path="/tmp/e2e-thai-words.png", full_page=True)


async def test_the_risk_charts_month_labels_are_readable_at_360px(chromium, server_url, signed_in, people, app):
    await seed(people, app)
    director = await _phone(chromium, server_url, signed_in, people.wichai)
    page = await director.new_page()
    await page.goto("/supervision")
    sizes = await page.locator("figure.trend svg text").evaluate_all(
        "(texts) => texts.map((t) => t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize))")
    assert len(sizes) >= 12 and min(sizes) >= 11, sizes  # every month's label and the legend, in px on screen
