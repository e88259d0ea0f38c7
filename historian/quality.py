"""Sample quality (API.md, "Historian"): the name on the wire and the code in the database.

SQL in this app writes the codes through these names (`{Quality.BAD:d}`), never as bare
numbers, so a reader of a query sees which quality it means.
"""

from __future__ import annotations

from enum import IntEnum


class Quality(IntEnum):
    GOOD = 0
    UNCERTAIN = 1
    BAD = 2

    @property
    def label(self) -> str:
        """The name in API.md: good, uncertain, bad."""
        return self.name.lower()


QUALITY_CODES = {quality.label: int(quality) for quality in Quality}
QUALITY_NAMES = {int(quality): quality.label for quality in Quality}
