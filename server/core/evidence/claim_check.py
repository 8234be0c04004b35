"""The claim check: generic or contradicted environmental and social claims in story text.

Directive (EU) 2024/825 (Empowering Consumers for the Green Transition) bans, from
27 September 2026, generic environmental claims ("eco-friendly", "sustainable",
"carbon neutral" ...) that the trader cannot show recognised excellent performance
for. This module flags, per locale and chapter:

* generic claims: phrases no evidence check of ours can support (a "sustainable"
  product), or that need a check the chapter does not show;
* contradicted claims: a claim whose supporting check is linked to the chapter but is
  not OK on some batch of the brand ("deforestation-free" on a batch with an
  unassessed plot). A batch without an evidence report counts as unknown, never OK.

Pure: the caller passes the chapter texts, the layout and each batch's check statuses.
Messages are gettext templates plus parameters, translated by the page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from server.core.errors import N_


@dataclass(frozen=True)
class Claim:
    """A kind of claim: its phrases per locale and the checks that could support it."""

    key: str
    # Every check must be OK on every batch (and linked to the chapter). Empty: the claim
    # is generic and no check of ours can support it.
    needs: tuple[str, ...]
    patterns: Mapping[str, tuple[str, ...]]


# Patterns are regular expressions over normalised text (lower case, hyphens and
# slashes as spaces, "₂" as "2"); `\w*` absorbs inflection ("nachhaltige", "duurzame").
CLAIMS: tuple[Claim, ...] = (
    Claim(
        "eco_friendly",
        (),
        {
            "en": (
                r"eco ?friendly\w*",
                r"environmentally friendly",
                r"(?:earth|planet|nature|climate) friendly",
                r"good for the (?:planet|environment)",
                r"green(?:er)? choice",
            ),
            "de": (
                r"umweltfreundlich\w*",
                r"umweltschonend\w*",
                r"naturfreundlich\w*",
                r"klimafreundlich\w*",
                r"ökologisch\w*",
                r"gut für die umwelt",
            ),
            "fr": (
                r"écologique\w*",
                r"respectueu(?:x|se|ses) de l.environnement",
                r"bon pour la planète",
                r"éco ?responsable\w*",
            ),
            "nl": (
                r"milieuvriendelijk\w*",
                r"natuurvriendelijk\w*",
                r"klimaatvriendelijk\w*",
                r"ecologisch\w*",
                r"goed voor het milieu",
            ),
        },
    ),
    Claim(
        "sustainable",
        (),
        {
            "en": (r"sustainab\w*",),
            "de": (r"nachhaltig\w*",),
            "fr": (r"durables?", r"durabilité", r"développement durable"),
            "nl": (r"duurza\w*",),
        },
    ),
    Claim(
        "responsible",
        (),
        {
            "en": (
                r"responsibly\w*",
                r"responsible (?:sourcing|cocoa|chocolate|production|choice)",
                r"(?:socially|environmentally) responsible",
                r"ethical(?:ly)?",
            ),
            "de": (r"verantwortungs(?:voll|bewusst)\w*", r"ethisch\w*", r"fair(?:er|e|es)? kakao"),
            "fr": (
                r"(?:socialement|écologiquement) responsables?",
                r"approvisionnement responsable",
                r"éthiques?",
            ),
            "nl": (r"verantwoord(?:e)?", r"ethisch\w*", r"maatschappelijk verantwoord\w*"),
        },
    ),
    Claim(
        "carbon_neutral",
        (),
        {
            "en": (
                r"(?:carbon|climate|co2) neutral\w*",
                r"carbon free",
                r"net zero",
                r"(?:carbon|climate) positive",
                r"zero (?:carbon|emissions?)",
            ),
            "de": (r"klimaneutral\w*", r"co2 neutral\w*", r"klimapositiv\w*", r"emissionsfrei\w*"),
            "fr": (
                r"neutres? en carbone",
                r"neutres? pour le climat",
                r"carboneutre\w*",
                r"zéro (?:carbone|émission)s?",
            ),
            "nl": (
                r"klimaatneutra\w*",
                r"co2 neutra\w*",
                r"koolstofneutra\w*",
                r"klimaatpositie\w*",
            ),
        },
    ),
    Claim(
        "deforestation_free",
        ("deforestation",),
        {
            "en": (
                r"deforestation free",
                r"(?:zero|no) deforestation",
                r"free (?:of|from) deforestation",
            ),
            "de": (r"entwaldungsfrei\w*", r"abholzungsfrei\w*", r"ohne (?:entwaldung|abholzung)"),
            "fr": (r"zéro déforestation", r"sans déforestation"),
            "nl": (r"ontbossingsvrij\w*", r"zonder ontbossing", r"ontbossing vrij\w*"),
        },
    ),
    Claim(
        "child_labour_free",
        ("child_labour",),
        {
            "en": (
                r"child labou?r free",
                r"free (?:of|from) child labou?r",
                r"(?:no|without|zero) child labou?r",
            ),
            "de": (r"kinderarbeitsfrei\w*", r"(?:ohne|frei von) kinderarbeit"),
            "fr": (
                r"sans travail des enfants",
                r"garantie? sans travail (?:des enfants|infantile)",
            ),
            "nl": (r"kinderarbeidvrij\w*", r"kinderarbeid vrij\w*", r"zonder kinderarbeid"),
        },
    ),
)
CLAIM_BY_KEY = {c.key: c for c in CLAIMS}

# Message templates, translated by the page with the finding's params.
GENERIC = N_(
    "“%(phrase)s” is a generic claim that no evidence check can prove. From 27 September "
    "2026 EU law (Directive 2024/825) bans such claims: say what was done and measured "
    "instead, or remove it."
)
UNLINKED = N_(
    "“%(phrase)s” is only supported when the check “%(check)s” is shown in this chapter "
    "and is OK on every batch. Add the check to the chapter, or remove the claim."
)
NO_BATCHES = N_(
    "“%(phrase)s” cannot be supported yet: the brand has no batches whose check "
    "“%(check)s” could show it."
)
CONTRADICTED = N_(
    "“%(phrase)s” is contradicted by the check “%(check)s”, which is not OK on: %(batches)s."
)

NO_REPORT = "no-report"  # the status of a check on a batch that has no evidence report yet
_SEPARATORS = re.compile("[\\s\\-‐‑‒–—_/\u00ad]+")
_DASH = re.compile("[\\-‐‑‒–—_/]")
_SAME_LENGTH = str.maketrans({"₂": "2", "’": "'"})


@dataclass(frozen=True)
class Finding:
    """One flagged claim: where it is, what it says and why it is a problem."""

    locale: str
    chapter: str
    phrase: str
    kind: str  # "generic" | "contradicted"
    check: str | None
    batches: tuple[tuple[str, str], ...]  # (batch label, status) where the check is not OK
    template: str
    claim: str

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-able form stored with a published version."""
        return {
            "locale": self.locale,
            "chapter": self.chapter,
            "phrase": self.phrase,
            "kind": self.kind,
            "check": self.check,
            "claim": self.claim,
            "batches": [{"batch": b, "status": s} for b, s in self.batches],
            "message": {"template": self.template, "params": {"phrase": self.phrase}},
        }


