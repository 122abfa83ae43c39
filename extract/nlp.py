"""The spaCy pipeline: blank Dutch (or English) plus registered rule components.

Why rules and no model: no trained Dutch model is assumed here, and what the
extractors need (abbreviation-safe sentences, lemmas that join 'zonnepanelen'
and 'zonnepaneel', gazetteer matches) is well served by a tokenizer with special
cases, simplemma and PhraseMatchers. `KAMERKB_SPACY_MODEL` swaps in a trained
pipeline where one is installed; the rule components are added on top of it.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, NamedTuple

import numpy
import simplemma
import spacy
from spacy.attrs import IDX, LEMMA, LENGTH, NORM, ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from extract.datafiles import load_yaml
from extract.patterns import plain_norm
from extract.sentences import abbreviations, split_spans

_CONFIG = Path(__file__).with_name("nlp.yaml")
SPAN_KEY = "gazetteer"  # doc.spans key holding every gazetteer match, nested ones too


@lru_cache(maxsize=1)
def config() -> dict:
    return load_yaml(_CONFIG)


@lru_cache(maxsize=4)
def get_nlp(lang: str = "nl") -> Language:
    """A cached pipeline for `lang` ('nl' or 'en'; other languages get a blank pipeline too)."""
    cfg = config()
    nlp = _base_pipeline(lang, os.environ.get(cfg["model_env"]))
    has_sents = any(n in nlp.pipe_names for n in ("parser", "senter", "sentencizer"))
    for name in cfg["components"]:
        if name == "kamerkb_sentences" and has_sents:
            continue
        if name in nlp.pipe_names:
            continue
        nlp.add_pipe(name, config={"lang": lang} if name in ("simplemma_lemmatizer", "gazetteer_ruler") else {})
    return nlp


def pipe(texts: Iterable[str], lang: str = "nl", disable: Iterable[str] = ()) -> Iterable[Doc]:
    """Run texts through the pipeline in batches (the batch size is in nlp.yaml).

    `disable` skips components a caller does not need (entity tagging needs no
    sentence boundaries), which is most of the per-token Python work.
    """
    nlp = get_nlp(lang)
    skip = [name for name in disable if name in nlp.pipe_names]
    if not skip:
        return nlp.pipe(texts, batch_size=config()["batch_size"])
    return _pipe_without(nlp, texts, skip)


def _pipe_without(nlp: Language, texts: Iterable[str], skip: list[str]) -> Iterable[Doc]:
    with nlp.select_pipes(disable=skip):
        yield from nlp.pipe(texts, batch_size=config()["batch_size"])


class Hit(NamedTuple):
    """A gazetteer match by character offsets; `length` is its number of tokens."""
    start: int
    end: int
    label: str
    kb_id: str
    length: int


# Components gazetteer matching does without: sentence starts, and merged dossier
# numbers (no gazetteer name has one); each costs a pass over every token.
NOT_FOR_HITS = ("kamerkb_sentences", "kamerkb_merger")


def gazetteer_hits(texts: list[str], lang: str = "nl") -> list[list[Hit]]:
    """Every gazetteer match (what doc.spans['gazetteer'] holds) of each text, nested ones too.

    The ruler is asked for its matches directly: the Span objects and doc.ents
    its component makes for spaCy users would be dropped here at once.
    """
    ruler = get_nlp(lang).get_pipe("gazetteer_ruler")
    out = []
    for doc in pipe(texts, lang=lang, disable=(*NOT_FOR_HITS, "gazetteer_ruler")):
        bounds = doc.to_array([IDX, LENGTH]).tolist()
        out.append([Hit(bounds[s][0], sum(bounds[e - 1]), label, kb_id, e - s)
                    for s, e, label, kb_id in ruler.matches(doc)])
    return out


def _base_pipeline(lang: str, model: str | None) -> Language:
    if model and lang == "nl":
        try:
            nlp = spacy.load(model, exclude=["lemmatizer", "ner"])
        except OSError:
            pass  # not installed: the blank pipeline is the documented default
        else:
            nlp.tokenizer = kamerkb_tokenizer(nlp)
            return nlp
    # built with our tokenizer from the start: spaCy's default one costs half a second to make
    return spacy.blank(lang, config={"nlp": {"tokenizer": {"@tokenizers": "kamerkb.Tokenizer.v1"}}})


@spacy.registry.tokenizers("kamerkb.Tokenizer.v1")
def _tokenizer_factory():
    return kamerkb_tokenizer


def kamerkb_tokenizer(nlp: Language) -> Tokenizer:
    """The language's tokenizer with special cases for abbreviations, and footnote
    markers split off as one token. Made with every setting at once: each setter
    on a spaCy tokenizer reloads all its special cases."""
    cfg = config()
    defaults = nlp.Defaults
    # spaCy's Dutch exceptions hold thousands of all-caps legal abbreviations ('AFD.',
    # 'VS.'); in policy texts an acronym before a full stop ends a sentence ('uit de VS.').
    caps = re.compile(r"[A-Z]{2,}\.")
    rules = {k: v for k, v in (defaults.tokenizer_exceptions or {}).items() if not caps.fullmatch(k)}
    for abbr in sorted(set(cfg["special_cases"]) | set(abbreviations())):
        for form in {abbr, abbr[:1].upper() + abbr[1:]} - {"Vs."}:
            rules[form] = [{ORTH: form}]
    marker = cfg["footnote_marker"]
    return Tokenizer(
        nlp.vocab, rules=rules,
        prefix_search=compile_prefix_regex([marker, *defaults.prefixes]).search,
        suffix_search=compile_suffix_regex([marker, *cfg["extra_suffixes"], *defaults.suffixes]).search,
        infix_finditer=compile_infix_regex(defaults.infixes).finditer if defaults.infixes else None,
        token_match=re.compile(marker).fullmatch, url_match=defaults.url_match,
    )


@Language.factory("kamerkb_merger")
def _make_merger(nlp: Language, name: str):
    return Merger([re.compile(p) for p in config()["merge_patterns"]])


class Merger:
    """Merges multi-token spans the tokenizer cannot see (dossier numbers with a space)."""

    def __init__(self, patterns: list[re.Pattern]):
        self.patterns = patterns

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for pat in self.patterns:
            for m in pat.finditer(doc.text):
                span = doc.char_span(m.start(), m.end())
                if span is not None and len(span) > 1:
                    spans.append(span)
        if spans:
            with doc.retokenize() as retok:
                for span in spacy.util.filter_spans(spans):
                    retok.merge(span)
        return doc


@Language.component("kamerkb_sentences")
def sentence_boundaries(doc: Doc) -> Doc:
    """Sentence starts from extract.sentences, so spaCy and the regex splitter agree."""
    starts = {s for s, _ in split_spans(doc.text)}
    for i, token in enumerate(doc):
        token.is_sent_start = i == 0 or token.idx in starts
    return doc


@lru_cache(maxsize=1)
def _lemmatizer() -> simplemma.Lemmatizer:
    """simplemma.lemmatize's lemmatizer, with its dictionaries read unpacked (see extract.datacache)."""
    from extract.datacache import lemmatizer

    return lemmatizer()


