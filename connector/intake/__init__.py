"""One parser per form plugin, registered by the name in its URL: /hooks/<name>."""
from __future__ import annotations

from typing import Callable

from connector.domain.submission import RawRequest, Submission
from connector.intake import cf7, generic

Parser = Callable[[RawRequest], Submission]

PARSERS: dict[str, Parser] = {
    "cf7": cf7.parse,
    "generic": generic.parse,
}
