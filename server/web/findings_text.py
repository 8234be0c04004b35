"""Turn the verdict's and the checks' sentences into text in the shopper's language.

`server/core/evidence/verdict.py` says what to tell (a code, a tone, counts and values); this
module holds the words, through gettext with plural forms (``num``) in every locale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from babel.lists import format_list
from flask_babel import format_date, format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _

from server.core.checks_text import CHECK_NAMES
from server.core.evidence.verdict import Sentence


def percent(value: float) -> str:
    """Return a share as a whole percent for shoppers ("83 %"), with "almost all" kept apart.

    A share just under 1 never rounds up to 100 %, and one just above 0 never to 0 %.
    """
    if 0.995 <= value < 1:
        return str(format_percent(0.99, format="#,##0%"))
    if 0 < value < 0.005:
        return str(format_percent(0.01, format="#,##0%"))
    return str(format_percent(value, format="#,##0%"))


def _places(codes: tuple[str, ...]) -> str:
    locale = get_locale()
    names = [str(locale.territories.get(c, c)) if locale else c for c in codes]
    if not names:
        return _("places not shown")
    return str(format_list(names, locale=str(locale or "en")))


def _date(text: str | None) -> str:
    return str(format_date(date.fromisoformat(text), "long")) if text else ""


def _checks(keys: tuple[str, ...]) -> str:
    names = [_(CHECK_NAMES[k]) if k in CHECK_NAMES else k for k in keys]
    return str(format_list(names, locale=str(get_locale() or "en")))


GAP_CAUSES: dict[str, Callable[[], str]] = {
    "missing_upstream": lambda: _("the records of an earlier step are missing."),
    "cycle": lambda: _("its records loop back on themselves."),
    "created_off_farm": lambda: _("it was first recorded somewhere other than a farm."),
    "unknown_location": lambda: _("it was first recorded at a place that is not registered."),
    "no_location": lambda: _("the record that starts it names no place."),
    "unknown_unit": lambda: _("a quantity is not given in kilograms."),
    "no_tracked_inputs": lambda: _("a processing step lists no cocoa going in."),
}

Values = Mapping[str, Any]

MESSAGES: dict[str, Callable[[Values], str]] = {
    "origin_all": lambda v: ngettext(
        "All of the cocoa in this batch is traced to %(num)d farm in %(places)s.",
        "All of the cocoa in this batch is traced to %(num)d farms in %(places)s.",
        v["num"],
        places=_places(v["places"]),
    ),
    "origin_share": lambda v: ngettext(
        "%(share)s of the cocoa in this batch is traced to %(num)d farm in %(places)s.",
        "%(share)s of the cocoa in this batch is traced to %(num)d farms in %(places)s.",
        v["num"],
        share=percent(v["share"]),
        places=_places(v["places"]),
    ),
    "origin_gap": lambda v: _(
        "%(share)s of the cocoa cannot be traced to a farm, because %(cause)s",
        share=percent(v["share"]),
        cause=GAP_CAUSES.get(v["cause"], GAP_CAUSES["missing_upstream"])(),
    ),
    "origin_unmapped": lambda v: ngettext(
        "%(num)d farm (%(share)s of the cocoa) has no mapped plots.",
        "%(num)d farms (%(share)s of the cocoa) have no mapped plots.",
        v["num"],
        share=percent(v["share"]),
    ),
    "origin_none": lambda v: _(
        "No records link this batch to a farm yet, so its origin is unknown."
    ),
    "yield_ok": lambda v: ngettext(
        "%(num)d farm delivered no more cocoa than its plots can grow.",
        "None of the %(num)d farms delivered more cocoa than its plots can grow.",
        v["total"],
    ),
    "yield_over": lambda v: ngettext(
        "%(num)d of %(total)d farms delivered more cocoa than its plots usually grow. Beans "
        "from elsewhere may be mixed in.",
        "%(num)d of %(total)d farms delivered more cocoa than their plots usually grow. Beans "
        "from elsewhere may be mixed in.",
        v["num"],
        total=v["total"],
    ),
    "yield_max": lambda v: ngettext(
        "%(num)d of %(total)d farms delivered more cocoa than any farm in the region can grow. "
        "Beans from elsewhere were mixed in.",
        "%(num)d of %(total)d farms delivered more cocoa than any farm in the region can grow. "
        "Beans from elsewhere were mixed in.",
        v["num"],
        total=v["total"],
    ),
    "yield_unknown_area": lambda v: ngettext(
        "%(num)d of %(total)d farms has no plot with a known size, so its harvest cannot be "
        "compared yet.",
        "%(num)d of %(total)d farms have no plots with a known size, so their harvest cannot be "
        "compared yet.",
        v["num"],
        total=v["total"],
    ),
    "yield_unknown_reference": lambda v: ngettext(
        "%(num)d of %(total)d farms is in a region with no usual yield on record, so its "
        "harvest cannot be compared yet.",
        "%(num)d of %(total)d farms are in a region with no usual yield on record, so their "
        "harvest cannot be compared yet.",
        v["num"],
        total=v["total"],
    ),
    "yield_none": lambda v: _("No farm deliveries are recorded, so yields cannot be compared."),
    "geometry_ok": lambda v: ngettext(
        "%(num)d plot is mapped precisely, with no overlap.",
        "All %(num)d plots are mapped precisely, with no overlaps.",
        v["total"],
    ),
    "geometry_fail": lambda v: ngettext(
        "%(num)d of %(total)d plots is not mapped well enough: its outline, its size or an "
        "overlap breaks a rule.",
        "%(num)d of %(total)d plots are not mapped well enough: their outline, size or an "
        "overlap breaks a rule.",
        v["num"],
        total=v["total"],
    ),
    "geometry_none": lambda v: _("No plots are mapped for these farms, so this cannot be checked."),
    "defo_ok": lambda v: ngettext(
        "%(num)d plot was checked: no forest was cleared on it after %(cutoff)s.",
        "All %(num)d plots were checked: no forest was cleared on them after %(cutoff)s.",
        v["total"],
        cutoff=_date(v.get("cutoff")),
    ),
    "defo_fail": lambda v: ngettext(
        "Forest was cleared after %(cutoff)s on %(num)d of %(total)d plots.",
        "Forest was cleared after %(cutoff)s on %(num)d of %(total)d plots.",
        v["num"],
        total=v["total"],
        cutoff=_date(v.get("cutoff")),
    ),
    "defo_unassessed": lambda v: ngettext(
        "%(num)d of %(total)d plots has no forest check yet, so it is not shown to be free of "
        "deforestation.",
        "%(num)d of %(total)d plots have no forest check yet, so they are not shown to be free "
        "of deforestation.",
        v["num"],
        total=v["total"],
    ),
    "defo_inconclusive": lambda v: ngettext(
        "For %(num)d of %(total)d plots, the forest check gives no clear answer for the time "
        "since %(cutoff)s.",
        "For %(num)d of %(total)d plots, the forest check gives no clear answer for the time "
        "since %(cutoff)s.",
        v["num"],
        total=v["total"],
        cutoff=_date(v.get("cutoff")),
    ),
    "defo_none": lambda v: _("No plots are known for these farms, so forests cannot be checked."),
    "price_ok": lambda v: ngettext(
        "%(num)d farm was paid at least the living-income reference price.",
        "All %(num)d farms were paid at least the living-income reference price.",
        v["total"],
    ),
    "price_low": lambda v: ngettext(
        "%(num)d of %(total)d farms was paid less than the living-income reference price.",
        "%(num)d of %(total)d farms were paid less than the living-income reference price.",
        v["num"],
        total=v["total"],
    ),
    "price_no_rate": lambda v: ngettext(
        "%(num)d of %(total)d farms has no dated exchange rate for a payment, so the price it "
        "got cannot be compared yet.",
        "%(num)d of %(total)d farms have no dated exchange rate for a payment, so the price they "
        "got cannot be compared yet.",
        v["num"],
        total=v["total"],
    ),
    "price_no_payment": lambda v: ngettext(
        "%(num)d of %(total)d farms has no payment record, so the price it got is not known.",
        "%(num)d of %(total)d farms have no payment record, so the price they got is not known.",
        v["num"],
        total=v["total"],
    ),
    "price_no_reference": lambda v: ngettext(
        "%(num)d of %(total)d farms has no reference price for its country on the payment "
        "date, so its price cannot be compared yet.",
        "%(num)d of %(total)d farms have no reference price for their country on the payment "
        "date, so their price cannot be compared yet.",
        v["num"],
        total=v["total"],
    ),
    "price_bad_record": lambda v: ngettext(
        "%(num)d of %(total)d farms has a payment record without a usable amount or weight, "
        "so its price cannot be compared yet.",
        "%(num)d of %(total)d farms have a payment record without a usable amount or weight, "
        "so their price cannot be compared yet.",
        v["num"],
        total=v["total"],
    ),
    "price_known_part": lambda v: _(
        "The payments that can be compared were %(ratio)s of the reference price.",
        ratio=percent(v["value"]),
    ),
    "price_none": lambda v: _("No farms are linked to this batch, so prices cannot be checked."),
    "clmrs_ok": lambda v: ngettext(
        "%(num)d farm had a child-labour monitoring visit in the last %(months)d months.",
        "All %(num)d farms had a child-labour monitoring visit in the last %(months)d months.",
        v["total"],
        months=v.get("months", 0),
    ),
    "clmrs_uncovered": lambda v: ngettext(
        "%(num)d of %(total)d farms had no child-labour monitoring visit in the last "
        "%(months)d months.",
        "%(num)d of %(total)d farms had no child-labour monitoring visit in the last "
        "%(months)d months.",
        v["num"],
        total=v["total"],
        months=v.get("months", 0),
    ),
    "clmrs_open": lambda v: ngettext(
        "On %(num)d of %(total)d farms, a child found at work has not had enough follow-up "
        "visits yet.",
        "On %(num)d of %(total)d farms, children found at work have not had enough follow-up "
        "visits yet.",
        v["num"],
        total=v["total"],
    ),
    "clmrs_none": lambda v: _(
        "No farm of this batch has a child-labour monitoring record, so this is not known."
    ),
    "conversion_ok": lambda v: ngettext(
        "At %(num)d processing step, the weight out matches the weight in, with normal losses.",
        "At all %(num)d processing steps, the weight out matches the weight in, with normal "
        "losses.",
        v["total"],
    ),
    "conversion_off": lambda v: ngettext(
        "At %(num)d of %(total)d processing steps, the weight out does not match the weight in.",
        "At %(num)d of %(total)d processing steps, the weight out does not match the weight in.",
        v["num"],
        total=v["total"],
    ),
    "conversion_unknown": lambda v: ngettext(
        "%(num)d of %(total)d processing steps lacks a weight or a usual loss, so it cannot be "
        "checked.",
        "%(num)d of %(total)d processing steps lack a weight or a usual loss, so they cannot be "
        "checked.",
        v["num"],
        total=v["total"],
    ),
    "conversion_none": lambda v: _(
        "No processing steps are recorded, so weights cannot be compared."
    ),
    "emissions_value": lambda v: (
        _(
            "Transporting the cocoa caused %(kg)s kg of CO2 per kg of product.",
            kg=format_decimal(v["value"], format="#,##0.00"),
        )
        if v.get("value") is not None
        else _("Transport emissions were computed; the figure is not shown by the brand's choice.")
    ),
    "emissions_unknown": lambda v: ngettext(
        "%(num)d of %(total)d transport legs lacks a place, a map position or a weight, so the "
        "total is not complete.",
        "%(num)d of %(total)d transport legs lack a place, a map position or a weight, so the "
        "total is not complete.",
        v["num"],
        total=v["total"],
    ),
    "emissions_none": lambda v: _("No transport is recorded, so emissions are not known."),
    "fresh_ok": lambda v: ngettext(
        "%(num)d certificate or assessment behind this batch is valid and recent.",
        "All %(num)d certificates and assessments behind this batch are valid and recent.",
        v["total"],
    ),
    "fresh_expired": lambda v: ngettext(
        "%(num)d of %(total)d certificates or assessments has expired.",
        "%(num)d of %(total)d certificates or assessments have expired.",
        v["num"],
        total=v["total"],
    ),
    "fresh_stale": lambda v: ngettext(
        "%(num)d of %(total)d assessments is too old to count as recent.",
        "%(num)d of %(total)d assessments are too old to count as recent.",
        v["num"],
        total=v["total"],
    ),
    "fresh_undated": lambda v: ngettext(
        "%(num)d of %(total)d certificates or assessments has no date or end date, so we cannot "
        "tell if it is valid.",
        "%(num)d of %(total)d certificates or assessments have no date or end date, so we cannot "
        "tell if they are valid.",
        v["num"],
        total=v["total"],
    ),
    "fresh_none": lambda v: _("No certificates or assessments are recorded, so this is not known."),
    "more_issues": lambda v: ngettext(
        "%(num)d more check needs a look: %(checks)s.",
        "%(num)d more checks need a look: %(checks)s.",
        v["num"],
        checks=_checks(v["checks"]),
    ),
    "check_status": lambda v: _("The result of this check is: %(status)s.", status=v["status"]),
}


def sentence_text(sentence: Sentence) -> str:
    """Return `sentence` in the request's language."""
    return str(MESSAGES[sentence.code](sentence.values))
