"""The gettext catalogs: the template matches the sources and every locale translates all of it.

A string marked in server/ without a translation fails here. To fix: run scripts/i18n (extract
and merge into every .po), fill the new msgstr entries, run scripts/i18n again to compile.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from server.core.locales import UI_LOCALES

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
SOURCE_LOCALE = "en"  # the msgids are English: its catalog may leave msgstr empty
TRANSLATED = [loc for loc in UI_LOCALES if loc != SOURCE_LOCALE]

# A named %-placeholder with its conversion: "%(lot)s", "%(num)d", "%(share).1f".
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa])")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _messages(catalog: Catalog) -> dict[str, Message]:
    """Map each msgid (the singular of a plural entry) to its message, the header left out."""
    return {_key(m): m for m in catalog if m.id}


def _key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return [""]
    return [value] if isinstance(value, str) else list(value)


def _placeholders(text: str) -> set[str]:
    """Return the named placeholders of `text` as "%(name)<conversion>", widths left out."""
    return {f"%({name}){conversion}" for name, conversion in PLACEHOLDER.findall(text)}


def _catalog_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def test_template_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    env = dict(os.environ)
    pybabel = Path(sys.executable).parent / "pybabel"
    if pybabel.exists():
        env["PYBABEL"] = str(pybabel)
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "i18n"), "extract", str(fresh)],
        check=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    expected = set(_messages(_read(fresh)))
    stored = set(_messages(_read(POT)))
    assert expected, "extraction found no strings: is babel.cfg still matching server/?"
    assert stored == expected, (
        "translations/messages.pot is stale; run scripts/i18n and translate the new strings.\n"
        f"missing from the .pot: {sorted(expected - stored)}\n"
        f"no longer in the sources: {sorted(stored - expected)}"
    )


@pytest.mark.parametrize("locale", UI_LOCALES)
def test_catalog_has_exactly_the_template_strings(locale: str) -> None:
    path = _catalog_path(locale)
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing; see scripts/i18n"
    template = set(_messages(_read(POT)))
    catalog = set(_messages(_read(path, locale)))
    assert catalog == template, (
        f"{locale}: catalog out of step with messages.pot; run scripts/i18n.\n"
        f"missing: {sorted(template - catalog)}\nextra: {sorted(catalog - template)}"
    )


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_string_is_translated(locale: str) -> None:
    catalog = _read(_catalog_path(locale), locale)
    problems = []
    for key, message in sorted(_messages(catalog).items()):
        forms = _forms(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        elif message.pluralizable and len(forms) != catalog.num_plurals:
            problems.append(f"{len(forms)} plural forms, want {catalog.num_plurals}: {key!r}")
        elif not all(form.strip() for form in forms):
            problems.append(f"untranslated: {key!r}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_the_placeholders(locale: str) -> None:
    catalog = _read(_catalog_path(locale), locale)
    problems = []
    for key, message in sorted(_messages(catalog).items()):
        wanted = set().union(*(_placeholders(i) for i in _forms(message.id)))
        for form in _forms(message.string):
            got = _placeholders(form)
            if got != wanted:
                problems.append(f"{key!r}: {form!r} has {sorted(got)}, want {sorted(wanted)}")
    for message, errors in catalog.check():  # Babel's own python-format and plural checks
        problems.extend(f"{_key(message)!r}: {error}" for error in errors)
    assert not problems, f"{locale}:\n" + "\n".join(problems)
