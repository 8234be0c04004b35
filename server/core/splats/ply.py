"""Read and write 3D Gaussian Splatting PLY files (binary little-endian), hostile input first.

A 3DGS PLY holds one `vertex` element with float properties ``x y z [nx ny nz] f_dc_0..2
f_rest_0..(3K-1) opacity scale_0..2 rot_0..3``: opacity is a logit, scales are natural logs,
``rot_0`` is the quaternion's w, and ``f_rest_*`` runs channel by channel (all red
coefficients, then green, then blue). Nothing is allocated from a header's claims before
they are checked against the bytes actually present.
"""

from __future__ import annotations

import numpy as np

from server.core.splats.errors import SplatFileError
from server.core.splats.gaussians import DEGREE_OF_COEFFICIENTS, Gaussians

MAX_HEADER_BYTES = 64 * 1024

_TYPES = {
    "char": "i1",
    "int8": "i1",
    "uchar": "u1",
    "uint8": "u1",
    "short": "<i2",
    "int16": "<i2",
    "ushort": "<u2",
    "uint16": "<u2",
    "int": "<i4",
    "int32": "<i4",
    "uint": "<u4",
    "uint32": "<u4",
    "float": "<f4",
    "float32": "<f4",
    "double": "<f8",
    "float64": "<f8",
}
_REQUIRED = ["x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2", "opacity"] + [
    f"{p}_{i}" for p, n in (("scale", 3), ("rot", 4)) for i in range(n)
]
_END = b"end_header"


def _split_header(data: bytes) -> tuple[list[str], int]:
    """Return the header's lines and the offset where the body starts."""
    if not data.startswith(b"ply\n") and not data.startswith(b"ply\r\n"):
        raise SplatFileError("not a PLY file: it must start with the line 'ply'")
    window = data[:MAX_HEADER_BYTES]
    at = window.find(_END + b"\n")
    if at < 0:
        at_crlf = window.find(_END + b"\r\n")
        if at_crlf < 0:
            raise SplatFileError(
                f"PLY header has no 'end_header' line in its first {MAX_HEADER_BYTES} bytes"
            )
        at, body = at_crlf, at_crlf + len(_END) + 2
    else:
        body = at + len(_END) + 1
    try:
        text = window[:at].decode("ascii")
    except UnicodeDecodeError as exc:
        raise SplatFileError("PLY header is not ASCII text") from exc
    return [line.strip() for line in text.splitlines()], body


def _parse_header(lines: list[str]) -> tuple[int, np.dtype[np.void]]:
    """Return the vertex count and the numpy dtype of one vertex record."""
    fmt = None
    count: int | None = None
    fields: list[tuple[str, str]] = []
    element = None
    for number, line in enumerate(lines[1:], start=2):
        words = line.split()
        if not words or words[0] in ("comment", "obj_info"):
            continue
        if words[0] == "format":
            fmt = words[1:]
        elif words[0] == "element":
            if len(words) != 3 or not words[2].isdigit():
                raise SplatFileError(f"PLY header line {number} is not 'element NAME COUNT'")
            element = words[1]
            if element == "vertex":
                if count is not None:
                    raise SplatFileError("PLY header declares 'element vertex' twice")
                count = int(words[2])
            elif int(words[2]) != 0:
                raise SplatFileError(
                    f"PLY element '{element}' is not supported: a splat file holds vertices only"
                )
        elif words[0] == "property":
            if len(words) != 3:
                raise SplatFileError(f"PLY property on header line {number} must be scalar")
            if element != "vertex":
                continue  # a property of an empty element takes no bytes
            kind, name = words[1], words[2]
            if kind not in _TYPES:
                raise SplatFileError(f"PLY property '{name}' has unknown type '{kind}'")
            if any(name == f for f, _ in fields):
                raise SplatFileError(f"PLY property '{name}' is declared twice")
            fields.append((name, _TYPES[kind]))
        else:
            raise SplatFileError(f"PLY header line {number} is not understood: {line[:60]!r}")
    if fmt is None:
        raise SplatFileError("PLY header has no 'format' line")
    if fmt != ["binary_little_endian", "1.0"]:
        raise SplatFileError(
            f"PLY format '{' '.join(fmt)}' is not supported: use binary_little_endian 1.0"
        )
    if count is None:
        raise SplatFileError("PLY header declares no 'element vertex'")
    return count, np.dtype(fields)


