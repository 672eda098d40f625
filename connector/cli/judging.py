"""connector train, connector evaluate: build the learned judgement and measure it honestly."""
from __future__ import annotations

from pathlib import Path

import click

from connector.cli import cli
from connector.settings import PACKAGED_JUDGEMENT, PROJECT_ROOT
from connector.vocabulary import Category, Temperature

CORPUS = PROJECT_ROOT / "corpus"


def _corpus_option(f):
    return click.option("--corpus", "corpus_dir", default=CORPUS, show_default=True,
                        type=click.Path(exists=True, file_okay=False, path_type=Path),
                        help="The labelled corpus (see docs/labelling.md).")(f)


@cli.command("train")
@_corpus_option
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the artefact (default: the packaged one; with --local, "
                   "judgement.npz in the data folder).")
@click.option("--local", is_flag=True, help="Add this business's own labels (connector label, "
                                            "Salesforce outcomes) and keep the result only "
                                            "when it is not worse.")
@click.pass_context
def train_command(ctx: click.Context, corpus_dir: Path, output: Path | None,
                  local: bool) -> None:
    """Build the judgement from the corpus's train and dev splits (the frozen test split is
    never trained on), report it on the test split, and write the artefact."""
    from datetime import datetime, timezone

    from connector.judgement import corpus, training
    from connector.rulebook import Rulebook

    data = corpus.load(corpus_dir)
    version = f"{datetime.now(timezone.utc):%Y.%m.%d}-{data.digest[:8]}"
    if local:
        _train_local(ctx, data, output, version)
        return
    rules = Rulebook.load(ctx.obj.mappings_dir, None)
    train = training.examples(data.split("train") + data.split("dev"), rules)
    test = training.examples(data.split("test"), rules)
    click.echo(f"corpus {data.digest}: training on {len(train)} submissions, "
               f"testing on {len(test)}", err=True)
    judgement = training.fit(train, {"version": version, "corpus": data.digest,
                                     "trained_on": len(train)})
    figures = training.evaluate(judgement, test, rules)
    judgement.header["test_split"] = figures.summary()
    output = output or PACKAGED_JUDGEMENT
    judgement.save(output)
    click.echo(f"judgement {version} written to {output}")
    click.echo(f"frozen test split: {figures.summary()}")


def _train_local(ctx: click.Context, data, output: Path | None, version: str) -> None:
    from connector.cli.common import open_database
    from connector.judgement import local, training
    from connector.rulebook import Rulebook
    from connector.settings import LOCAL_JUDGEMENT

    settings = ctx.obj
    rules = Rulebook.load(settings.mappings_dir, settings.judgement_path)
    with open_database(ctx).transaction() as session:
        labels = local.labelled_leads(session, rules)
    if len(labels) < local.MIN_LABELS:
        raise click.ClickException(
            f"{len(labels)} labelled leads; retraining needs at least {local.MIN_LABELS} "
            "(connector label LEAD --category … gives one)")
    click.echo(f"retraining on the corpus and {len(labels)} labelled leads of this business "
               "(this takes a minute or two)", err=True)
    result = local.retrain(
        training.examples(data.split("train") + data.split("dev"), rules),
        training.examples(data.split("test"), rules), labels, rules, rules.judgement,
        {"version": f"{version}-local", "corpus": data.digest, "local_labels": len(labels)})
    for name, now, new in (("frozen test split", result.test_now, result.test_new),
                           ("your labels (k-fold)", result.labels_now, result.labels_new)):
        click.echo(f"{name}:\n  now: {now.summary()}\n  new: {new.summary()}")
    if not result.better:
        click.echo("kept the current judgement: the retrained one is worse on at least one")
        return
    target = output or settings.data_dir / LOCAL_JUDGEMENT
    result.judgement.save(target)
    click.echo(f"judgement {result.judgement.version} written to {target}; restart the service "
               "to use it")


@cli.command("evaluate")
@_corpus_option
@click.option("--cv", is_flag=True, help="Also grouped cross-validation (trains many models: "
                                         "minutes).")
