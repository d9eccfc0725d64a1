"""Declared audiences (var audience__audiences, models/marts/activation): the shipped audiences on
the suite's build, checked against an independent pandas selection of the attribute marts and an
independent md5 of the holdout; entered / exited deltas and entered_at on a constructed sequence
of builds; rules over columns the attribute marts do not have refused by the build.

Hostile and malformed rules (statements, comments, subqueries...) are refused before any model
runs: test_settings.test_hostile_and_malformed_audiences_are_refused_naming_the_audience."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import shutil
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt_runner import run_dbt

SHIPPED = (
    "winback_persuadable_churners",
    "vip_by_clv",
    "purchase_intent_by_segment",
    "sales_queue_top_leads",
)


def _frame(result, query: str) -> pd.DataFrame:
    with result.connect() as con:
        return con.execute(query).df()


def _held_out(audience: str, entity_id: str, share: float) -> bool:
    digest = hashlib.md5(f"{audience}:{entity_id}".encode()).hexdigest()
    return int(digest[:8], 16) < int(share * 2**32)


def _selected(
    rows: pd.DataFrame, id_column: str, order: str, ascending: bool, cap, per=None
) -> pd.DataFrame:
    """The members pandas picks: rows sorted by `order` (missing last, ties by id), capped to
    `cap` (an int: top N; a float: that share rounded up; None: no cap), within each value of
    `per`."""
    rows = rows.sort_values([order, id_column], ascending=[ascending, True], na_position="last")
    groups = [part for _, part in rows.groupby(per, dropna=False, sort=False)] if per else [rows]
    keep = []
    for part in groups:
        size = (
            len(part)
            if cap is None
            else cap
            if isinstance(cap, int)
            else math.ceil(cap * len(part))
        )
        keep.append(part.head(size))
    kept = pd.concat(keep).sort_values(
        [order, id_column], ascending=[ascending, True], na_position="last"
    )
    kept["member_rank"] = range(1, len(kept) + 1)
    return kept


def test_the_shipped_audiences_equal_an_independent_selection(built):
    """Each shipped audience's members are exactly the rows of its attribute mart that match its
    rule, in its order, cut to its cap; the holdout is md5('<audience>:<id>') below 10% of the
    2^32 values; the summary and overlap agree with the members."""
    customers = _frame(built, "select * from marts.audience_customer_attributes")
    leads = _frame(built, "select * from marts.audience_lead_attributes")
    members = _frame(built, "select * from marts.audience_members")
    expected = {
        "winback_persuadable_churners": _selected(
            customers[
                (customers["churn_90d_decile"] <= 5) & (customers["uplift_group"] == "persuadable")
            ],
            "customer_id",
            "clv",
            False,
            None,
        ),  # fmt: skip
        "vip_by_clv": _selected(
            customers[customers["clv"].notna() & (customers["probability_alive"] >= 0.5)],
            "customer_id",
            "clv",
            False,
            0.05,
        ),  # fmt: skip
        "purchase_intent_by_segment": _selected(
            customers[
                customers["purchase_30d_band"].isin(["A", "B"]) & (customers["segment_id"] > 0)
            ],
            "customer_id",
            "purchase_30d_probability",
            False,
            0.2,
            per="segment_name",
        ),  # fmt: skip
        "sales_queue_top_leads": _selected(
            leads[(leads["is_converted"] == False) & (leads["is_recent_lead"] == True)],  # noqa: E712
            "lead_id",
            "lead_conversion_30d_probability",
            False,
            100,
        ),  # fmt: skip
    }
    for audience, picked in expected.items():
        id_column = "lead_id" if audience == "sales_queue_top_leads" else "customer_id"
        got = members[members["audience"] == audience].sort_values("member_rank")
        assert len(got) > 0, audience
        assert got["entity_id"].tolist() == picked[id_column].tolist(), audience
        assert got["member_rank"].tolist() == picked["member_rank"].tolist(), audience
        holdout = [_held_out(audience, i, 0.1) for i in got["entity_id"]]
        assert got["is_holdout"].tolist() == holdout, audience
    # 10% held out overall (the hash is uniform): within 4 binomial standard deviations
    share, n = members["is_holdout"].mean(), len(members)
    assert abs(share - 0.1) < 4 * math.sqrt(0.09 / n), (share, n)

    summary = _frame(built, "select * from marts.audience_summary").set_index("audience")
    assert tuple(summary.sort_values("declaration_order").index) == SHIPPED
    counts = members.groupby("audience").agg(size=("entity_id", "size"), held=("is_holdout", "sum"))
    assert (summary.loc[counts.index, "members"] == counts["size"]).all()
    assert (summary.loc[counts.index, "holdout_members"] == counts["held"]).all()
    assert (summary["treated_members"] + summary["holdout_members"] == summary["members"]).all()
    assert (summary["entered"] == summary["members"]).all()  # the first build: all entered

    overlap = _frame(built, "select * from marts.audience_overlap")
    assert len(overlap) == 3 * 2  # ordered pairs of the three customer audiences
    sets = {a: set(part["entity_id"]) for a, part in members.groupby("audience")}
    for row in overlap.itertuples():
        shared = sets[row.audience] & sets[row.other_audience]
        assert row.shared_members == len(shared)
        assert row.jaccard == pytest.approx(
            len(shared) / len(sets[row.audience] | sets[row.other_audience])
        )


CONSTRUCTED = [
    {"name": "top_spenders", "rule": "monetary >= 100", "order_by": "monetary desc", "top_n": 40},
    {
        "name": "new_leads",
        "entity": "lead",
        "rule": "not is_converted",
        "order_by": "days_since_created asc",
        "top_share": 0.1,
    },
]


def _next_build(work, demo_data, as_of: dt.date, changes: str):
    """One more build of the activation models on the warehouse in `work`, as of `as_of`, after
    `changes` (SQL on the attribute marts, standing in for new data)."""
    with duckdb.connect(str(work / "audience.duckdb")) as con:
        for table in ("audience_customer_attributes", "audience_lead_attributes"):
            con.execute(f"update marts.{table} set as_of_date = ?", [as_of])
        if changes:
            con.execute(changes)
    result = run_dbt(
        ["build", "--select", "int_as_of_date", "audience_definitions", "int_audience_selection+"],
        demo_data,
        work,
        {"audience__audiences": CONSTRUCTED, "audience__as_of_date": as_of.isoformat()},
    )
    assert result.returncode == 0, result.output[-5000:]
    return result


def test_builds_after_new_data_give_the_entered_and_exited_members(built, demo_data, tmp_path):
    """A constructed sequence of three builds a week apart: five members stop qualifying and five
    customers jump to the top (exactly those ten change), then one of the five comes back (it
    enters again, with the new date, and pushes out the last member). Earlier as-of dates stay
    in the history, and entered_at is the start of each member's current run."""
    work = tmp_path / "weeks"
    work.mkdir()
    shutil.copyfile(built.warehouse, work / "audience.duckdb")
    day0 = _frame(built, "select as_of_date from intermediate.int_as_of_date")["as_of_date"][0]
    day0 = pd.Timestamp(day0).date()

    first = _next_build(work, demo_data, day0, "")
    members = _frame(first, "select * from marts.audience_members where audience = 'top_spenders'")
    attributes = _frame(first, "select * from marts.audience_customer_attributes")
    picked = _selected(
        attributes[attributes["monetary"] >= 100], "customer_id", "monetary", False, 40
    )
    assert (
        members.sort_values("member_rank")["entity_id"].tolist() == picked["customer_id"].tolist()
    )
    leads = _frame(first, "select * from marts.audience_members where audience = 'new_leads'")
    lead_rows = _frame(first, "select * from marts.audience_lead_attributes")
    open_leads = lead_rows[lead_rows["is_converted"] == False]  # noqa: E712
    assert len(leads) == math.ceil(0.1 * len(open_leads)) > 0
    assert (
        _frame(first, "select * from marts.audience_membership_changes")["membership_change"]
        .eq("entered")
        .all()
    )

    # week 1: the first five members stop qualifying, five non-members outspend everyone
    leaving = picked["customer_id"].head(5).tolist()
    joining = attributes[attributes["monetary"] < 100]["customer_id"].head(5).tolist()
    quoted = lambda ids: ", ".join(f"'{i}'" for i in ids)  # noqa: E731
    week1 = day0 + dt.timedelta(days=7)
    second = _next_build(
        work, demo_data, week1,
        f"update marts.audience_customer_attributes set monetary = case"
        f" when customer_id in ({quoted(leaving)}) then 0"
        f" when customer_id in ({quoted(joining)}) then 1000000 + length(customer_id) end"
        f" where customer_id in ({quoted(leaving + joining)})",
    )  # fmt: skip
    changes = _frame(
        second, "select * from marts.audience_membership_changes where audience = 'top_spenders'"
    )
    assert set(changes[changes["membership_change"] == "exited"]["entity_id"]) == set(leaving)
    assert set(changes[changes["membership_change"] == "entered"]["entity_id"]) == set(joining)
    assert (changes["previous_as_of_date"] == pd.Timestamp(day0)).all()
    now = _frame(second, "select * from marts.audience_members where audience = 'top_spenders'")
    entered = dict(zip(now["entity_id"], pd.to_datetime(now["entered_at"]).dt.date, strict=True))
    assert {entered[i] for i in joining} == {week1}
    assert {d for i, d in entered.items() if i not in joining} == {day0}
    lead_changes = _frame(
        second, "select count(*) as n from marts.audience_membership_changes"
        " where audience = 'new_leads'",
    )  # fmt: skip
    assert lead_changes["n"][0] == 0  # the leads did not change

    # week 2: one of the five qualifies again at the top and pushes out the last member
    returning = leaving[0]
    last = now.sort_values("member_rank")["entity_id"].iloc[-1]
    week2 = day0 + dt.timedelta(days=14)
    third = _next_build(
        work, demo_data, week2,
        f"update marts.audience_customer_attributes set monetary = 5000000"
        f" where customer_id = '{returning}'",
    )  # fmt: skip
    changes = _frame(
        third, "select * from marts.audience_membership_changes where audience = 'top_spenders'"
    )
    assert sorted(zip(changes["membership_change"], changes["entity_id"], strict=True)) == [
        ("entered", returning),
        ("exited", last),
    ]
    again = _frame(
        third,
        "select entered_at, member_rank from marts.audience_members"
        f" where audience = 'top_spenders' and entity_id = '{returning}'",
    )
    assert pd.Timestamp(again["entered_at"][0]).date() == week2  # a new run, not day0
    assert again["member_rank"][0] == 1
    history = _frame(
        third,
        "select as_of_date, count(*) as n from marts.audience_membership_history"
        " where audience = 'top_spenders' group by all order by all",
    )
    assert [pd.Timestamp(d).date() for d in history["as_of_date"]] == [day0, week1, week2]
    assert history["n"].tolist() == [40, 40, 40]


