"""The weekly digests for homeroom teachers: thin, the rules are in behaviour.digest."""

from __future__ import annotations

from backend.behaviour import digest


async def compile_digests(ctx: dict) -> dict[int, int]:
    """Hourly: each school whose digest day and hour have passed gets this week's digests, built once."""
    return await digest.compile_due(ctx["settings"], ctx["delivery"].queue)
