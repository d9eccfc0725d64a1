"""Export files of the declared audiences for their destinations (``audience export``).

Per audience and destination (``audience_definitions.destinations``), from the build warehouse
(it holds the contact details the destinations match on; the serving database does not):

- ``crm_csv``: one row per treated member, in rank order: ``External ID`` (the customer or lead
  id), ``Email`` and ``Phone`` only when plain-text PII is allowed, ``Company`` for leads,
  ``Audience``, ``Rank``, ``Entered At`` and the attribute columns its rule and order read (with
  the band and reason codes of a prediction it is ordered by). Salesforce's and HubSpot's import
  wizards map these headers to fields; External ID is the key to match on.
- ``customer_match``: the ad-platform file of Google Customer Match and Meta custom audiences:
  ``Email`` as the SHA-256 of the normalized address (trimmed, lower-cased) and, when the
  customers have phones, ``Phone`` as the SHA-256 of the E.164 number (staging keeps phones only
  in that form); no plain text. A member with neither is left out.
- ``parquet``: every member that may be exported, treated and held out (``is_holdout``), with
  rank, entered_at, rule_values and the same attribute columns: the record of who was selected
  and who was held back (emails and phones only when plain-text PII is allowed).

Held-out members are never in a CRM or ad-platform file, nor is a suppressed one (a suppression
list: a CSV with an ``email`` and/or an id column, ``customer_id`` / ``lead_id``). Marketing
consent (``stg_shop__customers.marketing_consent``) is honoured by every file, the Parquet record
included: a customer whose consent is false is in none, whatever the audience's rule; one whose
consent is unknown (NULL) is exported unless ``require_consent`` (``--require-consent``) is set.
Leads have no consent column and are not filtered by it. Each file is written to a temporary
name and renamed into place, then its manifest (``<file>.manifest.json``: audience,
destination, build id, as-of date, rows, SHA-256 of the file, the rule, the held-out,
suppressed and non-consented member counts) the same way, so a reader never sees a
half-written file or a manifest that does not describe the file beside it. Files are created
readable by their owner only (they may hold contact details).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

DESTINATION_FILES = {
    "crm_csv": "crm.csv",
    "customer_match": "customer_match.csv",
    "parquet": "parquet",
}
CONTACTS = {
    "customer": (
        "staging.stg_shop__customers",
        "customer_id",
        {"email": "Email", "phone": "Phone"},
    ),
    "lead": ("staging.stg_crm__leads", "lead_id", {"company_name": "Company"}),
}
PLAIN_PII = ("Email", "Phone")
# The column of the contacts table that holds an entity's marketing consent (true, false, NULL
# for unknown); entities without one are not filtered by consent.
CONSENT = {"customer": "marketing_consent"}
CONSENT_STATUS = "_consent_status"  # given, refused or unknown; never written to a file


class ExportError(ValueError):
    """Bad input to an export: names the audience, file or column."""


@dataclass(frozen=True)
class ExportSettings:
    out_dir: Path = Path("exports")
    audiences: tuple[str, ...] = ()  # empty: every declared audience
    suppressions: Path | None = None
    allow_plain_pii: bool = False
    require_consent: bool = False  # also leave out customers whose consent is unknown (NULL)


def normalized_email(email) -> str | None:
    """An email as the ad platforms hash it: trimmed and lower-cased (None when empty)."""
    if email is None or pd.isna(email) or not str(email).strip():
        return None
    return str(email).strip().lower()


def hashed_email(email) -> str | None:
    normalized = normalized_email(email)
    return hashlib.sha256(normalized.encode()).hexdigest() if normalized else None


def hashed_phone(phone) -> str | None:
    """SHA-256 of a phone in E.164 (staging keeps only that form), as Google Customer Match
    asks: with the leading '+'."""
    if phone is None or pd.isna(phone) or not str(phone).strip():
        return None
    return hashlib.sha256(str(phone).strip().encode()).hexdigest()


def read_suppressions(path: Path | None) -> dict[str, set[str]]:
    """{'email': normalized emails, 'id': entity ids} of a suppression list."""
    if path is None:
        return {"email": set(), "id": set()}
    if not path.exists():
        raise ExportError(f"suppression list {path}: no such file")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    columns = {c.strip().lower(): c for c in frame.columns}
    id_columns = [columns[c] for c in ("customer_id", "lead_id", "entity_id") if c in columns]
    if "email" not in columns and not id_columns:
        raise ExportError(
            f"suppression list {path}: expected a column email, customer_id or lead_id,"
            f" found {', '.join(frame.columns) or 'none'}"
        )
    emails = {normalized_email(e) for e in frame[columns["email"]]} if "email" in columns else set()
    ids = {v.strip() for c in id_columns for v in frame[c] if v.strip()}
    return {"email": emails - {None}, "id": ids}


def _write_atomically(path: Path, write) -> None:
    """`write(temporary_path)`, then rename it to `path` (same folder: an atomic replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _build_id(con) -> str | None:
    row = con.execute(
        "select invocation_id from audience_meta.builds where status = 'succeeded'"
        " order by finished_at desc limit 1"
    ).fetchone()
    return row[0] if row else None


def _members(con, definition: dict) -> pd.DataFrame:
    """The audience's members with their contact columns and the attribute columns it reads."""
    entity = definition["entity_type"]
    contacts, id_column, contact_columns = CONTACTS[entity]
    attributes = f"marts.audience_{entity}_attributes"
    available = {row[0] for row in con.execute(f"describe {attributes}").fetchall()}
    wanted = [c.strip() for c in (definition["rule_columns"] or "").split(",") if c.strip()]
    order = (definition["order_by"] or "").split(" ")[0]
    if order:
        wanted.append(order)
        if order.endswith("_probability"):
            prediction = order.removesuffix("_probability")
            wanted += [
                f"{prediction}_{part}" for part in ("band", "reason_1", "reason_2", "reason_3")
            ]
    if entity == "customer":
        wanted.append("segment_name")
    columns = [c for c in dict.fromkeys(wanted) if c in available and c != id_column]
    selected = ", ".join(f'attributes."{c}"' for c in columns)
    contact_list = ", ".join(f'contacts."{c}"' for c in contact_columns)
    consent = CONSENT.get(entity)
    found = {row[0] for row in con.execute(f"describe {contacts}").fetchall()}
    missing = [c for c in [*contact_columns, consent] if c and c not in found]
    if missing:
        raise ExportError(
            f"{contacts} has no column {', '.join(missing)}: the warehouse was built by an"
            " earlier version of this project; rebuild it (dbt build) before exporting"
        )
    if consent:
        contact_list += (
            f", case when contacts.{consent} then 'given' when not contacts.{consent}"
            f" then 'refused' else 'unknown' end as {CONSENT_STATUS}"
        )
    return con.execute(
        f"""
        select members.entity_id, members.member_rank, members.is_holdout, members.entered_at,
            members.rule_values, {contact_list}{", " + selected if selected else ""}
        from marts.audience_members as members
        left join {contacts} as contacts on members.entity_id = contacts.{id_column}
        left join {attributes} as attributes on members.entity_id = attributes.{id_column}
        where members.audience = ?
        order by members.member_rank
        """,
        [definition["audience"]],
    ).df()


def _destination_frame(members, definition, destination, settings) -> pd.DataFrame:
    entity = definition["entity_type"]
    if destination == "parquet":
        plain = [c for c, header in CONTACTS[entity][2].items() if header in PLAIN_PII]
        dropped = [] if settings.allow_plain_pii else plain
        return members.drop(columns=dropped).reset_index(drop=True)
    if destination == "customer_match":
        frame = pd.DataFrame({"Email": members["email"].map(hashed_email)})
        if members["phone"].notna().any():
            frame["Phone"] = members["phone"].map(hashed_phone)
        return frame[frame.notna().any(axis=1)].reset_index(drop=True)
    _, _, contact_columns = CONTACTS[entity]
    frame = pd.DataFrame({"External ID": members["entity_id"]})
    for column, header in contact_columns.items():
        if header not in PLAIN_PII or settings.allow_plain_pii:
            frame[header] = (
                members[column].map(normalized_email) if header == "Email" else members[column]
            )
    frame["Audience"] = definition["audience"]
    frame["Rank"] = members["member_rank"]
    frame["Entered At"] = pd.to_datetime(members["entered_at"]).dt.strftime("%Y-%m-%d")
    fixed = {
        "entity_id",
        "member_rank",
        "is_holdout",
        "entered_at",
        "rule_values",
        *contact_columns,
    }
    for column in members.columns:
        if column not in fixed:
            frame[column] = members[column]
    return frame.reset_index(drop=True)


def export_audiences(warehouse: Path, settings: ExportSettings, log=print) -> list[dict]:
    """Writes every export file with its manifest; returns the manifests."""
    if not warehouse.exists():
        raise ExportError(f"no warehouse at {warehouse}: build the project first (make run)")
    suppressed = read_suppressions(settings.suppressions)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        definitions = (
            con.execute("select * from marts.audience_definitions order by declaration_order")
            .df()
            .to_dict("records")
        )
        known = [d["audience"] for d in definitions]
        unknown = [a for a in settings.audiences if a not in known]
        if unknown:
            raise ExportError(
                f"no declared audience {', '.join(unknown)}"
                f" (declared: {', '.join(known) or 'none'})"
            )
        build_id = _build_id(con)
        as_of = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
        manifests = []
        for definition in definitions:
            if settings.audiences and definition["audience"] not in settings.audiences:
                continue
            members = _members(con, definition)
            manifests += _export_one(
                members, definition, (build_id, str(as_of)), suppressed, settings, log
            )
    return manifests


def _export_one(members, definition, build, suppressed, settings, log) -> list[dict]:
    name = definition["audience"]
    build_id, as_of = build
    emails = members["email"].map(normalized_email) if "email" in members else None
    is_suppressed = members["entity_id"].isin(suppressed["id"])
    if emails is not None:
        is_suppressed |= emails.isin(suppressed["email"])
    if CONSENT_STATUS in members:
        status = members.pop(CONSENT_STATUS)
        refused = ("refused", "unknown") if settings.require_consent else ("refused",)
        is_non_consented = status.isin(refused)
    else:  # leads: no consent column
        is_non_consented = pd.Series(False, index=members.index)
    left_out = is_suppressed | is_non_consented
    treated = members[~members["is_holdout"] & ~left_out]
    manifests = []
    for destination in [d.strip() for d in definition["destinations"].split(",")]:
        if destination == "customer_match" and definition["entity_type"] != "customer":
            raise ExportError(f"audience '{name}': customer_match needs customers (emails)")
        rows = members[~left_out] if destination == "parquet" else treated
        frame = _destination_frame(rows, definition, destination, settings)
        path = settings.out_dir / name / f"{name}.{DESTINATION_FILES[destination]}"
        if destination == "parquet":
            _write_atomically(path, lambda p, f=frame: f.to_parquet(p, index=False))
        else:
            _write_atomically(
                path, lambda p, f=frame: f.to_csv(p, index=False, lineterminator="\n")
            )
        manifest = {
            "audience": name,
            "destination": destination,
            "file": path.name,
            "build_id": build_id,
            "as_of_date": as_of,
            "rows": len(frame),
            "sha256": _sha256(path),
            "rule": definition["rule"],
            "order_by": definition["order_by"],
            "holdout_members": int(members["is_holdout"].sum()),
            "suppressed_members": int(is_suppressed.sum()),
            # members (treated or held out) left out for consent; one may also be suppressed
            "non_consented_members": int(is_non_consented.sum()),
            "consent_required": settings.require_consent,
            "plain_text_pii": settings.allow_plain_pii and destination != "customer_match",
        }
        manifest_path = path.with_name(path.name + ".manifest.json")
        _write_atomically(
            manifest_path, lambda p, m=manifest: p.write_text(json.dumps(m, indent=2) + "\n")
        )
        log(f"export: {path} ({len(frame):,} rows)")
        manifests.append(manifest)
    return manifests
