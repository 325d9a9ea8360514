"""Documents people keep: a text rendered as an A4 PDF with a font that has every Polish letter.

The font (Lato, SIL Open Font License, by the Polish designer Łukasz Dziedzic) comes from the
`font-lato` package and is embedded, so ą ć ę ł ń ó ś ź ż show correctly everywhere and copying
or extracting the text gives back the same words.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources

FONT = "Lato"
# fpdf (with fontTools and Pillow, ~24 MiB) is imported when the first document is made, not at
# start: most runs of the bot make none for hours.


def _font_file(name: str) -> str:
    return str(resources.files("font_lato").joinpath("files", name))


def _document(footer: str):
    from fpdf import FPDF

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-14)
            self.set_font(FONT, "", 7.5)
            self.set_text_color(110, 110, 110)
            self.multi_cell(0, 3.5, f"{footer}   ·   {self.page_no()}/{{nb}}", align="C")

    return Document(format="A4")


def _is_title(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 8 and all(c.isupper() for c in letters)


def render_pdf(text: str, *, title: str, footer: str, created: datetime) -> bytes:
    """Lines in capitals become centred titles and "§" lines headings; the rest is body text."""
    pdf = _document(footer)
    pdf.set_title(title)
    pdf.set_lang("pl")
    pdf.set_creation_date(created)
    pdf.add_font(FONT, "", _font_file("Lato-Regular.ttf"))
    pdf.add_font(FONT, "B", _font_file("Lato-Bold.ttf"))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    for line in text.split("\n"):
        if not line.strip():
            pdf.ln(3)
            continue
        if _is_title(line):
            pdf.set_font(FONT, "B", 13)
            pdf.multi_cell(0, 6.5, line, align="C", new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("§"):
            pdf.ln(1.5)
            pdf.set_font(FONT, "B", 10.5)
            pdf.multi_cell(0, 5.5, line, align="L", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font(FONT, "", 10)
            # Left-aligned, not justified: copied or extracted text keeps single spaces.
            pdf.multi_cell(0, 5, line, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
