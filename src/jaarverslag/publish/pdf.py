"""PDFs printed by Debian's Chromium, headless: A4 and page numbers come from the page's print CSS."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import InfrastructureError, JaarverslagError
from ..files import temporary

CHROMIUM = "chromium"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
)


def print_pdf(html: Path, pdf: Path) -> None:
    """Print html to pdf with headless Chromium; pdf replaced only on success.

    Chromium missing is a set-up error; Chromium failing or hanging is an InfrastructureError.
    """
    if shutil.which(CHROMIUM) is None:
        raise JaarverslagError("chromium not found: install Debian's package (apt-get install chromium) to print PDFs")
    tmp = temporary(pdf)
    with tempfile.TemporaryDirectory(prefix="jaarverslag-chromium-") as profile:
        try:
            result = subprocess.run(
                [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html.resolve().as_uri()],
                capture_output=True, text=True, timeout=180, check=False,
            )
        except subprocess.TimeoutExpired:
            tmp.unlink(missing_ok=True)
            raise InfrastructureError(f"chromium did not finish printing {html} within 180 s") from None
    if result.returncode != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        raise InfrastructureError(f"chromium could not print {html}: {result.stderr.strip()[-500:]}")
    os.replace(tmp, pdf)
