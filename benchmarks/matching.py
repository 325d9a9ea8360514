"""Matching experts to a request at 100 000 people (issue 14, part 3): the candidates' query
(storage/matching.py: one query on the partial index users_matchable, each person's facts looked up
by index) and the ranking, as a coordinator waits for "🔎 Dobierz osoby eksperckie".

    python benchmarks/scale.py --child build /tmp/panel100k.db 100000   # once, ~1 min
    python benchmarks/matching.py /tmp/panel100k.db

The database is copied first (the run applies pending migrations). Each case runs REPEATS times
after one warm-up; the median and the slowest are printed with the number of candidates."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.organisation import load_organisation
from storage.db import open_database
from storage.matching import ChoiceFields, Need, candidates, rank

BUDGET_MS = 500.0
REPEATS = 7


async def main(source: Path) -> None:
    org = load_organisation()
    fields = ChoiceFields(
        county=tuple(f.id for f in org.form if f.choices_from == "counties"),
        competences=tuple(f.id for f in org.form if f.choices_from == "competence_areas"),
        availability=org.matching.availability_field,
    )
    need = Need(frozenset({"grants", "village_fund"}), "lubelski", False, org.neighbours_of("lubelski"), 8)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        shutil.copy(source, path)
        db = await open_database(path)
        people = (await db.fetch_one("SELECT COUNT(*) FROM users"))[0]
        start, end = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)

        async def once() -> int:
            found = await candidates(db, fields, start, end)
            return len(rank(need, found, org.matching.availability_hours))

        count = await once()
        times = []
        for _ in range(REPEATS):
            began = time.perf_counter()
            await once()
            times.append((time.perf_counter() - began) * 1000)
        await db.close()
    median, slowest = statistics.median(times), max(times)
    verdict = "ok" if slowest <= BUDGET_MS else "OVER BUDGET"
    print(
        f"{people:,} people, {count:,} candidates: median {median:.0f} ms, slowest {slowest:.0f} ms "
        f"(budget {BUDGET_MS:.0f} ms) {verdict}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    asyncio.run(main(parser.parse_args().database))
