"""Learning the business: its own labels (operator verdicts, Salesforce outcomes) added to
the corpus, and a retrained judgement kept only when it is not worse.

"Not worse" is measured where neither judgement learnt the answer: the corpus's frozen
test split, and the business's labels by k-fold (each fold judged by a judgement trained
without it, against the current judgement on the same fold).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector.domain.enrichment import enrich
from connector.domain.scoring import ScoringRules, model_view_and_evidence
from connector.judgement import training
from connector.judgement.corpus import Business, Labelled
from connector.judgement.model import Judgement
from connector.rulebook import Rulebook
from connector.store.leads import lead_of_row
from connector.store.models import LabelRow, LeadRow
from connector.vocabulary import Category, Temperature

MIN_LABELS = 20
LOCAL_WEIGHT = 3.0  # one of the business's own labels counts as three corpus submissions
FOLDS = 5


def site(rules: ScoringRules) -> Business:
    """The business running this service, as the corpus describes businesses."""
    return Business(slug="this-site", kind="this business", languages=(),
                    own_domains=tuple(rules.own_domains),
                    competitor_domains=tuple(rules.competitor_domains),
                    customer_domains=tuple(rules.customer_domains))


def labelled_leads(session: Session, rules: Rulebook) -> list[training.Example]:
    """Every labelled lead (its latest label), as training examples judged by the site's rules."""
    latest = (select(LabelRow.lead_id, func.max(LabelRow.id).label("id"))
              .group_by(LabelRow.lead_id).subquery())
    rows = session.execute(select(LeadRow, LabelRow)
                           .join(latest, latest.c.lead_id == LeadRow.id)
                           .join(LabelRow, LabelRow.id == latest.c.id)
                           .order_by(LeadRow.id))
    business = site(rules.scoring)
    examples = []
    for lead_row, label in rows:
        category = Category(label.category or lead_row.category or Category.PROSPECT)
        temperature = Temperature(
            Temperature.COLD if category.is_junk
            else label.temperature or lead_row.temperature or Temperature.COLD)
        lead = lead_of_row(lead_row)
        found = enrich(lead, rules.scoring.enrichment)
        view, evidence = model_view_and_evidence(lead, found, rules.scoring)
        item = Labelled(f"lead-{lead_row.id}", business, "", category, temperature, {})
        examples.append(training.Example(item, lead, view, LOCAL_WEIGHT,
                                         bare=training.bare_view(lead, rules.scoring, found),
                                         evidence=evidence))
    return examples


@dataclass(frozen=True)
class Retrained:
    judgement: Judgement
    test_now: training.Figures      # the current judgement on the frozen test split
    test_new: training.Figures
    labels_now: training.Figures    # on the business's labels, fold by fold
    labels_new: training.Figures

    @property
    def better(self) -> bool:
        """Not worse on either the frozen split or the business's labels."""
        return all(_not_worse(new, now) for new, now in ((self.test_new, self.test_now),
                                                        (self.labels_new, self.labels_now)))


def _not_worse(new: training.Figures, now: training.Figures) -> bool:
    return (new.category_accuracy >= now.category_accuracy
            and new.temperature_accuracy >= now.temperature_accuracy
            and new.genuine_as_junk <= now.genuine_as_junk)


def retrain(corpus_train: Sequence[training.Example], corpus_test: Sequence[training.Example],
            local: Sequence[training.Example], rules: Rulebook, current: Judgement | None,
            header: dict) -> Retrained:
    folds = [list(local[i::FOLDS]) for i in range(FOLDS)]
    labels_now, labels_new = training.Figures(), training.Figures()
    for k, held in enumerate(folds):
        if not held:
            continue
        rest = [e for j, fold in enumerate(folds) if j != k for e in fold]
        candidate = training.fit(list(corpus_train) + rest)
        labels_new.add(training.evaluate(candidate, held, rules))
        labels_now.add(training.evaluate(current, held, rules))
    judgement = training.fit(list(corpus_train) + list(local), header)
    return Retrained(judgement,
                     training.evaluate(current, corpus_test, rules),
                     training.evaluate(judgement, corpus_test, rules),
                     labels_now, labels_new)
