"""An announcement's outbox is written in short batches: every recipient gets exactly one row, the
broadcast is not done before the last batch, a cancel stops the writing, and an outbox whose
writing stopped with the bot is finished by the broadcasts job where it was left."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.jobs.broadcasts import QUEUE_STALLED_AFTER, resume_stalled_queues
from storage import broadcast_outbox
from storage.broadcasts import Audience, BroadcastStatus, Group
from storage.db import to_db_time
from tests.broadcast_helpers import person

PEOPLE = list(range(301, 311))


@pytest.fixture
async def everyone(app, monkeypatch):
    monkeypatch.setattr(broadcast_outbox, "QUEUE_BATCH", 3)
    for telegram_id in PEOPLE:
        await person(app.services, telegram_id)
    s = app.services
    draft = await s.broadcasts.create_draft(1, s.clock())
    return await s.broadcasts.update_draft(
        draft.id, s.clock(), body_html="Zapraszamy!", audience=Audience(frozenset({Group.EVERYONE}))
    )


async def _plan(app, draft):
    s = app.services
    return await s.broadcasts.plan(
        draft.audience, s.answer_fields(), draft.category, draft.urgent, s.clock(), s.settings.tz
    )


async def _queued(app, broadcast_id):
    row = await app.services.db.fetch_one(
        "SELECT queued_through, queued_at FROM broadcasts WHERE id = ?", (broadcast_id,)
    )
    return row["queued_through"], row["queued_at"]


async def test_an_outbox_written_in_batches_has_one_row_per_person_and_is_then_complete(app, everyone):
    s = app.services
    started = await s.broadcasts.start(everyone.id, await _plan(app, everyone), expected=BroadcastStatus.DRAFT)
    assert started.status == BroadcastStatus.SENDING and started.recipients == len(PEOPLE)
    assert sorted(await s.broadcasts.deliveries(everyone.id)) == PEOPLE
    assert await _queued(app, everyone.id) == (None, None)


async def test_a_half_written_outbox_is_not_done_and_is_finished_where_it_stopped(app, everyone):
    s = app.services
    plan = await _plan(app, everyone)
    first_batch = plan.rows[:3]

    async def stopped_after_one_batch(broadcast_id, rows, now):  # the bot stopped while writing
        await original(broadcast_id, first_batch, now)
        await s.db.execute(
            "UPDATE broadcasts SET queued_through = ?, queued_at = ? WHERE id = ?",
            (first_batch[-1][0], to_db_time(s.clock()), broadcast_id),
        )

    original = s.broadcasts.queue
    s.broadcasts.queue = stopped_after_one_batch
    await s.broadcasts.start(everyone.id, plan, expected=BroadcastStatus.DRAFT)
    del s.broadcasts.queue
    assert sorted(await s.broadcasts.deliveries(everyone.id)) == PEOPLE[:3]
    await s.db.execute("UPDATE broadcast_deliveries SET state = 'sent' WHERE broadcast_id = ?", (everyone.id,))
    assert await s.broadcasts.finish_completed() == []  # three sent, but the outbox is not complete

    # Another process may still be writing it: not taken up before it has been quiet a while.
    assert await resume_stalled_queues(app) == 0
    await s.db.execute(
        "UPDATE broadcasts SET queued_at = ? WHERE id = ?",
        (to_db_time(s.clock() - QUEUE_STALLED_AFTER - timedelta(seconds=1)), everyone.id),
    )
    await person(s, 311)  # wrote to the bot meanwhile: the audience is read again
    assert await resume_stalled_queues(app) == 1
    assert await resume_stalled_queues(app) == 0  # taken up once
    deliveries = await s.broadcasts.deliveries(everyone.id)
    assert sorted(deliveries) == [*PEOPLE, 311]
    assert [deliveries[t] for t in PEOPLE[:3]] == ["sent"] * 3  # the rows already written are kept
    assert await _queued(app, everyone.id) == (None, None)
    await s.db.execute("UPDATE broadcast_deliveries SET state = 'sent' WHERE broadcast_id = ?", (everyone.id,))
    assert [b.id for b in await s.broadcasts.finish_completed()] == [everyone.id]


async def test_a_cancel_while_the_outbox_is_written_stops_the_writing(app, everyone):
    s = app.services
    plan = await _plan(app, everyone)
    await s.db.execute(
        "UPDATE broadcasts SET status = 'sending', started_at = ?, queued_through = 0, queued_at = ? WHERE id = ?",
        (to_db_time(s.clock()), to_db_time(s.clock()), everyone.id),
    )
    await s.broadcasts.cancel(everyone.id, by=1)
    assert await s.broadcasts.queue(everyone.id, plan.rows, s.clock()) is False
    assert await s.broadcasts.deliveries(everyone.id) == {}
