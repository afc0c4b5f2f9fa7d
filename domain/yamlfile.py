"""YAML as every configuration file of eingang is read: the safe subset, parsed by libyaml's
C parser where PyYAML was built with it (the wheels are). The pure-Python parser took 46 ms
for the classifier's signals.yaml, which every worker reads at start, the C parser 6 ms."""

from __future__ import annotations

from typing import Any

import yaml

YAMLError = yaml.YAMLError
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """What ``yaml.safe_load`` gives, faster."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
