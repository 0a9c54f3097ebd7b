"""Wide tables in print. A page shows the columns of a table side by side:
past a dozen or so, a column is narrower than a letter and WeasyPrint
clips the cells beyond the page's edge (measured: a 1,000-column table kept
90 of its 5,000 values). A table wider than MIRSAD_PDF["table_columns"] is
printed as consecutive parts of that many columns, each repeating the first
column (the row labels), so every cell's text is in the PDF. A wide table
with merged cells (colspan, rowspan) cannot be cut cleanly: it is printed
as it is, with a warning naming the briefing and the table.
"""

from __future__ import annotations

import copy
import logging

from lxml import html

logger = logging.getLogger(__name__)
ROWS = "./tr|./thead/tr|./tbody/tr|./tfoot/tr"
PART_CLASS = "table-part"


def fit_tables(page: str, columns: int, label: str) -> str:
    """`page` with every table wider than `columns` split into parts of
    `columns` columns; unchanged (the same string) when no table is."""
    if "<table" not in page:
        return page
    document = html.document_fromstring(page)
    split = 0
    for number, table in enumerate(list(document.iter("table")), 1):
        width = max((len(_cells(row)) for row in table.xpath(ROWS)), default=0)
        if width <= columns:
            continue
        if table.xpath(".//*[self::td or self::th][@colspan > 1 or @rowspan > 1]"):
            logger.warning("mirsad_pdf: %s: table %d has %d columns and merged cells: the PDF may not show all "
                           "of it; split it into narrower tables, or keep the merged cells out of wide ones",
                           label, number, width)
            continue
        _replace(table, _parts(table, width, max(2, columns)))
        split += 1
    if not split:
        return page
    return html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>")


def _parts(table: html.HtmlElement, width: int, columns: int) -> list[html.HtmlElement]:
    """Copies of `table`, each with the first column and `columns - 1` of the others."""
    step = columns - 1
    parts = []
    for start in range(1, width, step):
        part = copy.deepcopy(table)
        for row in part.xpath(ROWS):
            for index, cell in enumerate(_cells(row)):
                if index and not start <= index < start + step:
                    row.remove(cell)
        part.set("class", f"{part.get('class', '')} {PART_CLASS}".strip())
        parts.append(part)
    return parts


def _replace(table: html.HtmlElement, parts: list[html.HtmlElement]) -> None:
    parent, tail = table.getparent(), table.tail
    position = parent.index(table)
    parent.remove(table)
    for offset, part in enumerate(parts):
        part.tail = "\n"
        parent.insert(position + offset, part)
    parts[-1].tail = tail


def _cells(row: html.HtmlElement) -> list[html.HtmlElement]:
    return [cell for cell in row if cell.tag in ("td", "th")]
