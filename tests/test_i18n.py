"""The message catalogues: every offline reply the code marks has each language's translation."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from graph.i18n import LOCALE_DIR, gettext_for
from graph.language import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w*)[^}]*\}")


def marked() -> set[str]:
    """The strings the code marks with `_()` or `N_()`, as `pybabel extract` reads them."""
    found: set[str] = set()
    for folder in ("graph", "tools", "channels"):
        for _file, _line, message, _comments, _context in extract_from_dir(ROOT / folder):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_marked_reply_is_translated(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(marked() - set(translated))
    assert not missing, f"run `make messages` and translate into {language}: {missing[:5]}"
    for source, text in translated.items():  # a translation fills the same blanks
        assert sorted(PLACEHOLDER.findall(str(source))) == sorted(PLACEHOLDER.findall(str(text))), (
            language, source)


def test_english_and_an_unknown_language_read_the_source() -> None:
    assert gettext_for("en")("Hello") == "Hello" and gettext_for("xx")("Hello") == "Hello"
