"""Inputs: the tables of data/, their contract, and what their sources mean."""

from .cache import load
from .dataset import Dataset
from .write import write_tables

__all__ = ["Dataset", "load", "write_tables"]
