"""The YAML in mappings/, loaded and checked once at start-up."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from connector.domain.mapping import ALL_TARGETS, FieldMapping
from connector.domain.recognize import Lexicon
from connector.domain.routing import Routing
from connector.domain.scoring import ScoringRules
from connector.intake import PARSERS
from connector.judgement.model import PACKAGED, Judgement, load_judgement
from connector.settings import ConfigError


@dataclass(frozen=True)
class Rulebook:
    mappings: dict[str, FieldMapping]   # plugin -> field mapping
    routing: Routing
    lexicon: Lexicon                     # labels recognised in every language
    scoring: ScoringRules
    # The learned reading of a lead's words; None scores by the rules alone.
    judgement: "Judgement | None" = None

    @classmethod
    def load(cls, directory: Path, judgement: Path | None = PACKAGED) -> "Rulebook":
        """The rules in directory, and the judgement artefact at `judgement` (None: rules only)."""
        mappings = {}
        for plugin in PARSERS:
            path = directory / f"{plugin}.yaml"
            mappings[plugin] = _parse(path, FieldMapping.from_dict)
        lexicon = _parse(directory / "labels.yaml",
                         lambda data, src: Lexicon.from_dict(data, src, ALL_TARGETS))
        return cls(mappings, _parse(directory / "routing.yaml", Routing.from_dict), lexicon,
                   _parse(directory / "scoring.yaml", ScoringRules.from_dict),
                   _judgement(judgement) if judgement is not None else None)


def _judgement(path: Path) -> "Judgement":
    try:
        return load_judgement(path)
    except FileNotFoundError:
        raise ConfigError(f"the judgement file {path} does not exist (build one with "
                          "connector train, or set CONNECTOR_JUDGEMENT_FILE=none)") from None
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"{path} is not a judgement this version reads: {exc}") from None


def _parse(path: Path, build) -> Any:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"mapping file {path} is missing") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a YAML mapping")
    try:
        return build(data, str(path))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
