"""Coarse bounding boxes of countries, for catching plots far from their declared country.

A box is (min lon, min lat, max lon, max lat) in WGS84 degrees, rounded outwards from the
country's extent (overseas territories left out, Galápagos kept for EC). Boxes overlap
their neighbours, so a plot just across a border passes: this catches swapped coordinates,
wrong signs and wrong countries, not border disputes. Extend the table as brands need.
"""

from __future__ import annotations

from collections.abc import Iterable

Box = tuple[float, float, float, float]

COUNTRY_BOXES: dict[str, Box] = {
    "BE": (2.5, 49.4, 6.5, 51.6),
    "BR": (-74.1, -33.8, -34.7, 5.3),
    "CI": (-8.7, 4.3, -2.4, 10.8),
    "CM": (8.4, 1.6, 16.3, 13.1),
    "CO": (-79.1, -4.3, -66.8, 12.5),
    "DE": (5.8, 47.2, 15.1, 55.1),
    "EC": (-92.1, -5.1, -75.1, 1.7),
    "GH": (-3.3, 4.7, 1.3, 11.2),
    "ID": (95.0, -11.1, 141.1, 6.1),
    "LR": (-11.5, 4.3, -7.3, 8.6),
    "NG": (2.6, 4.2, 14.7, 13.9),
    "NL": (3.3, 50.7, 7.3, 53.6),
    "PE": (-81.4, -18.4, -68.6, 0.0),
    "TG": (-0.2, 6.0, 1.9, 11.2),
}


def inside(box: Box, positions: Iterable[tuple[float, float]]) -> bool:
    """Tell whether every (lon, lat) position lies inside `box`."""
    west, south, east, north = box
    return all(west <= lon <= east and south <= lat <= north for lon, lat in positions)
