"""jaarverslag: reproducible annual reports for a Dutch police unit and its districts."""

__version__ = "0.1.0"
