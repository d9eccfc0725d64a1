"""One module per report section; each has ``build(db) -> Section``."""

from __future__ import annotations

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
