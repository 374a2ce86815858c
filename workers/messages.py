"""Jobs for the outbox: send one message by id; sweep up what is stuck. Thin: the rules are in notify.delivery."""

from __future__ import annotations

import time

from backend.notify import delivery as notify


async def send_message(ctx: dict, message_id: int) -> str:
    return await notify.deliver(ctx["delivery"], message_id)


async def sweep_outbox(ctx: dict) -> int:
    """Every 20 s: re-enqueue due messages whose job was lost (Redis flushed, worker killed, Redis down at save)."""
    ids = await notify.sweep(ctx["delivery"])
    await ctx["delivery"].queue.send(ids, tag=f"sweep{int(time.time() // 60)}")
    return len(ids)


async def fall_back_unread(ctx: dict) -> int:
    """Every minute: a push not opened in time (two hours for an absence) gets its one SMS."""
    ids = await notify.fall_back_unread(ctx["delivery"])
    await ctx["delivery"].queue.send(ids, tag="unread")
    return len(ids)
