"""actions/triage_form.py: the pre-visit triage form and its stored summary."""
import pytest

from actions.triage_form import ActionTriageSummary, ValidateTriageForm
from rasa_sdk.executor import CollectingDispatcher
from tests.trackers import run_action, tracker_for
from triage.summaries import TriageStore

pytestmark = pytest.mark.usefixtures("built_knowledge")
ANSWERS = {"triage_day": "cycle 2 day 3", "triage_severity": "mild", "triage_medicines": "none",
           "triage_questions": "can I shower?"}


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("BLINA_TRIAGE_DB", str(tmp_path / "triage.db"))
    return TriageStore(tmp_path / "triage.db")


@pytest.mark.parametrize(
    "symptoms, severity, urgency, says",
    [
        ("I've had a fever", "mild", "today", "call the clinic today"),  # a sign of CRS
        ("a fever with shivering", "mild", "emergency", "emergency care now"),  # a red flag
        ("a bit of a headache", "mild", "routine", "can wait for your visit"),
        ("a bit of a headache", "severe", "today", "call the clinic today"),
        ("none", "mild", "routine", "none reported"),
    ],
)
def test_the_summary_is_ranked_stored_and_shown(store, symptoms, severity, urgency, says):
    slots = {**ANSWERS, "triage_symptoms": symptoms, "triage_severity": severity}
    messages, events = run_action(ActionTriageSummary(), tracker_for("no", "deny", slots=slots))
    [stored] = store.recent()
    assert stored.urgency == urgency and stored.questions == "can I shower?"
    assert messages[0]["custom"] == {"urgency": urgency} and says in messages[0]["text"]
    assert all(e["value"] is None for e in events)  # the form is ready for the next triage


def test_severity_must_be_one_of_the_three():
    dispatcher = CollectingDispatcher()
    form = ValidateTriageForm()
    assert form.validate_triage_severity("quite SEVERE really", dispatcher, None, {}) == {"triage_severity": "severe"}
    assert form.validate_triage_severity("dunno", dispatcher, None, {}) == {"triage_severity": None}
    assert "mild, moderate or severe" in dispatcher.messages[0]["text"]
