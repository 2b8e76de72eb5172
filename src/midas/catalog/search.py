"""Text search over the catalogue: name, brand, model, features and description, ranked.

One function, ``ranked_asset_ids(text)``, answers on both databases:

- PostgreSQL: full-text search (``django.contrib.postgres.search``) over a weighted vector
  (name and brand A, model B, features C, description D; the ``english`` configuration, so
  "yachts" finds "yacht"), ranked with ``ts_rank``; a GIN expression index on the same vector
  (migration ``catalog.0009_search``) keeps it fast.
- SQLite: an FTS5 table ``catalog_asset_fts`` (porter stemming, accents folded), kept in step
  with ``catalog_asset`` by triggers made in the same migration (an edit or a delete through
  any path - the admin, an import, ``QuerySet.update`` - is seen), ranked with ``bm25`` and
  the same column weights.

The visitor's text is never handed to either query language: it is cut into words (letters
and digits), each word matched as a prefix ("ferr" finds Ferrari), all words required. A word
that names no make but is one or two letters away from one ("Rols", "lamborgini",
"Bugati") also matches the make: the correction is made here, in Python, against the makes
and models of the catalogue, so it behaves the same on both databases
(docs/explanation/search.md). When every word is required and nothing matches, any word will
do, ranked by how many match and where.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.db import connection

from midas.catalog.models import Asset

MAX_QUERY_LENGTH = 200  # characters; longer text is cut
MAX_WORDS = 8
# How much a match counts, per column: name, brand, model, features, description.
WEIGHTS = {"name": 10.0, "brand": 10.0, "model_name": 6.0, "features": 3.0, "description": 1.0}
FTS_TABLE = "catalog_asset_fts"
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Terms:
    """The words of a query, each with the spellings that may stand for it."""

    words: tuple[tuple[str, ...], ...]

    def __bool__(self) -> bool:
        return bool(self.words)


def fold(text: str) -> str:
    """Lower case without accents ("Lürssen" is "lurssen")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    return WORD.findall(fold(text[:MAX_QUERY_LENGTH]))


def distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, or ``limit + 1`` once past it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def allowed_typos(word: str) -> int:
    """Short words are not corrected (too many near neighbours); long ones take two slips."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 7 else 2


def vocabulary() -> dict[str, str]:
    """The words of the makes and models of the active catalogue, each standing for itself,
    and each multi-word make run together standing for its words ("rollsroyce": "rolls
    royce")."""
    words: dict[str, str] = {}
    for brand, model in Asset.objects.active().values_list("brand", "model_name").distinct():
        for name in (brand, model):
            parts = words_of(name)
            words.update((part, part) for part in parts)
            if len(parts) > 1:
                words["".join(parts)] = " ".join(parts)
    return words


def correct(word: str, known: dict[str, str]) -> tuple[str, ...]:
    """``word`` and what it probably misspells among the makes' and models' words (a phrase
    for a make run together)."""
    if word in known:
        return tuple(dict.fromkeys((word, known[word])))
    if any(k.startswith(word) for k in known):
        return (word,)
    limit = allowed_typos(word)
    if not limit or not known:
        return (word,)
    scored = sorted((distance(word, k, limit), k) for k in known)
    nearest = scored[0][0]
    if nearest > limit:
        return (word,)
    return tuple(dict.fromkeys((word, *(known[k] for d, k in scored if d == nearest))))[:4]


def parse(text: str) -> Terms:
    """The words of ``text`` with their corrections (one query for the vocabulary, only when
    there are words long enough to correct)."""
    words = list(dict.fromkeys(words_of(text)))[:MAX_WORDS]
    if not words:
        return Terms(())
    known = vocabulary() if any(allowed_typos(w) for w in words) else {}
    return Terms(tuple(correct(word, known) for word in words))


def ranked_asset_ids(text: str) -> list[int]:
    """Ids of the assets (active or not: the caller filters) whose name, brand, model,
    features or description match ``text``, best first (ties by name). Every word must
    match; when none does so, any word may. Empty text finds nothing."""
    terms = parse(text)
    if not terms:
        return []
    search = _postgres if connection.vendor == "postgresql" else _sqlite
    found = search(terms, every=True)
    if not found and len(terms.words) > 1:
        found = search(terms, every=False)
    return found


# --- SQLite: FTS5 ----------------------------------------------------------------------------


def fts5_expression(terms: Terms, *, every: bool) -> str:
    """An FTS5 MATCH expression: each word a quoted prefix, its spellings OR'ed, the words
    AND'ed (or OR'ed). Words hold only letters and digits, so quoting cannot be escaped."""
    groups = []
    for options in terms.words:  # a phrase ("rolls royce") is quoted whole: FTS5's phrase
        spelled = " OR ".join(f'"{option}"*' for option in options)
        groups.append(f"({spelled})")
    return (" AND " if every else " OR ").join(groups)


def _sqlite(terms: Terms, *, every: bool) -> list[int]:
    weights = ", ".join(str(w) for w in WEIGHTS.values())
    asset_table = Asset._meta.db_table
    sql = (
        f"SELECT {FTS_TABLE}.rowid FROM {FTS_TABLE} "  # noqa: S608 - no input in the text
        f"JOIN {asset_table} ON {asset_table}.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH %s "
        f"ORDER BY bm25({FTS_TABLE}, {weights}), {asset_table}.name, {asset_table}.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [fts5_expression(terms, every=every)])
        return [row[0] for row in cursor.fetchall()]


# --- PostgreSQL: full-text search -------------------------------------------------------------


def tsquery_text(terms: Terms, *, every: bool) -> str:
    """A ``to_tsquery`` text: each word a prefix (``word:*``), spellings OR'ed (``|``), words
    AND'ed (``&``) or OR'ed. Words hold only letters and digits: nothing to escape."""
    groups = [
        "(" + " | ".join(" <-> ".join(f"{w}:*" for w in o.split()) for o in options) + ")"
        for options in terms.words
    ]
    return (" & " if every else " | ").join(groups)


def search_vector():  # django.contrib.postgres is imported on PostgreSQL only
    """The weighted vector the GIN index is built on (migration 0009 builds the same one)."""
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("name", weight="A", config="english")
        + SearchVector("brand", weight="A", config="english")
        + SearchVector("model_name", weight="B", config="english")
        + SearchVector("features", weight="C", config="english")
        + SearchVector("description", weight="D", config="english")
    )


def _postgres(terms: Terms, *, every: bool) -> list[int]:
    from django.contrib.postgres.search import SearchQuery, SearchRank

    query = SearchQuery(tsquery_text(terms, every=every), search_type="raw", config="english")
    vector = search_vector()
    return list(
        Asset.objects.annotate(document=vector)
        .filter(document=query)
        .annotate(rank=SearchRank(vector, query))
        .order_by("-rank", "name", "id")
        .values_list("id", flat=True)
    )
