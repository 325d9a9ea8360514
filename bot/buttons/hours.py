"""The hours ledger: "⏱ Moje godziny" with the disability declared for the quota (GDPR art. 9),
and the coordinators' quota list and monthly CSV."""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class MyHours(CallbackData, prefix="hr"):
    # show: Moje godziny · dis: what declaring a disability means · yes: consent given and declared ·
    # no: not now · off: consent withdrawn (the declaration deleted)
    act: Literal["show", "dis", "yes", "no", "off"]


class QuotaList(CallbackData, prefix="hrq"):
    """The coordinators' list of who meets this month's quota, paged by key (a Telegram id)."""

    after: int | None = None
    before: int | None = None


class HoursCsv(CallbackData, prefix="hrx"):
    month: int  # 202611


MY_HOURS = MyHours(act="show").pack()
QUOTA_LIST = QuotaList().pack()
