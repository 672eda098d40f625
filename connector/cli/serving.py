"""connector serve, connector worker: the long-running processes."""
from __future__ import annotations

import logging
import signal

import click

from connector.cli import cli
from connector.cli.common import open_runtime
from connector.settings import Settings

log = logging.getLogger("connector.cli")


@cli.command()
@click.option("--host", help="Address to listen on (default CONNECTOR_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default CONNECTOR_PORT or 8000).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Web and outbox worker in one process: the embedded default."""
    from waitress import create_server

    from connector.app import create_app
    from connector.runtime import Runtime

    settings: Settings = ctx.obj.replace(embedded_worker=True)
    runtime = Runtime.start(settings)
    runtime.warm_up()
    app = create_app(settings, runtime=runtime)
    server = create_server(app, host=host or settings.host,
                           port=settings.port if port is None else port,
                           threads=settings.serve_threads, ident="wp-lead-connector")
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.close())
    # Tests and supervisors read the real port from here when asked for port 0.
    click.echo(f"listening on http://{server.effective_host}:{server.effective_port}",
               err=True)
    try:
        server.run()
    except (OSError, ValueError):
        pass  # server.close() from the signal handler ends run() with one of these
    finally:
        runtime.close()
        log.info("stopped")


@cli.command()
@click.option("--burst", is_flag=True, help="Exit once nothing is due (for cron and tests).")
@click.pass_context
def worker(ctx: click.Context, burst: bool) -> None:
    """Run an outbox worker alone; start as many as you like against PostgreSQL."""
    runtime = open_runtime(ctx)
    w = runtime.make_worker()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: w.stop())
    w.run(burst=burst)
