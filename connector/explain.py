"""A verdict in the words a site owner reads: JSON for tools, text for people."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from connector.domain.enrichment import Enrichment
from connector.domain.lead import Lead
from connector.domain.scoring import Verdict


def verdict_summary(lead: Lead, found: Enrichment, verdict: Verdict) -> dict[str, Any]:
    return {
        "temperature": verdict.temperature,
        "category": verdict.category,
        "score": verdict.score,
        "dimensions": verdict.dimensions,
        "reasons": verdict.reason_texts(),
        "interests": list(lead.product_interests),
        "channel": found.channel.value,
        "language": found.language,
        "lifecycle": verdict.lifecycle,
        "data_quality": verdict.data_quality,
        "form_kind": verdict.form_kind,
        "email_domain": found.domain_kind.value,
        "phone": found.phone_e164,
        "review": verdict.review,
        "model": verdict.model,
    }


def explain(file: Path | str, s: dict[str, Any]) -> str:
    dims = ", ".join(f"{k} {v}" for k, v in s["dimensions"].items())
    lines = [f"{file}: {s['temperature'].upper()} {s['category']} — {s['score']}/100 ({dims})",
             f"  channel {s['channel']}, language {s['language'] or 'unknown'}, "
             f"{s['lifecycle']}, data quality {s['data_quality']}/100"
             + (f", judged by model {s['model']}" if s.get("model") else ", rules alone")]
    if s.get("review"):
        lines.append(f"  FOR REVIEW: might be {s['review'].replace('_', ' ')}")
    if s["interests"]:
        lines.append(f"  interests: {', '.join(s['interests'])}")
    lines += [f"  {reason}" for reason in s["reasons"]]
    return "\n".join(lines)
