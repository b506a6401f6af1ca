"""The raw fields an extractor hands on, and the refusal of a page that is not an article."""

from __future__ import annotations

from dataclasses import dataclass, field


class NotAnArticle(ValueError):
    """The page is not an article (paywall, list page, error template); the message says why."""


@dataclass
class Extracted:
    """Raw fields of one article, not yet cleaned."""

    title: str
    body: list[str]
    subtitle: str = ""
    meta_lines: list[str] = field(default_factory=list)
    editor_lines: list[str] = field(default_factory=list)
    profile: str = ""
