"""Exceptions users see. The CLI prints their message and exits non-zero, no traceback."""

import errno


class JaarverslagError(Exception):
    """Base class: an error whose message is meant for the user as it is."""


class DataContractError(JaarverslagError):
    """A data file breaks the contract: the message names file, line, column and rule."""


class ParameterError(JaarverslagError):
    """A run parameter (year, region, config value) is not valid for the data."""


class WorkerSetupError(JaarverslagError):
    """A Dask worker is not set up as the client is (another library, no kernel): it would render other
    reports under the client's hashes, so it is refused before its output lands; exit code 2."""


class RenderError(JaarverslagError):
    """Executing or converting a notebook failed; earlier outputs are left in place."""


class SourceError(JaarverslagError):
    """An external source (CBS open data) failed or answered unexpectedly; data is left untouched."""


class InfrastructureError(JaarverslagError):
    """The machinery failed, not the notebook or the data: a kernel died, a notebook timed out,
    Chromium failed, the disk is full. Retried once; exit code 3."""


class ResourceError(InfrastructureError):
    """The machine lacks what every further job needs: the disk is full or read-only. Neither a
    retry nor the next job can succeed, so the run stops dispatching at once; exit code 3."""


RESOURCE_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT})


def is_resource_fault(exc: BaseException) -> bool:
    """An OSError that no retry can mend (no space, read-only filesystem, quota)."""
    return isinstance(exc, OSError) and exc.errno in RESOURCE_ERRNOS
