"""Character n-grams of one lead, found in the vocabularies with array operations.

A lead's texts have a thousand or so character n-grams; slicing and looking each up in
Python costs more than the rest of the model together. Every vocabulary term is made
of a few dozen distinct characters, so a term of up to five characters packs exactly
(no hashing, no collisions) into one integer: a small id per character, the term's
length and which vocabulary it belongs to on top. The texts' n-grams pack the same way
with a shift and an or per length, and one sorted search finds which are known. A
character no vocabulary uses gets id 0, which no term contains, so it never matches.

The n-grams are scikit-learn's ``char_wb`` ones: within each word padded with a space
on either side. In a text joined by single spaces those are exactly the windows with no
space inside them (a space may only begin or end one), and a window that reaches from
one text into the next always has one inside.
"""
from __future__ import annotations

from typing import Mapping, NamedTuple, Sequence

import numpy as np

_CHAR_BITS_MAX = 10   # ids of at most 1,023 distinct characters ...
_LONGEST = 5          # ... in terms of at most five: 50 bits
_LENGTH_SHIFT = 52    # then the length (3 bits)
_PART_SHIFT = 56      # then which vocabulary


class Vocabulary(NamedTuple):
    terms: Mapping[str, int]       # term -> its column within the vectoriser
    ngram_range: tuple[int, int]
    idf: np.ndarray
    offset: int                    # the vectoriser's first column among all features


class CharGrams:
    def __init__(self, vocabularies: Sequence[Vocabulary]) -> None:
        chars = sorted(set().union(*(set("".join(v.terms)) for v in vocabularies)) | {" "})
        self.bits = len(chars).bit_length()
        self.high = max(v.ngram_range[1] for v in vocabularies)
        self.low = min(v.ngram_range[0] for v in vocabularies)
        if self.bits > _CHAR_BITS_MAX or self.high > _LONGEST or self.low < 2:
            raise ValueError("vocabulary too varied to pack its n-grams")
        ids = {c: i + 1 for i, c in enumerate(chars)}
        self.space = ids[" "]
        self.table = np.zeros(max(map(ord, chars)) + 1, dtype=np.uint64)
        for c, i in ids.items():
            self.table[ord(c)] = i
        keys, columns, idf = [], [], []
        for part, v in enumerate(vocabularies):
            tag = part << _PART_SHIFT
            keys.append(np.fromiter((self._pack(t, ids) | tag for t in v.terms),
                                    dtype=np.uint64, count=len(v.terms)))
            within = np.fromiter(v.terms.values(), dtype=np.int64, count=len(v.terms))
            columns.append(within + v.offset)
            idf.append(v.idf[within])
        packed = np.concatenate(keys)
        order = np.argsort(packed)
        self.keys = packed[order]
        self.columns = np.concatenate(columns)[order]
        self.idf = np.concatenate(idf)[order]
        # Keys sort by vocabulary first: where each one's keys begin.
        self.starts = np.searchsorted(
            self.keys, np.array([p << _PART_SHIFT for p in range(len(vocabularies))],
                                dtype=np.uint64))
        self.parts = len(vocabularies)

    def _pack(self, term: str, ids: Mapping[str, int]) -> int:
        code = 0
        for c in term:
            code = (code << self.bits) | ids[c]
        return code | (len(term) << _LENGTH_SHIFT)

    def find(self, texts: Sequence[Sequence[str]]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The n-grams of many leads at once: texts[lead][vocabulary] is the text that
        vocabulary reads. Gives (lead, vocabulary, column, count, idf) per distinct
        n-gram found, ordered by lead, then vocabulary."""
        joined, tags, leads = [], [], []
        for lead, parts in enumerate(texts):
            for part, text in enumerate(parts):
                words = text.lower().split()
                if words:
                    joined.append(" " + " ".join(words) + " ")
                    tags.append(part << _PART_SHIFT)
                    leads.append(lead)
        if not joined:
            nothing = self.columns[:0]
            return nothing, nothing, nothing, nothing, self.idf[:0]
        sizes = [len(j) for j in joined]
        codes = np.frombuffer("".join(joined).encode("utf-32-le"), dtype=np.uint32)
        known = codes < len(self.table)
        chars = self.table[np.where(known, codes, 0)]
        tag = np.repeat(np.array(tags, dtype=np.uint64), sizes)
        owner = np.repeat(np.array(leads, dtype=np.int64), sizes)
        spaces = np.concatenate(([0], np.cumsum(chars == self.space)))
        size = len(chars)
        found, at_lead = [], []
        code = chars
        bits = np.uint64(self.bits)
        for n in range(2, self.high + 1):
            code = (code[:-1] << bits) | chars[n - 1:]
            if n < self.low:
                continue
            # The window at p of length n: a space at p+1 .. p+n-2 means it crosses words
            # (and a window from one text into the next always does).
            inside = spaces[n - 1:size] - spaces[1:size - n + 2]
            keep = inside == 0
            found.append(code[keep] | tag[:size - n + 1][keep] | np.uint64(n << _LENGTH_SHIFT))
            at_lead.append(owner[:size - n + 1][keep])
        grams = np.concatenate(found)
        at = np.searchsorted(self.keys, grams)
        at[at == len(self.keys)] = 0
        hit = self.keys[at] == grams
        # Keys sort by vocabulary first, so (lead, key) sorts by lead, then vocabulary.
        pairs, counts = np.unique(np.concatenate(at_lead)[hit] * len(self.keys) + at[hit],
                                  return_counts=True)
        lead_of, where = np.divmod(pairs, len(self.keys))
        part = np.searchsorted(self.starts, where, side="right") - 1
        return lead_of, part, self.columns[where], counts, self.idf[where]
