"""The warning every free-text field carries where a user may write a name (issue 12).

An erasure seals only a registered person's contact details (ADR 0004): a name typed into
a note, a reason or a piece of evidence stays in the event log for good. Citizens' names
do not belong in the registry at all; professionals belong in the directory, where their
details can be erased. `warn_names` gives a field's help text with the warning after it
and adds the English text of the whole to the catalogue (help texts are translated whole).

tests/ui/test_free_text_warning.py checks that every multi-line text field of the UI's
forms carries it, except the few listed there with their reason.
"""

from __future__ import annotations

from api.ui.i18n import english

NAMES_WARNING = (
    "Skriv ikke borgeres navne eller andet, der kan identificere en borger. Navne på "
    "fagpersoner i fritekst bliver ikke slettet, hvis personens oplysninger slettes."
)
NAMES_WARNING_EN = (
    "Do not write citizens' names or anything else that can identify a citizen. Names of "
    "professionals in free text are not erased if that person's details are erased."
)
english({NAMES_WARNING: NAMES_WARNING_EN})


def warn_names(help_da: str = "", help_en: str = "") -> str:
    """`help_da` followed by the warning about names; its English is `help_en` + warning."""
    if not help_da:
        return NAMES_WARNING
    text = f"{help_da} {NAMES_WARNING}"
    english({text: f"{help_en} {NAMES_WARNING_EN}"})
    return text