@Language.factory("simplemma_lemmatizer", default_config={"lang": "nl"})
def _make_lemmatizer(nlp: Language, name: str, lang: str):
    return SimplemmaLemmatizer(lang)


class SimplemmaLemmatizer:
    """Lower-case lemmas from simplemma and a diacritic-free NORM, cached per word form.

    simplemma gets about 92% of domain words right where spaCy's Dutch lookup
    tables get 64% (issue 5). NORM is a property of the word form, so it is
    set once on the vocabulary's lexeme; lemmas are written for the whole doc
    in one array. No Token objects are made: on our letters that per-token
    Python work cost more than the tokenizer itself.
    """

    def __init__(self, lang: str):
        self.lang = lang
        self.cache: dict[str, tuple[str, str]] = {}
        self.ids: dict[int, tuple[int, int]] = {}  # ORTH hash -> (LEMMA, NORM) hashes, lexeme NORM set

    def forms(self, lower: str) -> tuple[str, str]:
        """(lemma, norm) of a lower-case word form."""
        hit = self.cache.get(lower)
        if hit is None:
            lemma = lower
            if lower.isalpha() or "-" in lower:
                try:
                    lemma = _lemmatizer().lemmatize(lower, lang=self.lang).lower()
                except ValueError:
                    lemma = lower
            hit = self.cache[lower] = (plain_norm(lemma), plain_norm(lower))
        return hit

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        orths = doc.to_array(ORTH).tolist()
        ids = self.ids
        for orth in set(orths).difference(ids):
            ids[orth] = self._learn(doc.vocab, orth)
        # token NORMs too: tokenizer exceptions may have set their own ("'t" -> 'het')
        doc.from_array([LEMMA, NORM], numpy.array([ids[o] for o in orths], dtype="uint64"))
        return doc

    def _learn(self, vocab, orth: int) -> tuple[int, int]:
        """(LEMMA, NORM) hashes of a word form; its lexeme's NORM is set too."""
        lex = vocab[orth]
        lemma, norm = self.forms(lex.lower_)
        lex.norm_ = norm
        return vocab.strings.add(lemma), lex.norm