def test_a_rule_can_read_marketing_consent(built, demo_data, tmp_path):
    """marketing_consent is a boolean column of the customer attributes (staging's value): a rule
    may use it as a condition of its own."""
    shutil.copyfile(built.warehouse, tmp_path / "audience.duckdb")
    audience = {"name": "consenting", "rule": "marketing_consent and monetary >= 100"}
    result = run_dbt(
        ["build", "--select", "audience_definitions", "int_audience_selection+"],
        demo_data,
        tmp_path,
        {"audience__audiences": [audience]},
    )
    assert result.returncode == 0, result.output[-5000:]
    attributes = _frame(
        result,
        "select attributes.customer_id, attributes.monetary, attributes.marketing_consent,"
        " customers.marketing_consent as staged from marts.audience_customer_attributes"
        " as attributes left join staging.stg_shop__customers as customers using (customer_id)",
    )
    same = attributes["marketing_consent"].isna() == attributes["staged"].isna()
    assert same.all() and attributes["marketing_consent"].isna().any()
    known = attributes[attributes["staged"].notna()]
    assert (known["marketing_consent"].astype(bool) == known["staged"].astype(bool)).all()
    members = _frame(result, "select entity_id from marts.audience_members")
    consenting = known[known["marketing_consent"].astype(bool) & (known["monetary"] >= 100)]
    assert set(members["entity_id"]) == set(consenting["customer_id"]) != set()


