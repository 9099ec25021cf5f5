"""The `voc` command line."""

from __future__ import annotations

import os
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.cli_themes import app as themes_app
from pipelines.settings import PROJECT_ROOT, get_settings

# With no Prefect server configured, each run starts a temporary one; on a busy 2-core
# machine it can take longer than Prefect's default 20 s to come up.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# The machine may have no internet: the temporary server must not try to send telemetry.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

app = typer.Typer(help="Voice-of-customer feedback mining.", no_args_is_help=True, add_completion=False)
app.add_typer(themes_app, name="themes")
console = Console()

DbOption = Annotated[Path | None, typer.Option("--db", help="Published warehouse file (default: data/voc.duckdb).")]


def _print_report(report) -> None:
    sources = Table(title="Collected")
    for column in ("source", "channel", "read", "loaded", "new", "changed", "unchanged", "quarantined"):
        if column in ("source", "channel"):
            sources.add_column(column, no_wrap=True)
        else:
            sources.add_column(column, justify="right")
    for s in report.sources:
        c = s["counts"]
        sources.add_row(
            s["source"], s["channel"], str(s["read"]), str(s["loaded"]), str(c["inserted"]),
            str(c["updated"]), str(c["unchanged"]), str(s["quarantined"]),
        )
    console.print(sources)
    reasons: dict[str, int] = {}
    for s in report.sources:
        for reason, count in s["quarantine_reasons"].items():
            reasons[f"{s['source']}: {reason}"] = count
    if reasons:
        quarantine = Table(title="Quarantined, by reason")
        quarantine.add_column("source: reason", no_wrap=True)
        quarantine.add_column("records", justify="right")
        for reason, count in sorted(reasons.items()):
            quarantine.add_row(reason, str(count))
        console.print(quarantine)
    c, m = report.campaigns, report.promotions
    if not c["is_found"]:
        console.print(f"No campaign calendar at {c['path']}; kept the campaigns landed before.")
    else:
        console.print(
            f"Campaign calendar: {c['loaded']} campaigns ({c['inserted']} new, {c['updated']} changed, "
            f"{c['removed']} removed), {c['quarantined']} rows quarantined."
        )
    console.print(
        f"Promotions: {m['mentions']} items mention one of {m['campaigns']} campaigns; "
        f"{m['confused_segments']} of their segments report confusion."
    )
    u, e, t, w = report.understand, report.embed, report.themes, report.warehouse
    console.print(
        f"Segmented {u['items_processed']} new or changed items into {u['segments_created']} segments "
        f"(warehouse: {u['items_total']} items, {u['segments_total']} segments)."
    )
    if u["items_resegmented"]:
        console.print(f"The segmenting settings or code changed: {u['items_resegmented']} items were split again.")
    console.print(
        f"Embedded {e['embedded_now']} texts with {e['model']} ({e['from_cache']} from cache)."
    )
    n = report.enrich
    console.print(
        f"Scored sentiment and key phrases of {n['texts_enriched_now']} new segment texts; "
        f"{n['duplicates_exact']} exact and {n['duplicates_near']} near-duplicate items grouped under their first copy."
    )
    if t["themes_reanchored"]:
        console.print(
            f"The embedding model changed: {t['themes_reanchored']} themes keep their ids and members, "
            "their centroids recomputed under the new model."
        )
    if t["refitted"]:
        console.print(
            f"Clustered {t['texts']} distinct segment texts into {t['themes_active']} themes "
            f"({t['mode']}: {t['themes_new']} new, {t['themes_retired']} retired); "
            f"{t['unassigned_share']:.1%} unassigned."
        )
    elif t["mode"] == "assign":
        console.print(
            f"Assigned {t['texts_assigned_now']} new segment texts to the {t['themes_active']} existing themes "
            f"without refitting; {t['unassigned_share']:.1%} wait unassigned."
        )
    else:
        console.print("No new segments: kept the existing themes.")
    edits = t["taxonomy"]
    if edits["edits_applied"] or edits["edits_rejected"]:
        console.print(
            f"Taxonomy: applied {edits['edits_applied']} edits from the journal, rejected {edits['edits_rejected']}"
            + ("." if not edits["rejections"] else ":")
        )
        for rejection in edits["rejections"]:
            console.print(f"  rejected: {rejection}")
    console.print(
        f"Warehouse: {w['feedback']} feedback items over {w['channels']} channels, {w['segments']} segments, "
        f"{w['themes']} themes, {w['quarantine']} quarantined records, {w['theme_weekly']} theme_weekly rows."
    )
    timings = Table(title="Stage timings")
    timings.add_column("stage")
    timings.add_column("seconds", justify="right")
    for stage, seconds in report.stage_seconds.items():
        timings.add_row(stage, f"{seconds:.1f}")
    timings.add_row("total", f"{sum(report.stage_seconds.values()):.1f}")
    console.print(timings)
    console.print(f"Published [bold]{report.db_path}[/bold]")


