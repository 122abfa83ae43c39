"""Library data kept unpacked between runs: the same lemmas and languages as the
libraries' own loaders, and a cache that cannot be used costs nothing but time."""
from __future__ import annotations

import pytest
import simplemma
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from extract import datacache

WORDS = ["zonnepanelen", "huizen", "grondstoffen", "afhankelijkheden", "kabinetsappreciatie", "toegezegd",
         "halfgeleiders", "difosforpentaoxide", "x-y", "ministeries", "gaan", "ging", "België", "qwzrtx", "Kamer"]
TEXTS = ["De minister heeft de Kamer toegezegd voor de zomer een brief te sturen over grondstoffen.",
         "The Commission proposes a regulation to secure the supply of critical raw materials.",
         "Die Kommission schlägt eine Verordnung über kritische Rohstoffe vor.",
         "La Commission propose un règlement sur les matières premières critiques."]


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("KAMERKB_CACHE", str(folder))
    return folder


def lemmas(lemmatizer) -> list[str]:
    return [lemmatizer.lemmatize(w.lower(), lang="nl") for w in WORDS]


def test_unpacked_dictionary_lemmatises_as_simplemma(cache):
    expected = [simplemma.lemmatize(w.lower(), lang="nl") for w in WORDS]
    assert lemmas(datacache.lemmatizer()) == expected  # writes the cache
    (written,) = cache.glob("simplemma-nl-*.txt")
    assert lemmas(datacache.lemmatizer()) == expected  # reads it
    written.write_bytes(b"\xff not a dictionary")  # damaged: the shipped dictionary is used
    assert lemmas(datacache.lemmatizer()) == expected
    with pytest.raises(ValueError):
        datacache.lemmatizer().lemmatize("woord", lang="xx")  # as simplemma: an unknown language


def test_unpacked_language_model_classifies_as_py3langid(cache):
    ref = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    expected = [ref.classify(t) for t in TEXTS]
    assert [lang for lang, _ in expected] == ["nl", "en", "de", "fr"]
    assert [datacache.language_identifier(norm_probs=True).classify(t) for t in TEXTS] == expected
    (written,) = cache.glob("py3langid-model-*.npz")
    written.write_bytes(b"PK not a model")
    assert [datacache.language_identifier(norm_probs=True).classify(t) for t in TEXTS] == expected


def test_a_cache_folder_that_cannot_be_made_is_passed_over(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KAMERKB_CACHE", str(blocker / "cache"))
    assert lemmas(datacache.lemmatizer()) == [simplemma.lemmatize(w.lower(), lang="nl") for w in WORDS]
    assert datacache.language_identifier(norm_probs=True).classify(TEXTS[1])[0] == "en"
    assert blocker.read_text() == "not a folder"


def test_without_a_home_folder_the_libraries_load_their_own_data(monkeypatch):
    from pathlib import Path

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("KAMERKB_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert lemmas(datacache.lemmatizer()) == [simplemma.lemmatize(w.lower(), lang="nl") for w in WORDS]
