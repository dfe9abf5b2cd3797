"""`stance corpus`, local engine: stance rows → dyad time series, in bounded memory.

Rows stream into an SQLite table in a temporary folder (on disk, so a corpus of any size fits); the
copies of each statement come back in date order and `copies_kept` keeps the first of each run (by
date, then article id, then statement); SQLite then streams each (holder, target, period) group, in order, to `group_stats`. Memory holds one group at a
time, the actor names, and the evidence chosen for the report.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence

from stance.corpus.rows import NO_DATE, ROW_FIELDS, CorpusRow, Period, period_of
from stance.corpus.stats import SERIES_COLUMNS, copies_kept, display_names, group_stats

ALL = "all"
"""The period of the whole-corpus totals per dyad (`CorpusResult.dyads`), undated statements included."""
INSERT_ROWS = 10_000
DUPLICATE_WINDOW_DAYS = 7
"""Copies of a statement within a week of its first copy are wire copies and reprints; later ones are
the statement made again (a press office repeating its line about a new missile test)."""
EVIDENCE_PER_SIDE = 3


@dataclass
class CorpusResult:
    """What one aggregation found: the series, the whole-corpus dyads, the report's evidence and the account."""

    series: list[dict[str, Any]]
    dyads: list[dict[str, Any]]
    evidence: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)


def aggregate_rows(rows: Iterable[CorpusRow], period: Period = "month", dedupe: bool = True,
                   top: int = 12, workdir: Optional[Path] = None,
                   window_days: Optional[int] = DUPLICATE_WINDOW_DAYS) -> CorpusResult:
    """Dyad time series of `rows` by `period` (see the module docstring); evidence for the `top` dyads.
    With `dedupe`, copies of a statement within `window_days` of its first copy count once
    (`stance.corpus.stats.copies_kept`; None: all copies, whatever their dates)."""
    with tempfile.TemporaryDirectory(prefix="stance-corpus-", dir=workdir) as folder:
        db = sqlite3.connect(Path(folder) / "rows.sqlite")
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("PRAGMA temp_store = FILE")  # sorts spill to disk, not to memory
            read = _load(db, rows, period)
            _keep(db, dedupe, window_days)
            return _result(db, read, period, dedupe, top, window_days)
        finally:
            db.close()


def _load(db: sqlite3.Connection, rows: Iterable[CorpusRow], period: Period) -> int:
    db.execute(f"CREATE TABLE rows ({', '.join(ROW_FIELDS)}, sortdate, period)")
    insert = f"INSERT INTO rows VALUES ({', '.join('?' * (len(ROW_FIELDS) + 2))})"
    count, batch = 0, []
    for row in rows:
        batch.append((*(getattr(row, name) for name in ROW_FIELDS), row.date or NO_DATE, period_of(row.date, period)))
        count += 1
        if len(batch) >= INSERT_ROWS:
            db.executemany(insert, batch)
            batch.clear()
    db.executemany(insert, batch)
    return count


def _keep(db: sqlite3.Connection, dedupe: bool, window_days: Optional[int]) -> None:
    """Table `kept`: the first copy of each run of a statement's copies (or every row), with how many
    further copies it stands for."""
    db.execute("CREATE TABLE keep (id INTEGER PRIMARY KEY, copies INTEGER)")
    if dedupe:
        cursor = db.execute("SELECT rowid, key, sortdate FROM rows ORDER BY key, sortdate, article, statement")
        for _, group in groupby(cursor, key=lambda r: r[1]):
            copies = list(group)
            flags = copies_kept([r[2] for r in copies], window_days)
            db.executemany("INSERT INTO keep VALUES (?, ?)",
                           [(r[0], flag) for r, flag in zip(copies, flags) if flag is not None])
    else:
        db.execute("INSERT INTO keep SELECT rowid, 0 FROM rows")
    db.execute("CREATE TABLE kept AS SELECT rows.*, keep.copies AS copies FROM rows JOIN keep ON rows.rowid = keep.id")
    db.execute("DROP TABLE rows")


def _groups(db: sqlite3.Connection, period_column: str) -> Iterator[dict[str, Any]]:
    where = "WHERE period IS NOT NULL" if period_column == "period" else ""
    cursor = db.execute(f"SELECT holder, target, {period_column}, article, stance, score, copies FROM kept {where} "
                        f"ORDER BY holder, target, {period_column}")
    for (holder, target, period), group in groupby(cursor, key=lambda r: (r[0], r[1], r[2])):
        rows = list(group)
        yield group_stats(holder, target, period, [r[3] for r in rows], [r[4] for r in rows], [r[5] for r in rows],
                          [r[6] for r in rows])


def _result(db: sqlite3.Connection, read: int, period: Period, dedupe: bool, top: int,
            window_days: Optional[int]) -> CorpusResult:
    names = display_names(db.execute("SELECT holder, holder_name FROM kept UNION SELECT target, target_name FROM kept")
                          .fetchall())
    series = named(list(_groups(db, "period")), names)
    dyads = named(list(_groups(db, f"'{ALL}'")), names)
    kept, undated, articles = db.execute(
        "SELECT COUNT(*), SUM(period IS NULL), COUNT(DISTINCT article) FROM kept").fetchone()
    first, last = db.execute("SELECT MIN(date), MAX(date) FROM kept WHERE date IS NOT NULL").fetchone()
    summary = {
        "rows_read": read, "duplicates_dropped": read - kept, "dedupe": dedupe,
        "duplicate_window_days": window_days if dedupe else None, "statements_kept": kept,
        "statements_without_period": undated or 0, "articles": articles, "period": period,
        "first_date": first, "last_date": last, "dyads": len(dyads), "series_rows": len(series),
    }
    evidence = {(d["holder"], d["target"]): _evidence(db, d["holder"], d["target"]) for d in top_dyads(dyads, top)}
    return CorpusResult(series, dyads, evidence, summary)


def named(rows: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """`rows` with holder_name and target_name, in the column order of `SERIES_COLUMNS`."""
    return [{name: (names.get(row["holder"], row["holder"]) if name == "holder_name" else
                    names.get(row["target"], row["target"]) if name == "target_name" else row[name])
             for name, _ in SERIES_COLUMNS} for row in rows]


def top_dyads(dyads: Sequence[dict[str, Any]], top: int) -> list[dict[str, Any]]:
    """The `top` dyads with the most statements (ties: by holder, target)."""
    return sorted(dyads, key=lambda d: (-d["statements"], d["holder"], d["target"]))[:top]


EVIDENCE_FIELDS = ("article", "date", "source", "url", "title", "statement", "statement_text", "stance", "score")


def _evidence(db: sqlite3.Connection, holder: str, target: str) -> list[dict[str, Any]]:
    """The dyad's strongest statements each way: most favourable first, then most opposed."""
    columns = ", ".join(EVIDENCE_FIELDS)
    out = []
    for order in ("score DESC", "score ASC"):
        rows = db.execute(f"SELECT {columns} FROM kept WHERE holder = ? AND target = ? AND stance = ? "
                          f"ORDER BY {order}, sortdate, article, statement LIMIT {EVIDENCE_PER_SIDE}",
                          (holder, target, "favor" if order == "score DESC" else "against")).fetchall()
        out += [dict(zip(EVIDENCE_FIELDS, row)) for row in rows]
    return out
