"""Chapters: what a notebook shows for one (year, region), as tables, charts and text."""

from .chapter import Chapter
from .districts import Districten
from .veiligheidsbeeld import Veiligheidsbeeld

__all__ = ["Chapter", "Districten", "Veiligheidsbeeld"]
