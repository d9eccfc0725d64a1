"""Write the demo business's raw files and, separately, its ground truth.

Layout written (``out_dir`` is what ``AUDIENCE_DATA_DIR`` points at; the truth goes to a sibling
folder no model reads)::

    <out_dir>/customers.csv            CRM export, every value as text
    <out_dir>/order_lines.parquet      one row per order line
    <out_dir>/events.parquet           web and app events
    <out_dir>/campaign_exposures.parquet
    <out_dir>/leads.csv                CRM export, every value as text
    <out_dir>/lead_activities.parquet
    <truth_dir>/customer_archetypes.parquet, label_probabilities.parquet,
                treatment_effects.parquet, dirty_rows.json

The same ``customers`` and ``seed`` always give byte-identical data: every block of customers has
its own random stream, derived from the seed and the block number.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from audience.demo import dirty, truth, world
from audience.demo.customers import simulate_block
from audience.demo.leads import simulate_leads

BLOCK_SIZE = 50_000
LEADS_PER_CUSTOMER = 0.25  # enough open leads per cutoff for an out-of-time check of lead scores
DEFAULT_CUSTOMERS = 100_000
DEFAULT_SEED = 20251231


class _Sink:
    """Appends blocks of one raw table to a Parquet or CSV file."""

    def __init__(self, path: Path):
        self.path = path
        self.writer = None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if self.writer is None:
            if self.path.suffix == ".csv":
                self.writer = pacsv.CSVWriter(self.path, table.schema)
            else:
                self.writer = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        self.writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


RAW_FILES = {
    "customers": "customers.csv",
    "order_lines": "order_lines.parquet",
    "events": "events.parquet",
    "campaign_exposures": "campaign_exposures.parquet",
    "leads": "leads.csv",
    "lead_activities": "lead_activities.parquet",
}
TRUTH_TABLES = ("customer_archetypes", "label_probabilities", "treatment_effects")


def generate(
    out_dir: Path,
    truth_dir: Path,
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    log=print,
    leads: int | None = None,
) -> dict[str, int]:
    """Generate the demo data set; returns the number of raw rows written per table.

    ``leads`` defaults to ``LEADS_PER_CUSTOMER`` per customer (the B2B side is independent of
    the B2C side: changing it leaves every customer-side file unchanged).
    """
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    if leads is not None and leads < 1:
        raise ValueError(f"leads must be at least 1, got {leads}")
    started = time.perf_counter()
    _recreate_folders(out_dir, truth_dir)
    sinks = {name: _Sink(out_dir / file) for name, file in RAW_FILES.items()}
    truth_sinks = {name: _Sink(truth_dir / f"{name}.parquet") for name in TRUTH_TABLES}
    # One damage stream for every table, drawn through the customer blocks and then the leads.
    dirty_rng = np.random.default_rng([seed, 3])
    planted: list[tuple] = []  # every dirty row: (table, id, reason)

    _write_customer_blocks(seed, customers, sinks, truth_sinks, dirty_rng, planted, log, started)
    n_leads = leads if leads is not None else max(1, int(round(customers * LEADS_PER_CUSTOMER)))
    _write_lead_blocks(seed, n_leads, sinks, truth_sinks, dirty_rng, planted)
    log(f"  leads {n_leads:,}  lead activities {sinks['lead_activities'].rows:,}")

    for sink in (*sinks.values(), *truth_sinks.values()):
        sink.close()
    _write_planted_defects(truth_dir, planted)
    counts = {name: sink.rows for name, sink in sinks.items()}
    _write_manifest(truth_dir, seed, customers, n_leads, counts)
    log(f"demo data written to {out_dir} in {time.perf_counter() - started:.1f}s")
    return counts


def _recreate_folders(out_dir: Path, truth_dir: Path) -> None:
    for folder in (out_dir, truth_dir):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)


def _write_customer_blocks(
    seed: int,
    customers: int,
    sinks: dict[str, _Sink],
    truth_sinks: dict[str, _Sink],
    dirty_rng: np.random.Generator,
    planted: list[tuple],
    log,
    started: float,
) -> None:
    """Simulate the customers block by block, writing their raw tables (damaged) and truth."""
    n_blocks = -(-customers // BLOCK_SIZE)
    for block in range(n_blocks):
        first = block * BLOCK_SIZE + 1
        n = min(BLOCK_SIZE, customers - block * BLOCK_SIZE)
        b = simulate_block(seed, block, first, n)
        sinks["customers"].write(
            dirty.with_dirty_rows(dirty_rng, "customers", b.customers, planted)
        )
        sinks["order_lines"].write(
            dirty.with_dirty_rows(dirty_rng, "order_lines", b.order_lines, planted)
        )
        sinks["events"].write(dirty.with_dirty_rows(dirty_rng, "events", b.events, planted))
        sinks["campaign_exposures"].write(
            dirty.with_dirty_rows(dirty_rng, "campaign_exposures", b.exposures, planted)
        )
        _write_customer_truth(truth_sinks, b)
        log(
            f"  customers {first + n - 1:>9,}/{customers:,}  "
            f"order lines {sinks['order_lines'].rows:>11,}  events {sinks['events'].rows:>12,}  "
            f"({time.perf_counter() - started:.1f}s)"
        )


def _write_lead_blocks(
    seed: int,
    n_leads: int,
    sinks: dict[str, _Sink],
    truth_sinks: dict[str, _Sink],
    dirty_rng: np.random.Generator,
    planted: list[tuple],
) -> None:
    """Simulate the B2B leads block by block, writing their raw tables (damaged) and truth."""
    for block in range(-(-n_leads // BLOCK_SIZE)):
        first = block * BLOCK_SIZE + 1
        n = min(BLOCK_SIZE, n_leads - block * BLOCK_SIZE)
        lb = simulate_leads(seed, block, first, n)
        sinks["leads"].write(dirty.with_dirty_rows(dirty_rng, "leads", lb.leads, planted))
        sinks["lead_activities"].write(
            dirty.with_dirty_rows(dirty_rng, "lead_activities", lb.activities, planted)
        )
        _write_label_truth(truth_sinks, "lead", truth.lead_label_truth(lb.latent))


def _write_planted_defects(truth_dir: Path, planted: list[tuple]) -> None:
    """Every dirty row planted: its table, record id and the rejection staging should give it."""
    table, record_id, kind = (
        (list(c) for c in zip(*planted, strict=True)) if planted else ([], [], [])
    )
    pq.write_table(
        pa.table(
            {
                "table_name": pa.array(table, pa.string()),
                "record_id": pa.array(record_id, pa.string()),
                "rejection_reason": pa.array([dirty.reason_of(k) for k in kind], pa.string()),
            }
        ),
        truth_dir / "planted_defects.parquet",
    )


def _write_manifest(
    truth_dir: Path, seed: int, customers: int, n_leads: int, counts: dict[str, int]
) -> None:
    manifest = {
        "seed": seed,
        "customers": customers,
        "leads": n_leads,
        "data_start": str(world.START),
        "data_end": str(world.END),
        "raw_rows": counts,
        "dirty_rows_per_block_and_kind": {k: list(v) for k, v in dirty.DAMAGES.items()},
    }
    (truth_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _write_customer_truth(sinks: dict[str, _Sink], b) -> None:
    names = np.array([a.name for a in world.ARCHETYPES])
    sinks["customer_archetypes"].write(
        pa.table(
            {
                "customer_id": b.latent["customer_id"],
                "archetype_id": b.latent["archetype"].astype(np.int32),
                "archetype_name": names[b.latent["archetype"]],
            }
        )
    )
    _write_label_truth(sinks, "customer", truth.customer_label_truth(b.latent))
    effect, p_control = truth.treatment_effects(b.latent, b.exposure_latent)
    x = b.exposure_latent
    sinks["treatment_effects"].write(
        pa.table(
            {
                "exposure_id": x["exposure_id"],
                "campaign_id": x["campaign"],
                "customer_id": b.latent["customer_id"][x["customer"]],
                "is_treated": x["treated"],
                "true_response_probability_control": p_control,
                "true_treatment_effect": effect,
                "true_intensity_lift": x["lift"],
            }
        )
    )


def _write_label_truth(sinks: dict[str, _Sink], entity: str, rows: dict[str, list]) -> None:
    if not rows["entity_id"]:
        return
    ids = np.concatenate(rows["entity_id"])
    sinks["label_probabilities"].write(
        pa.table(
            {
                "entity_type": np.full(ids.shape[0], entity),
                "entity_id": ids,
                "label": np.concatenate(rows["label"]),
                "cutoff_date": pa.array(np.concatenate(rows["cutoff_date"]), pa.date32()),
                "true_probability": np.concatenate(rows["true_probability"]),
            }
        )
    )