@click.pass_context
def evaluate_command(ctx: click.Context, corpus_dir: Path, cv: bool) -> None:
    """Per-class accuracy of the judgement in use on the frozen test split."""
    from connector.judgement import corpus, training
    from connector.rulebook import Rulebook

    data = corpus.load(corpus_dir)
    rules = Rulebook.load(ctx.obj.mappings_dir, ctx.obj.judgement_path)
    if rules.judgement is None:
        raise click.ClickException("no judgement in use (CONNECTOR_JUDGEMENT_FILE=none)")
    test = training.examples(data.split("test"), rules)
    figures = training.evaluate(rules.judgement, test, rules)
    click.echo(f"judgement {rules.judgement.version} on the frozen test split "
               f"({len({e.item.business.slug for e in test})} businesses it never saw):")
    click.echo(f"  {figures.summary()}")
    click.echo(figures.per_class_table())
    click.echo(figures.confusion_table())
    labels = _business_labels(ctx, rules)
    if labels:
        mine = training.evaluate(rules.judgement, labels, rules)
        click.echo(f"on this business's {len(labels)} labelled leads: {mine.summary()}")
        click.echo(mine.per_class_table())
    if cv:
        everything = training.examples(list(data), rules)
        for name, key, folds in (("by business", lambda e: e.item.business.slug, 5),
                                 ("by language", lambda e: e.item.lang, None)):
            result = training.grouped_cross_validation(everything, rules, key, folds)
            click.echo(f"grouped cross-validation {name}: {result.summary()}")


def _business_labels(ctx: click.Context, rules) -> list:
    """The business's labelled leads, when there is a database (evaluate never creates one)."""
    from connector.judgement import local
    from connector.store.database import Database
    from connector.store.errors import NoDatabase

    try:
        db = Database(ctx.obj.resolved_database_url, ctx.obj.sqlite_busy_timeout_ms,
                      must_exist=True)
    except NoDatabase:
        return []
    try:
        with db.transaction() as session:
            return local.labelled_leads(session, rules)
    finally:
        db.dispose()


@cli.command("label")
@click.argument("lead_id", type=int)
@click.option("--category", type=click.Choice([c.value for c in Category]),
              help="Who really wrote it.")
@click.option("--temperature", type=click.Choice([t.value for t in Temperature]),
              help="How ready to buy they really were.")
@click.option("--note", help="Why, in a few words (kept with the label).")
@click.pass_context
def label_command(ctx: click.Context, lead_id: int, category: str | None,
                  temperature: str | None, note: str | None) -> None:
    """Give a lead your verdict. It judges the lead from now on (its deliveries follow:
    a vendor is no longer sent anywhere, a buyer taken for junk is), and
    `connector train --local` learns from it."""
    from connector.assessment import assess_and_route
    from connector.cli.common import now, open_runtime
    from connector.store.leads import lead_of_row
    from connector.store.models import LabelRow, LeadRow

    if not category and not temperature:
        raise click.UsageError("give --category, --temperature or both")
    runtime = open_runtime(ctx)
    with runtime.db.transaction() as session:
        row = session.get(LeadRow, lead_id)
        if row is None:
            raise click.ClickException(f"no lead {lead_id}")
        before = (row.temperature, row.category)
        session.add(LabelRow(lead_id=row.id, category=category, temperature=temperature,
                             source="operator", note=note, created_at=now()))
        session.flush()
        routed = assess_and_route(session, row, lead_of_row(row), runtime.rules,
                                  runtime.destinations, now())
        if routed.new:
            runtime.wakeup.announce(session)
        after = (row.temperature, row.category)
    click.echo(f"lead {lead_id}: {before[0]} {before[1]} -> {after[0]} {after[1]}; "
               f"{len(routed.new)} new deliveries, {routed.cancelled} cancelled")


@cli.command("sync-outcomes")
@click.pass_context
def sync_outcomes_command(ctx: click.Context) -> None:
    """Read back what became of the Leads we created in Salesforce (converted, or
    unqualified and why) and keep it as labels the judgement learns from."""
    from connector.cli.common import now, open_runtime
    from connector.outcomes import sync_outcomes

    runtime = open_runtime(ctx)
    salesforce = runtime.destinations.get("salesforce")
    if salesforce is None:
        raise click.ClickException("Salesforce is not configured (SALESFORCE_* keys)")
    done = sync_outcomes(runtime.db, salesforce, runtime.rules, runtime.destinations, now())
    click.echo(f"{done.leads} Salesforce Leads read, {done.labelled} new labels, "
               f"{done.changed} leads changed category")
