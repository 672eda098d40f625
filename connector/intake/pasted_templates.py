"""Bodies built by pasting raw answers into an admin's template, read back.

CF7 to Webhook's custom body is the admin's template with every `[mail-tag]`
replaced by the visitor's answer exactly as typed: no JSON escaping, no URL
encoding. A list (ticked checkboxes) is pasted as its JSON, `["Demo","Pricing"]`.
When the result is not valid JSON the plugin sends it as `text/plain`
(mariovalney/cf7-to-zapier, modules/zapier/class-module-zapier.php,
`pull_the_trigger`).

The template's own structure is sound: the braces, keys, colons and commas of
a JSON template, the `name=` and `&` of a form-like one. Only the pasted
answers are raw. So both readers trust the structure and let the answers
hold anything, quotes, line breaks, brackets, `&` and `%` included.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_left
from json.decoder import scanstring
from typing import Any, Iterator, NamedTuple

from connector.intake.phpquery import nest_php_pairs

# Enough for any real form; a body built to make the search explode gives up.
MAX_STEPS = 200_000
MAX_DEPTH = 100  # objects and arrays inside each other

_WS_RUN = re.compile(r"[ \t\r\n]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_DECODER = json.JSONDecoder()
_VALUE_START = frozenset('"{[-0123456789tfn')
# The escapes a template may hold; any other backslash is the visitor's own.
_ESCAPE = re.compile(r'\\(["\\/bfnrt]|u[0-9a-fA-F]{4})')
_UNESCAPED = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
              "t": "\t"}

# Where a string may end: what has to follow its closing quote.
_TOP, _IN_OBJECT, _IN_ARRAY = "top", "object", "array"


class TemplateError(ValueError):
    """Not readable even as a template with raw answers pasted in."""


def read_json_template(text: str) -> Any:
    """A JSON template whose strings may hold raw answers, as Python data.

    A string ends at the nearest quote after which the rest of the body still
    reads: each string's possible closing quotes are tried nearest first, and
    a choice that leaves the rest unreadable is taken back. Keys, being the
    admin's, must be proper JSON strings: that is what anchors the search. Only
    an answer that itself holds `", "name":` reads two ways; the nearer wins.
    A string that holds a pasted list or object becomes that list or object.
    """
    return _JsonReader(text).read()


class _Span(NamedTuple):
    """A string's place in the body; read only once the whole body has a reading,
    so that trying a closing quote costs nothing however long the string."""

    start: int
    end: int


class _Chain(NamedTuple):
    """An object's members or an array's items so far, newest first: adding one
    never copies the others."""

    item: Any
    before: "_Chain | None"

    def items(self) -> list[Any]:
        chain: _Chain | None = self
        items = []
        while chain is not None:
            items.append(chain.item)
            chain = chain.before
        return items[::-1]


class _Object(NamedTuple):
    members: _Chain | None


class _Array(NamedTuple):
    elements: _Chain | None


class _Frame(NamedTuple):
    """An object or array being read; key is the member whose value comes next."""

    in_object: bool
    chain: _Chain | None
    key: str | None
    parent: "_Frame | None"
    depth: int


def _frame(in_object: bool, chain: _Chain | None, key: str | None,
           parent: _Frame | None) -> _Frame:
    depth = parent.depth + 1 if parent else 1
    if depth > MAX_DEPTH:
        raise TemplateError("nested too deeply")
    return _Frame(in_object, chain, key, parent, depth)


def _materialised(value: Any, text: str) -> Any:
    if isinstance(value, _Span):
        return _template_string(text[value.start:value.end])
    if isinstance(value, _Object):
        members = value.members.items() if value.members else []
        return {k: _materialised(v, text) for k, v in members}
    if isinstance(value, _Array):
        elements = value.elements.items() if value.elements else []
        return [_materialised(v, text) for v in elements]
    return value


# The reader's next step: ("value", pos, frame, None) reads a value at pos;
# ("after", pos, frame, value) puts a value read up to pos into frame.
_Step = tuple[str, int, "_Frame | None", Any]


class _JsonReader:
    """A loop, not recursion: depth and length cost memory, never the stack.
    Every string is a choice point; a dead end resumes the latest one."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.quotes = [m.start() for m in re.finditer('"', text)]
        self.steps = 0
        self.choices: list[tuple[Iterator[int], int, _Frame | None]] = []
        # Backtracking asks the same questions again: each is answered once.
        self._skips: dict[int, int] = {}
        self._closes: dict[tuple[int, str], bool] = {}
        self._structure_ends: dict[int, int | None] = {}

    def read(self) -> Any:
        step: _Step | None = ("value", self.skip_ws(0), None, None)
        while True:
            self.tick()
            if step is None:
                step = self.retry()
            kind, pos, frame, value = step
            if kind == "value":
                step = self.value(pos, frame)
            elif frame is not None:
                step = self.after(pos, frame, value)
            elif self.skip_ws(pos) == len(self.text):
                return _materialised(value, self.text)
            else:
                step = None

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateError("too many ways to read it")

    def retry(self) -> _Step:
        """The next closing quote of the latest string that has one left."""
        while self.choices:
            closings, start, frame = self.choices[-1]
            quote = next(closings, None)
            if quote is not None:
                return "after", quote + 1, frame, _Span(start, quote)
            self.choices.pop()
        raise TemplateError("no reading fits the whole body")

    def value(self, pos: int, frame: _Frame | None) -> _Step | None:
        first = self.at(pos)
        if first == "{":
            inner = self.skip_ws(pos + 1)
            if self.at(inner) == "}":
                return "after", inner + 1, frame, _Object(None)
            return self.member(inner, None, frame)
        if first == "[":
            inner = self.skip_ws(pos + 1)
            if self.at(inner) == "]":
                return "after", inner + 1, frame, _Array(None)
            return "value", inner, _frame(False, None, None, frame), None
        if first == '"':
            context = _TOP if frame is None else _IN_OBJECT if frame.in_object else _IN_ARRAY
            self.choices.append((self.closings(pos + 1, context), pos + 1, frame))
            return self.retry()
        if m := _NUMBER.match(self.text, pos):
            return "after", m.end(), frame, json.loads(m.group())
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, pos):
                return "after", pos + len(word), frame, literal
        return None

    def member(self, pos: int, chain: _Chain | None, parent: _Frame | None) -> _Step | None:
        if self.at(pos) != '"':
            return None
        try:
            key, pos = scanstring(self.text, pos + 1, True)
        except json.JSONDecodeError:
            return None
        pos = self.skip_ws(pos)
        if self.at(pos) != ":":
            return None
        return "value", self.skip_ws(pos + 1), _frame(True, chain, key, parent), None

    def after(self, pos: int, frame: _Frame, value: Any) -> _Step | None:
        pos = self.skip_ws(pos)
        next_char = self.at(pos)
        if frame.in_object:
            chain = _Chain((frame.key, value), frame.chain)
            if next_char == "}":
                return "after", pos + 1, frame.parent, _Object(chain)
            if next_char == ",":
                return self.member(self.skip_ws(pos + 1), chain, frame.parent)
            return None
        chain = _Chain(value, frame.chain)
        if next_char == "]":
            return "after", pos + 1, frame.parent, _Array(chain)
        if next_char == ",":
            return "value", self.skip_ws(pos + 1), _frame(False, chain, None, frame.parent), None
        return None

    def closings(self, start: int, context: str) -> Iterator[int]:
        """Where the string from start may end, likeliest first."""
        pasted = self._pasted_structure_end(start)
        if pasted is not None and self._may_close(pasted, context):
            # A list or object pasted between the quotes is json_encode()'s
            # own output: the quote right after it is the likeliest end.
            yield pasted
        for i in range(bisect_left(self.quotes, start), len(self.quotes)):
            self.tick()
            quote = self.quotes[i]
            if quote != pasted and self._may_close(quote, context):
                yield quote

    def skip_ws(self, pos: int) -> int:
        if pos not in self._skips:
            self._skips[pos] = _WS_RUN.match(self.text, pos).end()
        return self._skips[pos]

    def at(self, pos: int) -> str:
        return self.text[pos] if pos < len(self.text) else ""

    def _pasted_structure_end(self, start: int) -> int | None:
        if self.at(start) not in ("[", "{"):
            return None
        if start not in self._structure_ends:
            try:
                _, end = _DECODER.raw_decode(self.text, start)
            except (ValueError, RecursionError):
                end = None
            self._structure_ends[start] = end if end is not None and self.at(end) == '"' else None
        return self._structure_ends[start]

    def _may_close(self, quote: int, context: str) -> bool:
        if (quote, context) not in self._closes:
            self._closes[quote, context] = self._follows_value(quote, context)
        return self._closes[quote, context]

    def _follows_value(self, quote: int, context: str) -> bool:
        """Whether what follows this quote is what the template has after a value."""
        after = self.skip_ws(quote + 1)
        if context == _TOP:
            return after == len(self.text)
        next_char = self.at(after)
        if next_char == ("}" if context == _IN_OBJECT else "]"):
            return True
        if next_char != ",":
            return False
        following = self.at(self.skip_ws(after + 1))
        return following == '"' if context == _IN_OBJECT else following in _VALUE_START


