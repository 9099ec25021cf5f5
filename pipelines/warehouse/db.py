"""DuckDB warehouse: schema layers from .sql files, idempotent landing, contracts, publishing.

A run writes a private work file; when every contract holds, the work file is copied to a
temporary file beside the published snapshot and atomically renamed over it, so a reader
(the dashboard) only ever sees a complete snapshot and never the file a run is writing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from pipelines.connectors.base import FeedbackRecord, QuarantinedRecord, payload_json

SQL_DIR = Path(__file__).parent / "sql"
CONTRACTS_PATH = Path(__file__).parent / "contracts.yaml"
# Built in this order; raw tables persist between runs, the rest is rebuilt from them.
SCHEMA_LAYERS = ("raw", "staging")
MODEL_LAYERS = ("core", "marts")


def fetch_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    """The first row of a query, with the result fully consumed.

    DuckDB 2.0 keeps a result open after ``fetchone()``, which blocks some later calls on the
    same connection (e.g. ``unregister``); fetching all rows closes it.
    """
    return con.execute(sql, params or []).fetchall()[0]


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def identifier(name: str) -> str:
    """A table or column name, checked and quoted, for the few queries that must name one.

    Names come from code or the contracts file, never from users; anything else is refused.
    """
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


def read_sql(relative_path: str) -> str:
    return (SQL_DIR / relative_path).read_text(encoding="utf-8")


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def apply_layers(con: duckdb.DuckDBPyConnection, layers: Iterable[str]) -> list[str]:
    """Run every .sql file of each layer, in file-name order; returns the files run."""
    applied = []
    for layer in layers:
        for sql_file in sorted((SQL_DIR / layer).glob("*.sql")):
            con.execute(sql_file.read_text(encoding="utf-8"))
            applied.append(f"{layer}/{sql_file.name}")
    return applied


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    apply_layers(con, SCHEMA_LAYERS)


# --- landing -------------------------------------------------------------------------


@dataclass(frozen=True)
class LandCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined_new: int = 0

    def __add__(self, other: LandCounts) -> LandCounts:
        return LandCounts(
            inserted=self.inserted + other.inserted,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
            quarantined_new=self.quarantined_new + other.quarantined_new,
        )


def record_content_hash(record: FeedbackRecord) -> str:
    """Hash of everything a record says, except where it was found."""
    fields = asdict(record)
    fields.pop("location")
    return hashlib.sha1(payload_json(fields).encode("utf-8")).hexdigest()


def _records_frame(records: list[FeedbackRecord], landed_at: datetime) -> pd.DataFrame:
    rows = [
        {
            "source": r.source,
            "source_record_id": r.source_record_id,
            "channel": r.channel,
            "received_at": r.received_at,
            "updated_at": r.updated_at,
            "customer_id": r.customer_id,
            "text": r.text,
            "nps": r.nps,
            "csat": r.csat,
            "product": r.product,
            "handle_time_s": r.handle_time_s,
            "resolution_time_s": r.resolution_time_s,
            "language_hint": r.language_hint,
            "turns": json.dumps([asdict(t) for t in r.turns]),
            "metadata": payload_json(r.metadata),
            "payload": payload_json(r.payload),
            "location": r.location,
            "content_hash": record_content_hash(r),
            "landed_at": landed_at,
        }
        for r in records
    ]
    frame = pd.DataFrame(rows)
    for column in ("nps", "csat"):
        frame[column] = frame[column].astype("Int64")
    for column in ("received_at", "updated_at", "landed_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def land_records(
    con: duckdb.DuckDBPyConnection, records: list[FeedbackRecord], landed_at: datetime
) -> LandCounts:
    """Insert new records, update changed ones, leave unchanged ones alone."""
    if not records:
        return LandCounts()
    landing = _records_frame(records, landed_at)
    con.register("landing_frame", landing)
    try:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE landing AS
               SELECT * REPLACE (turns::JSON AS turns, metadata::JSON AS metadata,
                                 payload::JSON AS payload)
               FROM landing_frame"""
        )
        inserted, updated, unchanged = fetch_row(con, read_sql("dml/land_counts.sql"))
        con.execute(read_sql("dml/upsert_raw_records.sql"))
    finally:
        con.unregister("landing_frame")
        con.execute("DROP TABLE IF EXISTS landing")
    return LandCounts(inserted=inserted, updated=updated, unchanged=unchanged)


def quarantine_id(record: QuarantinedRecord) -> str:
    key = "\x1f".join((record.source, record.location, record.reason, record.raw_payload))
    return hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()