@pytest.mark.parametrize(
    ("audience", "fragment"),
    [
        (
            {"name": "by_email", "rule": "email like '%@example.com'"},
            "audience 'by_email'.rule: unknown column 'email'",
        ),
        (
            {"name": "typed", "rule": "clv = 'high'"},
            "audience 'typed'.rule: cannot compare \"clv\" (number) with 'high' (text)",
        ),
        ({"name": "bare", "rule": "clv"}, "is a number value, not a condition"),
        (
            {"name": "ordered", "rule": "clv > 0", "order_by": "cvl desc"},
            "audience 'ordered'.order_by: no column 'cvl' in audience_customer_attributes"
            " (did you mean 'clv'?)",
        ),
    ],
    ids=["unknown_column", "type_mismatch", "not_a_condition", "unknown_order_column"],
)
def test_rules_over_columns_the_attributes_do_not_have_stop_the_build(
    built, demo_data, tmp_path, audience, fragment
):
    shutil.copyfile(built.warehouse, tmp_path / "audience.duckdb")
    result = run_dbt(
        ["build", "--select", "audience_definitions", "int_audience_selection"],
        demo_data,
        tmp_path,
        {"audience__audiences": [audience]},
    )
    assert result.returncode != 0
    assert fragment in result.output, result.output[-3000:]


