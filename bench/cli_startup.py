"""How long the operator waits for `connector --help`, `token` and `leads`, measured side
by side in one run with a bare Python start (the floor no command can go under).

Target: each at most 0.5 s of wall time.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.5
RUNS = 7


def timed(args: list[str], env: dict[str, str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "CONNECTOR_DATA_DIR": data}
        connector = [sys.executable, "-m", "connector"]
        subprocess.run(connector + ["db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-c", "from connector.webhook_token import resolve_token;"
                        f"from pathlib import Path; resolve_token('', Path({data!r}))"],
                       env=env, check=True, cwd=ROOT)
        floor = timed([sys.executable, "-c", "pass"], env)
        print(f"bare python start: {floor * 1000:.0f} ms")
        worst = 0.0
        for name in (["--help"], ["token"], ["leads"]):
            took = timed(connector + name, env)
            worst = max(worst, took)
            print(f"connector {' '.join(name):8s} {took * 1000:5.0f} ms  "
                  f"({took / floor:.1f}x bare python; target {TARGET * 1000:.0f} ms)")
    ok = worst <= TARGET
    print("cli start-up:", "within target" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
