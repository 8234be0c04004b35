"""How this project launches headless Chromium (Debian's package) for screenshots and tests."""

from __future__ import annotations

# SwiftShader WebGL (no GPU here), no sandbox (root in CI), no background traffic to the
# closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
