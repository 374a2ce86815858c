"""Behaviour rules over attendance, and the automatic deductions for lateness and cutting class: thin, the rules
are in backend.behaviour.rules."""

from __future__ import annotations

from backend.behaviour import rules


async def behaviour_attendance(ctx: dict) -> int:
    """Every 5 minutes: recent marks deduct (or give back) points and fire the schools' attendance rules."""
    return await rules.process_attendance(ctx["settings"], ctx["delivery"].queue)
