"""Draw a QR code in the terminal (for the demo URI `originxr run` prints)."""

from __future__ import annotations

import qrcode


def print_qr(text: str) -> None:
    """Print `text` as a QR code made of half-block characters."""
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    code.print_ascii(invert=True)
