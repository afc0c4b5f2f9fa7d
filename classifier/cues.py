"""Cue features: what a request says about the writer's situation, beside its words.

The TF-IDF blocks weigh words one by one, so a linear head cannot see the combinations the
labelling rules turn on (classifier/README.md, "Labelling conventions"): a question *with* a
present need of one's own is an application („Kühlschrank kaputt, kann ich ein Darlehen
kriegen?“), the same question without one is a request for information; "who is responsible"
stays information even with a need. Nor can it read a number: „ich bin 68“ is one token among
all the other numbers, although past the Regelaltersgrenze the Sozialamt, not the Jobcenter, is
responsible. Each cue is a pattern on the normalised text (lower case, umlauts folded), in
German and in the other languages the corpus has (English, Turkish, Russian, Ukrainian, Arabic),
so the few requests of one language share what all of them teach; the combinations are cues of
their own. A cue is 0 or 1 times :data:`CUE_VALUE` in a block appended to the model's features.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np

# The value of a cue that is present. The TF-IDF blocks are each of length 1, spread over
# dozens of features; a cue carries a whole block's worth of evidence at most.
CUE_VALUE = 0.5


_OTHER_SCRIPT = re.compile(r"[\u0400-\u06ff]")  # Cyrillic and Arabic letters


_LITERAL = re.compile(r"[\w ]+")


class _Patterns:
    """Alternatives of one cue, split for speed (a cue is looked for in every request the
    worker classifies): plain word parts are substring tests, which Python does far faster
    than a regular expression tries a branch at every position; branches in Cyrillic and
    Arabic letters are tried only on texts that have such letters."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.literals = tuple(p for p in patterns if _LITERAL.fullmatch(p))
        rest = [p for p in patterns if p not in self.literals]
        latin = [p for p in rest if not _OTHER_SCRIPT.search(p)]
        other = [p for p in rest if _OTHER_SCRIPT.search(p)]
        self.latin = re.compile("|".join(f"(?:{p})" for p in latin)) if latin else None
        self.other = re.compile("|".join(f"(?:{p})" for p in other)) if other else None

    def search(self, text: str, other_script: bool = True) -> bool:
        return bool(any(word in text for word in self.literals)
                    or (self.latin and self.latin.search(text))
                    or (other_script and self.other and self.other.search(text)))


def _any(*patterns: str) -> _Patterns:
    return _Patterns(patterns)


