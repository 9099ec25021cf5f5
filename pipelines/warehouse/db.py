"""DuckDB warehouse: schema layers from .sql files, idempotent landing, contracts, publishing.

A run writes a private work file; when every contract holds, the work file is copied to a
temporary file beside the published snapshot and atomically renamed over it, so a reader
(the dashboard) only ever sees a complete snapshot and never the file a run is writing.
A run that dies before publishing leaves no trace: the next run restores the work file from
the published snapshot (``exclusive_run``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from pipelines.connectors.base import FeedbackRecord, QuarantinedRecord, Turn, payload_json

SQL_DIR = Path(__file__).parent / "sql"
CONTRACTS_PATH = Path(__file__).parent / "contracts.yaml"
# Built in this order; raw tables persist between runs, the rest is rebuilt from them (the
# KEPT_TABLES by rewriting the rows that changed).
SCHEMA_LAYERS = ("raw", "staging")
MODEL_LAYERS = ("core", "marts")
# Model tables whose .sql files rewrite only the rows that changed (a weekly run changes a few
# thousand rows of millions); see build_models.
KEPT_TABLES = ("feedback", "segments", "theme_segments")


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
def connect(
    path: Path, read_only: bool = False, memory_limit: str | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the DuckDB file; `memory_limit` (e.g. "3GB") caps DuckDB's own memory,
    which otherwise may grow to 80 % of the machine's RAM before it spills to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {"memory_limit": memory_limit} if memory_limit else {}
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    try:
        yield con
    finally:
        con.close()


def apply_layers(con: duckdb.DuckDBPyConnection, layers: Iterable[str]) -> list[str]:
    """Run every .sql file of each layer, in file-name order; returns the files run."""
    applied = []
    for layer in layers:
        for sql_file in sorted((SQL_DIR / layer).glob("*.sql")):
            con.execute(sql_file.read_text(encoding="utf-8")).fetchall()  # a last INSERT leaves its count
            applied.append(f"{layer}/{sql_file.name}")
    return applied


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    apply_layers(con, SCHEMA_LAYERS)


def sql_fingerprint() -> str:
    """Hash of every warehouse .sql file: what the kept tables' columns and rows follow from."""
    digest = hashlib.sha1()
    for path in sorted(SQL_DIR.rglob("*.sql")):
        digest.update(path.relative_to(SQL_DIR).as_posix().encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Build the core and marts layers; returns the files run.

    The KEPT_TABLES rewrite only their changed rows, which is right only while they were built
    by the same SQL: when any .sql file changed since, they are dropped and so built whole.
    """
    fingerprint = sql_fingerprint()
    if not fetch_row(con, "SELECT count(*) FROM model_state WHERE sql_fingerprint = ?", [fingerprint])[0]:
        for table in KEPT_TABLES:
            con.execute("DROP TABLE IF EXISTS " + identifier(table))
    applied = apply_layers(con, MODEL_LAYERS)
    con.execute("DELETE FROM model_state").fetchall()
    con.execute("INSERT INTO model_state VALUES (?)", [fingerprint]).fetchall()
    return applied


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


# What `dataclasses.asdict` would give, without its deep copy of every payload (most of the
# cost of landing a record); the JSON, and so the hash, is the same.
_HASHED_FIELDS = tuple(f.name for f in fields(FeedbackRecord) if f.name != "location")
_TURN_FIELDS = tuple(f.name for f in fields(Turn))


def _turn_dicts(turns: Iterable[Turn]) -> list[dict[str, object]]:
    return [{name: getattr(turn, name) for name in _TURN_FIELDS} for turn in turns]


def record_content_hash(record: FeedbackRecord) -> str:
    """Hash of everything a record says, except where it was found."""
    hashed = {name: getattr(record, name) for name in _HASHED_FIELDS}
    hashed["turns"] = _turn_dicts(record.turns)
    return hashlib.sha1(payload_json(hashed).encode("utf-8")).hexdigest()


def record_source_hash(record: FeedbackRecord, sanitiser: str) -> str:
    """Hash of a record as its connector read it, before sanitising, under the sanitiser
    fingerprint `sanitiser` (pipelines.sanitise.sanitiser_fingerprint): equal hashes give the
    same landed record, so the record need not be sanitised again."""
    return hashlib.sha1(f"{record_content_hash(record)}:{sanitiser}".encode()).hexdigest()


def landed_source_hashes(con: duckdb.DuckDBPyConnection, source: str, record_ids: list[str]) -> dict[str, str]:
    """source_record_id -> source_hash of the given records of `source` that raw_records holds."""
    return dict(
        con.execute(
            """SELECT source_record_id, source_hash FROM raw_records
               WHERE source = ? AND source_hash IS NOT NULL
                 AND source_record_id IN (SELECT unnest(?::VARCHAR[]))""",
            [source, record_ids],
        ).fetchall()
    )


def _records_frame(
    records: list[FeedbackRecord], landed_at: datetime, source_hashes: Sequence[str | None]
) -> pd.DataFrame:
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
            "turns": json.dumps(_turn_dicts(r.turns)),
            "metadata": payload_json(r.metadata),
            "payload": payload_json(r.payload),
            "location": r.location,
            "content_hash": record_content_hash(r),
            "source_hash": source_hash,
            "landed_at": landed_at,
        }
        for r, source_hash in zip(records, source_hashes, strict=True)
    ]
    frame = pd.DataFrame(rows)
    for column in ("nps", "csat"):
        frame[column] = frame[column].astype("Int64")
    for column in ("received_at", "updated_at", "landed_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def land_records(
    con: duckdb.DuckDBPyConnection,
    records: list[FeedbackRecord],
    landed_at: datetime,
    source_hashes: Sequence[str | None] | None = None,
) -> LandCounts:
    """Insert new records, update changed ones, leave unchanged ones alone. `source_hashes`
    (record_source_hash of each record as read, before sanitising) are stored with them."""
    if not records:
        return LandCounts()
    landing = _records_frame(records, landed_at, source_hashes or [None] * len(records))
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
    enforced = enforced_constraints(con)
    for table_name, contract in load_contracts(path).items():
        table = identifier(table_name)
        key = ", ".join(identifier(column) for column in contract["key"])
        if (table_name, "UNIQUE", frozenset(contract["key"])) not in enforced:
            duplicate_keys_sql = f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
            duplicates = fetch_row(con, duplicate_keys_sql)[0]
            if duplicates:
                violations.append(f"{table_name}: {duplicates} duplicated keys ({', '.join(contract['key'])})")
        for column_name in contract.get("unique", []):
            if (table_name, "UNIQUE", frozenset([column_name])) in enforced:
                continue
            column = identifier(column_name)
            repeated_sql = f"SELECT count(*) FROM (SELECT {column} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
            repeated = fetch_row(con, repeated_sql)[0]
            if repeated:
                violations.append(f"{table_name}.{column_name}: {repeated} repeated values")
        # Nulls and values outside the accepted ones: every column's count in one scan.
        scans: list[tuple[str, str, str]] = []  # (column, what is wrong, counting expression)
        accepted_lists: list[list] = []
        for column_name in dict.fromkeys(contract.get("not_null", []) + contract["key"]):
            if (table_name, "NOT NULL", frozenset([column_name])) not in enforced:
                scans.append((column_name, "nulls", f"count(*) FILTER ({identifier(column_name)} IS NULL)"))
        for column_name, allowed in contract.get("accepted_values", {}).items():
            column = identifier(column_name)
            scans.append((column_name, f"values outside {allowed}",
                          f"count(*) FILTER ({column} IS NOT NULL AND {column} <> ALL(?))"))
            accepted_lists.append(allowed)
        if scans:
            counts = fetch_row(con, f"SELECT {', '.join(scan[2] for scan in scans)} FROM {table}", accepted_lists)
            violations += [f"{table_name}.{column_name}: {count} {wrong}"
                           for (column_name, wrong, _), count in zip(scans, counts, strict=True) if count]
        for column_name, target in contract.get("references", {}).items():
            parent_name, parent_column_name = target.split(".")
            column, parent, parent_column = identifier(column_name), identifier(parent_name), identifier(parent_column_name)
            # An explicit anti join: DuckDB plans NOT EXISTS here as a slower mark join (2.1 s
            # against 0.9 s for all references at 1M items).
            orphans_sql = f"""SELECT count(*) FROM {table} AS child
                ANTI JOIN {parent} AS parent ON parent.{parent_column} = child.{column}
                WHERE child.{column} IS NOT NULL"""
            orphans = fetch_row(con, orphans_sql)[0]
            if orphans:
                violations.append(f"{table_name}.{column_name}: {orphans} values missing from {target}")
    return violations


def enforced_constraints(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, frozenset[str]]]:
    """(table, "UNIQUE" or "NOT NULL", columns) that DuckDB enforces on every write, so
    need not be checked by scanning (a primary key counts as unique). At a million items
    the scans of the large keyed tables took seconds of every run."""
    rows = con.execute(
        """SELECT table_name, CASE WHEN constraint_type = 'NOT NULL' THEN 'NOT NULL' ELSE 'UNIQUE' END,
                  constraint_column_names
           FROM duckdb_constraints()
           WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'NOT NULL') AND schema_name = 'main'"""
    ).fetchall()
    return {(table, kind, frozenset(columns)) for table, kind, columns in rows}


# --- publishing ----------------------------------------------------------------------


def _run_marker(work_path: Path) -> Path:
    return work_path.with_name(f"{work_path.name}.running")


def _wal(database_path: Path) -> Path:
    return database_path.with_name(f"{database_path.name}.wal")


def _fsync_directory(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


@dataclass(frozen=True)
class AbandonedRun:
    """A run that marked the work file and never published: killed, or failed."""

    owner: str  # what that run wrote into its mark (the flow passes its flow run id); "" if unknown


@contextmanager
def exclusive_run(work_path: Path, db_path: Path, owner: str = "") -> Iterator[AbandonedRun | None]:
    """Hold the work file for one run, marked with `owner`; yields the unfinished run that was
    rolled back, or None.

    A run marks the work file before changing it, and ``finish_run`` clears the mark once the
    run has published. A mark found here means the last run was killed or failed before
    publishing and left its steps half-done (a refit half-written, a landing without its
    NLP outputs): the work file is restored from the published snapshot, so every run starts
    from the last published state. Embeddings already computed are kept (see
    ``restore_work_file``). The lock, released by the OS even on SIGKILL, tells a dead run from
    a live one, so a second run never restores the file under a live one.
    """
    work_path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(work_path.with_name(f"{work_path.name}.lock"), "a")  # held until the run ends
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another run is writing {work_path}") from None
        marker = _run_marker(work_path)
        abandoned = None
        if marker.exists():
            # The mark holds the pid, then the owner (marks from before owners hold the pid only).
            lines = marker.read_text(encoding="utf-8", errors="replace").splitlines()
            abandoned = AbandonedRun(owner=lines[1].strip() if len(lines) > 1 else "")
            restore_work_file(work_path, db_path)
        # Copies a killed publish left behind; no one else publishes while we hold the lock.
        for stale in db_path.parent.glob(f".{db_path.name}.*.publishing"):
            stale.unlink()
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n{owner}\n")
            os.fsync(handle.fileno())
        _fsync_directory(marker.parent)
        yield abandoned
    finally:
        lock.close()


def finish_run(work_path: Path) -> None:
    """Clear the mark of a run in progress: the work file is now what was published."""
    _run_marker(work_path).unlink(missing_ok=True)
    _fsync_directory(work_path.parent)


def restore_work_file(work_path: Path, db_path: Path) -> None:
    """Replace the work file by a copy of the published snapshot (or an empty warehouse).

    Cached embeddings of the abandoned work file are carried over: they depend only on the
    model and the text, and they are the slowest thing a run computes. An abandoned file
    DuckDB cannot open is dropped whole. Safe to repeat if killed: the run mark stays until
    a run publishes, and the work file is swapped in one rename.
    """
    restoring = work_path.with_name(f"{work_path.name}.restoring")
    for leftover in (restoring, _wal(restoring)):
        leftover.unlink(missing_ok=True)
    if db_path.exists():
        shutil.copyfile(db_path, restoring)
    with connect(restoring) as con:
        init_schema(con)
        if work_path.exists():
            try:
                con.execute("ATTACH ? AS abandoned", [str(work_path)])
                con.execute(
                    "INSERT INTO embedding_cache SELECT * FROM abandoned.embedding_cache ON CONFLICT DO NOTHING"
                )
            except duckdb.Error:
                pass  # unreadable or from before the cache existed: recompute the embeddings
        con.execute("CHECKPOINT")
    with open(restoring, "rb+") as handle:
        os.fsync(handle.fileno())
    # A WAL beside the restored file would be replayed onto it: remove it first.
    _wal(work_path).unlink(missing_ok=True)
    os.replace(restoring, work_path)
    _fsync_directory(work_path.parent)


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
    _fsync_directory(db_path.parent)


# Columns stamped with the time a run landed a row: they change when a run lands the same
# inputs again.
RERUN_STAMPED_COLUMNS: dict[str, tuple[str, ...]] = {
    "raw_records": ("first_loaded_at", "last_changed_at"),
    "quarantine": ("first_seen_at",),
}
# Every column holding the time or id of a run: they differ between two warehouses built by
# different runs from the same inputs, and nothing else may.
RUN_STAMPED_COLUMNS: dict[str, tuple[str, ...]] = {
    **RERUN_STAMPED_COLUMNS,
    "raw_campaigns": ("first_loaded_at", "last_changed_at"),
    "theme_state": ("first_seen_run", "last_seen_run", "retired_run"),
    "category_state": ("first_seen_run", "last_seen_run"),
    "themes": ("first_seen_run", "last_seen_run"),
    "theme_history": ("first_seen_run", "last_seen_run", "retired_run"),
    "taxonomy_edits": ("landed_run", "applied_run"),
}


def table_fingerprints(
    con: duckdb.DuckDBPyConnection,
    tables: Iterable[str],
    excluded_columns: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, tuple[int, str]]:
    """Row count and a content checksum per table, to compare two warehouses, leaving out
    ``excluded_columns`` (e.g. ``RUN_STAMPED_COLUMNS``) of the tables that have them.

    Table and column names must be trusted (from the contracts file or code), never user input.
    """
    excluded_columns = excluded_columns or {}
    fingerprints = {}
    for table in tables:
        rows = identifier(table)
        if excluded_columns.get(table):
            columns = ", ".join(identifier(column) for column in excluded_columns[table])
            rows = f"(SELECT * EXCLUDE ({columns}) FROM {rows})"
        checksum_sql = (
            "SELECT count(*), md5(coalesce(string_agg(t::VARCHAR, chr(30) ORDER BY t::VARCHAR), '')) "
            f"FROM {rows} AS t"
        )
        fingerprints[table] = fetch_row(con, checksum_sql)
    return fingerprints
