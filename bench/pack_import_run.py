"""Import one brand pack into a fresh SQLite database; print seconds and peak RSS as JSON.

Run by bench/bench_pack_import.py as a script with PYTHONPATH set to the tree under test,
so the current and the previous importer run side by side on the same pack.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def main(pack: Path, folder: Path, redis_url: str) -> dict[str, float]:
    """Return the import's seconds and the process's peak RSS (MB)."""
    from server.adapters.blobs import blob_store
    from server.adapters.db import db
    from server.adapters.migrate import upgrade
    from server.services.brand_pack import load_pack
    from server.web import create_app

    app = create_app(
        {
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": f"sqlite:///{folder / 'pack.sqlite3'}",
            "REDIS_URL": redis_url,
            "TESTING": True,
        }
    )
    upgrade(db.engine_for(app))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    with app.app_context():
        load_pack(db.session, blob_store(app), pack)
    return {
        "import": time.perf_counter() - start,
        "rss_before_import_mb": before,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])))