_QUESTION = re.compile(r"\?|؟")
# A present need of one's own (or of the person written for): something missing or broken now.
_NEED = _any(
    r"\b(?:ich|wir) (?:brauche|brauchen|benoetige|benoetigen)\b", r"\bbenoetige\b",
    r"\b(?:ich|wir) (?:habe|haben) (?:kein|keine|keinen) (?:geld|einkommen|wohnung|job|arbeit)\b",
    r"\breicht (?:nicht|kaum|hinten)\b", r"\bkaputt\b", r"\bdefekt\b",
    r"\b(?:kann|koennen) .{0,40}nicht (?:mehr )?(?:bezahlen|zahlen|leisten)\b",
    r"\bi need\b", r"\bwe need\b", r"\bi (?:have|got) no\b", r"\bbroken\b",
    r"\bi can(?:no|')t (?:afford|pay)\b", r"\bnot enough\b",
    r"ihtiyac", r"\blazim\b", r"\byetmiyor\b", r"\bbozuldu\b",
    r"нужн", r"не хватает", r"нет денег", r"потрібн", r"не вистачає", r"немає грошей",
    r"حتاج", r"بحاجة", r"لا [أا]ملك", r"ليس لدي",
)
# Asking how or where to apply, or whether one can get something: with a need, an application.
_HOW_TO_GET = _any(
    r"\b(?:wie|wo) (?:kann|stelle|beantrage|bekomme|kriege|muss|soll) (?:ich|wir|man)\b",
    r"\b(?:kann|koennen|darf) (?:ich|wir) .{0,60}(?:beantragen|bekommen|kriegen|erhalten)\b",
    r"\b(?:bekomme|kriege|bekommen|kriegen) (?:ich|wir)\b", r"\bsteht (?:mir|uns) .{0,40}zu\b",
    r"\bhow (?:do|can|should) (?:i|we) (?:apply|get|request)\b",
    r"\bwhere (?:do|can|should) (?:i|we) apply\b", r"\bcan (?:i|we) (?:apply|get|receive)\b",
    r"\bam i entitled\b", r"\bam i eligible\b",
    r"\bnasil basvur", r"\bnereye basvur", r"\balabilir miyim\b",
    r"как (?:подать|оформить|получить)", r"могу ли я (?:получить|подать)", r"где подать",
    r"як (?:подати|оформити|отримати)", r"чи можу я (?:отримати|подати)", r"де подати",
    r"كيف [أا](?:قدم|طلب|حصل)", r"هل يمكن", r"هل يدفع",
)
# Applying outright, or staff noting an application taken.
_APPLIES = _any(
    r"\b(?:ich|wir) beantragen?\b", r"\bbeantrage (?:ich|hiermit)\b",
    r"\bstellen? (?:ich |wir )?hiermit\b", r"\bbitte um (?:uebernahme|bewilligung|gewaehrung)\b",
    r"\bantrag (?:aufgenommen|entgegengenommen)\b", r"\b(?:will|moechte) .{0,50}beantragen\b",
    r"\bi (?:hereby )?apply\b", r"\bi (?:am applying|would like to apply|want to apply)\b",
    r"\bbasvurmak istiyorum\b", r"\bbasvuruyorum\b",
    r"(?:хочу|прошу) (?:подать|оформить)", r"(?:хочу|прошу) (?:подати|оформити)",
    r"[أا]ريد (?:[أا]ن [أا]قدم|تقديم|التقدم)", r"نريد (?:[أا]ن نقدم|تقديم)", r"[أا]رجو",
)
# Who is responsible, which office, which benefit: information, also with a need.
_WHO = _any(
    r"\bwer (?:ist|waere) (?:da(?:fuer)? |hier |denn |eigentlich )?zustaendig\b",
    r"\bwelche[sr]? (?:amt|stelle|behoerde|leistung|antrag)\b",
    r"\ban wen (?:kann|muss|soll|wende)\b", r"\bwer (?:zahlt|uebernimmt|hilft)\b",
    r"\brichtige (?:stelle|adresse|amt)\b", r"\bbin ich .{0,20}richtig\b",
    r"\b\w+ oder \w+\?",
    r"\bwho (?:is responsible|pays|can help|do i contact|should i contact)\b",
    r"\bwhich (?:office|department|benefit|authority)\b", r"\bright (?:office|place)\b",
    r"\bhangi (?:daire|kurum|ofis|yardim)\b", r"\bkim (?:oder|oduyor|sorumlu)\b",
    r"куда (?:обращаться|обратиться)", r"кто (?:отвечает|платит)", r"какое ведомство",
    r"куди (?:звертатися|звернутися)", r"хто (?:відповідає|платить)", r"яке відомство",
    r"[أا]ي (?:مكتب|جهة)", r"من المسؤول", r"من يدفع", r"[إا]لى من",
)
# A future or hypothetical case: information.
_IF = _any(
    r"\b(?:wenn|falls|sobald) (?:ich|wir|mein|meine|man)\b", r"\bwas passiert\b",
    r"\bwaere\b", r"\bwuerde\b", r"\bangenommen\b", r"\bin zukunft\b",
    r"\bif (?:i|we|my)\b", r"\bwhat happens\b", r"\bwould i\b",
    r"\beger\b", r"\bolursa\b", r"если", r"якщо", r"إذا", r"اذا",
)
# A pending application or a Bescheid already there: Sachstand or a question about it.
_PENDING = _any(
    r"\b(?:habe|hatte|haben|hat) .{0,60}(?:beantragt|antrag gestellt|eingereicht|abgegeben)\b",
    r"\bnoch (?:keine|kein|nichts)\b.{0,40}(?:antwort|bescheid|gehoert|bekommen|passiert)",
    r"\bsachstand\b", r"\bbearbeitungsstand\b", r"\bwie lange (?:dauert|noch)\b",
    r"\bi (?:have )?applied\b", r"\bstill (?:no|nothing|not|haven't)\b",
    r"\bhave(?:n't| not) heard\b", r"\bstatus of\b",
)
# Why or how something was calculated.
_WHY = _any(
    r"\bberechn", r"\bwarum\b", r"\bwieso\b", r"\bweshalb\b", r"\bnachvollziehen\b",
    r"\bwhy\b", r"\bcalculat", r"\bneden\b", r"почему", r"чому", r"لماذا",
)
# Staff's note of a call in which the caller was only informed or referred.
_INFORMED = _any(
    r"\b(?:verwiesen|informiert|auskunft erteilt|hingewiesen|erklaert)\b", r"\bfragt (?:nach|ob|an)\b",
)
_FIRST_PERSON = re.compile(r"\b(?:ich|mir|mich|mein\w*|wir|uns|unser\w*|i|me|my|we|our)\b")

