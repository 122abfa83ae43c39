"""Library data kept unpacked between runs.

simplemma ships its Dutch dictionary, and py3langid its language model,
LZMA-compressed: unpacking them costs about 0.3 s each in every process that
starts, and a build starts one per worker (a scheduled one-letter ingest is
mostly start-up). Their unpacked form is kept in a cache folder:
$KAMERKB_CACHE, else $XDG_CACHE_HOME/kamer-kb, else ~/.cache/kamer-kb.

A cache file is named for its source file's size and modification time, so
an upgraded library gets a new one. Nothing depends on the cache: when the
folder cannot be written or a file cannot be read, the library's own loader
runs.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Mapping

from simplemma.strategies.dictionaries import DictionaryFactory


def folder() -> Path:
    """Where unpacked data is kept."""
    if os.environ.get("KAMERKB_CACHE"):
        return Path(os.environ["KAMERKB_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kamer-kb"


def unpacked(name: str, source: Path, suffix: str, write: Callable[[BinaryIO], None]) -> Path | None:
    """The cache file holding `source` unpacked, made by `write` when missing; None
    when there is none and none can be made (`write` may raise ValueError to decline).

    Written to a temporary file and renamed, so processes that start together
    never read half a file.
    """
    try:
        st = source.stat()
        path = folder() / f"{name}-{st.st_size}-{st.st_mtime_ns}{suffix}"
        if path.is_file():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}-", suffix=".tmp")
    except (OSError, RuntimeError):  # RuntimeError: no home folder to put the cache in
        return None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except (OSError, ValueError):
        Path(tmp).unlink(missing_ok=True)
        return None
    return path


# --- simplemma -------------------------------------------------------------------

def lemmatizer():
    """A simplemma Lemmatizer as `simplemma.lemmatize` uses (default strategy, not
    greedy), whose dictionaries are plain dicts read from their unpacked copy."""
    import simplemma
    from simplemma.strategies import DefaultStrategy

    return simplemma.Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=_Dictionaries()))


class _Dictionaries(DictionaryFactory):
    """simplemma's shipped dictionaries, unpacked once per machine, not once per process."""

    def __init__(self):
        self.loaded: dict[str, Mapping[str, str]] = {}

    def get_dictionary(self, lang: str) -> Mapping[str, str]:
        found = self.loaded.get(lang)
        if found is None:  # no usable cache: simplemma's own mapping, as it would load it
            found = self.loaded[lang] = _read_dictionary(lang) or _shipped(lang)
        return found


def _shipped(lang: str):
    from simplemma.strategies.dictionaries.dictionary_factory import DEFAULT_DICTIONARY_FACTORY

    return DEFAULT_DICTIONARY_FACTORY.get_dictionary(lang)  # raises ValueError for an unsupported language


def _read_dictionary(lang: str) -> dict[str, str] | None:
    """The dictionary from its cache file: the word forms, NUL, their lemmas, one per line."""
    from simplemma.strategies.dictionaries.dictionary_factory import DATA_FOLDER

    source = DATA_FOLDER / f"{lang}.plzma"
    if not source.is_file():
        return None

    def write(fh: BinaryIO) -> None:
        entries = _shipped(lang)
        keys, values = list(entries), list(entries.values())
        if any("\n" in s or "\0" in s for s in keys + values):
            raise ValueError("entries this format cannot hold")
        fh.write(("\n".join(keys) + "\0" + "\n".join(values)).encode("utf-8"))

    path = unpacked(f"simplemma-{lang}", source, ".txt", write)
    if path is None:
        return None
    try:
        keys, values = path.read_text(encoding="utf-8").split("\0")
    except (OSError, UnicodeDecodeError, ValueError):  # not a file we wrote
        return None
    keys, values = keys.split("\n"), values.split("\n")
    return dict(zip(keys, values)) if len(keys) == len(values) else None


# --- py3langid -------------------------------------------------------------------

def language_identifier(**kwargs):
    """py3langid's LanguageIdentifier built as `from_modelpath` builds it, from the
    model unpacked (a plain .npz, read without pickle); its own loader when that fails."""
    import lzma
    import shutil

    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    source = MODEL_DIR / MODEL_FILE
    path = unpacked("py3langid-model", source, ".npz",
                    lambda fh: shutil.copyfileobj(lzma.open(source), fh, 1 << 20))
    if path is not None:
        try:
            return _identifier_from(path, LanguageIdentifier, kwargs)
        except Exception:  # a file this py3langid does not read: its own loader decides
            pass
    return LanguageIdentifier.from_modelpath(source, **kwargs)


def _identifier_from(path: Path, cls, kwargs: dict):
    """What py3langid.modelio.load_model and LanguageIdentifier.from_model_file do, on an unpacked model."""
    import numpy as np
    from py3langid.modelio import _to_array

    with np.load(path, allow_pickle=False) as data:
        return cls(np.asarray(data["ptc"]), np.asarray(data["pc"]), data["classes"].tolist(),
                   _to_array(data["nextmove"]), data["out_feat"].tolist(),
                   tk_row=_to_array(data["nextmove_row"]), **kwargs)