def _start_temporary_prefect_server() -> threading.Thread | None:
    """With no Prefect server configured, a flow starts a temporary one as it begins, and waits
    seconds for it; started on a thread first, it comes up while the pipeline's modules import."""
    from prefect.settings import get_current_settings

    prefect_settings = get_current_settings()
    if prefect_settings.api.url or not prefect_settings.server.ephemeral.enabled:
        return None

    def start() -> None:
        from prefect.server.api.server import SubprocessASGIServer

        SubprocessASGIServer().start()  # one per process: the flow's client finds it running

    starting = threading.Thread(target=start, name="start-prefect-server", daemon=True)
    starting.start()
    return starting


def _start_worker_processes() -> None:
    """A local run's worker processes (cleaning and redaction, then segmenting) start, and
    load their models, while the Prefect server starts and the flow begins, rather than while
    the first source waits for them."""
    settings = get_settings()
    workers = settings.cpu_worker_count()
    if settings.task_runner != "local" or workers <= 1:
        return
    from functools import partial

    from nlp.config import load_nlp_config
    from pipelines import steps
    from pipelines.worker_pool import start_worker_processes

    config = load_nlp_config(settings.nlp_config_path)
    warm_up = partial(steps.load_worker_models, config.redact, config.segment)
    start_worker_processes(workers, steps.__name__, warm_up, wait=False)


def run_pipeline(db: Path | None, sources: Path | None, refit_themes: bool = False):
    server_starting = _start_temporary_prefect_server()
    from pipelines import progress
    from pipelines.flows import configured_pipeline

    _start_worker_processes()  # after the imports: Prefect's logging is set up by then
    if server_starting is not None:
        server_starting.join()  # the flow must not call the server before it answers

    bars = Progress(
        TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=False,
    )
    task_ids: dict[str, int] = {}

    def on_progress(stage: str, done: int, total: int) -> None:
        if stage not in task_ids:
            task_ids[stage] = bars.add_task(stage, total=total)
        bars.update(task_ids[stage], completed=done, total=total)

    progress.set_listener(on_progress)
    try:
        with bars:
            report = configured_pipeline()(db_path=db, sources_path=sources, refit_themes=refit_themes)
    finally:
        progress.set_listener(None)
    _print_report(report)
    return report


@app.command()
def run(
    db: DbOption = None,
    sources: Annotated[Path | None, typer.Option(help="sources.yaml declaring what to collect.")] = None,
    refit_themes: Annotated[bool, typer.Option("--refit-themes", help="Refit all themes (ids kept where they match).")] = False,
) -> None:
    """Run the pipeline: collect every source, understand, theme, build marts, publish."""
    run_pipeline(db, sources, refit_themes)


def serve_dashboard(db: Path, port: int, address: str) -> None:
    env = {**os.environ, "VOC_DB_PATH": str(db.resolve())}
    command = [
        sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "dashboard" / "app.py"),
        "--server.port", str(port), "--server.address", address, "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]
    console.print(f"Dashboard on http://{address}:{port} (Ctrl-C stops it)")
    sys.stdout.flush()
    # Streamlit takes this process's place: a stop signal reaches the server itself (a child
    # left running would keep the port), and its exit status (1: port taken) is ours.
    os.chdir(PROJECT_ROOT)
    os.execve(sys.executable, command, env)