@Language.factory("gazetteer_ruler", default_config={"lang": "nl", "lemma_types": ["product", "measure"]})
def _make_ruler(nlp: Language, name: str, lang: str, lemma_types: list[str]):
    from extract.entities import gazetteer_entries  # data lives with the entity module

    return GazetteerRuler(nlp, gazetteer_entries(), set(lemma_types))


class GazetteerRuler:
    """Phrase matchers over gazetteer aliases: exact case for acronyms, NORM, LEMMA.

    Acronyms ('VS', 'RED', 'AI') match case-sensitively; other aliases match
    case- and accent-insensitively on NORM; products and measures also on LEMMA
    so plural and singular meet. Adjectives and country names never go through
    the lemma matcher, so a lemmatised adjective cannot turn into another country.
    Every match lands in doc.spans['gazetteer'] (label = type, kb_id = entity id);
    doc.ents gets the longest non-overlapping ones.
    """

    def __init__(self, nlp: Language, entries: list[dict], lemma_types: set[str]):
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.norm = PhraseMatcher(nlp.vocab, attr="NORM")
        self.lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.types: dict[str, str] = {}
        self.cased: set[tuple[str, str]] = set()  # (entity id, first token norm) needing a capital
        lemmatizer = self.lemmatizer = _shared_lemmatizer(nlp, nlp.lang if nlp.lang in ("nl", "en") else "nl")
        self.compound_cache: dict[int, tuple] = {}  # ORTH hash -> what _compound_of found
        self.compounds = _compound_index(entries, lemmatizer)
        tail_rules = _tail_rules()
        self.tails = {k: v for k, v in self.compounds.items() if k not in tail_rules["exclude"]}
        self.tail_min = tail_rules["min_prefix"]
        self.country_parts = {plain_norm(a): e["id"] for e in entries if e["type"] == "country"
                              for a in e["aliases"] if a[:1].isupper() and " " not in a and "-" not in a}
        self.head_re = _compound_head_re()
        exact, norm, lemma = {}, {}, {}
        for e in entries:
            self.types[e["id"]] = e["type"]
            for alias in e["aliases"]:
                doc = lemmatizer(nlp.make_doc(alias))
                if not len(doc):
                    continue
                if _is_acronym(alias):
                    exact.setdefault(e["id"], {})[alias] = doc
                    continue
                norm.setdefault(e["id"], {})[" ".join(t.norm_ for t in doc)] = doc
                if e["type"] in ("country", "organisation", "region") and alias[:1].isupper():
                    self.cased.add((e["id"], doc[0].norm_))
                if e["type"] in lemma_types and _lemma_safe(alias, doc):
                    lemma.setdefault(e["id"], {})[" ".join(t.lemma_ for t in doc)] = doc
        for matcher, table in ((self.exact, exact), (self.norm, norm), (self.lemma, lemma)):
            for key, docs in table.items():
                matcher.add(key, list(docs.values()))

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, start, end, label=label, kb_id=eid) for start, end, label, eid in self.matches(doc)]
        doc.spans[SPAN_KEY] = spans
        doc.ents = spacy.util.filter_spans([s for s in spans if s.label_ != "region"])
        return doc

    def matches(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        """(start token, end token, type, entity id) of every match in `doc`, nested ones too."""
        vocab_strings = doc.vocab.strings
        seen, found = set(), []
        for matcher in (self.exact, self.norm, self.lemma):
            for key, start, end in matcher(doc):
                eid = vocab_strings[key]
                if (eid, start, end) in seen or not self._case_ok(eid, doc[start]):
                    continue
                seen.add((eid, start, end))
                found.append((start, end, self.types[eid], eid))
        return found + self._compounds(doc, {(start, end) for start, end, _, _ in found})

    def _case_ok(self, eid: str, token) -> bool:
        return (eid, token.norm_) not in self.cased or token.text[:1].isupper()

    def _compounds(self, doc: Doc, taken: set) -> list[tuple[int, int, str, str]]:
        """Dutch compounds with a product as first part: 'siliciumproductie' -> silicium.

        Whether a word is such a compound depends on its form alone, so it is
        worked out once per form and looked up by ORTH after that.
        """
        orths = doc.to_array(ORTH).tolist()
        cache, strings = self.compound_cache, doc.vocab.strings
        for orth in set(orths).difference(cache):
            cache[orth] = self._compound_of(strings[orth])
        out = []
        for i, orth in enumerate(orths):
            found = cache[orth]
            if found and (i, i + 1) not in taken:
                out += [(i, i + 1, label, eid) for label, eid in found]
        return out

    def _compound_of(self, text: str) -> tuple[tuple[str, str], ...]:
        """(type, entity id) of what one word form names as a compound or hyphenation."""
        if len(text) < 5:
            return ()
        found = []
        if "-" in text:  # 'Frans-Duitse', 'EU-China', 'TTC EU-VS'
            for part in text.split("-"):
                eid = self.country_parts.get(plain_norm(part)) if part[:1].isupper() else None
                if eid:
                    found.append(("country", eid))
        if len(text) >= 8:
            lemma, norm = self.lemmatizer.forms(text.lower())
            eid = self._head_compound(norm) or self._tail_compound(lemma) or self._tail_compound(norm)
            if eid:
                found.append((self.types[eid], eid))
        return tuple(found)


def _head_compound_impl(self, norm: str) -> str | None:
    m = self.head_re.search(norm)
    if not m:
        return None
    stem = norm[: m.start()].rstrip("-")
    return self.compounds.get(stem) or self.compounds.get(stem[:-1] if stem.endswith("s") else "")


def _tail_compound_impl(self, lemma: str) -> str | None:
    """'computerchips' -> chips: the longest product alias ending the word after a real prefix."""
    for k in range(self.tail_min, len(lemma) - 3):
        eid = self.tails.get(lemma[k:].lstrip("-"))
        if eid:
            return eid
    return None


GazetteerRuler._head_compound = _head_compound_impl
GazetteerRuler._tail_compound = _tail_compound_impl


def _shared_lemmatizer(nlp: Language, lang: str) -> SimplemmaLemmatizer:
    """The pipeline's lemmatizer when it lemmatises `lang`, so each word form is
    looked up once per process, not once for the tokens and again for compounds."""
    if "simplemma_lemmatizer" in nlp.pipe_names:
        component = nlp.get_pipe("simplemma_lemmatizer")
        if isinstance(component, SimplemmaLemmatizer) and component.lang == lang:
            return component
    return SimplemmaLemmatizer(lang)


def _lemma_safe(alias: str, doc: Doc) -> bool:
    """A lemma pattern only where lemmatising kept the word's stem.

    English aliases go through the Dutch lemmatizer too, and 'gold' is a past
    tense of 'gelden' there: a pattern whose lemma drifts from the word
    ('gold' -> 'gelden') would match 'geldt'. Plurals keep their stem
    ('zonnepanelen' -> 'zonnepaneel') and stay.
    """
    return all(t.lemma_[:3] == t.norm_[:3] for t in doc if t.is_alpha)


@lru_cache(maxsize=1)
def _tail_rules() -> dict:
    from extract.entities import rules

    r = rules()
    return {"exclude": set(r["compound_tail_exclude"]), "min_prefix": r["compound_tail_min_prefix"]}


def _is_acronym(alias: str) -> bool:
    """'VS', 'RED', 'CRMA', "API's", 'EU27': matched case-sensitively."""
    core = re.sub(r"('?s|[0-9]+)$", "", alias)
    return 1 < len(core) <= 6 and core.isupper() and core.isalpha()


def _compound_index(entries: list[dict], lemmatizer: SimplemmaLemmatizer) -> dict[str, str]:
    """Single-word product aliases (and their lemmas) as compound first parts."""
    index: dict[str, str] = {}
    for e in entries:
        if e["type"] != "product":
            continue
        for alias in e["aliases"]:
            if " " in alias or len(alias) < 4 or _is_acronym(alias):
                continue
            lemma, norm = lemmatizer.forms(alias.lower())
            index.setdefault(norm, e["id"])
            index.setdefault(lemma, e["id"])
    return index


@lru_cache(maxsize=1)
def _compound_head_re() -> re.Pattern:
    heads = config_heads()
    return re.compile(r"(?<=\w)-?(?:" + "|".join(sorted(heads, key=len, reverse=True)) + r")$")


def config_heads() -> list[str]:
    from extract.entities import rules

    return rules()["compound_heads"]
