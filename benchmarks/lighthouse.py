"""Lighthouse scores of the published site, as readers' browsers would score it (issue 20's floor: 95).

Serves a published site (default build/site) with a plain static server and runs Lighthouse
(npm, pinned in benchmarks/lighthouse/package.json, installed on first use) with Debian's
chromium, mobile and desktop, on the index, a report's landing page, its longest chapter page,
its appendix (the longest page of all) and the search page. Prints every score and each page's weight, what it
transfers in all and before images, and exits 1 when a score is under the floor or a report
page transfers more than 300 KB before images.

Usage: .venv/bin/python benchmarks/lighthouse.py [--site build/site] [--report 2019/eenheid] [--floor 95]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "benchmarks" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
HEAVY = 300_000  # bytes a report page may transfer before its images


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def lighthouse(url: str, form: str, out: Path) -> dict:
    command = [str(TOOL / "node_modules" / ".bin" / "lighthouse"), url, "--quiet", "--output=json", f"--output-path={out}",
               f"--only-categories={','.join(CATEGORIES)}", "--chrome-flags=--headless=new --no-sandbox --disable-gpu"]
    if form == "desktop":
        command.append("--preset=desktop")
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, capture_output=True, timeout=300)
    return json.loads(out.read_text(encoding="utf-8"))


def weight(result: dict) -> tuple[int, int]:
    """Bytes transferred in all, and before images."""
    requests = result["audits"]["network-requests"]["details"]["items"]
    total = sum(r.get("transferSize", 0) for r in requests)
    return total, total - sum(r.get("transferSize", 0) for r in requests if r.get("resourceType") == "Image")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--report", default="2019/eenheid", help="the report whose landing and longest chapter page are scored")
    parser.add_argument("--floor", type=int, default=95)
    args = parser.parse_args()
    if not (TOOL / "node_modules" / ".bin" / "lighthouse").exists():
        # not `npm ci`: a package Lighthouse uses asks for third-party-web@latest, so the lock goes stale whenever that
        # is published (ci then refuses); install keeps everything else as locked and brings the lock up to date
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=TOOL, check=True)
    report = args.site / args.report
    chapters = [p for p in report.glob("*.html")
                if not p.name.startswith("jaarverslag-") and p.stem not in ("index", "bijlage", "colofon")]
    longest = max(chapters, key=lambda p: p.stat().st_size).relative_to(args.site).as_posix()
    pages = ["index.html", f"{args.report}/index.html", longest, f"{args.report}/bijlage.html", "zoeken.html"]
    server, base = serve(args.site)
    failures = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            print(f"{'page':42s} {'form':8s} " + " ".join(f"{c[:13]:>13s}" for c in CATEGORIES) + "   KB all / before images")
            for page in pages:
                for form in ("mobile", "desktop"):
                    result = lighthouse(base + page, form, Path(scratch) / "result.json")
                    scores = {c: round(result["categories"][c]["score"] * 100) for c in CATEGORIES}
                    total, before = weight(result)
                    print(f"{page:42s} {form:8s} " + " ".join(f"{scores[c]:13d}" for c in CATEGORIES)
                          + f"   {total / 1000:6.0f} / {before / 1000:4.0f}", flush=True)
                    failures += [f"{page} ({form}): {c} {s}" for c, s in scores.items() if s < args.floor]
                    if page.startswith(args.report) and before > HEAVY:
                        failures.append(f"{page} ({form}): {before / 1000:.0f} KB before images, over {HEAVY // 1000} KB")
    finally:
        server.shutdown()
    print("\n" + ("\n".join(failures) if failures else f"every score >= {args.floor}; every report page under {HEAVY // 1000} KB"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
