"""What the page calls each evidence check and status, marked for translation."""

from __future__ import annotations

from server.core.errors import N_

CHECK_NAMES = {
    "known_origin_share": N_("Known origin"),
    "yield_plausibility": N_("Yield plausibility"),
    "plot_geometry": N_("Plot mapping (EUDR)"),
    "deforestation": N_("Deforestation since 2020"),
    "farmgate_price": N_("Price paid to farmers"),
    "child_labour": N_("Child-labour monitoring"),
    "conversion_balance": N_("Conversion balance"),
    "transport_emissions": N_("Transport emissions"),
    "evidence_freshness": N_("Up-to-date evidence"),
}

CHECK_QUESTIONS = {
    "known_origin_share": N_("How much of this batch can be traced to mapped farm plots?"),
    "yield_plausibility": N_(
        "Did any farm deliver more than its plots can grow? That would mean beans of unknown "
        "origin were mixed in."
    ),
    "plot_geometry": N_("Are the farm plots mapped precisely enough, without overlaps?"),
    "deforestation": N_("Was any plot cleared of forest after 31 December 2020?"),
    "farmgate_price": N_("Did farmers receive at least the living-income reference price?"),
    "child_labour": N_("Are the farms visited by a child-labour monitoring system?"),
    "conversion_balance": N_(
        "Does the weight going into each processing step match what comes out, within normal "
        "losses?"
    ),
    "transport_emissions": N_("How much CO2 did transporting the cocoa cause, per kg?"),
    "evidence_freshness": N_(
        "Are the certificates and assessments behind this batch still valid and recent?"
    ),
}

STATUS_NAMES = {
    "ok": N_("OK"),
    "warn": N_("Warning"),
    "fail": N_("Problem found"),
    "unknown": N_("Unknown"),
}

KIND_NAMES = {
    "farm": N_("Farm"),
    "cooperative": N_("Cooperative"),
    "fermentary": N_("Fermentary"),
    "warehouse": N_("Warehouse"),
    "port": N_("Port"),
    "factory": N_("Factory"),
}

CHAPTER_FALLBACK_TITLES = {
    "farms": N_("The farms"),
    "cooperative": N_("The cooperative"),
    "fermentation": N_("Fermentation and drying"),
    "shipping": N_("Shipping"),
    "factory": N_("The factory"),
}

# The batch page groups its check cards by what they are about, in this order.
CHECK_GROUPS = {
    "people": (N_("People on the farms"), ("farmgate_price", "child_labour")),
    "land": (N_("Land and forest"), ("deforestation", "plot_geometry", "yield_plausibility")),
    "traceability": (
        N_("Traceability"),
        ("known_origin_share", "conversion_balance", "evidence_freshness"),
    ),
    "climate": (N_("Climate"), ("transport_emissions",)),
}

# What each check's figure means, around the figure itself (a share, a ratio, a mass).
FIGURE_MEANINGS = {
    "known_origin_share": N_("%(figure)s of the cocoa, by weight, comes from mapped farm plots"),
    "yield_plausibility": N_(
        "The farm with the most cocoa for its land delivered %(figure)s of its usual harvest"
    ),
    "plot_geometry": N_("%(figure)s of the plots meet the mapping rules"),
    "deforestation": N_("%(figure)s of the cocoa, by weight, comes from plots checked forest-free"),
    "farmgate_price": N_("Payments were %(figure)s of the living-income reference price"),
    "child_labour": N_("%(figure)s of the farms had a monitoring visit in time"),
    "conversion_balance": N_("%(figure)s of the processing steps have normal losses"),
    "transport_emissions": N_("%(figure)s: the CO2 from transport, per kg of product"),
    "evidence_freshness": N_("%(figure)s of the certificates and assessments are current"),
}