@app.command()
def dashboard(
    db: DbOption = None,
    port: Annotated[int | None, typer.Option(help="Port to serve on (default 8501).")] = None,
    address: Annotated[str | None, typer.Option(help="Address to bind (default localhost).")] = None,
) -> None:
    """Serve the Streamlit dashboard over a published warehouse snapshot."""
    settings = get_settings()
    serve_dashboard(Path(db or settings.db_path), port or settings.dashboard_port, address or settings.dashboard_address)


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="Port to serve on (default 8501).")] = None,
    address: Annotated[str | None, typer.Option(help="Address to bind (default localhost).")] = None,
) -> None:
    """Run the pipeline on the bundled samples into data/voc.duckdb, then serve the dashboard."""
    settings = get_settings()
    run_pipeline(settings.db_path, settings.sources_path)
    serve_dashboard(settings.db_path, port or settings.dashboard_port, address or settings.dashboard_address)


@app.command("generate-samples")
def generate_samples_command(
    out: Annotated[Path, typer.Option(help="Folder for the exports.")] = PROJECT_ROOT / "data" / "samples",
    campaigns: Annotated[Path, typer.Option(help="Campaign calendar CSV to write.")] = PROJECT_ROOT / "data" / "campaigns.csv",
    items: Annotated[int, typer.Option(help="Number of feedback items.")] = 15000,
    weeks: Annotated[int, typer.Option(help="Weeks of history (62: last year's holiday peak included).")] = 62,
    end: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD).")] = "2026-11-15",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Regenerate the seeded sample exports (what data/samples holds)."""
    from samplegen import generate_samples

    summary = generate_samples(out, campaigns, n_items=items, weeks=weeks, end_date=date.fromisoformat(end), seed=seed)
    console.print(summary)


