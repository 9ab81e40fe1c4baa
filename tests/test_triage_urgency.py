"""How a pre-visit triage is ranked (rules from knowledge/triage_rules.yml)."""
import pytest

from triage import redflags
from triage.urgency import decide_urgency, triage_rules

RULES = triage_rules()


def test_every_checklist_item_is_a_known_symptom_or_red_flag():
    known = set(redflags.red_flag_ids()) | set(redflags.symptom_ids())
    assert set(RULES.checklist) <= known
    assert set(RULES.today_symptoms) <= known


@pytest.mark.parametrize(
    "flags, symptoms, severity, urgency",
    [
        (["seizure"], [], "mild", "emergency"),  # a red flag wins whatever else is said
        ([], ["fever"], "mild", "today"),  # fever is a sign of cytokine release syndrome
        ([], ["infection"], "mild", "today"),  # infections are a serious side effect
        ([], ["headache"], "severe", "today"),
        ([], ["headache"], "moderate", "today"),
        ([], ["headache", "nausea"], "mild", "routine"),
        ([], [], None, "routine"),
    ],
)
def test_urgency(flags, symptoms, severity, urgency):
    assert decide_urgency(flags, symptoms, severity, RULES)[0] == urgency
