"""The raw fields an extractor hands on, and the refusal of a page that is not an article."""

from __future__ import annotations

from dataclasses import dataclass, field


class NotAnArticle(ValueError):
    """The page is not an article (paywall, list page, error template); the message says why.

    `kind` sorts the refusals for the stats: "forum" (a thread or a Q&A page, which a setting
    may let through), "list" (list, channel, search and ranking pages) or "other".
    """

    def __init__(self, reason: str, kind: str = "other") -> None:
        super().__init__(reason)
        self.kind = kind


@dataclass
class Extracted:
    """Raw fields of one article, not yet cleaned."""

    title: str
    body: list[str]
    subtitle: str = ""
    meta_lines: list[str] = field(default_factory=list)
    editor_lines: list[str] = field(default_factory=list)
    profile: str = ""
