"""Test data that depends on the Kommune profile: a pipeline or web test module that sets
``KOMMUNE_PROFILES = ALL`` runs once per bundled profile and writes its requests with the
``kommune`` fixture's addresses instead of Oldenburg's."""

from __future__ import annotations

from dataclasses import dataclass

ALL = ("oldenburg", "ammerland")


@dataclass(frozen=True)
class TestKommune:
    __test__ = False  # not a test class, whatever pytest thinks of the name

    profile: str
    name: str  # as the catalogue names the Kommune
    postcode: str  # one of the Kommune's own
    place: str  # "26123 Oldenburg": a home address line inside the Kommune
    outside_postcode: str  # a neighbour's, örtlich unzuständig
    outside_place: str
    jobcenter: str  # the jobcenter's name in letters to citizens
    jobcenter_title: str  # ... and in staff lists


KOMMUNEN = {
    "oldenburg": TestKommune("oldenburg", "Stadt Oldenburg (Oldb)", "26123", "26123 Oldenburg",
                             "26160", "26160 Bad Zwischenahn", "Jobcenter", "Jobcenter (SGB II)"),
    "ammerland": TestKommune("ammerland", "Landkreis Ammerland", "26655", "26655 Westerstede",
                             "26123", "26123 Oldenburg", "Jobcenter Ammerland",
                             "Jobcenter Ammerland (SGB II)"),
}
