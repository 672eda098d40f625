"""The `connector` command: serve, work the outbox, inspect and repair.

Importing this loads click and the settings only; each command imports what it
uses, so `connector --help` and the read-only commands answer at once.
"""
from __future__ import annotations

import os
from typing import Any

import click

from connector.logs import configure_logging
from connector.settings import ConfigError, Settings
from connector.store.errors import NoDatabase, StorageUnavailable


def main() -> None:
    cli()


class _Group(click.Group):
    """Bad configuration or a missing database ends any command with its message."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(f"configuration error: {exc}") from None
        except NoDatabase as exc:
            raise click.ClickException(str(exc)) from None
        except StorageUnavailable as exc:
            raise click.ClickException(f"the database cannot be used right now ({exc}); "
                                       "try again") from None


@click.group(cls=_Group)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """wp-lead-connector: WordPress form submissions to Salesforce and Mailchimp."""
    settings = Settings.from_env(os.environ)
    configure_logging(settings.log_level)
    ctx.obj = settings


# The commands, a module per kind of work; each registers itself on `cli`.
from connector.cli import (checking, importing, inspecting, judging, repairing,  # noqa: E402,F401
                           rules, schema, serving)
