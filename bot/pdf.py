"""Documents people keep: a text rendered as an A4 PDF with a font that has every letter of
Polish, Ukrainian and Latin-extended names (Żółkiewska-Łęcka, Олександр Ковальчук, Nguyễn, Şahin).

The font (Fira Sans, SIL Open Font License) comes from the `fontpkg-fira-sans` package and is
embedded, so copying or extracting the text gives back the same words. What the font cannot show
(emoji, pictographs, invisible formatting characters, scripts it lacks) is removed or replaced by
`printable()` before a text is fingerprinted or rendered: the text that is hashed is exactly the
text the PDF shows.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from importlib import resources

FONT = "FiraSans"
_FONT_FILES = {"": "FiraSans-Regular.ttf", "B": "FiraSans-Bold.ttf"}
UNKNOWN = "?"  # a letter of a script the font lacks: visible, so nobody thinks it was never there
_DROPPED = "\x00"
# fpdf (with fontTools and Pillow, ~24 MiB) is imported when the first document is made, not at
# start: most runs of the bot make none for hours.


def _font_file(name: str) -> str:
    return str(resources.files("fontpkg_fira_sans").joinpath("files", name))


@cache
def _covered() -> frozenset[int]:
    """The code points every style of the font has."""
    from fontTools.ttLib import TTFont

    maps = [set(TTFont(_font_file(name), lazy=True).getBestCmap()) for name in _FONT_FILES.values()]
    return frozenset(set.intersection(*maps))


def _printable_char(ch: str, covered: frozenset[int]) -> str:
    if ch == "\n":
        return ch
    if ch == "\t":
        return " "
    category = unicodedata.category(ch)
    # Invisible formatting (zero-width joiners, bidi overrides, soft hyphens) and controls.
    if category in ("Cc", "Cf"):
        return _DROPPED
    if ord(ch) in covered:
        return ch
    compatible = unicodedata.normalize("NFKC", ch)  # ﬁ → fi, full-width Ａ → A
    if compatible != ch and all(ord(c) in covered for c in compatible):
        return compatible
    # Emoji, their skin tones and variation selectors, keycap marks: decoration, not words.
    if category[0] == "S" or category in ("Mn", "Me"):
        return _DROPPED
    return UNKNOWN


def _close_gap(match: re.Match) -> str:
    """Where a removed character stood: one space between words, none at a line's edge."""
    text, start, end = match.string, match.start(), match.end()
    at_edge = start == 0 or text[start - 1] == "\n" or end == len(text) or text[end] == "\n"
    return "" if at_edge or " " not in match.group() else " "


def printable(text: str) -> str:
    """The text as the PDF shows it; the one place that decides. Apply it before hashing."""
    covered = _covered()
    composed = unicodedata.normalize("NFC", text)  # Nguyễn typed as n-g-u-y-e-̂-̃-n, one letter each
    mapped = "".join(_printable_char(ch, covered) for ch in composed)
    if _DROPPED not in mapped:
        return mapped
    return re.sub(f"[ {_DROPPED}]*{_DROPPED}[ {_DROPPED}]*", _close_gap, mapped)


# Ukrainian letters in Latin (the official transliteration, simplified), for file names.
_CYRILLIC = str.maketrans(
    {
        **dict(zip("абвгґдезиіїйклмнопрстуфыэё", "abvhgdezyiiiklmnoprstufyee", strict=True)),
        **{"є": "ie", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "iu", "я": "ia"},
        **{c: "" for c in "ьъ'’"},
    }
)
_LATIN = str.maketrans({"ł": "l", "đ": "d", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe"})


def file_slug(text: str, limit: int = 40) -> str:
    """A part of a file name in plain ASCII: "Олександр Ковальчук" → "oleksandr-kovalchuk"."""
    latin = text.casefold().translate(_CYRILLIC).translate(_LATIN)
    plain = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return slug[:limit].rstrip("-")


def _document(footer: str):
    from fpdf import FPDF

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-max(14, 7 + 3.5 * (footer.count("\n") + 1)))  # a longer footer starts higher
            self.set_font(FONT, "", 7.5)
            self.set_text_color(110, 110, 110)
            self.multi_cell(0, 3.5, f"{footer}   ·   {self.page_no()}/{{nb}}", align="C")

    return Document(format="A4")


def _is_title(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 8 and all(c.isupper() for c in letters)


QR_MM = 26


def qr_png(payload: str) -> bytes:
    """The QR code as embedded in the PDF (segno; medium error correction survives a worn print)."""
    import segno

    out = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(out, kind="png", scale=8, border=2)
    return out.getvalue()


def _print_qr(pdf, payload: str) -> None:
    """After the text, at the right; an image only, so the text extracted stays the document's."""
    if pdf.get_y() + QR_MM + 6 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(4)
    pdf.image(io.BytesIO(qr_png(payload)), x=pdf.w - pdf.r_margin - QR_MM, y=pdf.get_y(), w=QR_MM, h=QR_MM)


def _print_table(pdf, rows: Sequence[Sequence[str]], widths: Sequence[float]) -> None:
    """A ruled table after the text, its first row the headings (e.g. a list to sign: tall rows)."""
    pdf.ln(2)
    pdf.set_font(FONT, "", 10)
    with pdf.table(col_widths=tuple(widths), line_height=9, first_row_as_headings=True) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(printable(cell))


def render_pdf(
    text: str,
    *,
    title: str,
    footer: str,
    created: datetime,
    qr: str | None = None,
    table: Sequence[Sequence[str]] = (),
    widths: Sequence[float] = (),
) -> bytes:
    """Lines in capitals become centred titles and "§" lines headings; the rest is body text.

    The text is shown as `printable(text)`: pass a text already made printable when its hash is
    shown or kept, so that the two agree. `qr`: a QR code holding it is printed after the text,
    as an image (outside the text and its hash, like the footer). `table`: rows of a ruled table
    after the text (the first row its headings; `widths`: the columns' relative widths)."""
    pdf = _document(printable(footer))
    pdf.set_title(printable(title))
    pdf.set_lang("pl")
    pdf.set_creation_date(created)
    for style, name in _FONT_FILES.items():
        pdf.add_font(FONT, style, _font_file(name))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    for line in printable(text).split("\n"):
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
    if table:
        _print_table(pdf, table, widths or [1] * len(table[0]))
    if qr is not None:
        _print_qr(pdf, qr)
    return bytes(pdf.output())
