"""One module per report section; each has ``build(db) -> Section``."""

from __future__ import annotations

import pandas as pd

from audience.report.page import Note
from audience.report.warehouse import ReportDatabase


def missing_note(db: ReportDatabase, *relations: str) -> Note | None:
    """A note naming the tables this part needs and the database does not have, or None."""
    missing = db.missing(*relations)
    if not missing:
        return None
    return Note(
        f"Not shown: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in this"
        " database (it was not built, or not published to the serving database)."
    )


def rows_or_note(
    db: ReportDatabase, relation: str, sql: str, params: list | None = None, *, empty: str
) -> tuple[pd.DataFrame, Note | None]:
    """The rows of ``sql`` over ``relation``, or a note saying why there are none (the table is
    missing, or the query returned nothing: ``empty`` says what that means)."""
    note = missing_note(db, relation)
    if note:
        return pd.DataFrame(), note
    rows = db.frame(sql, params)
    return rows, (Note(empty) if rows.empty else None)
