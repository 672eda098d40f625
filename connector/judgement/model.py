"""A trained judgement: vectorisers and two linear models, applied and explained.

The artefact is a compressed NumPy archive without pickles (vocabularies, idf
weights, coefficients, and a JSON header naming its version, the corpus it was
built from and its figures), so any NumPy and scikit-learn version reads it and
loading it runs no code. Applying it is a sparse product and a softmax.
"""
from __future__ import annotations

import json
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from connector.domain.words import plain
from connector.judgement.features import View
from connector.judgement.grams import CharGrams, Vocabulary
from connector.judgement.lemmas import Lemmas
from connector.settings import PACKAGED_JUDGEMENT

FORMAT = 2  # 2: lemmas
PACKAGED = PACKAGED_JUDGEMENT
# What each vectoriser reads and how; part of the artefact's header, so a change here
# and an artefact built before it are never mixed.
VECTORISERS: dict[str, dict[str, Any]] = {
    "text_chars": {"field": "text", "analyzer": "char_wb", "ngram_range": (2, 5),
                   "min_df": 2, "sublinear_tf": True, "max_features": 120_000},
    "text_words": {"field": "text", "analyzer": "word", "ngram_range": (1, 2),
                   "min_df": 2, "sublinear_tf": True, "token_pattern": r"(?u)\b\w+\b"},
    "meta_chars": {"field": "meta", "analyzer": "char_wb", "ngram_range": (2, 4),
                   "min_df": 2, "sublinear_tf": True, "max_features": 40_000},
    # The findings and the message's lemmas (the view's words through the judgement's
    # lemma table) in one vector: read together, they generalised best across
    # businesses (grouped cross-validation on train + dev, 2026-12-02).
    "tokens": {"field": "tokens+lemmas", "analyzer": "word", "token_pattern": r"\S+",
               "lowercase": False, "sublinear_tf": True},
}


def field_text(view: View, field: str, lemmas: Lemmas) -> str:
    """What a vectoriser reads of a view ("a+b": both, one after the other)."""
    if "+" in field:
        return " ".join(field_text(view, f, lemmas) for f in field.split("+"))
    if field == "lemmas":
        return lemmas.text(view.words, view.language)
    return getattr(view, field)


@dataclass(frozen=True)
class Head:
    """One linear model over the features: its classes, weights and biases."""

    classes: tuple[str, ...]
    coef: np.ndarray       # classes x features, float32
    intercept: np.ndarray  # classes


@dataclass(frozen=True)
class Reading:
    """What the model makes of one lead."""

    category: dict[str, float]      # probability per category
    temperature: dict[str, float]   # probability per temperature, as if it were genuine
    why_category: tuple[str, ...]   # the lead's own words and findings that weigh most
    why_temperature: tuple[str, ...]


