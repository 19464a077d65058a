"""Health facts every layer agrees on: what counts as a fever."""

from __future__ import annotations

#: A body temperature at or above this (°C) is a fever: the parser flags it abnormal, and a day's
#: check-in that climbs past it is news people must hear.
FEVER_THRESHOLD = 37.3
