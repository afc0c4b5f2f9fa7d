"""Where model versions and the admin's configuration live, and which model is active.

``<data_dir>/classifier/<version>.joblib`` (+ ``.json`` metadata) are the versions written by
``eingang train``; ``<data_dir>/classifier/ACTIVE`` names the one in use. Without an active
version the model bundled in the package (``classifier/models/default.joblib``) is used.
Rolling back is writing another name into ``ACTIVE``. ``signals.yaml`` and ``facts.yaml`` placed
in ``<data_dir>/classifier/`` replace the bundled ones (start from a copy of those).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

BUNDLED_MODEL = Path(__file__).parent / "models" / "default.joblib"
PACKAGE_DIR = Path(__file__).parent


def models_dir(data_dir: Path | None = None) -> Path | None:
    """``<data_dir>/classifier``; None without a data directory (the caller passes the
    service's, store.settings: the classifier reads no environment of its own)."""
    return data_dir / "classifier" if data_dir is not None else None


def config_file(name: str, data_dir: Path | None = None) -> Path:
    """``<data_dir>/classifier/<name>`` if the admin placed one there, else the bundled file."""
    directory = models_dir(data_dir)
    override = directory / name if directory is not None else None
    return override if override is not None and override.exists() else PACKAGE_DIR / name


def config_stamp(data_dir: Path | None = None) -> tuple[tuple[str, int, int], ...]:
    """The admin's ``signals.yaml`` and ``facts.yaml`` as they are now (path, time, size): a
    process that keeps a classifier loads it again once either file is placed, edited or
    removed. Two ``stat`` calls, cheap enough for every item."""
    stamp = []
    for name in ("signals.yaml", "facts.yaml"):
        path = config_file(name, data_dir)
        try:
            stat = path.stat()
        except OSError:
            stamp.append((str(path), 0, 0))
            continue
        stamp.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(stamp)


def version_path(version: str, data_dir: Path) -> Path:
    return data_dir / "classifier" / f"{version}.joblib"


def list_versions(data_dir: Path | None = None) -> list[dict]:
    """Saved versions, oldest first, with their metadata (metrics, corpus size, date)."""
    out = []
    directory = models_dir(data_dir)
    for path in sorted(directory.glob("*.joblib")) if directory is not None else ():
        meta_file = path.with_suffix(".json")
        try:
            meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
        except ValueError:
            meta = {}
        out.append({"version": path.stem, "path": str(path), **meta})
    return sorted(out, key=lambda m: (m.get("created_at", ""), m["version"]))


def active_version(data_dir: Path | None = None) -> str | None:
    directory = models_dir(data_dir)
    if directory is None:
        return None
    pointer = directory / "ACTIVE"
    try:
        return pointer.read_text().strip() or None
    except OSError:
        return None


def set_active(version: str | None, data_dir: Path) -> None:
    """Make ``version`` the active model; ``None`` goes back to the bundled default."""
    directory = data_dir / "classifier"
    directory.mkdir(parents=True, exist_ok=True)
    pointer = directory / "ACTIVE"
    if version is None:
        pointer.unlink(missing_ok=True)
        return
    if not version_path(version, data_dir).exists():
        raise FileNotFoundError(f"Modellversion {version} gibt es nicht.")
    tmp = directory / "ACTIVE.tmp"
    tmp.write_text(version + "\n")
    os.replace(tmp, pointer)


def candidates(data_dir: Path | None = None, explicit: Path | None = None) -> list[Path]:
    """Model files to try, most specific first."""
    paths = []
    if explicit:
        paths.append(Path(explicit))
    if data_dir is not None and (version := active_version(data_dir)):
        paths.append(version_path(version, data_dir))
    paths.append(BUNDLED_MODEL)
    return paths
