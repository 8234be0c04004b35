"""Fill translations into the .po catalogs from a JSON file (developer tool).

    .venv/bin/python scripts/po_fill.py FILE.json    # then scripts/i18n to compile
    .venv/bin/python scripts/po_fill.py --missing     # print untranslated msgids as JSON

FILE.json maps each msgid to its translations: {"Sign in": {"de": "Anmelden", ...}}; for a
plural msgid (its singular form is the key) give a list of the locale's plural forms.
Only msgids already in a catalog (run scripts/i18n first) are filled; others are reported.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("de", "fr", "nl")


def _path(locale: str) -> Path:
    return ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"


def _translated(message) -> bool:  # type: ignore[no-untyped-def]
    value = message.string
    return bool(value) if isinstance(value, str) else all(value)


def missing() -> dict[str, dict[str, str]]:
    """Return {msgid: {locale: ""}} for every msgid some locale lacks."""
    out: dict[str, dict[str, str]] = {}
    for locale in LOCALES:
        with _path(locale).open("rb") as handle:
            for message in read_po(handle):
                if message.id and not _translated(message):
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    out.setdefault(key, {})[locale] = ""
    return out


def fill(translations: dict[str, dict[str, str]]) -> list[str]:
    """Write `translations` into the catalogs; return the msgids no catalog has."""
    unknown = set(translations)
    for locale in LOCALES:
        path = _path(locale)
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for msgid, by_locale in translations.items():
            message = catalog.get(msgid)
            if message is None or locale not in by_locale:
                continue
            unknown.discard(msgid)
            value = by_locale[locale]
            # plural forms: a list, one string per form of the locale
            message.string = tuple(value) if isinstance(value, list) else value
            message.flags.discard("fuzzy")
        with path.open("wb") as handle:
            write_po(handle, catalog)
    return sorted(unknown)


if __name__ == "__main__":
    if sys.argv[1:] == ["--missing"]:
        print(json.dumps(missing(), ensure_ascii=False, indent=1))
    elif len(sys.argv) == 2:
        left = fill(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
        for msgid in left:
            print(f"not in any catalog: {msgid!r}", file=sys.stderr)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
