"""Execute a notebook with papermill and convert it to HTML with nbconvert.

Both outputs are written to temporary files next to their destination and moved into
place only when both succeeded, so a failure never leaves a half-written file and the
previous good output stays where it was.
"""

from __future__ import annotations

import functools
import os
import tempfile
import uuid
from pathlib import Path

import papermill as pm
from jupyter_client.manager import AsyncKernelManager
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets import CaselessStrEnum, default

from ..errors import RenderError
from ..files import temporary
from .layout import Layout

TEMPLATES = Path(__file__).parents[1] / "templates"


class IPCKernelManager(AsyncKernelManager):
    """A kernel reached over its own IPC sockets instead of TCP ports.

    Parallel runs otherwise race for free TCP ports when kernels start at the same
    moment ("Kernel died before replying to kernel_info"); a private socket path per
    kernel shares nothing.
    """

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    @default("ip")
    def _private_socket_path(self) -> str:
        return os.path.join(tempfile.gettempdir(), f"jaarverslag-kernel-{os.getpid()}-{uuid.uuid4().hex[:12]}")
REMOVED_TAGS = ("remove-cell", "parameters", "injected-parameters")


@functools.cache
def html_exporter() -> HTMLExporter:
    """Dutch, code hidden, parameter cells removed, self-contained page (one per process)."""
    exporter = HTMLExporter(
        template_name="jaarverslag",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code="nl",
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=set(REMOVED_TAGS)), enabled=True)
    return exporter


def render(notebook: Path, layout: Layout, year: int, region: str, parameters: dict, title: str) -> tuple[Path, Path]:
    """Execute notebook for (year, region) with these parameters and publish it as HTML; return both paths.

    The page title is the chapter's title with year and region.
    """
    notebook = Path(notebook)
    executed, html = layout.notebook(year, region, notebook.stem), layout.page(year, region, notebook.stem)
    for path in (executed, html):
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp_executed, tmp_html = temporary(executed), temporary(html)
    try:
        try:
            executed_nb = pm.execute_notebook(
                str(notebook), str(tmp_executed), parameters=parameters, cwd=str(notebook.parent),
                progress_bar=False, shutdown_kernel="immediate", kernel_manager_class=IPCKernelManager,
                request_save_on_cell_execute=False,
            )
        except pm.PapermillExecutionError as exc:
            line = next((ln for ln in reversed(exc.source.splitlines()) if ln.strip() and not ln.startswith("#")), "")
            raise RenderError(
                f"{notebook} failed for year={year}, region={region} in cell `{line.strip()}`: {exc.ename}: {exc.evalue}"
            ) from None
        executed_nb.metadata["title"] = title
        body, _ = html_exporter().from_notebook_node(executed_nb)
        tmp_html.write_text(body, encoding="utf-8")
        os.replace(tmp_executed, executed)
        os.replace(tmp_html, html)
    finally:
        tmp_executed.unlink(missing_ok=True)
        tmp_html.unlink(missing_ok=True)
    return executed, html
