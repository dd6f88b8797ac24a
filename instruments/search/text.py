"""Words of record fields and queries, the same way for both databases.

Text is folded (NFKC, lower case) and cut into runs of Latin letters and digits and runs of
Chinese characters. Chinese runs are segmented with jieba; Latin words are reduced to their
Snowball (Porter 2) stem, so that "analyzers" finds "analyzer". The databases see only
these words, separated by spaces, so their own parsers and stemmers never come into play.
"""

import functools
import logging
import re
import unicodedata
import warnings

import snowballstemmer

PIECE = re.compile(r"[0-9a-z]+|[\u0370-\u03ff]+|[\u3400-\u4dbf\u4e00-\u9fff]+")
LATIN = re.compile(r"[0-9a-z]")
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
# Latin words joined by - / . in one run ("LC-MS", "Q-Exactive") are also indexed as one word.
COMPOUND = re.compile(r"[0-9a-z]+(?:[-/.][0-9a-z]+)+")
# Words that carry nothing in a query ("测蛋白质分子量的仪器").
STOPWORDS = frozenset(
    (
        "the", "of", "and", "or", "for", "a", "an", "in", "on", "with", "to", "by",
        "的", "了", "和", "与", "及", "或", "在", "用", "测", "做", "对", "把", "被", "是", "有", "能", "可", "哪",
        "个", "些", "台", "种", "等", "仪器", "设备", "测试", "检测",
    )
)  # fmt: skip

_stemmer = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def key(text: str) -> str:
    """The text as terms are matched against it: folded, without spaces or punctuation,
    keeping one space only between two Latin words ("LC-MS/MS" → "lc ms ms")."""
    out: list[str] = []
    for piece in PIECE.findall(fold(text)):
        if out and LATIN.match(out[-1][-1]) and LATIN.match(piece[0]):
            out.append(" ")
        out.append(piece)
    return "".join(out)


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The word's stem; short words are left alone, since they are mostly abbreviations
    (EDS is not the plural of ED)."""
    return _stemmer.stemWord(word) if len(word) > 4 and word.isalpha() else word


@functools.cache
def segmenter():
    """jieba's tokenizer with the dictionary's short Chinese terms added as words, loaded
    once per process (about a second)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba imports the deprecated pkg_resources
        import jieba

    jieba.setLogLevel(logging.WARNING)
    from instruments.search.dictionary import dictionary

    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in dictionary().segmenter_words:
        tokenizer.add_word(word)
    return tokenizer


def index_words(text: str) -> list[str]:
    """Every word of a field, with the shorter words inside long Chinese ones (jieba's
    search mode: 电子显微镜 also gives 电子, 显微, 显微镜)."""
    folded = fold(text)
    words: list[str] = []
    for piece in PIECE.findall(folded):
        if CHINESE.fullmatch(piece):
            words += [w for w in segmenter().cut_for_search(piece, HMM=True) if w.strip()]
        else:
            words.append(stem(piece))
    words += [re.sub(r"[-/.]", "", c) for c in COMPOUND.findall(folded)]
    return words


def query_words(text: str) -> list[str]:
    """The words of a query: jieba's precise segmentation, without stop words."""
    words: list[str] = []
    for piece in PIECE.findall(fold(text)):
        if CHINESE.fullmatch(piece):
            words += [w for w in segmenter().cut(piece, HMM=True) if w.strip()]
        else:
            words.append(stem(piece))
    kept = [w for w in words if w not in STOPWORDS]
    return kept or words
