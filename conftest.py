"""pytest over notebooks/ (nbval) sees only the chapters of the batch file.

A notebook made from JupyterLab's Launcher lands in notebooks/ too; it is the analyst's
scratch work, not a chapter, so it is not collected (like the batch and the Dask snapshot,
which read only the batch's chapters).
"""

from pathlib import Path

from jaarverslag.inputs.params import load_batch


def pytest_ignore_collect(collection_path: Path, config: object) -> bool | None:
    folder = collection_path.parent
    if collection_path.suffix != ".ipynb" or folder.name != "notebooks":
        return None  # not ours to decide
    chapters = {chapter.notebook for chapter in load_batch(folder.parent / "params" / "batch.yaml").chapters}
    return collection_path.stem not in chapters
