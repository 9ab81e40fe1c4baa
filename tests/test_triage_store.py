"""The triage summary store: what the lead's triage form writes is what the staff console reads."""
import pytest

from triage.summaries import TriageStore, TriageSummary


def summary(created, sender="patient-a", urgency="routine", **fields):
    values = dict(
        sender_id=sender, created=created, treatment_day="cycle 1, day 3",
        symptoms=("headache", "nausea"), severity="mild", new_medicines=None,
        questions="Can I shower?", urgency=urgency, reason="no red flag, mild symptoms",
    )
    values.update(fields)
    return TriageSummary(**values)


def test_a_summary_comes_back_exactly_as_it_was_added(tmp_path):
    store = TriageStore(tmp_path / "triage.db")
    added = summary("2025-03-04T09:15:00+00:00", new_medicines="ibuprofen")
    row_id = store.add(added)
    assert isinstance(row_id, int)
    assert store.recent() == [added]


def test_newest_first_by_real_time_not_by_arrival_or_text(tmp_path):
    store = TriageStore(tmp_path / "triage.db")
    # Worked by hand, all in UTC:
    #   a 2025-03-04T09:00+00:00          = 09:00 UTC
    #   b 2025-03-04T05:30-05:00 (Chicago) = 10:30 UTC  (its text sorts BEFORE a's)
    #   c 2025-03-04T10:00:00 (naive, UTC) = 10:00 UTC, added last
    # so newest first is b, c, a.
    store.add(summary("2025-03-04T09:00:00+00:00", sender="a"))
    store.add(summary("2025-03-04T05:30:00-05:00", sender="b"))
    store.add(summary("2025-03-04T10:00:00", sender="c"))
    assert [s.sender_id for s in store.recent()] == ["b", "c", "a"]


def test_same_moment_the_later_arrival_is_listed_first(tmp_path):
    store = TriageStore(tmp_path / "triage.db")
    store.add(summary("2025-03-04T09:00:00+00:00", sender="first"))
    store.add(summary("2025-03-04T09:00:00+00:00", sender="second"))
    assert [s.sender_id for s in store.recent()] == ["second", "first"]


def test_recent_honours_the_limit(tmp_path):
    store = TriageStore(tmp_path / "triage.db")
    for hour in range(5):
        store.add(summary(f"2025-03-04T0{hour}:00:00+00:00", sender=f"s{hour}"))
    assert [s.sender_id for s in store.recent(limit=2)] == ["s4", "s3"]


def test_an_empty_or_missing_store_lists_nothing(tmp_path):
    assert TriageStore(tmp_path / "nothing-yet.db").recent() == []
    assert not (tmp_path / "nothing-yet.db").exists()  # reading does not create the file


def test_the_default_path_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BLINA_TRIAGE_DB", str(tmp_path / "elsewhere.db"))
    store = TriageStore()
    store.add(summary("2025-03-04T09:00:00+00:00", urgency="emergency", reason="seizure reported"))
    assert (tmp_path / "elsewhere.db").exists()
    assert store.recent()[0].urgency == "emergency"


def test_symptoms_given_as_a_list_are_kept_as_a_tuple():
    kept = summary("2025-03-04T09:00:00+00:00", symptoms=["fever", "chills"])
    assert kept.symptoms == ("fever", "chills")
    hash(kept)  # frozen and hashable, so it can be compared and deduplicated


@pytest.mark.parametrize("urgency", ["critical", "", None, "EMERGENCY"])
def test_an_unknown_urgency_is_refused(urgency):
    with pytest.raises(ValueError, match="urgency"):
        summary("2025-03-04T09:00:00+00:00", urgency=urgency)


@pytest.mark.parametrize("created", ["yesterday", "", "2025-13-01T00:00:00"])
def test_a_created_that_is_not_an_iso_datetime_is_refused(created):
    with pytest.raises(ValueError, match="created"):
        summary(created)


def test_text_is_stored_as_given_not_interpreted(tmp_path):
    store = TriageStore(tmp_path / "triage.db")
    hostile = "<script>alert(1)</script>'; DROP TABLE triage; --"
    store.add(summary("2025-03-04T09:00:00+00:00", questions=hostile))
    assert store.recent()[0].questions == hostile
