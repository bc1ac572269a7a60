"""What a batch tells the person or scheduler watching it: progress while it runs, a summary at the end."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pandas as pd

from .manifest import Result


def reporter(total: int, progress: bool | None) -> Callable[[Result], None]:
    """A tqdm bar on a terminal, plain log lines otherwise."""
    if progress is None:
        progress = sys.stderr.isatty()
    if progress and total:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="notebook", file=sys.stderr)

        def update(result: Result) -> None:
            bar.set_postfix_str(f"{result.job} {result.status}")
            bar.update()
            if bar.n == total:
                bar.close()

        return update
    done = iter(range(1, total + 1))

    def log(result: Result) -> None:
        print(f"[{next(done)}/{total}] {result.job}: {result.status} ({result.duration:.1f} s)", file=sys.stderr, flush=True)

    return log


def summary(results: list[Result], elapsed: float) -> str:
    """The final table: executed, skipped, failed and time."""
    counts = pd.Series([r.status for r in results]).value_counts()
    lines = [f"{'executed':<10}{counts.get('executed', 0):>6}", f"{'skipped':<10}{counts.get('skipped', 0):>6}",
             f"{'failed':<10}{counts.get('failed', 0):>6}", f"{'time':<10}{elapsed:>5.1f}s"]
    failures = [f"  {r.job}: {r.error}" for r in results if r.status == "failed"]
    return "\n".join(lines + (["failures:"] + failures if failures else []))
