"""The YAML data files beside the code: patterns, word tables, gazetteers, settings."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# libyaml's loader reads the gazetteers about ten times faster than PyYAML's own,
# which every worker process would otherwise pay at start-up; both are safe loaders.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Any:
    """The parsed content of a data file."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
