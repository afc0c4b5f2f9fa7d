"""The public information pages BITV 2.0 and the DSGVO ask for: Impressum, Datenschutz,
Erklärung zur Barrierefreiheit, and the form explained in Leichte Sprache. Their Kommune
details are configuration (``admin/legal.yaml``); retention periods come from the catalogue."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request

from admin.state import web_settings
from admin.templating import render
from domain import yamlfile
from store.catalogue import current_catalogue

router = APIRouter()
LEGAL_FILE = Path(__file__).resolve().parent.parent / "legal.yaml"
PAGES = {
    "impressum": "Impressum",
    "datenschutz": "Datenschutz",
    "barrierefreiheit": "Erklärung zur Barrierefreiheit",
    "leichte-sprache": "Leichte Sprache",
}


@lru_cache(maxsize=1)
def legal() -> dict[str, Any]:
    return yamlfile.safe_load(LEGAL_FILE.read_text(encoding="utf-8")) or {}


def _page(request: Request, key: str):  # type: ignore[no-untyped-def]
    catalogue = current_catalogue(None, web_settings(request))
    offices = [o for o in catalogue.active_offices if not o.special]
    return render(request, f"public/info_{key.replace('-', '_')}.html", title=PAGES[key],
                  kommune=catalogue.kommune.name, legal=legal(), offices=offices)


@router.get("/impressum")
def impressum(request: Request):  # type: ignore[no-untyped-def]
    return _page(request, "impressum")


@router.get("/datenschutz")
def datenschutz(request: Request):  # type: ignore[no-untyped-def]
    return _page(request, "datenschutz")


@router.get("/barrierefreiheit")
def barrierefreiheit(request: Request):  # type: ignore[no-untyped-def]
    return _page(request, "barrierefreiheit")


@router.get("/leichte-sprache")
def leichte_sprache(request: Request):  # type: ignore[no-untyped-def]
    return _page(request, "leichte-sprache")
