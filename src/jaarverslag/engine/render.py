"""Execute a notebook with papermill and convert it to HTML with nbconvert.

Both outputs are written to temporary files next to their destination and moved into
place only when both succeeded, so a failure never leaves a half-written file and the
previous good output stays where it was.
"""

from __future__ import annotations

import functools
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import papermill as pm
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets import CaselessStrEnum, default

from ..errors import InfrastructureError, RenderError, ResourceError, is_resource_fault
from ..files import temporary
from ..inputs.catalog import READS
from . import kernels
from .layout import Layout
from .tags import REMOVED_TAGS

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
        # in the run's scratch folder (engine/janitor.py), so the sockets go with the run, however it ends
        folder = os.environ.get("TMPDIR") or tempfile.gettempdir()
        return os.path.join(folder, f"jaarverslag-kernel-{os.getpid()}-{uuid.uuid4().hex[:12]}")


class Rendered(NamedTuple):
    notebook: Path  # the executed notebook
    page: Path  # its HTML
    reads: dict[str, str]  # files of data/ the chapter read besides the tables -> their digest (catalog.READS)


def reads(notebook: dict) -> dict[str, str]:
    """The files the notebook's outputs say they read, with the digest of what they read."""
    found: dict[str, str] = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            for metadata in output.get("metadata", {}).values():
                if isinstance(metadata, dict):
                    found.update(metadata.get(READS, {}))
    return dict(sorted(found.items()))


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


def render(notebook: Path, layout: Layout, year: int, region: str, parameters: dict, title: str,
           timeout: float | None = None, still_owned: Callable[[], bool] = lambda: True,
           warm: bool = True) -> Rendered:
    """Execute notebook for (year, region) with these parameters and publish it as HTML; return both paths
    and the files the chapter read.

    The page title is the chapter's title with year and region. timeout bounds the whole
    notebook in seconds (each cell gets what is left). Outputs are moved into place only
    while still_owned() says the run that asked for them is alive. warm: on this worker's
    warm kernel (see `kernels`), else on a fresh kernel of its own.
    Raises RenderError when the notebook fails, InfrastructureError when the machinery does;
    either way a warm kernel is replaced.
    """
    notebook = Path(notebook)
    executed, html = layout.notebook(year, region, notebook.stem), layout.page(year, region, notebook.stem)
    tmp_executed, tmp_html = temporary(executed), temporary(html)
    deadline = time.monotonic() + timeout if timeout else None
    try:
        for path in (executed, html):
            path.parent.mkdir(parents=True, exist_ok=True)
        executed_nb = pm.execute_notebook(
            str(notebook), str(tmp_executed), parameters=parameters, cwd=str(notebook.parent),
            progress_bar=False, shutdown_kernel="immediate", kernel_manager_class=IPCKernelManager,
            request_save_on_cell_execute=False, engine_name=kernels.ENGINE if warm else None,
            timeout_func=(lambda cell: max(deadline - time.monotonic(), 0.01)) if deadline else None,
        )
        executed_nb.metadata["title"] = title
        body, _ = html_exporter().from_notebook_node(executed_nb)
        tmp_html.write_text(body, encoding="utf-8")
        if not still_owned():
            raise InfrastructureError(f"{notebook}: the run that started it is gone; output discarded")
        os.replace(tmp_executed, executed)
        os.replace(tmp_html, html)
    except pm.PapermillExecutionError as exc:
        kernels.discard()  # the engine replaces a kernel that died or hung; one whose notebook failed goes too
        line = next((ln for ln in reversed(exc.source.splitlines()) if ln.strip() and not ln.startswith("#")), "")
        raise RenderError(
            f"{notebook} failed for year={year}, region={region} in cell `{line.strip()}`: {exc.ename}: {exc.evalue}"
        ) from None
    except DeadKernelError:
        raise InfrastructureError(f"{notebook} for year={year}, region={region}: the kernel died") from None
    except RuntimeError as exc:
        if not str(exc).startswith("Kernel"):  # "Kernel didn't respond in 60 seconds", "Kernel died before …"
            raise
        raise InfrastructureError(f"{notebook} for year={year}, region={region}: {exc}") from None
    except CellTimeoutError:
        raise InfrastructureError(
            f"{notebook} for year={year}, region={region}: timed out after {timeout:g} s (--timeout)"
        ) from None
    except OSError as exc:  # disk full, permissions, a kernel that cannot start
        fault = ResourceError if is_resource_fault(exc) else InfrastructureError
        raise fault(f"{notebook} for year={year}, region={region}: {exc}") from None
    finally:
        tmp_executed.unlink(missing_ok=True)
        tmp_html.unlink(missing_ok=True)
    return Rendered(executed, html, reads(executed_nb))
