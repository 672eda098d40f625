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

    def find(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """For each vocabulary, (columns, counts, idf) of its n-grams in its text."""
        joined, tags = [], []
        for part, text in enumerate(texts):
            words = text.lower().split()
            if words:
                joined.append(" " + " ".join(words) + " ")
                tags.append((part, len(joined[-1])))
        if not joined:
            empty = (self.columns[:0], self.columns[:0], self.idf[:0])
            return [empty] * self.parts
        codes = np.frombuffer("".join(joined).encode("utf-32-le"), dtype=np.uint32)
        known = codes < len(self.table)
        chars = self.table[np.where(known, codes, 0)]
        tag = np.repeat(np.array([p << _PART_SHIFT for p, _ in tags], dtype=np.uint64),
                        [n for _, n in tags])
        spaces = np.concatenate(([0], np.cumsum(chars == self.space)))
        size = len(chars)
        found = []
        code = chars
        bits = np.uint64(self.bits)
        for n in range(2, self.high + 1):
            code = (code[:-1] << bits) | chars[n - 1:]
            if n < self.low:
                continue
            # The window at p of length n: a space at p+1 .. p+n-2 means it crosses words.
            inside = spaces[n - 1:size] - spaces[1:size - n + 2]
            keep = inside == 0
            found.append(code[keep] | tag[:size - n + 1][keep] | np.uint64(n << _LENGTH_SHIFT))
        grams = np.concatenate(found)
        at = np.searchsorted(self.keys, grams)
        at[at == len(self.keys)] = 0
        where, counts = np.unique(at[self.keys[at] == grams], return_counts=True)
        bounds = np.searchsorted(where, self.starts).tolist() + [len(where)]
        return [(self.columns[where[a:b]], counts[a:b], self.idf[where[a:b]])
                for a, b in zip(bounds, bounds[1:])]
