"""`jaarverslag preview`: one report served locally and brought up to date as its inputs change.

The analyst's loop is to edit a narrative, the data or a notebook and look at the result.
The preview renders into a build of its own (build/preview), so the published site is
never touched, and keeps one warm kernel for as long as it runs. A change re-runs the
engine's plan: only the chapters whose key changed are rendered again (a narrative edit is
its one chapter) and the report is assembled again; no PDF, data package or search index
is made. The page asks the
preview server when something changed and reloads itself; that script is added by the
server as it serves a page (the site's policy already lets a page ask its own origin, for
the search), so the files in build/ carry no such script. Bad input keeps the last good
page and shows the same file/line/rule message in the page and in the terminal.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import webbrowser
from dataclasses import dataclass, field
from html import escape
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .analysis import narratives
from .engine.batch import FAILED, Job, Settings, plan, run
from .engine.layout import Layout
from .engine.manifest import Manifest
from .engine.progress import line
from .errors import JaarverslagError
from .inputs import load
from .inputs.params import load_batch

RELOAD = Path(__file__).parent / "templates" / "preview" / "reload.js"
WAIT = 25.0  # seconds a page's question "anything new?" is held open before it is answered "no"


@dataclass
class State:
    """What the open pages follow: a generation per refresh, the version of the last good report, the error."""

    generation: int = 0
    version: int = 0
    error: str = ""
    changed: threading.Condition = field(default_factory=threading.Condition)

    def settle(self, error: str = "") -> None:
        with self.changed:
            self.generation += 1
            self.version += not error
            self.error = error
            self.changed.notify_all()

    def after(self, generation: int) -> dict:
        """The state once it differs from generation (or after WAIT seconds)."""
        with self.changed:
            self.changed.wait_for(lambda: self.generation != generation, timeout=WAIT)
            return {"generation": self.generation, "version": self.version, "error": self.error}


@dataclass
class Preview:
    data_dir: Path
    notebooks_dir: Path
    batch_file: Path
    layout: Layout  # the preview's own build
    year: int
    region: str
    state: State = field(default_factory=State)

    @property
    def page(self) -> Path:
        return self.layout.report(self.year, self.region)

    def refresh(self) -> None:
        """Render what changed and assemble the report again; on bad input keep the last good page.

        Chapters are rendered one by one; when an input changes meanwhile, the rest is left to
        the next refresh, which the watcher starts (so a file saved half-way does not fail every chapter).
        """
        from .publish.report import publish

        started, began = time.perf_counter(), time.time()
        try:
            data = load(self.data_dir)
            narratives.require_consistent(data)
            batch = load_batch(self.batch_file).select([self.year], [self.region])
            batch.check(data, self.notebooks_dir)
            settings = Settings.of(batch, data, self.notebooks_dir, self.batch_file, self.layout.root)
            to_run, _ = plan([Job(*job) for job in batch.jobs()], settings, Manifest(self.layout))
            results = []
            for job, _, _ in to_run:
                if self._edited_since(began):
                    return line("preview: an input changed while rendering; rendering again")
                results += run([job], settings, 1, progress=False, keep_kernel=True)
            publish(batch, data, self.layout, pdf=False, pages_only=True)
        except JaarverslagError as exc:
            return self._failed(str(exc))
        failures = [f"{r.job}: {r.error}" for r in results if r.status in FAILED]
        if failures:
            return self._failed("\n".join(failures))
        executed = sum(r.status == "executed" for r in results)
        line(f"preview: {executed} chapter(s) rendered, report up to date in {time.perf_counter() - started:.1f} s")
        self.state.settle()

    @property
    def watched(self) -> tuple[Path, ...]:
        """The data directory (tables, narratives), the notebooks and the batch file itself (not its folder)."""
        return self.data_dir, self.notebooks_dir, self.batch_file

    def _edited_since(self, moment: float) -> bool:
        for watched in self.watched:
            for path in [watched] if watched.is_file() else watched.rglob("*"):
                with contextlib.suppress(OSError):  # removed while we look: the watcher tells
                    if path.stat().st_mtime > moment:
                        return True
        return False

    def _failed(self, message: str) -> None:
        line(f"preview: not updated, the page shows the last good version:\n{message}")
        self.state.settle(message)

    def watch(self, stop: threading.Event) -> None:
        """Render, then again after every change to data/, the notebooks or the batch file, until stop is set.

        The watcher runs before the first render, so an edit saved while that render runs is not missed.
        """
        from watchfiles import DefaultFilter, watch

        ignored = DefaultFilter(ignore_dirs=(*DefaultFilter.ignore_dirs, ".ipynb_checkpoints"))
        first = True
        for changes in watch(*self.watched, watch_filter=ignored, stop_event=stop, debounce=400, step=30,
                             rust_timeout=250, yield_on_timeout=True):
            if changes or first:
                self.refresh()
                first = False

    def served(self, html: str) -> str:
        """A page as the preview serves it: with the reload script."""
        script = f'<script src="/_preview/reload.js" data-version="{self.state.version}" defer></script>'
        return html.replace("</body>", script + "</body>", 1) if "</body>" in html else html + script

    def placeholder(self) -> str:
        """Before the first good render: what is happening, or what is wrong."""
        message = self.state.error or "Het verslag wordt gemaakt …"
        return (f'<!DOCTYPE html><html lang="nl"><meta charset="utf-8"><title>Voorbeeld</title>'
                f'<body><main><h1>Voorbeeld {self.year}</h1><pre>{escape(message)}</pre></main></body></html>')


def handler(preview: Preview) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(preview.layout.site), **kwargs)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlsplit(self.path)
            if url.path == "/_preview/state":
                since = int(parse_qs(url.query).get("since", ["-1"])[0])
                return self._send(json.dumps(preview.state.after(since)), "application/json")
            if url.path == "/_preview/reload.js":
                return self._send(RELOAD.read_text(encoding="utf-8"), "text/javascript")
            target = preview.layout.index if url.path == "/" else Path(self.translate_path(url.path))
            if target.suffix == ".html":
                if target == preview.page and not target.is_file():
                    return self._send(preview.served(preview.placeholder()), "text/html")
                if target.is_file():
                    return self._send(preview.served(target.read_text(encoding="utf-8")), "text/html")
            return super().do_GET()

        def _send(self, body: str, kind: str) -> None:
            content = body.encode()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(content)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
            pass  # the terminal shows what changed, not every request

    return Handler


def serve(preview: Preview, host: str, port: int, open_browser: bool) -> None:
    """Serve the preview until interrupted; the first render happens while the page already answers."""
    server = ThreadingHTTPServer((host, port), handler(preview))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://{host}:{server.server_port}/{preview.page.relative_to(preview.layout.site).as_posix()}"
    print(f"preview: {address} (Ctrl-C to stop)", flush=True)
    stop = threading.Event()
    try:
        if open_browser:  # the page says the report is being made, and reloads when it is there
            webbrowser.open(address)
        preview.watch(stop)
    finally:
        stop.set()
        server.shutdown()
        from .engine import kernels

        kernels.shutdown()
