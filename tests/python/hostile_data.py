"""A small raw data set of damaged exports, as outside users send them, with the outcome each
damaged row must get: staged (and with which value), rejected with a reason, or staged with an
optional value set to NULL. Every raw row is listed, so a test can check that none is lost.

The tables mix the ways files arrive: customers as a CSV with a ragged line, quoted delimiters
and an unterminated quote at the end; order lines as Parquet with float amounts (NaN, infinity,
too many decimals, implausible, free, negative) and an order whose lines carry two customers;
events as a folder of two Parquet parts, one without the optional columns; campaign exposures
with a TIMESTAMPTZ column; leads as a Latin-1 CSV (read with var audience__raw_file_formats).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

CUSTOMERS = 120
# The marketing consent of the plain customer rows, in turn: its spellings and staged values.
CONSENTS = {"true": True, "false": False, "": None, "yes": True, "no": False, "1": True, "0": False}
# Their phones, in turn: as exported, and as staged (E.164, or NULL).
PHONES = {"+33 6 12 34 56 78": "+33612345678", "0033 (6) 12-34-56-78": "+33612345678", "": None}
VARS = {
    "audience__raw_file_formats": {"leads": {"encoding": "latin-1"}},
    # The damaged rows are far more than 1% of these small tables.
    "audience__max_rejected_share": 0.5,
    "audience__max_valid_timestamp": "2026-06-01 00:00:00",
}


@dataclass(frozen=True)
class Expected:
    table: str
    record_id: str | None  # None for a line that cannot be read (matched by line_number)
    outcome: str  # "staged", a rejection reason, or "nulled"
    detail: object = None  # the staged value checked, the nulled column, or the line number


def write(folder: Path) -> list[Expected]:
    folder.mkdir(parents=True)
    expected: list[Expected] = []
    expected += _customers(folder)
    expected += _order_lines(folder)
    expected += _events(folder)
    expected += _exposures(folder)
    expected += _leads(folder)
    return expected


def _customer_id(i: int) -> str:
    return f"C{i:04d}"


def _customers(folder: Path) -> list[Expected]:
    header = "customer_id,signup_at,email,country,acquisition_channel,birth_year,gender"
    lines = [header + ",marketing_consent,phone"]
    expected = []
    consents, phones = list(CONSENTS), list(PHONES)
    for i in range(CUSTOMERS):
        lines.append(
            f"{_customer_id(i)},2024-01-{1 + i % 28:02d} 10:00:00,c{i}@x.com,FR,ads,1980,f,"
            + consents[i % len(consents)]
            + ","
            + phones[i % len(phones)]
        )
        expected.append(Expected("customers", _customer_id(i), "staged"))
    specials = [
        # an offset and a zone name: instants, staged in UTC
        (
            "C9001,2025-06-01T23:30:00+02:00,,US,ads,,,",
            "staged",
            ("signup_at", "2025-06-01 21:30:00"),
        ),
        (
            "C9002,2025-06-01 23:30:00 CET,,US,ads,,,",
            "staged",
            ("signup_at", "2025-06-01 21:30:00"),
        ),
        ("C9003,2025-06-01T23:30:00Z,,US,ads,,,", "staged", ("signup_at", "2025-06-01 23:30:00")),
        # a quoted field holding the delimiter and a quote, kept byte for byte
        (
            'C9004,2024-02-02,,US,"partner, ""gold""",,,',
            "staged",
            ("acquisition_channel", 'partner, "gold"'),
        ),
        # optional values that cannot be true: the row is staged without them
        ("C9005,2024-02-02,,US,ads,-5,,", "nulled", "birth_year"),
        ("C9006,2024-02-02,,US,ads,nineteen,,", "nulled", "birth_year"),
        ("C9007,2024-02-02,,US,ads,2999,,", "nulled", "birth_year"),
        # marketing consent in any case, padded; a value that is neither yes nor no is unknown
        ("C9012,2024-02-02,,US,ads,,, YES ", "staged", ("marketing_consent", True)),
        ("C9013,2024-02-02,,US,ads,,,N", "staged", ("marketing_consent", False)),
        ("C9014,2024-02-02,,US,ads,,,False", "staged", ("marketing_consent", False)),
        ("C9015,2024-02-02,,US,ads,,,t", "staged", ("marketing_consent", True)),
        ("C9016,2024-02-02,,US,ads,,,maybe", "nulled", "marketing_consent"),
        ("C9017,2024-02-02,,US,ads,,,2", "nulled", "marketing_consent"),
        # a phone in E.164 whatever its separators; a local number (no country code) or text is not
        ("C9018,2024-02-02,,US,ads,,,,+1 (650) 555.1234", "staged", ("phone", "+16505551234")),
        ("C9019,2024-02-02,,US,ads,,,,06 12 34 56 78", "nulled", "phone"),
        ("C9020,2024-02-02,,US,ads,,,,call me", "nulled", "phone"),
        # US-style dates cannot be read as ISO: rejected, not guessed
        ("C9008,06/01/2025 10:00,,US,ads,,,no", "unparseable_signup_at", None),
        ("C9009,1969-07-20 20:17:00,,US,ads,,,", "signup_at_before_floor", None),
    ]
    for line, outcome, detail in specials:
        fields = next(csv.reader([line]))
        lines.append(line if len(fields) == 9 else line + ",")  # no phone given
        expected.append(Expected("customers", line.split(",")[0], outcome, detail))
    lines.append("C9010,2024-02-02,ragged")  # too few columns: not readable
    expected.append(Expected("customers", None, "malformed_csv_line", len(lines)))
    lines.append('C9011,"2024-02-02,,US,ads,,,,')  # an unterminated quote, the last line
    expected.append(Expected("customers", None, "malformed_csv_line", len(lines)))
    (folder / "customers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return expected


def _order_lines(folder: Path) -> list[Expected]:
    rows, expected = [], []

    def line(line_id, order_id, customer, amount, outcome, detail=None, quantity=1.0, at=None):
        rows.append(
            {
                "order_line_id": line_id,
                "order_id": order_id,
                "customer_id": customer,
                "ordered_at": at or pd.Timestamp("2025-03-01 12:00:00"),
                "line_amount": amount,
                "product_category": "home",
                "quantity": quantity,
                "status": "completed",
            }
        )
        expected.append(Expected("order_lines", str(line_id), outcome, detail))

    for i in range(CUSTOMERS):
        line(i + 1, i + 1, _customer_id(i), 10.0 + i, "staged")
    # one order, two customers: which placed it cannot be told, so both lines are rejected
    line(9001, 9001, _customer_id(1), 10.0, "order_customer_conflict")
    line(9002, 9001, _customer_id(2), 110.28 - 100.28, "order_customer_conflict")
    line(9003, 9003, _customer_id(3), 1e14, "implausible_line_amount")
    line(9004, 9004, _customer_id(3), 12.345, "line_amount_precision")
    line(9005, 9005, _customer_id(3), 0.004, "line_amount_precision")
    line(9006, 9006, _customer_id(4), 0.0, "staged", ("is_free", True))  # a free item
    line(9007, 9007, _customer_id(4), math.nan, "unparseable_line_amount")
    line(9008, 9008, _customer_id(4), math.inf, "unparseable_line_amount")
    line(9009, 9009, _customer_id(4), -5.0, "negative_line_amount")
    line(9010, 9010, _customer_id(5), 19.99, "staged", ("line_amount", 19.99))
    line(9011, 9011, _customer_id(5), 5.0, "nulled", "quantity", quantity=-2.0)
    frame = pd.DataFrame(rows)
    # pyarrow keeps NaN a NaN only when told the frame is not pandas' (where NaN means missing);
    # quantity is a float column, as pandas writes an integer column with gaps.
    table = pa.Table.from_pydict(
        {column: frame[column].tolist() for column in frame.columns},
        schema=pa.schema(
            [
                ("order_line_id", pa.int64()), ("order_id", pa.int64()),
                ("customer_id", pa.string()), ("ordered_at", pa.timestamp("us")),
                ("line_amount", pa.float64()), ("product_category", pa.string()),
                ("quantity", pa.float64()), ("status", pa.string()),
            ]
        ),
    )  # fmt: skip
    pq.write_table(table, folder / "order_lines.parquet")
    return expected


def _events(folder: Path) -> list[Expected]:
    (folder / "events").mkdir()
    full, bare, expected = [], [], []
    for i in range(CUSTOMERS):
        target = full if i % 2 else bare
        target.append(
            {
                "event_id": f"E{i}",
                "customer_id": _customer_id(i),
                "event_at": pd.Timestamp("2025-03-02 08:00:00"),
                "event_type": "login",
                **({"platform": "web", "event_detail": "home"} if target is full else {}),
            }
        )
        expected.append(Expected("events", f"E{i}", "staged"))
    # the second part lacks the optional columns: read by name, NULL there
    pd.DataFrame(full).to_parquet(folder / "events" / "part-0.parquet", index=False)
    pd.DataFrame(bare).to_parquet(folder / "events" / "part-1.parquet", index=False)
    return expected


def _exposures(folder: Path) -> list[Expected]:
    # TIMESTAMPTZ (how Spark and pandas write instants): 23:30 in Tokyo is 14:30 UTC
    at = pd.Timestamp("2025-03-03 23:30:00", tz="Asia/Tokyo")
    table = pa.table(
        {
            "exposure_id": [f"X{i}" for i in range(40)],
            "campaign_id": ["K1"] * 40,
            "customer_id": [_customer_id(i) for i in range(40)],
            "exposed_at": pa.array([at] * 40, type=pa.timestamp("us", tz="Asia/Tokyo")),
            "treatment_group": ["treatment", "control"] * 20,
        }
    )
    pq.write_table(table, folder / "campaign_exposures.parquet")
    return [
        Expected("campaign_exposures", f"X{i}", "staged", ("exposed_at", "2025-03-03 14:30:00"))
        for i in range(40)
    ]


def _leads(folder: Path) -> list[Expected]:
    lines = ["lead_id,created_at,company_name,company_size"]
    expected = []
    for i in range(30):
        lines.append(f"L{i},2025-01-{1 + i:02d},Firm {i},{10 + i}")
        expected.append(Expected("leads", f"L{i}", "staged"))
    lines.append("L90,2025-02-01,Café Müller,12")
    expected.append(Expected("leads", "L90", "staged", ("company_name", "Café Müller")))
    lines.append("L91,2025-02-01,Negative Inc,-5")
    expected.append(Expected("leads", "L91", "nulled", "company_size"))
    (folder / "leads.csv").write_text("\n".join(lines) + "\n", encoding="latin-1")
    return expected
