"""Runs inside a warm kernel: the state a fresh kernel gives a notebook, taken once after the heavy
imports and put back before every notebook, so a notebook never sees what the previous one did.

Put back: the namespace and output history (IPython's reset), the execution counter, matplotlib's
settings and open figures, pandas options, the random generators, warnings filters (and their
once-only memory), the environment, sys.path and the working directory. Dropped, to be imported
afresh: this library and every module from outside the Python installation (a notebook's own
helpers), so no module-level state of theirs survives. Third-party modules stay imported; importing
them once is the point.
"""

from __future__ import annotations

import importlib
import os
import random
import sys
import warnings
from dataclasses import dataclass
from typing import Any

WARM_IMPORTS = ("jaarverslag.chapters", "matplotlib.pyplot", "seaborn", "pandas")
_INSTALLED = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix})


@dataclass(frozen=True)
class Fresh:
    rc: dict
    pandas: dict
    numpy_random: tuple
    random: Any
    warnings: list
    environ: dict
    path: list


def take(shell: Any) -> None:
    """Import what the notebooks import, then remember the state a notebook must start from."""
    for name in WARM_IMPORTS:
        importlib.import_module(name)
    import matplotlib as mpl
    import numpy as np

    shell.jaarverslag_fresh = Fresh(dict(mpl.rcParams), _pandas_options(), np.random.get_state(), random.getstate(),
                                    list(warnings.filters), dict(os.environ), list(sys.path))


def restore(shell: Any, cwd: str) -> None:
    """Give the next notebook what a fresh kernel would: see the module docstring for what that covers."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    fresh: Fresh = shell.jaarverslag_fresh
    shell.reset(new_session=True)  # also counts executions from 1 again, in a new history session
    plt.close("all")
    dict.update(mpl.rcParams, fresh.rc)  # values were validated when taken
    now = _pandas_options()
    for key, value in fresh.pandas.items():
        if now.get(key) != value:
            pd.set_option(key, value)
    np.random.set_state(fresh.numpy_random)
    random.setstate(fresh.random)
    warnings.filters[:] = fresh.warnings
    warnings._filters_mutated()  # forget which warnings were already shown once
    os.environ.clear()
    os.environ.update(fresh.environ)
    sys.path[:] = fresh.path
    os.chdir(cwd)
    for name in [name for name, module in list(sys.modules.items()) if _own(name, module)]:
        del sys.modules[name]
    importlib.invalidate_caches()


def _own(name: str, module: Any) -> bool:
    """This library, or a module from outside the Python installation."""
    if name == "jaarverslag" or name.startswith("jaarverslag."):
        return True
    path = getattr(module, "__file__", None)
    return bool(path) and not os.path.abspath(path).startswith(_INSTALLED)


def _pandas_options() -> dict:
    import pandas as pd
    from pandas._config import config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {key: pd.get_option(key) for key in config._registered_options if key not in config._deprecated_options}
