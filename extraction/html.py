"""HTML mail bodies to plain text; scripts and styles are dropped, nothing is executed."""

from __future__ import annotations

from bs4 import BeautifulSoup


def html_to_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "title", "template", "noscript"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    text = soup.get_text("\n")
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
