"""One parser per form plugin, registered by the name in its URL: /hooks/<name>."""
from __future__ import annotations

from typing import Callable

from connector.domain.submission import RawRequest, Submission
from connector.intake import (cf7, elementor, fluentforms, formidable, forminator, generic,
                              gravityforms, ninjaforms, wpforms)
from connector.intake.auto import detect

Parser = Callable[[RawRequest], Submission]

PARSERS: dict[str, Parser] = {
    "cf7": cf7.parse,
    "gravityforms": gravityforms.parse,
    "wpforms": wpforms.parse,
    "elementor": elementor.parse,
    "fluentforms": fluentforms.parse,
    "forminator": forminator.parse,
    "ninjaforms": ninjaforms.parse,
    "formidable": formidable.parse,
    "generic": generic.parse,
}
AUTO = "auto"
# Shorter names people type, and the ones in the plugins' own docs.
ALIASES = {"contactform7": "cf7", "gravity": "gravityforms", "gf": "gravityforms",
           "fluent": "fluentforms", "ninja": "ninjaforms"}
ROUTES = (*PARSERS, AUTO)


def route_name(name: str) -> str | None:
    """The registered name for a URL's plugin segment, or None."""
    name = name.lower()
    name = ALIASES.get(name, name)
    return name if name in ROUTES else None


def parse(raw: RawRequest) -> Submission:
    """Parse with the route's parser; /hooks/auto detects it first."""
    plugin = detect(raw) if raw.plugin == AUTO else raw.plugin
    return PARSERS[plugin](raw)
