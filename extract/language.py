"""Language of a document and of each passage ('nl', 'en', ...).

EU papers are mostly English, letters Dutch, and a Dutch letter may quote
English passages; the English pipeline (spacy.blank('en')) should see those.
py3langid (a maintained, offline port of langid.py) does the work, restricted
to the corpus languages; a stopword count is the fallback when it is missing.
Short passages carry too little signal and inherit the document language.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from extract.model import Document
from extract.nlp import config


def settings() -> dict:
    return config()["language"]


@lru_cache(maxsize=1)
def _identifier():
    try:
        from extract.datacache import language_identifier

        ident = language_identifier(norm_probs=True)
    except ImportError:
        return None
    ident.set_languages(settings()["languages"])
    return ident


def warm() -> None:
    """Load the classifier now: it takes most of a second, once per process."""
    _identifier()


PASSAGE_MIN_CHARS = 80


def detect(text: str, default: str | None = None) -> str:
    """The language of `text`, or `default` when the text is too short or unclear."""
    s = settings()
    default = default or s["default"]
    letters = re.sub(r"[\W\d_]+", " ", text).strip()
    if len(letters) < s["min_chars"]:
        return default
    ident = _identifier()
    if ident is None:
        return _by_stopwords(letters) or default
    lang, prob = ident.classify(letters[:5000])
    return lang if prob >= s["min_confidence"] else default


@lru_cache(maxsize=1)
def _stopwords() -> dict[str, frozenset[str]]:
    return {lang: frozenset(w.lower() for w in words) for lang, words in settings()["stopwords"].items()}


# A document sample whose function words are this many times more of one language
# than of any other is that language; the classifier (the slow part of reading a
# letter) is asked only when the sample is mixed.
DECISIVE = (25, 5.0)


def _by_stopwords(text: str, margin: tuple[int, float] = (3, 1.5)) -> str | None:
    """The language whose function words `text` has at least margin[0] of, and
    margin[1] times as many as of any other language; else None."""
    words = Counter(text.lower().split())
    counts = {lang: sum(words[w] for w in sw.intersection(words)) for lang, sw in _stopwords().items()}
    best = max(counts, key=counts.get)
    least, ratio = margin
    return best if counts[best] >= least and counts[best] > ratio * sorted(counts.values())[-2] else None


def detect_document(doc: Document) -> str:
    """The language most of the body is written in (by characters over passages)."""
    return _weighted(doc, detect_passages(doc, default=None))


def annotate(doc: Document) -> str:
    """Set each passage's language and return the document's."""
    langs = detect_passages(doc, default=None)
    for p, lang in zip(doc.passages, langs):
        p.language = lang
    return _weighted(doc, langs)


def _weighted(doc: Document, langs: list[str]) -> str:
    weights: dict[str, int] = {}
    for p, lang in zip(doc.passages, langs):
        weights[lang] = weights.get(lang, 0) + len(p.text)
    return max(weights, key=weights.get) if weights else settings()["default"]


def detect_passages(doc: Document, default: str | None = None) -> list[str]:
    """One language per passage; short ones inherit `default` (the document's by default)."""
    if default is None:
        sample = " ".join(p.text for p in doc.passages)[:20000]
        default = _by_stopwords(sample, margin=DECISIVE) or detect(sample)
    return [_passage_language(p.text, default) for p in doc.passages]


def _passage_language(text: str, default: str) -> str:
    """Short passages (headings, list items) inherit the document's language; a
    passage whose function words clearly agree with it skips the classifier."""
    if len(text) < PASSAGE_MIN_CHARS:
        return default
    if _by_stopwords(text) == default:
        return default
    return detect(text, default)