class Judgement:
    def __init__(self, vectorisers: dict[str, Any], category: Head, temperature: Head,
                 header: dict[str, Any], lemmas: Lemmas) -> None:
        self.vectorisers = vectorisers
        self.lemmas = lemmas
        self.category = category
        self.temperature = temperature
        self.header = header
        self._names = [f"{name}|{t}" for name, v in vectorisers.items()
                       for t in v.get_feature_names_out()]
        # One lead at a time, scikit-learn's per-call checks and NumPy's per-call costs
        # outweigh the sums: the same analysis, counts, idf and norm done in plain Python
        # over the few hundred terms a lead has (test_judgement checks that both give the
        # same numbers). Each term maps straight to its column and idf weight.
        chars, self._words = [], []
        offset = 0
        for name, v in vectorisers.items():
            spec = VECTORISERS[name]
            idf = v.idf_.astype(np.float64)
            if spec["analyzer"] == "char_wb":
                chars.append((spec["field"], Vocabulary(v.vocabulary_,
                                                        tuple(spec["ngram_range"]), idf, offset)))
            else:
                weights = idf.tolist()
                self._words.append((spec["field"], v.build_analyzer(), {
                    t: (offset + i, weights[i]) for t, i in v.vocabulary_.items()}))
            offset += len(v.vocabulary_)
        if any(not VECTORISERS[n].get("sublinear_tf") for n in vectorisers):
            raise ValueError("every vectoriser is read with sublinear tf")
        self._char_fields = [field for field, _ in chars]
        self._chars = CharGrams([vocabulary for _, vocabulary in chars]) if chars else None
        # Both heads side by side, a row per feature: one gather gives every class's
        # weights for the features a lead has.
        self._weights = np.ascontiguousarray(
            np.hstack([category.coef.T, temperature.coef.T]), dtype=np.float64)
        self._split = len(category.classes)
        self._bias = (category.intercept.astype(np.float64),
                      temperature.intercept.astype(np.float64))

    @property
    def version(self) -> str:
        return str(self.header.get("version", "?"))

    def features(self, views: Sequence[View]):
        """Many views as one sparse matrix, through scikit-learn (training, evaluation)."""
        from scipy.sparse import hstack

        parts = [v.transform([field_text(view, VECTORISERS[name]["field"], self.lemmas)
                              for view in views])
                 for name, v in self.vectorisers.items()]
        return hstack(parts, format="csr")

    def row(self, view: View) -> tuple[np.ndarray, np.ndarray]:
        """One view's features: (indices, values), as features() would give them."""
        found = (self._chars.find([getattr(view, f) for f in self._char_fields])
                 if self._chars else [])
        for _, analyse, vocabulary in self._words:
            # Words: a few dozen per lead, where plain Python is quicker than arrays.
            text = field_text(view, _, self.lemmas)
            hits = [(*vocabulary[t], n) for t, n in Counter(analyse(text)).items()
                    if t in vocabulary]
            found.append((np.array([h[0] for h in hits], dtype=np.int64),
                          np.array([h[2] for h in hits], dtype=np.float64),
                          np.array([h[1] for h in hits], dtype=np.float64)))
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for columns, counts, idf in found:
            if len(columns):
                w = (1.0 + np.log(counts)) * idf  # sublinear tf, idf, then each part's norm
                indices.append(columns)
                values.append(w / np.sqrt(w @ w))
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(indices), np.concatenate(values)

    def read(self, view: View) -> Reading:
        idx, val = self.row(view)
        words = _Words(view.written, view.private,
                       lambda word: self.lemmas.lemma_of(word, view.language))
        present = self._weights[idx]  # features this lead has x every class of both heads
        logits = val @ present
        readings = []
        for head, bias, cols in ((self.category, self._bias[0], slice(0, self._split)),
                                 (self.temperature, self._bias[1], slice(self._split, None))):
            z = logits[cols] + bias
            p = np.exp(z - z.max())
            p /= p.sum()
            k = int(p.argmax())
            readings.append((dict(zip(head.classes, p.round(4).tolist())),
                             self._why(idx, val, present[:, cols], k, words)))
        (pc, why_c), (pt, why_t) = readings
        return Reading(pc, pt, why_c, why_t)

    def _why(self, idx: np.ndarray, val: np.ndarray, present: np.ndarray, k: int,
             words: "_Words", most: int = 3) -> tuple[str, ...]:
        """The lead's own words, then the findings, that pushed hardest toward class k
        (against the other classes' average)."""
        if not len(idx):
            return ()
        classes = present.shape[1]
        others = (present.sum(axis=1) - present[:, k]) / max(classes - 1, 1)
        weights = (present[:, k] - others) * val
        top = np.argpartition(-weights, 24)[:25] if len(weights) > 25 else np.arange(len(weights))
        said: list[str] = []
        findings: list[str] = []
        for j in top[np.argsort(-weights[top])].tolist():
            if weights[j] <= 0 or (len(said) >= most and len(findings) >= most):
                break
            name = self._names[idx[j]]
            bucket = findings if _is_finding(name) else said
            if len(bucket) >= most:
                continue
            phrase = describe(name, words)
            if phrase and phrase not in bucket:
                bucket.append(phrase)
        return tuple(said + findings)

    # --- the artefact ---------------------------------------------------------------

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {}
        for name, v in self.vectorisers.items():
            terms = v.get_feature_names_out()
            arrays[f"{name}.terms"] = np.array(terms, dtype=str)
            arrays[f"{name}.idf"] = v.idf_.astype(np.float32)
        for head_name, head in (("category", self.category), ("temperature", self.temperature)):
            arrays[f"{head_name}.classes"] = np.array(head.classes, dtype=str)
            arrays[f"{head_name}.coef"] = head.coef.astype(np.float32)
            arrays[f"{head_name}.intercept"] = head.intercept.astype(np.float32)
        for name, table in self.lemmas.tables.items():
            arrays[f"lemmas.{name}.forms"] = np.array(list(table), dtype=str)
            arrays[f"lemmas.{name}.lemmas"] = np.array(list(table.values()), dtype=str)
        header = {**self.header, "format": FORMAT, "vectorisers": VECTORISERS,
                  "lemma_tables": sorted(self.lemmas.tables)}
        arrays["header"] = np.array(json.dumps(header, default=list))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "Judgement":
        from sklearn.feature_extraction.text import TfidfVectorizer

        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            if header.get("format") != FORMAT:
                raise ValueError(f"{path}: judgement format {header.get('format')}, "
                                 f"this version reads {FORMAT}")
            vectorisers = {}
            for name, spec in header["vectorisers"].items():
                params = {k: tuple(v) if k == "ngram_range" else v
                          for k, v in spec.items() if k not in ("field", "min_df",
                                                                 "max_features")}
                terms = data[f"{name}.terms"].tolist()
                v = TfidfVectorizer(vocabulary={t: i for i, t in enumerate(terms)},
                                    dtype=np.float32, **params)
                v.idf_ = data[f"{name}.idf"].astype(np.float64)
                vectorisers[name] = v
            heads = {h: Head(tuple(data[f"{h}.classes"].tolist()), data[f"{h}.coef"],
                             data[f"{h}.intercept"]) for h in ("category", "temperature")}
            lemmas = Lemmas({name: dict(zip(data[f"lemmas.{name}.forms"].tolist(),
                                            data[f"lemmas.{name}.lemmas"].tolist()))
                             for name in header.get("lemma_tables", [])})
        return cls(vectorisers, heads["category"], heads["temperature"], header, lemmas)


