"""LINE's morning register summaries to staff groups: thin, the rules are in backend.attendance.summaries."""

from __future__ import annotations

from backend.attendance import summaries


async def morning_summaries(ctx: dict) -> dict[int, int]:
    """Every 5 minutes: each school whose summary hour has come sends each grade's staff group its one message."""
    return await summaries.send_due(ctx["settings"], ctx["delivery"].queue)
