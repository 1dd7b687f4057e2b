"""Every refusal the page words itself has its sentence in every language the page speaks."""

from pathlib import Path

import pytest

from chalicelib.routes.portal import PAGE_ERRORS

PAGES = Path(__file__).resolve().parents[3] / "chalicelib" / "templates" / "pages"


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de"])
def test_each_refusal_the_page_words_has_a_sentence_in_every_language(lang):
    words = (PAGES / lang / "_portal.j2").read_text(encoding="utf-8")
    missing = [field for field in (*PAGE_ERRORS, "other") if f"{{% set error_{field} = " not in words]
    assert missing == []