# A stated age: „ich bin 68“, „68 Jahre alt“, „mit 68 Jahren“, "I am 68", and in staff notes
# „Rentner (77)“, „Fr. H. (78, GruSi)“, „GS Alter, 71“.
_AGE = re.compile(
    r"\b(?:ich bin|er ist|sie ist|bin|i am|i'm|he is|she is|alter:?,?) (\d{2,3})\b"
    r"(?! ?(?:euro|eur|€|%|stunden|tage|wochen|monate|kinder))"
    r"|(?<!seit )(?<!vor )(?<!fuer )(?<!ueber )(?<!nach )(?<!alle )(?<!letzten )(?<!for )"
    r"\b(\d{2,3}) ?(?:jahre alt|jahre\b|years old|j\.|-jaehrig|yas|лет|років|عام|سنة)"
    r"|\bmit (\d{2,3}) jahren\b|\((\d{2,3})[,)]"
)
# The border of Sozialamt and Jobcenter (SGB XII against SGB II): pension age, full reduction
# in earning capacity, care and care homes.
_PENSION = _any(r"\brente\b", r"\brentner", r"altersrente", r"regelaltersgrenze", r"\bpension",
                r"\bretire", r"\bemekli", r"пенси", r"معاش")
_INCAPACITY = _any(r"erwerbsminder", r"erwerbsunfaehig", r"nicht erwerbsfaehig", r"\bem-rente",
                   r"(?:unter|weniger als) (?:3|drei) stunden", r"\bunable to work\b")
_CARE = _any(r"\bheim\b", r"(?:pflege|alten|senioren|alters)heim", r"heimkosten", r"\bpflege",
             r"care home", r"nursing home", r"bakimevi", r"дом престарелых", r"будинок")
_WORK = _any(r"\barbeitslos", r"\barbeitsuchend", r"\bminijob", r"\bbewerb", r"\bjob\b",
             r"\bmassnahme", r"\bkooperationsplan", r"\beingliederungsvereinbarung")