def pasted_structure(raw: str) -> list[Any] | dict[str, Any] | None:
    """A pasted list or object (`["Demo","Pricing"]`, a file's `{"filename": …}`), or None."""
    stripped = raw.strip()
    if stripped[:1] + stripped[-1:] not in ("[]", "{}"):
        return None
    try:
        structure = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    return structure if isinstance(structure, (list, dict)) else None


def _template_string(raw: str) -> Any:
    """The text between a template string's quotes: a pasted list or object as
    itself, else the text with the template's escapes undone."""
    structure = pasted_structure(raw)
    if structure is not None:
        return structure
    text = _ESCAPE.sub(lambda m: (chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == "u"
                                  else _UNESCAPED[m.group(1)]), raw)
    # \ud83d\ude00 came out as two surrogates: join them, and mark a lone one.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


# A pair starts at the text's start or after an "&" that a name and "=" follow.
_NAME = r"[\w.\-\[\]%]+"
_PAIRS = re.compile(rf"\s*{_NAME}=")
_SEPARATOR = re.compile(rf"&(?={_NAME}=)")
_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def looks_like_pairs(text: str) -> bool:
    return bool(_PAIRS.match(text))


def read_pairs_template(text: str) -> dict[str, Any]:
    """A `name=[tag]&…` template with raw answers pasted in, as PHP would nest it.

    The answers are not URL-encoded: a space, `+` or line break is the
    visitor's own, and `&` inside an answer is kept unless a name and `=`
    follow it. A `%` starts an escape only where valid UTF-8 follows; "100%"
    stays as typed. Pasted lists (`["Demo","Pricing"]`) become lists.
    """
    pairs = []
    for part in _SEPARATOR.split(text.lstrip()):
        name, _, value = part.partition("=")
        pairs.append((_percent_decoded(name.strip()), _percent_decoded(value)))
    return _with_pasted_structures(nest_php_pairs(pairs))


def _percent_decoded(text: str) -> str:
    def decode(m: re.Match[str]) -> str:
        try:
            return bytes.fromhex(m.group().replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            return m.group()
    return _PERCENT_RUN.sub(decode, text)


def _with_pasted_structures(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _with_pasted_structures(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_with_pasted_structures(v) for v in node]
    structure = pasted_structure(node)
    return node if structure is None else structure
