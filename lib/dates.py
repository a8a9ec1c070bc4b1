"""Reading and naming the dates Paper Atlas meets: page listing dates ("MM-DD" or "YYYY-MM-DD")."""

from __future__ import annotations

_MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def listing_date_label(value: str) -> str:
    """'03-18' -> 'Mar 18'; '2025-03-18' -> 'Mar 18, 2025'; anything else is returned unchanged."""
    parts = value.split("-")
    try:
        if len(parts) == 2:
            return f"{_MONTH_NAMES[int(parts[0]) - 1]} {int(parts[1])}"
        if len(parts) == 3:
            return f"{_MONTH_NAMES[int(parts[1]) - 1]} {int(parts[2])}, {parts[0]}"
    except (ValueError, IndexError):
        pass
    return value
