"""HTML mail bodies: to plain text for reading, and sanitised HTML for display.

Nothing is executed or fetched: scripts, styles and embedded objects are dropped, and the
display HTML carries no images, forms or event handlers (no tracking pixels, no remote loads).
"""

from __future__ import annotations

import re

import nh3
from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import CData, Declaration, Doctype, ProcessingInstruction

_DROP = {
    "script", "style", "head", "title", "template", "noscript", "iframe", "object", "embed",
    "svg", "math", "meta", "link", "button", "select", "option", "textarea", "input",
}
# Paragraph-like blocks are set apart by a blank line, line-like blocks by a line break.
_PARAGRAPH = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "pre", "address", "dl",
    "figure", "hr", "form", "fieldset",
}
_BLOCK = _PARAGRAPH | {
    "div", "section", "article", "header", "footer", "main", "aside", "nav", "li", "thead",
    "tbody", "tfoot", "tr", "center", "dt", "dd", "figcaption", "caption", "body", "html",
}
_PARAGRAPH_BREAK = "\x02"
_CELL = {"td", "th"}
_SKIP_STRINGS = (Comment, Doctype, CData, ProcessingInstruction, Declaration)
_MAX_DEPTH = 250  # deeper trees (hostile or broken mail) are flattened without structure
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")

_DISPLAY_TAGS = set(nh3.ALLOWED_TAGS) - {"img", "area", "map"}


def html_to_text(html: str) -> str:
    """Readable text of an HTML body; ``<blockquote>`` becomes ``> `` quoting so that the
    reply splitter can tell the citizen's new text from the quoted history."""
    soup = BeautifulSoup(html, "html.parser")
    parts: list[str] = []
    try:
        _render(soup, parts, 0, pre=False)
        text = "".join(parts)
    except RecursionError:
        text = soup.get_text("\n")
    return _tidy(text)


def _render(node: Tag, out: list[str], depth: int, pre: bool) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if isinstance(child, _SKIP_STRINGS):
                continue
            out.append(str(child) if pre else _SPACES.sub(" ", str(child).replace("\n", " ")))
            continue
        if not isinstance(child, Tag):
            continue
        name = (child.name or "").lower()
        if name in _DROP:
            continue
        if depth > _MAX_DEPTH:
            out.append(child.get_text(" "))
            continue
        if name == "br":
            out.append("\n")
        elif name == "blockquote":
            inner: list[str] = []
            _render(child, inner, depth + 1, pre)
            quoted = _tidy("".join(inner))
            if quoted:
                out.append("\n" + "\n".join("> " + line for line in quoted.splitlines()) + "\n")
        elif name in _BLOCK:
            brk = _PARAGRAPH_BREAK if name in _PARAGRAPH else "\n"
            out.append(brk)
            if name == "li":
                out.append("- ")
            _render(child, out, depth + 1, pre or name == "pre")
            out.append(brk)
        elif name in _CELL:
            _render(child, out, depth + 1, pre)
            out.append("\t")
        else:
            _render(child, out, depth + 1, pre)


def _tidy(text: str) -> str:
    """Strip each line; line breaks collapse to one, paragraph breaks to one blank line."""
    text = re.sub(r"[^\S\n]*\n\s*", "\n", text)
    text = re.sub(r"\s*\x02[\s\x02]*", "\n\n", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def sanitize_html(html: str) -> str:
    """HTML safe to show inside the staff web UI: no scripts, styles, handlers, images or forms;
    links open without referrer."""
    return nh3.clean(
        html,
        tags=_DISPLAY_TAGS,
        clean_content_tags={"script", "style", "title", "head", "template", "noscript"},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
