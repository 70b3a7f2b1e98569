"""The `gpqi` command. Each stage's package contributes its commands from its own `cli.py`;
this module only assembles them, so heavy imports (Spark, Django) stay inside the commands."""

from __future__ import annotations

import typer

from gpqi import __version__

app = typer.Typer(
    help="gpqi: shared quality indicators for groups of general practices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold patient data
)


@app.command()
def version() -> None:
    """Print the gpqi version."""
    typer.echo(__version__)


def _register() -> None:
    # Each import adds that stage's commands to `app`.
    from gpqi.codelists import cli as codelists_cli

    codelists_cli.register(app)
    from gpqi.synth import cli as synth_cli

    synth_cli.register(app)
    from gpqi.web import cli as web_cli

    web_cli.register(app)
    from gpqi.ingest import cli as ingest_cli

    ingest_cli.register(app)
    from gpqi.engine import cli as engine_cli
    from gpqi.indicators import cli as indicators_cli

    indicators_cli.register(app)
    engine_cli.register(app)
    from gpqi.web.campaigns import cli as campaigns_cli

    campaigns_cli.register(app)  # `gpqi campaign` and `gpqi newsletter`
    from gpqi.web.packs import cli as packs_cli

    packs_cli.register(app)  # `gpqi pack`
    from gpqi.web.alerts import cli as alerts_cli

    alerts_cli.register(app)  # `gpqi alerts`
    from gpqi.programmes import cli as programmes_cli

    programmes_cli.register(app)


_register()