_TOKEN_WORDS = {
    "form:quote": "a quote form", "form:demo": "a demo or call-back form",
    "form:callback": "a call-back form", "form:newsletter": "a newsletter sign-up",
    "form:download": "a download form", "form:webinar": "a webinar sign-up",
    "form:contact": "a contact form", "page:pricing": "sent from the pricing page",
    "page:product": "sent from a product page", "page:careers": "sent from the careers page",
    "page:blog": "sent from the blog", "domain:free": "a free-mail address",
    "domain:corporate": "a company address", "domain:none": "no email address",
    "domain:disposable_address": "a disposable address", "has:phone": "gives a phone number",
    "has:company": "names a company", "has:job_title": "gives a job title",
    "has:file": "attached a file", "title:decision_maker": "a decision maker",
    "bot:signals": "bot signals", "signal:urgency": "says it is urgent",
    "signal:price": "asks about price", "signal:meeting": "wants a meeting",
    "signal:call_me": "asks to be called", "signal:just_looking": "just looking",
    "length:0": "no message", "length:1": "a very short message",
    "length:5": "a long, detailed message", "links:2": "several links", "links:3": "many links",
}


class _Words:
    """The message's and the form's words as written, and the same plain, searchable."""

    def __init__(self, written: str, private: str = "",
                 lemma_of: Callable[[str], str] = lambda word: "") -> None:
        withheld = set(private.split())
        self.lemma_of = lemma_of
        self.written = written.split()
        # A word of the person's name or company folds to "": never found, never quoted.
        self.folded = [w if w not in withheld else "" for w in
                       (plain(w).strip() for w in self.written)]
        self.text = " " + " ".join(self.folded) + " "
        starts, at = [], 1
        for word in self.folded:
            starts.append(at)
            at += len(word) + 1
        self.starts = starts

    def find(self, needle: str) -> str | None:
        """The written word(s) whose plain form holds the n-gram: "pokličite", not "poklicite"."""
        wanted = needle.split()
        at = self.text.find(wanted[0] if len(wanted) == 1 else " ".join(wanted))
        while at != -1:
            i = bisect_right(self.starts, at) - 1
            word = self.folded[i] if i >= 0 else ""
            if word and any(c.isalpha() for c in word):
                if len(wanted) == 1:
                    return f'"{self.written[i].strip(_PUNCTUATION)}"'
                if i + 1 < len(self.written):
                    return (f'"{self.written[i].strip(_PUNCTUATION)} '
                            f'{self.written[i + 1].strip(_PUNCTUATION)}"')
            at = self.text.find(wanted[0], at + 1) if len(wanted) == 1 else -1
        return None

    def find_lemma(self, lemma: str) -> str | None:
        """The first written word (never a name) that is a form of lemma."""
        for word, folded in zip(self.written, self.folded):
            if folded and self.lemma_of(word) == lemma:
                return f'"{word.strip(_PUNCTUATION)}"'
        return None


def _is_finding(feature: str) -> bool:
    """A finding of the rules ("tokens|form:quote"), not a word ("tokens|pozvati")."""
    return feature.startswith("tokens|") and ":" in feature


def describe(feature: str, words: _Words) -> str | None:
    """A feature in words a person recognises: the lead's own word, or a finding."""
    source, _, term = feature.partition("|")
    if _is_finding(feature):
        if term.startswith("evidence:"):
            return "reads like " + term.split(":", 1)[1].replace("_", " ")
        return _TOKEN_WORDS.get(term)
    if source == "tokens":  # a lemma: the written word that is a form of it
        return words.find_lemma(term) if len(term) >= 3 else None
    needle = term.strip()
    if len(needle) < 3:
        return None
    return words.find(needle)


_PUNCTUATION = ".,;:!?()[]{}\"'«»„“”‚‘’-–—/"


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> Judgement:
    return Judgement.load(path)


def load_judgement(path: Path) -> Judgement:
    """The artefact at path, loaded once per process (again only when the file changes)."""
    return _load(path, path.stat().st_mtime_ns)
