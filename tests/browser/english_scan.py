"""Finding English a Chinese-speaking user would see on a page: the visible-text scan of the browser tests.

``visible_latin_text(page)`` returns each text on screen (text nodes, placeholders, button
values and tooltips of visible elements) that holds a word of two or more Latin letters;
``english_words(text)`` keeps the words that are not legitimate there: format and unit
names (PDF, URL, TOTP, MB …), file names, addresses, identifiers the test itself created.
Screen-reader-only text is not on screen and is not scanned; code samples (``<code>``,
``<kbd>``) are quoted input and text areas hold what people wrote, not the site's wording.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SCAN = """() => {
  const word = /[A-Za-z]{2,}/;
  const hidden = "[contenteditable=true], textarea, code, kbd, samp, pre, .w-sr-only, .visually-hidden, .sr-only";
  function onScreen(el) {
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1;
  }
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      const parent = node.parentElement;
      if (!parent || ["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "IFRAME"].includes(parent.tagName)) return NodeFilter.FILTER_REJECT;
      if (!word.test(node.textContent) || parent.closest(hidden)) return NodeFilter.FILTER_REJECT;
      return onScreen(parent) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
    },
  });
  for (let node; (node = walker.nextNode()); ) found.push(node.textContent.replace(/\\s+/g, " ").trim());
  const attributes = "input[placeholder], textarea[placeholder], input[type=submit], input[type=button], [title]";
  for (const el of document.querySelectorAll(attributes)) {
    if (el.closest(hidden) || !onScreen(el)) continue;
    for (const name of ["placeholder", "title"].concat(["submit", "button"].includes(el.type) ? ["value"] : [])) {
      const value = el.getAttribute(name);
      if (value && word.test(value)) found.push(value.trim());
    }
  }
  found.push(document.title);
  return [...new Set(found)];
}"""

#: Words that are right in Chinese text: formats, units, keys and abbreviations Chinese users read as they are.
ALLOWED = frozenset(
    """
    PDF URL TOTP ID IDs QR Excel WPS CSV csv xlsx xls mp4 MP4 webm WebM HTML XML Moodle GIFT Aiken
    AVIF GIF JPG JPEG PNG WEBP SVG KB MB GB Esc UTF GBK
    shortanswer essay CATEGORY html
    """.split()  # the last line: keywords as written in Moodle XML and GIFT files
)
_NOT_PROSE = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"  # an e-mail address
    r"|https?://\S+"  # an address
    r"|[\w()（）\u4e00-\u9fff-]+\.(pdf|webm|mp4|png|jpe?g|gif|docx?|xlsx?|pptx?|txt|csv)\b",  # a file name
    re.IGNORECASE,
)
_RUN = re.compile(r"[A-Za-z0-9]+")
_LETTERS = re.compile(r"[A-Za-z]{2,}")


def english_words(text: str, *, ignore: Iterable[str] = ()) -> list[str]:
    """The words of ``text`` that are English a Chinese reader should not meet.

    ``ignore``: strings that are data, not wording (the person's own sign-in name, codes the test made).
    """
    for data in ignore:
        text = text.replace(data, " ")
    text = _NOT_PROSE.sub(" ", text)
    return [run for run in _RUN.findall(text) if _LETTERS.search(run) and run not in ALLOWED]


def visible_latin_text(page) -> list[str]:
    return page.evaluate(SCAN)
