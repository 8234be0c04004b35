"""What a User-Agent header tells analytics: a device class and whether it is a bot.

The header is read only for these two answers and is never stored.
"""

from __future__ import annotations

import re

DEVICE_CLASSES = ("phone", "tablet", "desktop", "headset")

# Standalone headsets' own browsers; checked first because they also say "Android".
_HEADSET = re.compile(r"OculusBrowser|Quest|Pico ?Browser|PicoVR|Pico Neo|Wolvic|VR Browser", re.I)
_TABLET = re.compile(r"iPad|Tablet|Kindle|Silk/|PlayBook|Nexus (?:7|9|10)\b", re.I)
_PHONE = re.compile(r"iPhone|iPod|Windows Phone|BlackBerry|Opera Mini|Mobi", re.I)
# Crawlers, link-preview fetchers, HTTP libraries and headless automation.
_BOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|facebookcatalog|"
    r"embedly|preview|lighthouse|pagespeed|headlesschrome|phantomjs|^whatsapp|telegrambot|"
    r"^curl/|^wget/|python-requests|python-urllib|aiohttp|httpx|go-http-client|okhttp|"
    r"java/|libwww|scrapy|node-fetch|axios/|monitor|uptime",
    re.I,
)


def is_bot(user_agent: str) -> bool:
    """Tell whether `user_agent` is a crawler, preview fetcher or script (or is empty)."""
    ua = user_agent.strip()
    return not ua or bool(_BOT.search(ua))


def device_class(user_agent: str) -> str:
    """Return "phone", "tablet", "desktop" or "headset" for `user_agent`.

    Android without "Mobile" is a tablet (Google's rule for Android browsers); iPadOS in
    desktop mode says "Macintosh" and is counted as a desktop, which it asks to be.
    """
    if _HEADSET.search(user_agent):
        return "headset"
    if _TABLET.search(user_agent):
        return "tablet"
    if _PHONE.search(user_agent):
        return "phone"
    if "Android" in user_agent:
        return "tablet"
    return "desktop"
