"""Builders for the export runner's tests (run in the export process, see bot/export_worker.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from bot.export_worker import ExportJob


async def slow(job: ExportJob) -> AsyncIterator[list[str]]:
    """`job.params["rows"]` rows (default 5), each as slow as a big database makes them."""
    job.total = job.params.get("rows", 5)
    yield ["Nr", "Wartość"]
    for n in range(job.total):
        await asyncio.sleep(job.params.get("pause", 0.1))
        yield [str(n + 1), f"wiersz {n + 1}"]


async def broken(job: ExportJob) -> AsyncIterator[list[str]]:
    """Half a file, then the disk is full."""
    job.total = 10
    yield ["Nr"]
    for n in range(5):
        yield [str(n)]
    raise OSError("No space left on device")