@app.command("themes-eval")
def themes_eval(
    csv_files: Annotated[list[Path], typer.Argument(help="CSV files holding the texts.", exists=True, dir_okay=False)],
    text_col: Annotated[str, typer.Option("--text-col", help="Column with the text.")] = "text",
    label_col: Annotated[str | None, typer.Option("--label-col", help="Column with a true label (scoring only).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the JSON here.")] = None,
    baseline: Annotated[bool, typer.Option("--baseline/--no-baseline", help="Also run BERTopic with its defaults.")] = True,
) -> None:
    """Run the theme engine as the pipeline does on labelled texts; print NMI/ARI as JSON."""
    import json
    import time

    from nlp.config import load_nlp_config
    from nlp.embeddings import load_embedder
    from pipelines.themes_eval import embed_with_cache, evaluate_bertopic_defaults, evaluate_engine, read_labelled_csvs

    settings = get_settings()
    config = load_nlp_config(settings.nlp_config_path).themes
    data = read_labelled_csvs(csv_files, text_col, label_col)
    if data.skipped_undecodable:
        Console(stderr=True).print(f"skipped {data.skipped_undecodable} rows that are not valid UTF-8")
    began = time.perf_counter()
    embedder = load_embedder(config.embedding_backend)
    with Progress(TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bars:
        bar = bars.add_task("embed", total=len(data.texts))
        embeddings = embed_with_cache(
            settings.cache_dir / "embeddings.duckdb", embedder, data.texts,
            lambda done, total: bars.update(bar, completed=done, total=total),
        )
    embed_seconds = time.perf_counter() - began
    engine = evaluate_engine(data.texts, data.labels, embeddings, config)
    result = {
        "n_texts": len(data.texts),
        "n_rows_skipped_undecodable": data.skipped_undecodable,
        "n_labels": len(set(data.labels)) if data.labels is not None else None,
        **{k: v for k, v in engine.items() if k != "seconds_fit"},
        "seconds": round(embed_seconds + engine["seconds_fit"], 1),
        "seconds_embed": round(embed_seconds, 1),
        "seconds_fit": engine["seconds_fit"],
        "embedding_model": embedder.model_id,
    }
    if baseline:
        result["bertopic_defaults"] = evaluate_bertopic_defaults(data.texts, data.labels, embeddings)
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")


@app.command()
def report(
    week: Annotated[str | None, typer.Option(help="ISO week, e.g. 2026-W46 (default: the newest complete week).")] = None,
    db: DbOption = None,
    output_format: Annotated[str, typer.Option("--format", help="md or html.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of printing.")] = None,
) -> None:
    """Write the weekly digest: headline numbers, risers, new themes, fallers, cost leaders, promotion watch."""
    from pipelines.report import parse_iso_week, write_report

    if output_format not in ("md", "html"):
        raise typer.BadParameter("must be md or html", param_hint="--format")
    try:
        week_start = parse_iso_week(week) if week else None
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--week") from error
    db_path = Path(db or get_settings().db_path)
    if not db_path.is_file():
        raise typer.BadParameter(f"no published warehouse at {db_path}; run `voc run` first", param_hint="--db")
    try:
        text = write_report(db_path, week_start, output_format)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--week") from None
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        console.print(f"Wrote {out}")
    else:
        sys.stdout.write(text)


@app.command()
def forecast(
    db: DbOption = None,
    weeks: Annotated[int, typer.Option(help="Weeks ahead to show (4-12).", min=4, max=12)] = 12,
    by: Annotated[str, typer.Option(help="channel or theme (the top themes by volume).")] = "channel",
    staff_hours: Annotated[float | None, typer.Option("--staff-hours", min=0, help="Agent-hours staffed per week: show the gap.")] = None,
) -> None:
    """Print the weekly contact forecast with its interval and the agent-hours it needs."""
    from pipelines.planning import SERIES_KINDS, forecast_table, staffing_gap

    if by not in SERIES_KINDS:
        raise typer.BadParameter(f"must be one of {', '.join(SERIES_KINDS)}", param_hint="--by")
    db_path = Path(db or get_settings().db_path)
    if not db_path.is_file():
        raise typer.BadParameter(f"no published warehouse at {db_path}; run `voc run` first", param_hint="--db")
    rows = forecast_table(db_path, weeks, by)
    if rows.empty:
        console.print("No forecast: the warehouse has too little weekly history (at least 8 weeks are needed).")
        raise typer.Exit(1)
    level = rows["interval_level"].iloc[0]
    table = Table(title=f"Weekly contacts forecast by {by} ({level:.0%} interval)")
    for column in ("week", by, "forecast", "lower", "upper", "agent-hours needed"):
        table.add_column(column, justify="left" if column in ("week", by) else "right", no_wrap=True)
    for row in rows.itertuples():
        table.add_row(f"{row.week_start:%Y-%m-%d}", str(row.series), f"{row.forecast:,.0f}", f"{row.lower:,.0f}",
                      f"{row.upper:,.0f}", f"{row.agent_hours:,.1f}")
    console.print(table)
    for method, series in rows.groupby("method")["series"].unique().items():
        console.print(f"{method}: {', '.join(map(str, series))}")
    if staff_hours is not None:
        by_channel = rows if by == "channel" else forecast_table(db_path, weeks, "channel")
        gap = Table(title=f"Agent-hours needed (all channels) vs {staff_hours:,.0f} staffed")
        for column in ("week", "needed", "staffed", "short (+) / spare (-)"):
            gap.add_column(column, justify="left" if column == "week" else "right")
        for row in staffing_gap(by_channel, staff_hours).itertuples():
            gap.add_row(f"{row.week_start:%Y-%m-%d}", f"{row.agent_hours:,.1f}", f"{row.staff_hours:,.1f}",
                        f"{row.hours_short:+,.1f}")
        console.print(gap)


if __name__ == "__main__":
    app()
