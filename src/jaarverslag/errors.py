"""Exceptions users see. The CLI prints their message and exits non-zero, no traceback."""


class JaarverslagError(Exception):
    """Base class: an error whose message is meant for the user as it is."""


class DataContractError(JaarverslagError):
    """A data file breaks the contract: the message names file, line, column and rule."""


class ParameterError(JaarverslagError):
    """A run parameter (year, region, config value) is not valid for the data."""


class RenderError(JaarverslagError):
    """Executing or converting a notebook failed; earlier outputs are left in place."""


class SourceError(JaarverslagError):
    """An external source (CBS open data) failed or answered unexpectedly; data is left untouched."""


class InfrastructureError(JaarverslagError):
    """The machinery failed, not the notebook or the data: a kernel died, a notebook timed out,
    Chromium failed, the disk is full. Retried once; exit code 3."""