def read_ply(data: bytes, max_splats: int) -> Gaussians:
    """Return the Gaussians of a 3DGS PLY file, refusing anything malformed or over a cap.

    Raise SplatFileError, whose message says what is wrong, for a missing or oversized
    header, ASCII or big-endian format, missing properties, more than `max_splats`
    vertices, a body whose length is not exactly count × record size, or NaN/inf values.
    """
    lines, start = _split_header(data)
    count, record = _parse_header(lines)
    names = set(record.names or ())
    missing = [name for name in _REQUIRED if name not in names]
    if missing:
        raise SplatFileError(f"PLY vertex lacks the 3DGS properties: {', '.join(missing)}")
    rest = {n for n in names if n.startswith("f_rest_")}
    k3 = len(rest)
    if (
        k3 % 3
        or k3 // 3 not in DEGREE_OF_COEFFICIENTS
        or rest != {f"f_rest_{i}" for i in range(k3)}
    ):
        raise SplatFileError(
            f"PLY has {k3} f_rest_* properties: expected f_rest_0.. with 0, 9, 24 or 45 of them"
        )
    if count > max_splats:
        raise SplatFileError(f"PLY declares {count} splats; the limit is {max_splats}")
    body = len(data) - start
    if count * record.itemsize != body:
        raise SplatFileError(
            f"PLY body is {body} bytes but {count} vertices of {record.itemsize} bytes "
            f"need {count * record.itemsize}: the file is truncated or its header lies"
        )
    rows = np.frombuffer(data, dtype=record, count=count, offset=start)

    def column(*keys: str) -> np.ndarray:
        out = np.empty((count, len(keys)), dtype=np.float32)
        for i, key in enumerate(keys):
            values = rows[key]
            if values.dtype.kind == "f" and not np.isfinite(values).all():
                raise SplatFileError(f"PLY property '{key}' holds NaN or infinite values")
            out[:, i] = values
        return out

    positions = column("x", "y", "z")
    colors = column("f_dc_0", "f_dc_1", "f_dc_2")
    logit = column("opacity")[:, 0].astype(np.float64)
    alphas = 1.0 / (1.0 + np.exp(-np.clip(logit, -60.0, 60.0)))
    log_scales = column("scale_0", "scale_1", "scale_2")
    if (log_scales > 80).any():
        raise SplatFileError("PLY property 'scale_*' is too large (scales are natural logs)")
    scales = np.exp(log_scales)
    rotations = column("rot_1", "rot_2", "rot_3", "rot_0")
    if (np.linalg.norm(rotations, axis=1) < 1e-12).any():
        raise SplatFileError("PLY properties 'rot_0..3' hold a zero-length quaternion")
    sh = None
    if k3:
        k = k3 // 3
        channels = column(*(f"f_rest_{i}" for i in range(k3))).reshape(count, 3, k)
        sh = np.ascontiguousarray(channels.transpose(0, 2, 1))
    return Gaussians(positions, scales, rotations, alphas.astype(np.float32), colors, sh)


def write_ply(g: Gaussians) -> bytes:
    """Return `g` as a 3DGS binary little-endian PLY (normals written as zero)."""
    k3 = 0 if g.sh is None else g.sh.shape[1] * 3
    names = ["x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2"]
    names += [f"f_rest_{i}" for i in range(k3)]
    names += ["opacity", "scale_0", "scale_1", "scale_2", "rot_0", "rot_1", "rot_2", "rot_3"]
    n = len(g)
    table = np.zeros((n, len(names)), dtype="<f4")
    table[:, 0:3] = g.positions
    table[:, 6:9] = g.colors
    if g.sh is not None:
        table[:, 9 : 9 + k3] = g.sh.transpose(0, 2, 1).reshape(n, k3)
    a = np.clip(g.alphas.astype(np.float64), 1e-7, 1 - 1e-7)
    table[:, 9 + k3] = np.log(a / (1 - a))
    table[:, 10 + k3 : 13 + k3] = np.log(np.maximum(g.scales, 1e-30))
    table[:, 13 + k3] = g.rotations[:, 3]
    table[:, 14 + k3 : 17 + k3] = g.rotations[:, :3]
    header = ["ply", "format binary_little_endian 1.0", f"element vertex {n}"]
    header += [f"property float {name}" for name in names] + ["end_header", ""]
    return "\n".join(header).encode("ascii") + table.tobytes()
