"""The synonym and abbreviation dictionary, instruments/data/search_terms.toml.

Each concept becomes a word of its own in the index (its tag, "zz" + id): an instrument
whose record holds any of the concept's terms is indexed with the tag, and a query
holding any of them looks for the tag. So 扫描电镜, SEM and 扫描电子显微镜 find the same
instruments, however jieba happens to cut them.
"""

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from instruments.search.text import CHINESE, LATIN, key

PATH = Path(__file__).resolve().parent.parent / "data" / "search_terms.toml"
TAG_PREFIX = "zz"
CONCEPT_ID = re.compile(r"[a-z0-9]+")
# Short Chinese terms are given to jieba as words, so that it cuts 气相色谱 out of
# 气相色谱-质谱联用仪 instead of 气/相色谱; longer ones are left to its own dictionary,
# which then still yields their parts (电子, 显微镜) for the index.
SEGMENTER_WORD_MAX = 4


class DictionaryError(ValueError):
    pass


@dataclass(frozen=True)
class Concept:
    id: str
    terms: tuple[str, ...]  # zh and en, as keys
    abbreviations: tuple[str, ...]  # as keys
    all_of: tuple[tuple[str, ...], ...]
    broader: tuple[str, ...]

    @property
    def tag(self) -> str:
        return TAG_PREFIX + self.id


class Dictionary:
    def __init__(self, concepts: dict[str, Concept], segmenter_words: list[str], plural: set[str]):
        self.concepts = concepts
        self.segmenter_words = segmenter_words
        self._owner: dict[str, str] = {}
        for concept in concepts.values():
            for term in concept.terms + concept.abbreviations:
                if self._owner.get(term, concept.id) != concept.id:
                    raise DictionaryError(f"term {term!r} is in both {self._owner[term]} and {concept.id}")
                self._owner[term] = concept.id
        words = [t for c in concepts.values() for t in c.terms]
        self._every_term = _pattern(words + [t for c in concepts.values() for t in c.abbreviations], plural)
        self._words_only = _pattern(words, plural)
        self._wider = {cid: _closure(cid, concepts) for cid in concepts}

    def _concept_of(self, found: str) -> str:
        return self._owner.get(found) or self._owner.get(found[:-1]) or self._owner[found[:-2]]

    def tags(self, text: str, *, abbreviations: bool = True) -> list[str]:
        """Tags of the concepts named in `text`, and of the wider concepts they imply."""
        text_key = key(text)
        found = set()
        pattern = self._every_term if abbreviations else self._words_only
        for match in pattern.finditer(text_key):
            found.add(self._concept_of(match.group(0)))
        for concept in self.concepts.values():
            if any(all(part in text_key for part in group) for group in concept.all_of):
                found.add(concept.id)
        wider = set().union(*(self._wider[cid] for cid in found)) if found else set()
        return sorted(self.concepts[cid].tag for cid in wider)

    def spans(self, query_key: str) -> list[tuple[int, int, Concept]]:
        """The terms in a query (as a key), leftmost and longest first, without overlaps."""
        return [
            (m.start(), m.end(), self.concepts[self._concept_of(m.group(0))])
            for m in self._every_term.finditer(query_key)
        ]


def _pattern(terms: Iterable[str], plural: set[str]) -> re.Pattern:
    """One regular expression for all terms, as a trie (a plain alternation of hundreds of
    terms is tried one by one at every position). Longer terms win: a node tries its
    children before ending there."""
    trie: dict = {}
    for term in set(terms):
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = term
    latin = {c: n for c, n in trie.items() if LATIN.match(c)}
    other = {c: n for c, n in trie.items() if not LATIN.match(c)}
    parts = ([r"(?<![0-9a-z])" + _node(latin, plural)] if latin else []) + ([_node(other, plural)] if other else [])
    return re.compile("|".join(parts) or r"(?!)")


def _node(node: dict, plural: set[str]) -> str:
    options = [re.escape(char) + _node(child, plural) for char, child in sorted(node.items()) if char]
    if "" in node:
        term = node[""]
        end = ""
        if LATIN.match(term[-1]):
            end = (r"(?:e?s)?" if term in plural else "") + r"(?![0-9a-z])"
        options.append(end)
    return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"


def _closure(cid: str, concepts: dict[str, Concept]) -> set[str]:
    seen, todo = set(), [cid]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo += concepts[current].broader
    return seen


def load(path: Path = PATH) -> Dictionary:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    sources = data.get("sources", {})
    raw = data.get("concepts", {})
    concepts: dict[str, Concept] = {}
    segmenter_words: list[str] = []
    plural: set[str] = set()
    for cid, entry in raw.items():
        where = f"{path.name}, concept {cid}"
        unknown = set(entry) - {"zh", "en", "abbr", "all_of", "broader", "sources"}
        if not CONCEPT_ID.fullmatch(cid) or unknown:
            raise DictionaryError(f"{where}: ids are a-z and 0-9; unknown keys: {sorted(unknown)}")
        if not entry.get("sources") or set(entry["sources"]) - set(sources):
            raise DictionaryError(f"{where}: name its sources, each a key of [sources]")
        if set(entry.get("broader", [])) - set(raw):
            raise DictionaryError(f"{where}: unknown broader concept")
        terms = [key(t) for t in entry.get("zh", []) + entry.get("en", [])]
        abbreviations = [key(t) for t in entry.get("abbr", [])]
        if not all(terms + abbreviations) or not terms + abbreviations:
            raise DictionaryError(f"{where}: a term has no letters, digits or Chinese characters")
        plural.update(key(t) for t in entry.get("en", []))
        segmenter_words += [t for t in entry.get("zh", []) if CHINESE.fullmatch(t) and len(t) <= SEGMENTER_WORD_MAX]
        concepts[cid] = Concept(
            id=cid,
            terms=tuple(terms),
            abbreviations=tuple(abbreviations),
            all_of=tuple(tuple(key(part) for part in group) for group in entry.get("all_of", [])),
            broader=tuple(entry.get("broader", [])),
        )
    return Dictionary(concepts, segmenter_words, plural)


@functools.cache
def dictionary() -> Dictionary:
    return load()
