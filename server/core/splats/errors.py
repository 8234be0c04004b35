"""Named exceptions of the splat package."""

from __future__ import annotations


class SplatFileError(ValueError):
    """Refuse a splat file (PLY or SPZ) that is malformed, hostile or over a limit.

    The message says what is wrong, in words fit for a 4xx response.
    """
