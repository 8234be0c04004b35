"""The check page's scrollable table is reachable by keyboard (axe: scrollable-region-focusable)."""

from __future__ import annotations

import re

from flask import Flask

from tests.conftest import work_queue

FLAGGED = "/01/09520123100025/10/NK25-0227"


def test_the_details_table_scrolls_in_a_focusable_named_region(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    client.get(FLAGGED)
    work_queue(sqlite_app)
    html = client.get("/batches/09520123100025/NK25-0227/checks/yield_plausibility").get_data(
        as_text=True
    )
    regions = re.findall(r'<div class="scroll"[^>]*>', html)
    assert regions, "the check page shows no scrollable table"
    for region in regions:
        assert 'tabindex="0"' in region and 'role="region"' in region
        label = re.search(r'aria-labelledby="([^"]+)"', region)
        assert label is not None
        heading = re.search(rf'<h2 id="{label.group(1)}">([^<]+)</h2>', html)
        assert heading is not None and heading.group(1).strip()
