"""The domain catalogue: the Kommune, its offices (queues), referral bodies, intents, channels
and document roles, as plain data. The bottom layer: it imports nothing of eingang's own, no
database and no I/O beyond reading a profile file."""

# Each module names its public part in its own ``__all__``; the package offers their union, so
# a name is listed once, where it is defined.
from domain import catalogue as _catalogue
from domain import profile as _profile
from domain.catalogue import *  # noqa: F403
from domain.profile import *  # noqa: F403

__all__ = [*_catalogue.__all__, *_profile.__all__]
