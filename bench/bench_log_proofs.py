"""Measure the log's tree head and proofs at 10,000 and 100,000 leaves: before and now.

Run: ``.venv/bin/python bench/bench_log_proofs.py [--repeat 20] [--sizes 10000,100000]``.
One SQLite log of the largest size (leaves and stored subtree hashes bulk-inserted, as
appends would leave them); the smaller sizes are its prefixes. For each size, in the same
run: "before" reads every leaf hash and computes with `core.merkle` (what the server did
until the subtree hashes were stored), "now" is the server's code (`services.transparency_log`,
O(log n) stored hashes in one query). Both answers are compared, byte for byte, before
timing. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import median_ms


def _fill(session: object, size: int) -> None:
    """Insert `size` leaves and their subtree hashes in bulk (appending one by one is slow)."""
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from server.adapters.models import LogLeaf, LogNode
    from server.core.transparency import merkle, stored_hashes
    from server.core.transparency.entries import entry_bytes

    assert isinstance(session, Session)
    now = datetime.now(UTC)
    leaves, nodes = [], {}
    for index in range(size):
        data = entry_bytes("key", "2026-12-04T00:00:00Z", {"kid": f"{index:016x}"})
        leaf = merkle.leaf_hash(data)
        leaves.append(
            {
                "index": index,
                "leaf_hash": leaf.hex(),
                "kind": "key",
                "subject": f"{index:016x}",
                "data": data,
                "logged_at": now,
            }
        )
        siblings = [nodes[n] for n in stored_hashes.append_siblings(index)]
        nodes.update(stored_hashes.nodes_to_store(index, leaf, siblings))
    session.execute(insert(LogLeaf), leaves)
    session.execute(
        insert(LogNode), [{"level": lv, "index": i, "hash": h} for (lv, i), h in nodes.items()]
    )
    session.commit()


def measure(repeat: int, sizes: list[int]) -> list[tuple[str, float, float]]:
    """Return (figure, before ms, now ms) rows."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from server.adapters import log_store
    from server.adapters.models import Base
    from server.core.transparency import merkle
    from server.services import transparency_log as log

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/log.db")
        Base.metadata.create_all(
            engine,
            tables=[t for n, t in Base.metadata.tables.items() if n in ("log_leaves", "log_nodes")],
        )
        with Session(engine) as session:
            _fill(session, max(sizes))
            for size in sizes:
                index = size // 3
                leaf = log_store.leaf_hashes(session, index + 1)[index].hex()
                first = size // 2 + 1

                def root_before(n: int = size) -> bytes:
                    return merkle.tree_hash(log_store.leaf_hashes(session, n))

                def inclusion_before(n: int = size, h: str = leaf) -> list[bytes]:
                    found = log_store.leaf_by_hash(session, h)
                    assert found is not None
                    return merkle.inclusion_proof(log_store.leaf_hashes(session, n), found.index)

                def consistency_before(n: int = size, m: int = first) -> list[bytes]:
                    return merkle.consistency_proof(log_store.leaf_hashes(session, n), m)

                def inclusion_now(n: int = size, h: str = leaf) -> list[bytes]:
                    body = log.inclusion(session, h, n)
                    return [bytes.fromhex(p) for p in body["inclusion_path"]]

                def consistency_now(n: int = size, m: int = first) -> list[bytes]:
                    body = log.consistency(session, m, n)
                    return [bytes.fromhex(p) for p in body["consistency_path"]]

                pairs = [
                    (
                        f"tree hash, {size:,} leaves",
                        root_before,
                        lambda n=size: log.tree_root(session, n),
                    ),
                    (f"inclusion proof, {size:,} leaves", inclusion_before, inclusion_now),
                    (f"consistency proof, {size:,} leaves", consistency_before, consistency_now),
                ]
                for name, before, now in pairs:
                    if before() != now():
                        raise SystemExit(f"{name}: the stored hashes give another answer")
                    rows.append((name, median_ms(before, repeat), median_ms(now, repeat)))
        engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Measure and print before and now side by side."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"{'figure':<36}{'before (ms)':>14}{'now (ms)':>12}{'ratio':>10}")
    for name, before, now in measure(args.repeat, sizes):
        print(f"{name:<36}{before:>14.3f}{now:>12.3f}{before / now:>10.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
