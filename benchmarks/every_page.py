"""Every page of the app, opened by each demo role in a small and a big school: its size and its SQL queries.

Run from the repository root (seeds two demo schools into a fresh database; a few minutes):

    .venv/bin/python benchmarks/every_page.py
    .venv/bin/python benchmarks/every_page.py --database postgres --postgres-url postgres://…/doolae_bench
    .venv/bin/python benchmarks/every_page.py --page /   # the home pages alone

Walks the application's own route table, so a new page is measured without being listed here. For each GET page a
role may open, it prints the HTML as sent (gzip) and decoded, and the number of SQL queries in the small school and
in the big one. A page whose queries grow with the school (a query per classroom or per student) is marked GROWS;
a page over 14 KB of gzipped HTML is marked HEAVY. Pages needing an id get the homeroom teacher's first classroom
and its first student; other ids (an alert, a form) are listed as not measured.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import re
import time

from bench_database import counting_queries, database_arguments, fresh_database, small_and_big_schools, use_database

HTML_LIMIT = 14 * 1024


async def ids_of(code: str, teacher_username: str) -> dict[str, str]:
    """The ids an address may need, for one school: the homeroom teacher's classroom and its first student."""
    from backend.accounts.tables import HomeroomAssignment, User
    from backend.students.tables import Student

    teacher = await User.select(User.id).where(User.username == teacher_username).first()
    room = await HomeroomAssignment.select(HomeroomAssignment.classroom).where(
        HomeroomAssignment.teacher == teacher["id"]).first()
    student = await Student.select(Student.id).where(Student.classroom == room["classroom"]).order_by(
        Student.number_in_class).first()
    return {"classroom_id": str(room["classroom"]), "student_id": str(student["id"])}


def addresses(app, ids: dict[str, str]) -> tuple[list[str], list[str]]:
    """Every GET page of the app with its ids filled in, and the ones this benchmark cannot fill."""
    pages, skipped = [], []
    for route in app.routes:
        if "GET" not in getattr(route, "methods", ()) or route.path.startswith(("/static", "/notify/twilio")):
            continue
        names = re.findall(r"{(\w+):\w+}", route.path)
        if all(name in ids for name in names):
            pages.append(re.sub(r"{(\w+):\w+}", lambda m: ids[m.group(1)], route.path))
        else:
            skipped.append(route.path)
    return sorted(set(pages)), sorted(set(skipped))


async def measure(app, token: str, path: str, counter: dict) -> tuple[int, int, int, int]:
    """Status, gzip bytes, decoded bytes and SQL queries of one warm GET."""
    import httpx

    from backend.accounts.middleware import SESSION_COOKIE

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        client.cookies.set(SESSION_COOKIE, token)
        headers = {"Accept": "text/html", "Accept-Encoding": "gzip"}
        await client.get(path, headers=headers)  # warm: templates compiled, caches filled
        counter["queries"] = 0
        response = await client.get(path, headers=headers)
        body = response.content
        return response.status_code, len(gzip.compress(body, 6)), len(body), counter["queries"]


async def run(args) -> None:
    from backend.accounts.tables import User
    from backend.app import create_app
    from backend.config import Settings
    from backend.accounts import sessions

    async with fresh_database(args) as engine:
        started = time.monotonic()
        schools = await small_and_big_schools(args.rooms_per_grade)
        print(f"seeded two demo schools in {time.monotonic() - started:.0f} s")
        with counting_queries(engine) as counter:
            app = create_app(Settings.from_env())
            results: dict[tuple[str, str], dict[str, tuple]] = {}
            skipped: set[str] = set()
            for size, logins in schools.items():
                usernames = {role: username for role, username, _ in logins.rows}
                teacher = next(username for role, username in usernames.items() if role.startswith("homeroom"))
                ids = await ids_of(size, teacher)
                pages, not_filled = addresses(app, ids)
                pages = [path for path in pages if re.fullmatch(args.page, path)]
                skipped.update(not_filled)
                for role, username in usernames.items():
                    role_name = "homeroom teacher" if role.startswith("homeroom") else role
                    user = await User.select(User.id).where(User.username == username).first()
                    token = await sessions.start_session(app.state.settings, user["id"])
                    for path in pages:
                        status, gz, raw, queries = await measure(app, token, path, counter)
                        if status == 200:
                            shown = re.sub(r"/\d+", "/{id}", path)
                            results.setdefault((role_name, shown), {})[size] = (gz, raw, queries)

        print(f"\n{'role':<17} {'page':<44} {'gzip':>7} {'decoded':>8} {'SQL small':>9} {'SQL big':>8}")
        flagged = 0
        for (role, path), sizes in sorted(results.items()):
            small, big = sizes.get("small"), sizes.get("big")
            gz, raw, _ = big or small
            marks = []
            if small and big and big[2] > small[2]:
                marks.append("GROWS")
            if gz > HTML_LIMIT:
                marks.append("HEAVY")
            flagged += bool(marks)
            print(f"{role:<17} {path:<44} {gz:>7,} {raw:>8,} {small[2] if small else '-':>9} "
                  f"{big[2] if big else '-':>8}  {' '.join(marks)}")
        print(f"\nsmall school: 1 classroom; big school: {6 * args.rooms_per_grade} classrooms")
        print(f"pages flagged: {flagged}; not measured (ids this benchmark does not fill): {len(skipped)}")
        for path in sorted(skipped):
            print(f"  {path}")


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], "postgres://postgres@127.0.0.1:5432/doolae_bench")
    parser.add_argument("--rooms-per-grade", type=int, default=6)
    parser.add_argument("--page", default=".*", help="only the addresses this regular expression matches, e.g. '/'")
    args = parser.parse_args()
    use_database(args, "doolae-every-page-")
    os.environ.setdefault("DOOLAE_INPROCESS_JOBS", "1")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