def land_quarantine(
    con: duckdb.DuckDBPyConnection, rejected: list[QuarantinedRecord], seen_at: datetime
) -> int:
    """Record rejected records; returns how many were not quarantined before."""
    if not rejected:
        return 0
    frame = pd.DataFrame(
        [
            {
                "quarantine_id": quarantine_id(r),
                "source": r.source,
                "location": r.location,
                "reason": r.reason,
                # NUL bytes cannot be stored in VARCHAR; keep them visible instead.
                "raw_payload": r.raw_payload.replace("\x00", "\\x00"),
                "source_record_id": r.source_record_id,
                "seen_at": pd.Timestamp(seen_at),
            }
            for r in rejected
        ]
    ).drop_duplicates("quarantine_id")
    con.register("rejected", frame)
    try:
        before = fetch_row(con, "SELECT count(*) FROM quarantine")[0]
        con.execute(read_sql("dml/upsert_quarantine.sql"))
        after = fetch_row(con, "SELECT count(*) FROM quarantine")[0]
    finally:
        con.unregister("rejected")
    return after - before


# --- contracts (grain, keys, not-null, relationships) -------------------------------


def load_contracts(path: Path = CONTRACTS_PATH) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["tables"]


def check_contracts(con: duckdb.DuckDBPyConnection, path: Path = CONTRACTS_PATH) -> list[str]:
    """Every violated contract, as a sentence; empty when the warehouse is sound.

    Table and column names come from the contracts file (trusted), never from users.
    """
    violations = []
    for table_name, contract in load_contracts(path).items():
        table = identifier(table_name)
        key = ", ".join(identifier(column) for column in contract["key"])
        duplicate_keys_sql = f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
        duplicates = fetch_row(con, duplicate_keys_sql)[0]
        if duplicates:
            violations.append(f"{table_name}: {duplicates} duplicated keys ({', '.join(contract['key'])})")
        for column_name in contract.get("unique", []):
            column = identifier(column_name)
            repeated_sql = f"SELECT count(*) FROM (SELECT {column} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
            repeated = fetch_row(con, repeated_sql)[0]
            if repeated:
                violations.append(f"{table_name}.{column_name}: {repeated} repeated values")
        for column_name in contract.get("not_null", []) + contract["key"]:
            nulls_sql = f"SELECT count(*) FROM {table} WHERE {identifier(column_name)} IS NULL"
            nulls = fetch_row(con, nulls_sql)[0]
            if nulls:
                violations.append(f"{table_name}.{column_name}: {nulls} nulls")
        for column_name, target in contract.get("references", {}).items():
            parent_name, parent_column_name = target.split(".")
            column, parent, parent_column = identifier(column_name), identifier(parent_name), identifier(parent_column_name)
            orphans_sql = f"""SELECT count(*) FROM {table} AS child
                WHERE child.{column} IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM {parent} AS parent WHERE parent.{parent_column} = child.{column})"""
            orphans = fetch_row(con, orphans_sql)[0]
            if orphans:
                violations.append(f"{table_name}.{column_name}: {orphans} values missing from {target}")
        for column_name, allowed in contract.get("accepted_values", {}).items():
            outside_sql = f"SELECT count(*) FROM {table} WHERE {identifier(column_name)} IS NOT NULL AND {identifier(column_name)} <> ALL(?)"
            bad = fetch_row(con, outside_sql, [allowed])[0]
            if bad:
                violations.append(f"{table_name}.{column_name}: {bad} values outside {allowed}")
    return violations


# --- publishing ----------------------------------------------------------------------


def publish_snapshot(work_path: Path, db_path: Path) -> None:
    """Copy the finished work file over the published snapshot atomically.

    The work file must be closed and checkpointed. Readers that already opened the old
    snapshot keep reading it (same inode); new readers get the new one.
    """
    db_path.parent.mkdir(parents=True, exist_ok=True)
    temp_path = db_path.with_name(f".{db_path.name}.{os.getpid()}.publishing")
    shutil.copyfile(work_path, temp_path)
    with open(temp_path, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temp_path, db_path)
    directory = os.open(db_path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def table_fingerprints(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Row count and a content checksum per table, to compare two warehouses.

    Table names must be trusted (from the contracts file or code), never user input.
    """
    fingerprints = {}
    for table in tables:
        checksum_sql = (
            "SELECT count(*), md5(coalesce(string_agg(t::VARCHAR, chr(30) ORDER BY t::VARCHAR), '')) "
            f"FROM {identifier(table)} AS t"
        )
        fingerprints[table] = fetch_row(con, checksum_sql)
    return fingerprints
