"""A trained judgement: vectorisers and two linear models, applied and explained.

The artefact is a compressed NumPy archive without pickles (vocabularies, idf
weights, coefficients, and a JSON header naming its version, the corpus it was
built from and its figures), so any NumPy and scikit-learn version reads it and
loading it runs no code. Applying it is a sparse product and a softmax.
"""
from __future__ import annotations

import json
import re
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
from connector.judgement.lemmas import GAJ, Lemmas
from connector.settings import PACKAGED_JUDGEMENT

FORMAT = 3  # 2: lemmas; 3: the category head's genuine classes split by temperature
READS = (2, 3)
# A category head's class is a category, or a genuine one with its temperature
# ("customer|hot"): see training.category_class. Their probabilities are summed back.
SUBCLASS = "|"
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
        terms = {name: v.get_feature_names_out() for name, v in vectorisers.items()}
        # A feature's name ("text_words|ponudba"), made only when a reason needs it.
        self._terms = list(terms.items())
        self._starts = np.cumsum([0] + [len(ts) for ts in terms.values()])[:-1].tolist()
        # Which features could ever be put in words, and as what: worked out once, so
        # explaining a lead looks only at those.
        self._sayable = np.concatenate([_sayable(name, ts) for name, ts in terms.items()])
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
        self._columns = (slice(0, len(category.classes)),
                         slice(len(category.classes), self._weights.shape[1]))
        # The categories the category head's classes make up, and which class is whose.
        of = [c.split(SUBCLASS, 1)[0] for c in category.classes]
        self._categories = tuple(dict.fromkeys(of))
        self._merge = np.array([[c == k for k in self._categories] for c in of], dtype=np.float64)
        # A class is explained against the classes of other categories only ("customer|hot"
        # against neither customer|warm nor customer|cold): per class, their mask.
        self._rivals = (1.0 - self._merge @ self._merge.T,
                        1.0 - np.eye(len(temperature.classes)))
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
        _, indices, values = self.rows([view])
        return indices, values

    def rows(self, views: Sequence[View]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Many views' features as a sparse matrix's rows (indptr, indices, values), as
        features() would give them, without scikit-learn's per-call checks."""
        parts: list[tuple[np.ndarray, ...]] = []  # (lead, part, column, count, idf)
        if self._chars:
            parts.append(self._chars.find([[getattr(view, f) for f in self._char_fields]
                                           for view in views]))
        for part, (field, analyse, vocabulary) in enumerate(self._words,
                                                            start=len(self._char_fields)):
            # Words: a few dozen per lead, where plain Python is quicker than arrays.
            hits = [(lead, *vocabulary[t], n) for lead, view in enumerate(views)
                    for t, n in Counter(analyse(field_text(view, field, self.lemmas))).items()
                    if t in vocabulary]
            lead, column, idf, count = (np.array(c) for c in zip(*hits)) if hits else \
                (np.zeros(0, dtype=np.int64),) * 4
            parts.append((lead.astype(np.int64), np.full(len(hits), part),
                          column.astype(np.int64), count.astype(np.float64),
                          idf.astype(np.float64)))
        lead, part, column, count, idf = (np.concatenate(c) for c in zip(*parts))
        w = (1.0 + np.log(count)) * idf  # sublinear tf, idf, then each part's norm
        group = lead * (len(self._char_fields) + len(self._words)) + part
        w /= np.sqrt(np.bincount(group, weights=w * w))[group]
        order = np.argsort(lead, kind="stable")
        indptr = np.searchsorted(lead[order], np.arange(len(views) + 1))
        return indptr, column[order], w[order]

    def read(self, view: View) -> Reading:
        return self.read_many([view])[0]

    def read_many(self, views: Sequence[View]) -> list[Reading]:
        """Many leads at once (a batch shares the array work: cheaper per lead)."""
        if not views:
            return []
        indptr, idx, val = self.rows(views)
        logits = _product(indptr, idx, val, self._weights)
        lead = np.repeat(np.arange(len(views)), np.diff(indptr))
        heads = []
        for h, (head, bias) in enumerate(((self.category, self._bias[0]),
                                          (self.temperature, self._bias[1]))):
            cols = self._columns[h]
            p = _softmax(logits[:, cols] + bias)
            best = p.argmax(axis=1)
            why = self._strongest(h, lead, idx, val, best)
            if h == 0:
                classes, p = self._categories, p @ self._merge
            else:
                classes = head.classes
            heads.append((classes, p.round(4).tolist(), why))
        out = []
        for i, view in enumerate(views):
            words = _Words(view.written, view.private, self.lemmas.reader(view.language))
            said: dict[int, str | None] = {}  # the two heads often weigh the same features
            (cc, pc, wc), (ct, pt, wt) = heads
            out.append(Reading(dict(zip(cc, pc[i])), dict(zip(ct, pt[i])),
                               self._why(wc[i], words, said), self._why(wt[i], words, said)))
        return out

    def _strongest(self, head: int, lead: np.ndarray, idx: np.ndarray, val: np.ndarray,
                   best: np.ndarray) -> list[tuple[list[int], list[int]]]:
        """Per lead, the features that can be put in words and pushed toward its class
        (against the average of other categories' classes), strongest first: (words,
        findings). best: each lead's class, counted within the head."""
        cols, rivals = self._columns[head], self._rivals[head]
        weights = self._weights[idx, cols]  # every class's weight of each lead's features
        mine = best[lead]
        own = weights[np.arange(len(idx)), mine]
        against = rivals[mine]
        weight = (own - (weights * against).sum(axis=1)
                  / np.maximum(against.sum(axis=1), 1)) * val
        kind = self._sayable[idx]
        at = np.flatnonzero((weight > 0) & (kind != _NEVER))
        at = at[np.lexsort((-weight[at], kind[at], lead[at]))]
        groups = lead[at] * 3 + kind[at]
        bounds = np.searchsorted(groups, np.arange(len(best) * 3 + 1))
        # Only the strongest TRIES of each lead's kind are ever looked at.
        keep = np.arange(len(at)) - bounds[groups] < _TRIES
        at, groups = at[keep], groups[keep]
        bounds = np.searchsorted(groups, np.arange(len(best) * 3 + 1)).tolist()
        features = idx[at].tolist()
        return [(features[bounds[3 * i + _SAID]:bounds[3 * i + _SAID + 1]],
                 features[bounds[3 * i + _FINDING]:bounds[3 * i + _FINDING + 1]])
                for i in range(len(best))]

    def _why(self, strongest: tuple[list[int], list[int]], words: "_Words",
             said: dict[int, str | None], most: int = 3) -> tuple[str, ...]:
        """The lead's own words, then the findings, that weighed most: a few of each."""
        out: list[str] = []
        for features in strongest:
            found: list[str] = []
            for feature in features:
                phrase = said.get(feature, "")
                if phrase == "":
                    phrase = said[feature] = describe(self._name(feature), words)
                if phrase and phrase not in found:
                    found.append(phrase)
                    if len(found) == most:
                        break
            out += found
        return tuple(out)

    def _name(self, feature: int) -> str:
        part = bisect_right(self._starts, feature) - 1
        name, terms = self._terms[part]
        return f"{name}|{terms[feature - self._starts[part]]}"

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
            if header.get("format") not in READS:
                raise ValueError(f"{path}: judgement format {header.get('format')}, "
                                 f"this version reads {', '.join(map(str, READS))}")
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
    """The message's and the form's words as written, and the same plain, searchable.

    Built for every lead, so it folds the whole text at once: plain() breaks words
    exactly where the written text has neither a letter nor a digit, so its words
    line up one for one with the written runs of letters and digits.
    """

    def __init__(self, written: str, private: str = "",
                 lemma: Callable[[str], str | None] = lambda word: None) -> None:
        self._written = written
        self._lemma = lemma
        self.spans = [m.span() for m in _WORD.finditer(written)]
        self.folded = plain(written).split()
        if len(self.folded) != len(self.spans):  # a folding that broke a word in two
            self.folded = [plain(written[a:b]).strip() or "_" for a, b in self.spans]
        withheld = set(private.split())
        # A word of the person's name or company folds to "": never found, never quoted.
        self.folded = [w if w not in withheld else "" for w in self.folded]
        self.text = " " + " ".join(self.folded) + " "
        starts, at = [], 1
        for word in self.folded:
            starts.append(at)
            at += len(word) + 1
        self.starts = starts
        self._lemmas: dict[str, int] | None = None

    def _quoted(self, first: int, last: int) -> str:
        """Words first..last as written, whole ("e-mail", "http://x.io"), in quotes."""
        a, b = self.spans[first][0], self.spans[last][1]
        text = self._written
        while a > 0 and not text[a - 1].isspace():
            a -= 1
        while b < len(text) and not text[b].isspace():
            b += 1
        return f'"{text[a:b].strip(_PUNCTUATION)}"'

    def find(self, needle: str) -> str | None:
        """The written word(s) whose plain form holds the n-gram: "pokličite", not "poklicite"."""
        wanted = needle.split()
        at = self.text.find(wanted[0] if len(wanted) == 1 else " ".join(wanted))
        while at != -1:
            i = bisect_right(self.starts, at) - 1
            word = self.folded[i] if i >= 0 else ""
            if word and any(c.isalpha() for c in word):
                if len(wanted) == 1:
                    return self._quoted(i, i)
                if i + 1 < len(self.spans):
                    return self._quoted(i, i + 1)
            at = self.text.find(wanted[0], at + 1) if len(wanted) == 1 else -1
        return None

    def find_lemma(self, lemma: str) -> str | None:
        """The first written word (never a name) that is a form of lemma."""
        if self._lemmas is None:
            self._lemmas = {}
            for i, ((a, b), folded) in enumerate(zip(self.spans, self.folded)):
                if len(folded) >= 2 and folded.isalpha():
                    read = self._lemma(self._written[a:b].casefold().translate(GAJ))
                    self._lemmas.setdefault(folded if read is None else read, i)
        i = self._lemmas.get(lemma)
        return None if i is None else self._quoted(i, i)


_WORD = re.compile(r"[^\W_]+")
_PUNCTUATION = ".,;:!?()[]{}\"'«»„“”‚‘’-–—/"


def _is_finding(feature: str) -> bool:
    """A finding of the rules ("tokens|form:quote"), not a word ("tokens|pozvati")."""
    return feature.startswith("tokens|") and ":" in feature


def _product(indptr: np.ndarray, indices: np.ndarray, values: np.ndarray,
             weights: np.ndarray) -> np.ndarray:
    """Sparse rows times the weights: every lead's logits for every class."""
    if len(indptr) == 2:  # one lead: a gather is cheaper than building a matrix
        return (values @ weights[indices])[None, :]
    from scipy.sparse import csr_matrix

    rows = csr_matrix((values, indices, indptr), shape=(len(indptr) - 1, len(weights)))
    return np.asarray(rows @ weights)


def _softmax(z: np.ndarray) -> np.ndarray:
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


_NEVER, _SAID, _FINDING = 0, 1, 2
# Features looked at per kind to find three that can be said: a word's n-grams often
# point to the same word, and some are not found as written (or are in a name).
_TRIES = 24


def _sayable(source: str, terms: np.ndarray) -> np.ndarray:
    """Per term of one vectoriser: _FINDING, _SAID (a word or n-gram, when found as
    written) or _NEVER. Array operations: an artefact has a quarter of a million."""
    terms = terms.astype(str)
    said = np.where(np.char.str_len(np.char.strip(terms)) >= 3, _SAID, _NEVER)
    if source != "tokens":
        return said.astype(np.int8)
    finding = np.char.find(terms, ":") >= 0  # as _is_finding: "form:quote", not a lemma
    named = np.char.startswith(terms, "evidence:") | np.isin(terms, list(_TOKEN_WORDS))
    return np.where(finding, np.where(named, _FINDING, _NEVER), said).astype(np.int8)


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


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> Judgement:
    return Judgement.load(path)


def load_judgement(path: Path) -> Judgement:
    """The artefact at path, loaded once per process (again only when the file changes)."""
    return _load(path, path.stat().st_mtime_ns)
