"""Measure what compressing the scene GLB would save, against the decoders it would need.

Run from the repository root::

    .venv/bin/python -m bench.bench_glb

On the test scene (tests/core/scene: the demo batch's journey, world-atlas outlines) it
prints the GLB's bytes raw, gzip -9 and brotli 11, as built (float32 positions, uint32
indices), and as KHR_mesh_quantization would store it (positions int16 in an 8-byte stride,
indices uint16: three's GLTFLoader reads that natively, no decoder); then the bytes of the
decoders EXT_meshopt_compression and Draco need in the browser (three's
meshopt_decoder.module.js; Draco's wasm and wrapper), compressed the same ways. It asserts
nothing; the quantised GLB is simulated (its buffers re-encoded), not written.
"""

from __future__ import annotations

import gzip
import json
import struct
import sys
from pathlib import Path

import brotli
import numpy as np

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import print_table

ROOT = Path(__file__).resolve().parents[1]
LIBS = ROOT / "node_modules" / "three" / "examples" / "jsm" / "libs"


def _sizes(name: str, data: bytes) -> dict[str, float]:
    return {
        f"{name} raw (bytes)": float(len(data)),
        f"{name} gzip -9 (bytes)": float(len(gzip.compress(data, 9))),
        f"{name} brotli 11 (bytes)": float(len(brotli.compress(data, quality=11))),
    }


def quantised(glb: bytes) -> bytes:
    """Return `glb` with its buffer as KHR_mesh_quantization would hold it (JSON unchanged)."""
    json_length = struct.unpack_from("<I", glb, 12)[0]
    doc = json.loads(glb[20 : 20 + json_length])
    start = 20 + json_length + 8
    buffer = glb[start:]
    parts = []
    for accessor in doc["accessors"]:
        view = doc["bufferViews"][accessor["bufferView"]]
        offset = view.get("byteOffset", 0) + accessor.get("byteOffset", 0)
        count = accessor["count"]
        if accessor["type"] == "VEC3":
            values = np.frombuffer(buffer, "<f4", count * 3, offset).reshape(-1, 3)
            lo, hi = values.min(axis=0), values.max(axis=0)
            step = np.maximum(hi - lo, 1e-9) / 65535
            padded = np.zeros((count, 4), "<i2")  # vertex attributes align to 4 bytes
            padded[:, :3] = np.round((values - lo) / step - 32768)
            parts.append(padded.tobytes())
        else:
            parts.append(np.frombuffer(buffer, "<u4", count, offset).astype("<u2").tobytes())
    return glb[:start] + b"".join(parts)


def measure() -> dict[str, float]:
    """Return the GLB and decoder byte figures."""
    from server.core.scene import build_scene, countries_of
    from server.core.scene.topojson import load_country_outlines
    from tests.core.scene.conftest import WORLD_ATLAS, make_input

    inp = make_input()
    glb = build_scene(inp, load_country_outlines(WORLD_ATLAS, countries_of(inp))).glb
    figures = {**_sizes("glb float32", glb), **_sizes("glb quantised", quantised(glb))}
    meshopt = LIBS / "meshopt_decoder.module.js"
    if meshopt.is_file():
        figures |= _sizes("meshopt decoder", meshopt.read_bytes())
    draco = LIBS / "draco" / "gltf"
    if draco.is_dir():
        both = (draco / "draco_decoder.wasm").read_bytes() + (
            draco / "draco_wasm_wrapper.js"
        ).read_bytes()
        figures |= _sizes("draco decoder", both)
    return figures


def main() -> int:
    """Print the figures."""
    figures = measure()
    print_table(figures, {}, {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
