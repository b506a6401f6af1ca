"""Page -> raw article fields: site profiles (selectors as data), a generic fallback, text captures."""

from crawler.extract.fields import Extracted, NotAnArticle
from crawler.extract.page import extract_page

__all__ = ["Extracted", "NotAnArticle", "extract_page"]
