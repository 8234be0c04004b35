"""The device class and bot rule read from a User-Agent (which is never stored)."""

from __future__ import annotations

import pytest

from server.core.scans.devices import device_class, is_bot

UAS = {
    "iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "android_phone": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
    "android_tablet": "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/126.0.0.0 Safari/537.36",
    "ipad": "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    "kindle": "Mozilla/5.0 (Linux; Android 11; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Silk/120.3.1 like Chrome/120.0.0.0 Safari/537.36",
    "quest": "Mozilla/5.0 (X11; Linux x86_64; Quest 3) AppleWebKit/537.36 (KHTML, like Gecko) "
    "OculusBrowser/33.0.0.0 SamsungBrowser/4.0 Chrome/126.0.0.0 VR Safari/537.36",
    "pico": "Mozilla/5.0 (Linux; Android 10; Pico Neo 3) AppleWebKit/537.36 (KHTML, like Gecko) "
    "PicoBrowser/3.3.22 Chrome/105.0.5195.68 VR Safari/537.36",
    "windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "firefox_android": "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0",
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("iphone", "phone"),
        ("android_phone", "phone"),
        ("firefox_android", "phone"),
        ("android_tablet", "tablet"),
        ("ipad", "tablet"),
        ("kindle", "tablet"),
        ("quest", "headset"),
        ("pico", "headset"),
        ("windows", "desktop"),
        ("mac", "desktop"),
    ],
)
def test_device_class_of_common_browsers(name: str, expected: str) -> None:
    assert device_class(UAS[name]) == expected
    assert not is_bot(UAS[name])


def test_an_unknown_or_empty_agent_is_a_desktop() -> None:
    assert device_class("") == "desktop"
    assert device_class("SomethingNew/1.0") == "desktop"


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "   ",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0 A",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Go-http-client/1.1",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/126.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like "
        "Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
    ],
)
def test_bots_previews_and_scripts_are_recognised(agent: str) -> None:
    assert is_bot(agent)