def _normalise(text: str, dash: str) -> tuple[str, list[int]]:
    """Return the normalised text and, per character, its index in `text`.

    Lower case; a run of spaces and dashes becomes one space; dashes alone become `dash`:
    a space ("deforestation-free" as two words) or nothing ("entwaldungs-frei" as the
    compound it is); soft hyphens vanish.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters lower-case to two characters
        lowered = "".join(c.lower()[:1] for c in text)
    lowered = lowered.translate(_SAME_LENGTH)
    out: list[str] = []
    where: list[int] = []
    done = 0
    for run in _SEPARATORS.finditer(lowered):
        out.append(lowered[done : run.start()])
        where.extend(range(done, run.start()))
        chars = run.group()
        if chars.strip("\u00ad") == "":
            joiner = ""
        elif any(c.isspace() for c in chars):
            joiner = " "
        else:
            joiner = dash
        if joiner:
            out.append(joiner)
            where.append(run.start())
        done = run.end()
    out.append(lowered[done:])
    where.extend(range(done, len(lowered)))
    return "".join(out), where


@lru_cache(maxsize=32)
def _compiled(locale: str) -> tuple[tuple[Claim, re.Pattern[str]], ...]:
    # A text is checked against its own language and English (loan words are common).
    result = []
    for claim in CLAIMS:
        patterns = list(claim.patterns.get(locale, ()))
        if locale != "en":
            patterns += claim.patterns["en"]
        if patterns:
            joined = "|".join(f"(?:{p})" for p in patterns)
            result.append((claim, re.compile(rf"(?<!\w)(?:{joined})(?!\w)")))
    return tuple(result)


def find_phrases(text: str, locale: str) -> list[tuple[Claim, str]]:
    """Return the claims found in `text` (a locale's chapter), with the phrase as written."""
    original = unicodedata.normalize("NFC", text)
    found: dict[tuple[int, int], tuple[Claim, str]] = {}
    # Without dashes both readings are the same text: read it once.
    readings = (" ", "") if _DASH.search(original) else (" ",)
    for dash in readings:
        norm, where = _normalise(original, dash)
        for claim, pattern in _compiled(locale):
            for match in pattern.finditer(norm):
                start, end = where[match.start()], where[match.end() - 1] + 1
                found.setdefault((start, end), (claim, original[start:end]))
    return [found[span] for span in sorted(found)]


def check_claims(
    chapters: Mapping[str, Mapping[str, Mapping[str, str]]],
    layout: Sequence[Mapping[str, Any]],
    statuses: Mapping[str, Mapping[str, str] | None],
) -> list[Finding]:
    """Return the findings of a story.

    `chapters` is {locale: {chapter: {"title", "body"}}}; `layout` the chapters with their
    linked `checks`; `statuses` maps each batch label to its {check: status}, or to None
    when the batch has no evidence report yet.
    """
    linked = {c["key"]: set(c.get("checks", [])) for c in layout}
    findings: list[Finding] = []
    for locale in sorted(chapters):
        for key, text in chapters[locale].items():
            body = f"{text.get('title', '')}\n{text.get('body', '')}"
            seen: set[tuple[str, str]] = set()
            for claim, phrase in find_phrases(body, locale):
                if (claim.key, phrase.lower()) in seen:
                    continue
                seen.add((claim.key, phrase.lower()))
                findings.extend(
                    _judge(locale, key, claim, phrase, linked.get(key, set()), statuses)
                )
    return findings


def _judge(
    locale: str,
    chapter: str,
    claim: Claim,
    phrase: str,
    linked: set[str],
    statuses: Mapping[str, Mapping[str, str] | None],
) -> Iterable[Finding]:
    if not claim.needs:
        yield Finding(locale, chapter, phrase, "generic", None, (), GENERIC, claim.key)
        return
    for check in claim.needs:
        if check not in linked:
            yield Finding(locale, chapter, phrase, "generic", check, (), UNLINKED, claim.key)
            continue
        bad = tuple(
            (batch, NO_REPORT if report is None else report.get(check, "unknown"))
            for batch, report in sorted(statuses.items())
            if report is None or report.get(check) != "ok"
        )
        if not statuses:  # nothing to support it with: say so, never assume OK
            yield Finding(locale, chapter, phrase, "generic", check, (), NO_BATCHES, claim.key)
        elif bad:
            kind = "contradicted"
            yield Finding(locale, chapter, phrase, kind, check, bad, CONTRADICTED, claim.key)
