"""The care system's figures for a term, each against a school where the right answer is known by construction
(tests/supervision/school.py)."""

from __future__ import annotations

from backend.supervision import figures
from tests.supervision.school import seed


async def test_smoke(client, people, settings, app):
    await seed(people, app)
    await people.wichai.sign_in(settings, client)
    response = await client.get("/supervision")
    print(response.text[-9000:])
    assert response.status_code == 200
    wichai = await people.wichai.viewer()
    found = await figures.for_term(wichai, await figures.find_term(wichai))
    print({k: (m.done, m.total) for k, m in found.measures.items()})
