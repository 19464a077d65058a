"""The standing duties as report lines: a grid report's, a digest's and ``/status``'s.

Only units with pairings (or visits) show the visit line, only units with disinfection points the
disinfection line: a report of a grid without either reads exactly as before. A grid report goes to
the residents' group, so it carries counts and place names only, never a household; the digests'
list of visits that found a concern (officials) has the heads' names masked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from core import texts
from services.duty_report import DutyFigures
from services.visits import ConcernDetail


def help_text(help_codes: str | None) -> str:
    """What a visit did, as the visit stored it (``medicine,health``), in words."""
    if not help_codes:
        return texts.VISIT_NO_HELP
    return texts.REPORT_LIST_SEPARATOR.join(texts.VISIT_HELP_LABELS.get(code, code) for code in help_codes.split(","))


def _places(duties: DutyFigures) -> str:
    if not duties.outstanding_places:
        return ""
    return texts.STATUS_PLACES.format(places=escape(texts.REPORT_LIST_SEPARATOR.join(duties.outstanding_places)))


def grid_lines(duties: DutyFigures) -> list[str]:
    """The grid report's duty lines (label：value, like its other figures)."""
    lines = []
    if duties.has_visits:
        value = texts.REPORT_VISITS_VALUE.format(
            due=duties.visits_due, done=duties.visits_done, overdue=duties.visits_overdue,
            made=duties.visits_made, concerns=duties.visit_concerns,
        )  # fmt: skip
        lines.append(texts.REPORT_LINE_PART.format(label=texts.REPORT_VISITS, value=value))
    if duties.has_points:
        value = texts.REPORT_POINTS_VALUE.format(
            points=duties.points, outstanding=duties.points_outstanding, places=_places(duties)
        )
        lines.append(texts.REPORT_LINE_PART.format(label=texts.REPORT_POINTS, value=value))
    return lines


def status_lines(duties: DutyFigures) -> list[str]:
    lines = []
    if duties.has_visits:
        concerns = texts.STATUS_VISIT_CONCERNS.format(count=duties.visit_concerns) if duties.visit_concerns else ""
        lines.append(
            texts.STATUS_VISITS.format(
                done=duties.visits_done, due=duties.visits_due, overdue=duties.visits_overdue, concerns=concerns
            )
        )
    if duties.has_points:
        lines.append(
            texts.STATUS_POINTS.format(
                outstanding=duties.points_outstanding, points=duties.points, places=_places(duties)
            )
        )
    return lines


def digest_lines(duties: DutyFigures, concerns: Sequence[ConcernDetail], grid_names: Mapping[int, str]) -> list[str]:
    """A digest's duty totals, then the visits that found a concern (``grid_names`` already escaped)."""
    lines = []
    if duties.has_visits:
        lines.append(
            texts.REPORT_DIGEST_VISITS.format(
                due=duties.visits_due, done=duties.visits_done, overdue=duties.visits_overdue,
                made=duties.visits_made, concerns=duties.visit_concerns,
            )
        )  # fmt: skip
    if duties.has_points:
        lines.append(
            texts.REPORT_DIGEST_POINTS.format(
                points=duties.points,
                done=duties.points - duties.points_outstanding,
                outstanding=duties.points_outstanding,
            )
        )
    if concerns:
        lines.append(texts.REPORT_DETAILS_CONCERNS.format(count=len(concerns)))
        lines.extend(
            texts.REPORT_CONCERN_LINE.format(
                grid=grid_names.get(row.grid_id, ""), address=escape(row.address), name=escape(row.head),
                help=escape(help_text(row.help)), day=f"{row.day:%m-%d}",
            )
            for row in concerns
        )  # fmt: skip
    return lines
