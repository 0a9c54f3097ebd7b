"""Wide tables in PDFs (issue 33, part A): a table of 1,000 columns keeps
every cell's text in the PDF (printed in parts that repeat the row labels);
one with merged cells that cannot be cut is named in a warning. Real
Pelican builds, real WeasyPrint, text through pdftotext."""

from __future__ import annotations

import re

from test_pdf import pdf_text

COLUMNS, ROWS = 1000, 5  # 5,000 values


def wide_table(columns: int, rows: int) -> str:
    header = "| " + " | ".join(["label", *(f"h{c}" for c in range(1, columns))]) + " |"
    rule = "|" + "---|" * columns
    lines = ["| " + " | ".join([f"r{r}", *(f"v{r}x{c}" for c in range(1, columns))]) + " |"
             for r in range(1, rows)]
    return "\n".join([header, rule, *lines])


def test_every_cell_of_a_1000_column_table_is_in_the_pdf(site):
    site.briefing("wide", "جدول عريض", body=f"قبل الجدول.\n\n{wide_table(COLUMNS, ROWS)}\n\nبعد الجدول.")
    built = site.build(MIRSAD_PDF={"digest": False})
    assert not built.errors, built.errors
    text = pdf_text(built.output / "ar" / "briefings" / "wide.pdf")
    values = set(re.findall(r"\b[hv]\d+(?:x\d+)?\b", text))
    expected = {f"h{c}" for c in range(1, COLUMNS)} | {f"v{r}x{c}" for r in range(1, ROWS) for c in range(1, COLUMNS)}
    assert not expected - values, f"{len(expected - values)} of {len(expected)} values missing from the PDF"
    assert text.count("label") == -(-(COLUMNS - 1) // 7)  # each part of 8 columns repeats the row labels
    assert "قبل الجدول" in text and "بعد الجدول" in text
    assert not [w for w in built.warnings if "table" in w], built.warnings


def test_a_narrow_table_is_printed_as_written(site):
    from mirsad.pdf.tables import fit_tables

    page = "<!DOCTYPE html><html><body><table><tr><td>a</td><td>b</td></tr></table></body></html>"
    assert fit_tables(page, 8, "x.md (ar)") is page


def test_a_wide_table_with_merged_cells_is_named_in_a_warning(site):
    rows = "".join(f"<tr><td>r{r}</td>" + "".join(f"<td>v{r}x{c}</td>" for c in range(1, 40)) + "</tr>"
                   for r in range(1, 3))
    merged = f'<table><tr><th colspan="40">merged heading</th></tr>{rows}</table>'
    site.briefing("merged", "جدول مدمج", body=f"نص.\n\n{merged}\n")
    built = site.build(MIRSAD_PDF={"digest": False})
    assert [w for w in built.warnings if "table 1 has 40 columns and merged cells" in w
            and "briefings/merged.md (ar)" in w], built.warnings