# Topics for the stacked office network (classifier.stack), not for the heads: what a request is
# about, in German and the corpus's other languages, so that the network can read the model's
# office probabilities against the facts that decide between two offices — an age, a pension,
# „GS“ or an asylum seeker's accommodation beside rent arrears the model has mostly seen at the
# Jobcenter; Kindergeld, Elterngeld or Arbeitslosengeld beside a Bürgergeld household's own
# words („angerechnet“, a BG-Nummer). The word blocks learn each language's words from that
# language's requests alone, and a linear head weighs each word alone; a topic is one input
# for every language, and the network combines it with the model's view. Measured out of fold
# in classifier/README.md („mitgeliefert-33“). Latin stems are anchored at a word start,
# Cyrillic and Arabic ones are substrings (those languages inflect at the end, Arabic prefixes
# the article).
TOPICS: dict[str, _Patterns] = {
    "rent": _any(r"\bmiete", r"\brent\b", r"\bkira", r"аренд", r"квартплат", r"оренд", "إيجار", "ايجار"),
    "eviction": _any(r"kuendig", r"\braeum", r"\bevict", r"\btahliye", r"выселен", r"виселен", "إخلاء", "اخلاء"),
    "old_age": _any(r"\brentner", r"\bsenior", r"\bim alter\b", r"\belderly\b", r"\bpensioner", r"\bemekli",
                  r"пенсионер", r"пенсіонер", "متقاعد", "كبير السن", "مسن", r"\baltersrente", r"\bregelaltersgrenze",
                  r"\bretire", r"\bgrusi\b", r"\bgs\b", r"\bhlu\b"),
    "basic_income": _any(r"grundsicherung", r"\bsozialhilfe", r"\bsocial assistance", r"\bsocial welfare",
                       r"\bsosyal yardim", r"социальн\w* помощ", r"соціальн\w* допомог", "المساعدة الاجتماعية"),
    "asylum": _any(r"\basyl", r"\bgefluechtet", r"\bfluechtling", r"\bduldung", r"\bgemeinschaftsunterkunft",
                 r"\baufenthaltsgestattung", r"\bkrankenschein", r"\bbehandlungsschein", r"\basylum", r"\brefugee",
                 r"\biltica", r"\bmulteci", r"\bsiginmaci", r"убежищ", r"беженц", r"біженц", "لجوء", "لاجئ"),
    "unemployment_benefit": _any(r"\barbeitslosengeld(?! ?(?:ii|2)\b)", r"\balg ?(?:i|1)\b", r"\bunemployment benefit",
                               r"\bissizlik", r"безработиц", r"безробітт", "البطالة"),
    "child_benefit": _any(r"\bkindergeld", r"\bkinderzuschlag", r"\bfamilienkasse", r"\bchild benefit", r"\bcocuk parasi",
                        r"киндергельд", r"кіндергельд", "كيندرغيلد"),
    "parental": _any(r"\belterngeld", r"\belternzeit", r"\bparental", r"декрет"),
    "sick_pay": _any(r"\bkrankengeld", r"\bsick pay", r"больничн", r"лікарнян"),
    "student": _any(r"\bstudium", r"\bstudent", r"\bbafoeg", r"\bstudier", r"\buniversit", r"\bogrenci", r"студент", "جامعة"),
    "jobcenter_named": _any(r"\bjobcenter", r"\bbuergergeld", r"\bhartz", r"\balg ?(?:ii|2)\b", r"джобцентр",
                          r"бюргергельд", "جوب سنتر", r"\bbg-nummer", r"\b\d{5}\s?bg\s?\d{7}\b"),
    "us_counted": _any(r"\banrechn", r"\bangerechnet", r"\bals einkommen", r"\babgezogen", r"\bziehen sie", r"\bmuss ich (?:das )?melden",
                     r"\bcounted as income", r"\bdeduct"),
    "debt": _any(r"\bschulden", r"\binkasso", r"\bpfaend", r"\bp-konto", r"\bgerichtsvollzieher", r"\bdebt", r"\bborc",
               r"\bicra", r"долг(?!о)", r"борг", "ديون"),
    "disability": _any(r"\bbehindert", r"\bbehinderung", r"\bschwerbehind", r"\brollstuhl", r"\bdisab", r"\bengelli",
                     r"инвалид", r"інвалід", "إعاقة", "معاق", r"\berwerbsminder", r"\berwerbsunfaehig"),
    "care": _any(r"\bpflegegrad", r"\bpflegeheim", r"\bheim\b", r"\bhilfe zur pflege", r"\bcare home", r"\bnursing"),
    "funeral": _any(r"\bbeerdig", r"\bbestattung", r"\bbeisetzung", r"\bfuneral", r"\bcenaze", r"похорон", "جنازة"),
    "housing_allowance": _any(r"\bwohngeld", r"\blastenzuschuss", r"\bhousing (?:benefit|allowance)", r"\bkira yardimi",
                            r"вонгельд", "بدل السكن"),
    "addiction": _any(r"\bsucht", r"suechtig", r"\balkohol", r"\bdrogen", r"\bgluecksspiel", r"\bgambl", r"\baddict",
                    r"\bkumar", r"зависим", r"залежн", "إدمان"),
}
TOPIC_NAMES: tuple[str, ...] = tuple(TOPICS)


