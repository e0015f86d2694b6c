"""An article's Markdown made into HTML that is safe to show (M14.1).

markdown-it-py renders CommonMark (tables and strikethrough on) with raw HTML off: HTML typed in
an article is shown as text. nh3 (Ammonia) then sanitises the result, whatever the parser did:
an allow-list of tags and attributes, links only to http(s), mailto and the portal's own paths,
images only from the portal's own article files (nothing loaded from elsewhere: M10). Headings
move down so that the highest is an h2: the page's h1 is the article's title.
"""

import re

import nh3
from django.urls import reverse
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
URL_SCHEMES = {"http", "https", "mailto"}
TEXT_ALIGN = {"text-align:left", "text-align:right", "text-align:center"}

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def _demote_headings(state):
    """The article's highest heading becomes an h2, the others follow (no level skipped after the
    page's h1, whether the author began with « # » or « ## »)."""
    headings = [token for token in state.tokens if token.type in ("heading_open", "heading_close")]
    if not headings:
        return
    shift = 2 - min(int(token.tag[1]) for token in headings)
    for token in headings:
        token.tag = f"h{min(6, int(token.tag[1]) + shift)}"


_parser.core.ruler.push("demote_headings", _demote_headings)


def files_prefix():
    """The path under which article files are served (knowledge:file)."""
    sample = "00000000-0000-0000-0000-000000000000"
    return reverse("knowledge:file", args=[sample]).removesuffix(f"{sample}/")


def _attribute_filter(tag, attribute, value):
    if tag == "img" and attribute == "src":
        # Only the portal's own article files: no image from another site, no data: URL.
        return value if value.startswith(files_prefix()) and "//" not in value else None
    if attribute == "style":
        # Table cell alignment is all markdown-it writes here.
        return value if value.replace(" ", "") in TEXT_ALIGN else None
    if tag == "a" and attribute == "href" and value.startswith("//"):
        return None  # a protocol-relative link to another host
    return value


def render(body):
    """The sanitised HTML of an article's Markdown, safe to put in a page."""
    html = _parser.render(body or "")
    return mark_safe(  # noqa: S308 (sanitised by nh3 just here)
        nh3.clean(
            html,
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            attribute_filter=_attribute_filter,
            link_rel="noopener noreferrer",
            strip_comments=True,
        )
    )


# Images and link targets, line prefixes (headings, quotes, lists) and table rules: a space;
# emphasis, code and brackets: nothing.
MARKUP_BLOCKS = re.compile(
    r"^[\s:|-]+$|!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|^\s{0,3}(?:#{1,6}|>|[-*+]|\d+[.)])\s+|\|", re.M
)
MARKUP_INLINE = re.compile(r"[*_`~\[\]]+")


def excerpt(body, length=180):
    """The beginning of an article's text without its markup (images and link targets dropped),
    cut on a word: what lists show under a title. Cheap: no parsing."""
    text = " ".join(MARKUP_INLINE.sub("", MARKUP_BLOCKS.sub(" ", (body or "")[: length * 3])).split())
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0] + " …"
