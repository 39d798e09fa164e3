"""Offline replies in the customer's language: gettext message catalogues read with Babel.

The catalogues are `graph/locale/<lang>/LC_MESSAGES/messages.po`, one per language; English is
the source text and needs none. They are read once per process, at first use: no compile step,
and the `.po` files under version control are the only copy. `make messages` extracts new strings
from the code into them (Babel's `pybabel extract` and `update`).
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from graph.language import DEFAULT, LANGUAGES, Language

LOCALE_DIR = Path(__file__).resolve().with_name("locale")
DOMAIN = "messages"
Gettext = Callable[[str], str]


@functools.cache
def translations(language: Language) -> gettext.NullTranslations:
    """The catalogue of `language`; the identity for English or a language with none yet."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext_for(language: str | None) -> Gettext:
    """`_` for a reply in `language` (English when it is not one of the five)."""
    lang: Language = language if language in LANGUAGES else DEFAULT  # type: ignore[assignment]
    return translations(lang).gettext


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for it, which `pybabel extract` reads)
    """Mark a constant for the catalogues without translating it; `_` translates it when used."""
    return message
