"""The weekly digests for homeroom teachers and the weekly family summaries: thin, the rules are in
behaviour.digest and summary.services."""

from __future__ import annotations

from backend.behaviour import digest
from backend.summary import services as summary


async def compile_digests(ctx: dict) -> dict[int, int]:
    """Hourly: each school whose digest day and hour have passed gets this week's digests, built once."""
    return await digest.compile_due(ctx["settings"], ctx["delivery"].queue)


async def compile_family_summaries(ctx: dict) -> dict[int, int]:
    """Hourly: each school whose Friday evening has come gets this week's family summaries, built once."""
    return await summary.compile_due(ctx["settings"], ctx["delivery"].queue)
