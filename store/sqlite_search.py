"""Full-text search on embedded SQLite: SQLite's FTS5 proposes the candidate items, a LIKE
over their text decides.

PostgreSQL searches a stored German tsvector (migration 0007). SQLite has no German stemmer,
so it keeps what users of the inbox could do there before: a word finds every item that
contains it anywhere, also inside compounds ("Wohngeld" finds "Wohngeldstelle", "sperre" finds
"Stromsperre"). What it adds to bring it close to PostgreSQL's German search:

- umlauts and ß are folded on both sides, as PostgreSQL's German stemmer does ("Muller" finds
  "Müller", "Strasse" finds "Straße"), and "ärger" finds "Ärger";
- a search word is cut to its German stem (Snowball, as PostgreSQL) where that stem is a
  beginning of the word of four letters or more, so "Anträge" finds "Antrag" and "Mieten"
  finds "Miete" (what PostgreSQL finds, and the compounds on top).

The index (migration 0033) is an FTS5 table of trigrams: for every item the set of
three-letter sequences of its searched text, folded (``words_sql``), without positions and
without a copy of the text (contentless, ``detail=none``: small, and an AND of trigrams is a
merge of sorted id lists). Triggers on ``items`` keep it in the same transaction as every
insert, delete and change of a searched column. A word's trigrams all being there is
necessary, not sufficient, so the candidates are then checked with LIKE on the same folded
text (``row_condition``), which is also how a row read in inbox order is checked: both ways
give exactly the same matches. Words shorter than three letters have no trigrams and are
checked by LIKE only. The inbox asks the index word by word and only for words in few items
(``candidate_ids``); for common words it reads on in inbox order (admin.inbox).

Beyond the stems, PostgreSQL's parser also knows e-mail addresses, hyphenated words and
stop words; those differences remain ("4711" finds "person4711@…" here, not there).
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import ColumnElement, and_, literal, literal_column, or_, select, table
from sqlalchemy.orm import Session

# The columns searched, as in PostgreSQL's search vector: the full text (mail with quoted
# history and attachments, OCR text), or the text where an item has no full text.
# The identifiers as the classifier stored them (compact), since the text may space them out.
SEARCHED = ("subject", "sender_name", "sender", "reference", "identifiers", "full_text", "text")
_SOURCES = ("subject", "sender_name", "sender", "reference", "identifiers",
            "coalesce(nullif({row}full_text, ''), {row}text)")
# Umlauts and ß as PostgreSQL's German stemmer folds them; case is left to LIKE (ASCII) and to
# the trigram tokenizer (all of Unicode), which is why the capitals map to lower case here.
FOLDS = (("ä", "a"), ("ö", "o"), ("ü", "u"), ("Ä", "a"), ("Ö", "o"), ("Ü", "u"), ("ß", "ss"), ("ẞ", "ss"))
MAX_TERMS = 8
# Items one word may propose before the index is no help for it: an AND of trigrams costs
# about as much as their lists are long, and a word in thousands of items is found sooner by
# reading on in inbox order than by fetching all of them.
PROBE = 5000
FEW = 1000  # candidates that are checked sooner than a common word's trigrams are read
MIN_STEM = 4  # shorter stems ("arg" of "Ärger", "bau" of "Bauer") would find too much

FTS_TABLE = "items_fts"
CREATE_TABLE = (f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(words, content='', detail='none', "
                "columnsize=0, tokenize='trigram')")


def fold_sql(expr: str, key: str | None = None) -> str:
    """``expr`` folded; for a LIKE of ``key`` only the folds that yield a letter of the key
    (the others cannot change whether it is found, and each costs a pass over the text)."""
    for char, plain in FOLDS:
        if key is None or plain[0] in key:
            expr = f"replace({expr}, '{char}', '{plain}')"
    return expr


def words_sql(row: str, key: str | None = None, sources: tuple[str, ...] = _SOURCES) -> str:
    """The folded text searched of one item; ``row`` is ``NEW.``, ``OLD.`` or ``items.``. The
    columns are joined by a line break, which no search word contains (words are split at
    white space), so no match reaches from one column into the next."""
    exprs = (f"{row}{s}" if s.isidentifier() else s.format(row=row) for s in sources)
    return fold_sql(" || char(10) || ".join(f"coalesce({expr}, '')" for expr in exprs), key)


def trigger_sql(searched: tuple[str, ...] = SEARCHED, sources: tuple[str, ...] = _SOURCES) -> list[str]:
    """The triggers that keep the index: a contentless FTS5 table deletes a row by being told
    the values it indexed, which the old row still has. (A migration hands in the columns of
    its time.)"""
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in searched)
    add = f"INSERT INTO {FTS_TABLE} (rowid, words) VALUES (NEW.id, {words_sql('NEW.', sources=sources)});"
    remove = (f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, words) "
              f"VALUES ('delete', OLD.id, {words_sql('OLD.', sources=sources)});")
    return [
        f"CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN {add} END",
        f"CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN {remove} END",
        f"CREATE TRIGGER items_fts_update AFTER UPDATE OF {', '.join(searched)} ON items "
        f"WHEN {changed} BEGIN {remove} {add} END",
    ]


TRIGGERS = ("items_fts_insert", "items_fts_delete", "items_fts_update")


def fill_sql(sources: tuple[str, ...] = _SOURCES) -> list[str]:
    """Index every item anew (the migration's backfill; a bulk load with the triggers off)."""
    return [f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')",
            f"INSERT INTO {FTS_TABLE} (rowid, words) SELECT id, {words_sql('items.', sources=sources)} FROM items"]


# --- the search words ------------------------------------------------------------------------


def fold(term: str) -> str:
    term = term.lower()
    for char, plain in FOLDS:
        term = term.replace(char.lower(), plain)
    return term


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import snowballstemmer

    return snowballstemmer.stemmer("german")


def search_key(term: str) -> str:
    """What a search word must be found as: folded, cut to its stem where that is a beginning
    of it (Snowball may also rewrite "ue" to "ü", which would not be)."""
    folded = fold(term)
    if not folded.isalpha():  # references, numbers, addresses: as typed
        return folded
    stem = _stemmer().stemWord(term.lower())
    return stem if len(stem) >= MIN_STEM and folded.startswith(stem) else folded


def search_keys(q: str) -> list[str]:
    return [search_key(t) for t in q.split()[:MAX_TERMS]]


def trigram_query(keys: list[str]) -> str | None:
    """The FTS5 query that all items matching ``keys`` match (an AND of every trigram of
    every key long enough to have one); None if no key has one."""
    grams = sorted({key[i:i + 3] for key in keys for i in range(len(key) - 2)})
    if not grams:
        return None
    return " AND ".join('"' + g.replace('"', '""') + '"' for g in grams)


def _like_pattern(key: str) -> str:
    return "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def row_condition(keys: list[str]) -> ColumnElement[bool]:
    """True for an item whose folded text contains every key (case-insensitive, as LIKE).
    Column by column, which finds the same (no key spans the line break ``words_sql`` puts
    between them) without joining the texts of every row read, and stops at the first found."""
    def found(key: str) -> ColumnElement[bool]:
        pattern = _like_pattern(key)
        return or_(*(literal_column(fold_sql(f"items.{s}" if s.isidentifier() else s.format(row="items."), key))
                     .like(pattern, escape="\\") for s in _SOURCES))
    return and_(*(found(key) for key in keys)) if keys else literal(True)


def candidate_ids(session: Session, keys: list[str]) -> list[int] | None:
    """Ids of the items that may contain every key, from the index; None if it cannot narrow
    the search down to ``PROBE`` items.

    Each key is asked on its own (at most ``PROBE + 1`` ids): a common word's trigrams ("person"
    is in every sender's name) would make an AND with a rare one ("4711") read their long lists,
    so a key found more often is left to the LIKE that checks every candidate anyway. Keys with
    digits first (numbers, references: rare), then the longer ones; once few candidates are
    left, checking them costs less than asking for the next key."""
    found: set[int] | None = None
    for key in sorted(set(keys), key=lambda k: (not any(c.isdigit() for c in k), -len(k))):
        query = trigram_query([key])
        if query is None:
            continue
        ids = session.scalars(candidates(query).limit(PROBE + 1)).all()
        if len(ids) > PROBE:
            continue
        found = set(ids) if found is None else found & set(ids)
        if len(found) <= FEW:
            break
    return None if found is None else sorted(found)


def candidates(query: str):  # type: ignore[no-untyped-def]
    """The ids the index proposes for an FTS5 query of ``trigram_query``."""
    fts = table(FTS_TABLE)
    return select(literal_column("rowid")).select_from(fts).where(
        literal_column(FTS_TABLE).op("MATCH")(query))
