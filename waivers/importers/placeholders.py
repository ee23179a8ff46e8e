"""Recognise records in MIAO's published data that are obviously test data.

The published files contain form submissions made while the site was being
built ("This is a Title", "asdf", lorem ipsum). They are imported, so the record
stays complete, but flagged `is_test_record` (never public) with the reason.

The heuristic looks only at free-text fields (title, summary, rationale, the
urgent report's texts, determination conditions) and flags a record when one
of them is, as a whole:

1. filler text: lorem ipsum and its relatives (three or more distinct words
   from the filler vocabulary, or the "cupcake ipsum" phrases);
2. a placeholder: the field's own label or a stock test word ("test", "title",
   "summary", "This is a Title", a title starting "Procurement Title");
3. keyboard mashing: a single "word" containing a run such as asdf/sdf/qwer,
   or made only of the letters t/e/r/w/s ("tewrwerew", "TERW");
4. no letters at all where text is expected (a title "432432").

A real record passes because each rule needs the *whole* field to be filler:
an agency name such as "TEST NATIONAL INSTITUTES OF HEALTH" is not examined,
and a genuine title that merely contains the word "test" ("Test stand for
rocket engines") is not a placeholder.
"""

import re

# Lorem ipsum ("Lorem ipsum dolor sit amet…") and the faker variant
# ("Est amet facilis qui distinctio…"). Common English words are left out.
_FILLER_TEXT = """lorem ipsum dolor amet consectetur adipiscing elit eiusmod tempor incididunt
    labore dolore magna aliqua enim veniam quis nostrud exercitation ullamco laboris
    nisi aliquip commodo consequat duis aute irure reprehenderit voluptate velit esse
    cillum fugiat nulla pariatur excepteur sint occaecat cupidatat proident sunt culpa
    officia deserunt mollit anim laborum qui illo aspernatur molestias tenetur nemo
    tempora facilis distinctio voluptatem quia quod amet"""
_FILLER_WORDS = frozenset(_FILLER_TEXT.split())
_FILLER_PHRASES = ("lorem ipsum", "jelly beans", "tiramisu", "cupcake")
_PLACEHOLDERS = frozenset(
    {
        "test",
        "tests",
        "testing",
        "testtest",
        "tese",
        "tere",
        "title",
        "test title",
        "this is a title",
        "this is the title",
        "this is the procurement title",
        "procurementtitle",
        "procurement title",
        "summary",
        "aummary",
        "summary of procurement",
        "rationale",
        "waiver rationale",
        "impact",
        "mission impact",
        "explaining",
        "example",
        "sample",
        "placeholder",
        "tbd",
        "xxx",
    }
)
# A title that starts with its own field label ("Procurement Title for Games").
_LABEL_PREFIX = re.compile(r"^(procurement title|this is (a|the) (procurement )?title)\b")
_MASH_RUN = re.compile(r"asdf|sdf|sadf|adsf|fdsa|safd|qwer|wert|zxcv|jkl|hjk")
_MASH_LETTERS = re.compile(r"^[terws]{3,}$")


def _placeholder_reason(label: str, value: str) -> str | None:
    text = " ".join(value.split())
    if not text:
        return None
    lowered = text.lower()
    shown = text if len(text) <= 40 else text[:37] + "…"
    for phrase in _FILLER_PHRASES:
        if phrase in lowered:
            return f"{label} is filler text ({shown!r})"
    words = re.findall(r"[a-z]+", lowered)
    if len(set(words) & _FILLER_WORDS) >= 3:
        return f"{label} is filler text ({shown!r})"
    if lowered.strip(" .!") in _PLACEHOLDERS:
        return f"{label} is a placeholder ({shown!r})"
    if label == "title" and _LABEL_PREFIX.match(lowered):
        return f"{label} is a placeholder ({shown!r})"
    if " " not in text and (_MASH_RUN.search(lowered) or _MASH_LETTERS.match(lowered)):
        return f"{label} is keyboard mashing ({shown!r})"
    if not re.search(r"[a-z]", lowered):
        return f"{label} has no words ({shown!r})"
    return None


def test_data_reason(texts: dict[str, str]) -> str | None:
    """Why a record with these free-text fields is obviously test data, or None.

    `texts` maps a field label (e.g. "title", "summary") to its value.
    """
    reasons = [r for label, value in texts.items() if (r := _placeholder_reason(label, value))]
    if len(reasons) > 2:
        reasons = reasons[:2] + [f"and {len(reasons) - 2} more field(s)"]
    return "; ".join(reasons) if reasons else None
