"""Regular-expression templates shared by the grammars whose patterns live in YAML."""
from __future__ import annotations

import re


def expand(template: str, parts: dict[str, str]) -> str:
    """Fill `{name}` placeholders from `parts` (which may nest) until none is left."""
    for _ in range(10):
        new = re.sub(r"\{(\w+)\}", lambda m: parts.get(m.group(1), m.group(0)), template)
        if new == template:
            break
        template = new
    return template
