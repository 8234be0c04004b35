"""Tour panel names are translated on the server, into every locale a scene speaks."""

from __future__ import annotations

from babel.support import Translations
from flask import Flask

from server.core.checks_text import CHECK_NAMES, STATUS_NAMES
from server.services.scene_labels import scene_labels
from tests.e2e.conftest import ROOT


def test_labels_are_translated_per_locale(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        labels = scene_labels(["en", "de", "fr", "nl", "xx"])
    assert set(labels) == {"en", "de", "fr", "nl"}, "an untranslated UI locale is left out"
    assert labels["en"]["statuses"]["unknown"] == "Unknown"
    assert labels["en"]["checks"]["deforestation"] == CHECK_NAMES["deforestation"]
    for locale in ("de", "fr", "nl"):
        catalog = Translations.load(str(ROOT / "translations"), [locale])
        assert labels[locale]["statuses"]["fail"] == catalog.gettext(STATUS_NAMES["fail"])
        assert labels[locale]["statuses"]["fail"] != STATUS_NAMES["fail"], locale
        assert labels[locale]["checks"].keys() == CHECK_NAMES.keys()
        assert set(labels[locale]) == {"checks", "statuses", "chapters", "kinds", "captures"}
        assert "{signer}" in labels[locale]["captures"]["untrusted"], locale
