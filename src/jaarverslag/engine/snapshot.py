"""What a job needs, shipped to a worker that shares no filesystem with the client (Dask).

The client packs the notebooks, the data and the batch file into one content-addressed snapshot;
Dask sends it to each worker once (it is scattered under its digest) and every job on that worker
unpacks it at most once, into the worker's own directory. A job renders into a private build
directory and returns its outputs as bytes, which the client writes into build/ itself.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

NOTEBOOKS, DATA, BATCH = "notebooks", "data", "params/batch.yaml"


@dataclass(frozen=True)
class Snapshot:
    digest: str
    files: dict[str, bytes]  # path inside the snapshot -> content

    @classmethod
    def of(cls, notebooks_dir: Path, chapters: Iterable[str], data_dir: Path, batch_file: Path) -> Snapshot:
        """The batch's chapters (not an analyst's scratch notebooks beside them), the data and the batch file."""
        files = {f"{NOTEBOOKS}/{c}.ipynb": (Path(notebooks_dir) / f"{c}.ipynb").read_bytes() for c in sorted(chapters)}
        files |= {f"{DATA}/{p.relative_to(data_dir).as_posix()}": p.read_bytes()
                  for p in sorted(Path(data_dir).rglob("*")) if p.is_file() and not p.name.startswith(".")}
        files[BATCH] = Path(batch_file).read_bytes()
        digest = hashlib.sha256()
        for name, content in sorted(files.items()):
            digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
        return cls(digest.hexdigest()[:16], files)

    def unpack(self, base: Path) -> Path:
        """The snapshot as a directory under base, written once per digest (atomically)."""
        root = Path(base) / self.digest
        if not root.is_dir():
            staging = Path(tempfile.mkdtemp(prefix=f".{self.digest}.", dir=base))
            for name, content in self.files.items():
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                (staging / name).write_bytes(content)
            try:
                os.rename(staging, root)
            except OSError:  # another job of this worker was first
                shutil.rmtree(staging, ignore_errors=True)
        return root