def test_exports_match_their_manifests_hash_emails_and_never_hold_held_out_or_suppressed(
    built, tmp_path, capsys
):
    """`audience export` on the suite's build: every file matches its manifest (rows, SHA-256);
    the ad-platform file is exactly the SHA-256 of each treated member's trimmed, lower-cased
    email and of its E.164 phone (computed here from staging); held-out and suppressed members
    (by email, written with other case and blanks, or by id) are in no CRM or ad-platform file;
    plain emails appear only when allowed; two exports of one build are byte-identical."""
    from audience.activation.exports import ExportSettings, export_audiences
    from audience.cli import main

    members = _members_with_consent(built)
    winback = members[members["audience"] == "winback_persuadable_churners"]
    treated = winback[~winback["is_holdout"] & winback["email"].notna() & ~winback["refused"]]
    by_email, by_id = treated.iloc[:3], treated.iloc[3:5]
    suppressions = tmp_path / "do_not_contact.csv"
    lines = [f"  {e.upper()} ," for e in by_email["email"]] + [f",{i}" for i in by_id["entity_id"]]
    suppressions.write_text("email,customer_id\n" + "\n".join(lines) + "\n")
    suppressed = set(by_email["entity_id"]) | set(by_id["entity_id"])

    quiet = {"log": lambda _: None}
    settings = ExportSettings(out_dir=tmp_path / "exports", suppressions=suppressions)
    manifests = export_audiences(built.warehouse, settings, **quiet)
    assert {(m["audience"], m["destination"]) for m in manifests} == {
        ("winback_persuadable_churners", "crm_csv"),
        ("winback_persuadable_churners", "customer_match"),
        ("winback_persuadable_churners", "parquet"),
        ("vip_by_clv", "crm_csv"),
        ("vip_by_clv", "parquet"),
        ("purchase_intent_by_segment", "customer_match"),
        ("purchase_intent_by_segment", "parquet"),
        ("sales_queue_top_leads", "crm_csv"),
    }
    held = members[members["is_holdout"]]
    held_out = {a: set(part["entity_id"]) for a, part in held.groupby("audience")}
    for manifest in manifests:
        path = settings.out_dir / manifest["audience"] / manifest["file"]
        assert manifest["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
        assert len(frame) == manifest["rows"], manifest
        if manifest["destination"] == "customer_match":
            assert frame["Email"].str.fullmatch("[0-9a-f]{64}").all()  # hashed, never plain
        else:
            assert "Email" not in frame and "email" not in frame  # no plain text by default
        if manifest["destination"] == "crm_csv":
            never = held_out.get(manifest["audience"], set()) | suppressed
            assert not set(frame["External ID"]) & never
        if manifest["destination"] == "parquet":
            assert not set(frame["entity_id"]) & suppressed
            assert frame["is_holdout"].any()  # the record keeps the control group
    match = pd.read_csv(
        settings.out_dir / "winback_persuadable_churners"
        / "winback_persuadable_churners.customer_match.csv"
    )  # fmt: skip
    expected = treated[~treated["entity_id"].isin(suppressed)]["email"]
    independent = [hashlib.sha256(e.strip().lower().encode()).hexdigest() for e in expected]
    assert match["Email"].tolist() == independent
    # phones: the SHA-256 of the staged E.164 number ('+' and digits), blank without one
    phones = treated[~treated["entity_id"].isin(suppressed)]["phone"]
    assert (
        phones.notna().mean() > 0.3 and phones.dropna().str.fullmatch(r"\+[1-9][0-9]{6,14}").all()
    )
    hashed = [hashlib.sha256(p.encode()).hexdigest() if isinstance(p, str) else "" for p in phones]
    assert match["Phone"].fillna("").tolist() == hashed
    assert manifests[0]["suppressed_members"] == 5

    again = export_audiences(built.warehouse, settings, **quiet)
    assert [m["sha256"] for m in again] == [m["sha256"] for m in manifests]

    plain = tmp_path / "plain"
    assert main(["export", "--warehouse", str(built.warehouse), "--out", str(plain),
                 "--audience", "vip_by_clv", "--allow-plain-pii"]) == 0  # fmt: skip
    crm = pd.read_csv(plain / "vip_by_clv" / "vip_by_clv.crm.csv", dtype=str)
    vip = members[(members["audience"] == "vip_by_clv") & ~members["is_holdout"]]
    vip = vip[~vip["refused"]]
    emails = dict(zip(vip["entity_id"], vip["email"], strict=True))
    expected_emails = pd.Series([emails[i] for i in crm["External ID"]], dtype=object)
    assert crm["Email"].fillna("").tolist() == expected_emails.fillna("").tolist()
    capsys.readouterr()
    assert main(["export", "--warehouse", str(built.warehouse), "--audience", "vipp"]) == 1
    assert "no declared audience vipp (declared: winback_persuadable_churners" in (
        capsys.readouterr().err
    )


def _members_with_consent(built) -> pd.DataFrame:
    """Every audience member with its email and marketing consent, read from staging here."""
    members = _frame(
        built,
        "select members.*, customers.email, customers.phone, customers.marketing_consent"
        " from marts.audience_members as members"
        " left join staging.stg_shop__customers as customers"
        " on members.entity_id = customers.customer_id",
    )
    consent = members["marketing_consent"]
    is_customer = members["audience"] != "sales_queue_top_leads"
    members["refused"] = is_customer & consent.notna() & (consent.astype(object) == False)  # noqa: E712
    members["unknown"] = is_customer & consent.isna()
    return members.sort_values(["audience", "member_rank"])


def _exported_ids(path: Path, destination: str, members: pd.DataFrame) -> set[str]:
    """The member ids in an export file (the ad-platform file by its hashed emails)."""
    if destination == "parquet":
        return set(pd.read_parquet(path)["entity_id"])
    frame = pd.read_csv(path, dtype=str)
    if destination == "crm_csv":
        return set(frame["External ID"])
    by_hash = {
        hashlib.sha256(e.strip().lower().encode()).hexdigest(): i
        for i, e in zip(members["entity_id"], members["email"], strict=True)
        if isinstance(e, str)
    }
    assert set(frame["Email"]) <= set(by_hash)
    return {by_hash[h] for h in frame["Email"]}


def test_exports_never_hold_a_customer_who_refused_consent(built, tmp_path):
    """Checked against staging's marketing_consent: a customer whose consent is false is in no
    file of any destination (the Parquet record included); an unknown one is exported unless
    --require-consent, which leaves both out; each manifest counts the members left out for
    consent; leads (no consent column) are unaffected."""
    from audience.cli import main

    members = _members_with_consent(built)
    customers = members[members["audience"] != "sales_queue_top_leads"]
    assert customers["refused"].sum() > 10 and customers["unknown"].sum() > 2  # both occur
    for require, flags in ((False, []), (True, ["--require-consent"])):
        out = tmp_path / ("required" if require else "default")
        assert main(["export", "--warehouse", str(built.warehouse), "--out", str(out), *flags]) == 0
        manifests = [json.loads(p.read_text()) for p in sorted(out.glob("*/*.manifest.json"))]
        assert len(manifests) == 8
        left_out, unknown_exported = 0, set()
        for manifest in manifests:
            audience, destination = manifest["audience"], manifest["destination"]
            rows = members[members["audience"] == audience]
            never = rows["refused"] | (rows["unknown"] if require else False)
            ids = _exported_ids(out / audience / manifest["file"], destination, rows)
            assert not ids & set(rows[never]["entity_id"]), (audience, destination)
            assert manifest["non_consented_members"] == int(never.sum()), manifest
            assert manifest["consent_required"] is require
            treated = rows[~rows["is_holdout"] & ~never]
            if destination == "crm_csv":
                assert ids == set(treated["entity_id"]), (audience, destination)
            elif destination == "parquet":
                assert ids == set(rows[~never]["entity_id"]), (audience, destination)
            else:
                assert ids == set(treated[treated["email"].notna()]["entity_id"])
            if audience == "sales_queue_top_leads":
                assert manifest["non_consented_members"] == 0 and len(ids) == len(treated) > 0
            left_out += manifest["non_consented_members"]
            unknown_exported |= ids & set(rows[rows["unknown"]]["entity_id"])
        assert left_out > 0
        assert bool(unknown_exported) is not require  # unknown consent: exported by default only


def test_emails_are_hashed_as_the_ad_platforms_ask_trimmed_and_lower_cased():
    from audience.activation.exports import ExportError, hashed_email, read_suppressions

    expected = hashlib.sha256(b"someone@example.com").hexdigest()
    assert hashed_email("  Someone@Example.COM \t") == expected
    assert hashed_email(None) is None and hashed_email("   ") is None
    with pytest.raises(ExportError, match="expected a column email, customer_id or lead_id"):
        path = Path(tempfile.mkdtemp()) / "list.csv"
        path.write_text("mail\nx@y.z\n")
        read_suppressions(path)
