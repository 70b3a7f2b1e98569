"""`gpqi synth`: write a calibrated synthetic multi-practice extract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer


def synth(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write the extract into (must be empty or new).")
    ],
    practices: Annotated[int, typer.Option(help="Number of practices.")] = 20,
    patients: Annotated[int, typer.Option(help="Combined registered list size on the end date.")] = 50000,
    start: Annotated[
        dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="First day of the history.")
    ] = dt.datetime(2016, 4, 1),
    end: Annotated[
        dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="Last day (the reference date).")
    ] = dt.datetime(2026, 3, 31),
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed and options give identical files.")
    ] = 42,
    networks: Annotated[
        int | None, typer.Option(help="Number of networks (default: groups of 4-6 practices).")
    ] = None,
    sub_icbs: Annotated[
        int | None, typer.Option("--sub-icbs", help="Number of sub-ICBs (default: ~4 networks each).")
    ] = None,
    programme_networks: Annotated[
        int | None,
        typer.Option(help="How many networks join the improvement programme (default: about a quarter)."),
    ] = None,
    programme_network: Annotated[
        list[str] | None,
        typer.Option(
            "--programme-network", help="A network code in the programme (repeatable; overrides the count)."
        ),
    ] = None,
    programme_start: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], help="Programme start (default: 1 April about four years before the end)."
        ),
    ] = None,
    history_years: Annotated[
        int, typer.Option(help="Years of clinical history recorded before --start.")
    ] = 5,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="cdm (Parquet; also parquet), csv (CDM as CSV), fhir, emis, systmone, "
            "or mixed (practices take cdm, fhir, emis and systmone in turn).",
        ),
    ] = "cdm",
    workers: Annotated[int, typer.Option(help="Processes generating networks in parallel.")] = 1,
    overwrite: Annotated[bool, typer.Option(help="Replace the folder if it is not empty.")] = False,
) -> None:
    """Write a synthetic extract: per-practice CDM files calibrated to published national figures."""
    from pydantic import ValidationError
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from gpqi.synth.config import SynthConfig
    from gpqi.synth.formats import DIALECTS, mixed, rewrite
    from gpqi.synth.generate import SynthError, generate

    console = Console()
    if fmt not in ("cdm", "parquet", "csv", "mixed", *DIALECTS):
        raise typer.BadParameter(f"--format {fmt}: choose cdm, csv, fhir, emis, systmone or mixed")
    dialect = fmt if fmt in ("mixed", *DIALECTS) else None
    try:
        config = SynthConfig(
            practices=practices,
            patients=patients,
            start=start.date(),
            end=end.date(),
            seed=seed,
            networks=networks,
            sub_icbs=sub_icbs,
            programme_networks=programme_networks,
            programme_network_codes=tuple(programme_network) if programme_network else None,
            programme_start=programme_start.date() if programme_start else None,
            history_years=history_years,
            format="csv" if fmt == "csv" else "parquet",
            workers=workers,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'options'}: {err['msg']}" for err in exc.errors()
        )
        raise typer.BadParameter(problems) from exc

    with Progress(
        TextColumn("[bold]synth[/] practices"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("practices", total=practices)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            manifest = generate(out, config, overwrite=overwrite, progress=report)
            if dialect is not None:
                codes = manifest["practice_codes"]
                rewrite(out, mixed(codes) if dialect == "mixed" else dict.fromkeys(codes, dialect))
        except (SynthError, ValueError) as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from exc

    table = Table("table", "rows", title=f"{out} ({manifest['elapsed_seconds']} s)")
    for name, n in manifest["row_counts"].items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    prog = manifest["programme"]
    console.print(
        f"{len(manifest['practice_codes'])} practices in {len(manifest['networks'])} networks; "
        f"improvement programme from {prog['start']} in {', '.join(prog['networks']) or 'no networks'}"
    )


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
