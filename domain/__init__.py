"""The domain catalogue: the Kommune, its offices (queues), referral bodies, intents, channels
and document roles, as plain data. The bottom layer: it imports nothing of eingang's own, no
database and no I/O beyond reading a profile file."""

from domain.catalogue import (
    CLEARING,
    EXTERN,
    FOLLOW_UPS,
    LEISTUNGSFORMEN,
    SPECIAL_QUEUES,
    Catalogue,
    Channel,
    Contact,
    DocumentRole,
    Gemeinde,
    Intent,
    Kommune,
    Office,
    ReferralBody,
    Schedule,
    default_follow_up,
    format_reference,
)
from domain.profile import (
    ProfileError,
    catalogue_from_dict,
    catalogue_to_dict,
    default_catalogue,
    dump_profile,
    load_profile,
)

__all__ = [
    "CLEARING", "EXTERN", "FOLLOW_UPS", "LEISTUNGSFORMEN", "SPECIAL_QUEUES",
    "Catalogue", "Channel", "Contact", "DocumentRole", "Gemeinde", "Intent", "Kommune", "Office",
    "ProfileError", "ReferralBody", "Schedule", "catalogue_from_dict", "catalogue_to_dict",
    "default_catalogue", "default_follow_up", "dump_profile", "format_reference", "load_profile",
]