def _ages(text: str) -> list[int]:
    return [int(a) for m in _AGE.finditer(text) for a in m.groups() if a and 0 < int(a) < 120]


# Cached: the intent head's cue block and the office network read the same text, in a batch
# (Classifier.classify_many, the CLI's 256 lines) first all texts for the heads and then each for
# the network, and the cues are regular expressions (0.1 ms a request). The cache lives in the
# process's memory only, beside the texts the batch holds anyway.
@lru_cache(maxsize=256)
def _cues(text: str) -> dict[str, bool]:
    other = bool(_OTHER_SCRIPT.search(text))

    def has(patterns: _Patterns) -> bool:
        return patterns.search(text, other)

    question = bool(_QUESTION.search(text))
    need = has(_NEED)
    how = has(_HOW_TO_GET)
    who = has(_WHO)
    hypothetical = has(_IF)
    ages = _ages(text)
    return {
        "question": question,
        "need": need,
        "how_to_get": how,
        "applies": has(_APPLIES),
        "who_responsible": who,
        "hypothetical": hypothetical,
        "pending": has(_PENDING),
        "why": has(_WHY),
        "informed": has(_INFORMED),
        "first_person": bool(_FIRST_PERSON.search(text)),
        # the combinations the labelling rules draw the antrag/auskunft line with
        "need_question": need and question,
        "need_how_to_get": need and how,
        "need_who": need and who,
        "question_no_need": question and not need and not how,
        "hypothetical_question": hypothetical and question and not need,
        # stated age and the SGB XII border
        "age_66_plus": any(a >= 66 for a in ages),
        "age_60_65": any(60 <= a <= 65 for a in ages),
        "age_18_59": any(18 <= a <= 59 for a in ages),
        "pension": has(_PENSION),
        "incapacity": has(_INCAPACITY),
        "care": has(_CARE),
        "work": has(_WORK),
    }


NAMES: tuple[str, ...] = tuple(_cues(""))


class CueFeatures:
    """The cue block: ``columns`` features, each 0 or :data:`CUE_VALUE`.

    A class of its own (not a function) so a model bundle carries its layout: a bundle made
    with other cues keeps the names it was trained with and refuses texts it cannot read."""

    def __init__(self, value: float = CUE_VALUE) -> None:
        self.names = NAMES
        self.value = value

    @property
    def columns(self) -> int:
        return len(self.names)

    def indices(self, text: str) -> np.ndarray:
        """Column indices (within the block) of the cues present in ``text``."""
        found = _cues(text)
        return np.array([i for i, name in enumerate(self.names) if found.get(name)],
                        dtype=np.int64)

    def transform(self, texts: list[str]):  # type: ignore[no-untyped-def]
        """A sparse matrix, one row per text (for training)."""
        import scipy.sparse as sp

        rows = [self.indices(t) for t in texts]
        indptr = np.cumsum([0] + [len(r) for r in rows])
        cols = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
        vals = np.full(len(cols), self.value, dtype=np.float32)
        return sp.csr_matrix((vals, cols, indptr), shape=(len(texts), self.columns))


def cue_names(text: str, pick: Callable[[str], bool] = lambda _n: True) -> list[str]:
    """The cues present in ``text`` (for tests and for reading misses)."""
    return [n for n, on in _cues(text).items() if on and pick(n)]


# The network's inputs beside the model's and the signals' (classifier.stack): every cue and
# every topic, by name, 0 or 1.
INPUT_NAMES: tuple[str, ...] = tuple(f"cue:{n}" for n in NAMES) + tuple(f"topic:{n}" for n in TOPIC_NAMES)


def network_inputs(text: str) -> dict[str, float]:
    """The cues and topics present in the normalised ``text``, as the network's inputs."""
    found = {f"cue:{n}": 1.0 for n, on in _cues(text).items() if on}
    other = bool(_OTHER_SCRIPT.search(text))
    found.update({f"topic:{n}": 1.0 for n, patterns in TOPICS.items() if patterns.search(text, other)})
    return found
