"""Turn a saved EURA2014 project page (HTML) into the line-per-label text the parser reads.

Block elements (``p``, ``div``, ``h1``–``h6``, ``li``, ``tr``, ``br`` …) end a line; the
cells of one table row are joined with a space, so ``<td>Hankekoodi:</td><td>S21684</td>``
becomes ``Hankekoodi: S21684``. Scripts, styles and the document head are dropped.
Blocks are separated by a blank line, as in the text samples; ``<br>`` ends a line only.
Only the standard library is used.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
    "thead", "tfoot", "tr", "ul",
}
_CELLS = {"td", "th"}
_SKIP = {"script", "style", "head", "title", "noscript", "template"}
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[str, str]] = []
        self.current: list[str] = []
        self.skip = 0

    def _end_line(self, after: str = "\n\n") -> None:
        line = _SPACES.sub(" ", "".join(self.current)).strip()
        self.current = []
        if line:
            self.lines.append((line, after))

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self._end_line("\n")
        elif tag in _BLOCKS:
            self._end_line()
        elif tag in _CELLS:
            self.current.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in {"br", "hr"}:
            self._end_line("\n" if tag == "br" else "\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS:
            self._end_line()
        elif tag in _CELLS:
            self.current.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)


def html_to_text(html: str) -> str:
    """The text of an HTML page, one block (or table row) a line.

    Blocks are separated by a blank line; lines broken by ``<br>`` by a newline only.
    """
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser._end_line()
    return "".join(line + after for line, after in parser.lines)
