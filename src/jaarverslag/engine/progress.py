"""What a batch tells the person or scheduler watching it: progress while it runs, a summary at the end."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime

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
        retried = f", attempt {result.attempts}" if result.attempts > 1 else ""
        line(f"[{next(done)}/{total}] {result.job}: {result.status} ({result.duration:.1f} s{retried})")

    return log


def line(text: str) -> None:
    """One log line on stderr, timestamped, for a scheduler's journal."""
    print(f"{datetime.now().astimezone().isoformat(timespec='seconds')} {text}", file=sys.stderr, flush=True)


STATUSES = ("executed", "skipped", "failed", "infrastructure")


def counts_of(results: list[Result]) -> dict[str, int]:
    return {status: sum(r.status == status for r in results) for status in STATUSES}


def summary(results: list[Result], elapsed: float) -> str:
    """The final table: executed, skipped, failed and time."""
    counts = counts_of(results)
    lines = [f"{status:<15}{counts[status]:>6}" for status in STATUSES] + [f"{'time':<15}{elapsed:>5.1f}s"]
    failures = [f"  {r.job}: {r.error}" for r in results if r.status in ("failed", "infrastructure")]
    return "\n".join(lines + (["failures:"] + failures if failures else []))
