"""Search over every published report: Pagefind's static index (no server), rebuilt when a page changed.

Indexed is what readers come for: each report page's text (its <main>, marked data-pagefind-body by
the report template, with its year and region as filters; not the one-page edition, which repeats
them) and the verantwoording and accessibility statement; not menus, downloads, pagers, the
provenance footer, the tables behind the charts, the tiles of the figures at a glance, the
Veiligheidsbeeld's table (its Toelichting says each row in a sentence) or the districts' tables
of figures (each district's report says them so): they gave snippets such as "≥ 4. ✔ gehaald.",
"Aantal woninginbraken 718. 664. -7,5% ≤ 2018." and "✘ 16.050 ✘ Aantal woninginbraken 907 ✔ 664".
Results link to the nearest heading on the chapter's own page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version

from ..engine.hashing import sha
from ..engine.layout import Layout
from ..errors import InfrastructureError
from ..files import temporary
from .state import Publications

INDEXED = b"data-pagefind-body"  # a site with pages so marked: Pagefind indexes those only
IGNORED = ("details.menu", "ul.downloads", ".part-label", "nav.pager", "footer.provenance", "details.chart-data", ".toc-page",
           "ul.at-a-glance", "#T_kpi", "#T_districten", "#T_aandelen")  # tables.kpi_table, districts.py: figures each report says


def index(layout: Layout, state: Publications) -> bool:
    """Index the site unless no indexed page changed since the last index (as recorded in state, which
    its owner saves); True when it was indexed anew.

    The new index is built beside the old one and swapped in, so a failed run leaves the old index.
    """
    pages = sorted(p for p in layout.site.rglob("[!.]*.html") if layout.search not in p.parents)  # not a file being written
    indexed = [(p.relative_to(layout.site).as_posix(), sha(content)) for p in pages
               if INDEXED in (content := p.read_bytes())]  # the pages Pagefind reads
    key = sha(json.dumps([version("pagefind"), IGNORED, indexed]).encode())
    if state.entries.get("search", {}).get("key") == key and (layout.search / "pagefind.js").is_file():
        return False
    staging = temporary(layout.search)
    shutil.rmtree(staging, ignore_errors=True)
    command = [sys.executable, "-m", "pagefind", "--site", str(layout.site), "--output-path", str(staging), "--silent"]
    for selector in IGNORED:
        command += ["--exclude-selectors", selector]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not (staging / "pagefind.js").is_file():
        shutil.rmtree(staging, ignore_errors=True)
        raise InfrastructureError(f"pagefind could not index {layout.site}: {(result.stderr or result.stdout).strip()[-800:]}")
    if layout.search.exists():
        old = temporary(layout.search.with_name("pagefind-old"))
        os.replace(layout.search, old)
        os.replace(staging, layout.search)
        shutil.rmtree(old)
    else:
        os.replace(staging, layout.search)
    state.entries["search"] = {"key": key}
    return True
