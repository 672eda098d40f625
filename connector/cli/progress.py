"""A progress bar on standard error for long commands, shown only on a terminal."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


class Progress:
    """Told how much there is and how much is done; draws nothing off a terminal."""

    def __init__(self, bar) -> None:
        self._bar = bar

    def expect(self, total: int) -> None:
        self._bar.reset(total=total)

    def advance(self, n: int = 1) -> None:
        self._bar.update(n)


@contextmanager
def progress(what: str, unit: str) -> Iterator[Progress]:
    from tqdm import tqdm

    # disable=None: no bar when stderr is not a terminal (cron, CI, pipes).
    with tqdm(desc=what, unit=unit, disable=None, leave=False, dynamic_ncols=True) as bar:
        yield Progress(bar)
