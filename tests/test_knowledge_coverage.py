"""Coverage and faithfulness of the knowledge YAML: every section of both documents has entries, every
entry cites a heading that exists, and every number it holds is written in the section it cites."""
import re
from pathlib import Path

import pytest

from knowledge.build import load_facts, load_terms, load_topics

SOURCES = Path(__file__).resolve().parents[2] / "shared" / "sources"
DOCUMENT_FILES = {
    "patient-information-page": "patient-information-page.txt",
    "clinical-protocol": "clinical-protocol.txt",
    "prescribing-information": "label-facts.md",
}

# Every heading of the two documents, in document order, written out by hand from the files, with
# its level (2 = a sub-heading inside the level-1 heading above it).
PATIENT_PAGE_HEADINGS = [
    ("Front Desk", 1),
    ("Summary of Key Points", 1),
    ("Names of the Medication", 1),
    ("Pharmacologic Category", 1),
    ("Blinatumomab Dosing Guidelines", 1),
    ("Dosing for Acute Lymphoblastic Leukemia (ALL)", 2),
    ("Dosing for Philadelphia Chromosome-Positive Acute Lymphoblastic Leukemia", 2),
    ("Dosing for Minimal Residual Disease-Positive Acute Lymphoblastic Leukemia", 2),
    ("Dosage Forms and Strengths", 1),
    ("Blinatumomab Administration Guidelines", 1),
    ("Blinatumomab Side Effects and Adverse Reactions", 1),
    ("Common Side Effects (Affecting More Than 10% of Patients)", 2),
    ("Less Common Side Effects (Affecting 1-10% of Patients)", 2),
    ("Serious Side Effects (Rare but May Require Immediate Medical Attention)", 2),
    ("Contraindications", 1),
    ("Contraindications for Blinatumomab Treatment", 2),
    ("Drug-to-Drug Interactions", 1),
    ("Medications That May Interact with Blinatumomab", 2),
    ("Blinatumomab in Pregnancy", 1),
    ("Is Blinatumomab Safe During Pregnancy?", 2),
    ("Blinatumomab While Breastfeeding", 1),
    ("Can You Take Blinatumomab While Breastfeeding?", 2),
    ("Estimated Cost of Blinatumomab Treatment", 1),
    ("Possible Alternatives to Blinatumomab Treatment", 1),
    ("Alternative Treatments for Acute Lymphoblastic Leukemia (ALL)", 2),
    ("Treatment Options for Minimal Residual Disease-Positive ALL", 2),
    ("Options for Relapsed or Refractory ALL", 2),
    ("Recent Updates on Blinatumomab Research", 1),
]
PROTOCOL_HEADINGS = [
    ("Indication", 1),
    ("ICD-10 codes", 1),
    ("Regimen details", 1),
    ("Cycle frequency", 1),
    ("Number of cycles", 1),
    ("Administration", 1),
    ("Pre-medication", 1),
    ("Emetogenicity", 1),
    ("Additional supportive medication", 1),
    ("Extravasation", 1),
    ("Investigations – pre first cycle", 1),
    ("Other pre-treatment investigations", 2),
    ("Investigations – pre subsequent cycles", 1),
    ("Standard limits for administration to go ahead", 1),
    ("Dose modifications", 1),
    ("Haematological toxicity", 2),
    ("Renal impairment", 2),
    ("Hepatic impairment", 2),
    ("Other toxicities", 2),
    ("Infusion related reactions", 1),
    ("Adverse effects", 1),
    ("Serious side effects", 2),
    ("Frequently occurring side effects", 2),
    ("Other side effects", 2),
    ("Significant drug interactions", 1),
    ("Additional comments", 1),
]
LABEL_HEADINGS = [
    ("Dosing for patients under 45 kg (body-surface-area dosing)", 1),
    ("MRD-positive B-ALL", 1),
    ("Relapsed/refractory B-ALL", 1),
    ("Infusion bags", 1),
    ("Interruptions (conflict)", 1),
    ("Safety", 1),
    ("Product", 1),
]
HEADINGS = {
    "patient-information-page": PATIENT_PAGE_HEADINGS,
    "clinical-protocol": PROTOCOL_HEADINGS,
    "prescribing-information": LABEL_HEADINGS,
}
# Label facts issue 2 names: they must be in the knowledge base, cited as prescribing information.
REQUIRED_LABEL_SECTIONS = [
    "Dosing for patients under 45 kg (body-surface-area dosing)",  # under-45 kg dosing
    "MRD-positive B-ALL",  # MRD hospital stays
]

# Issue 2's list of what the knowledge base covers, item by item, and the entries that cover it.
ISSUE_ITEMS = {
    # patient information page
    "uses": ["about-what-it-is", "about-who-it-is-for"],
    "names": ["names-brand-and-generic"],
    "drug class": ["drug-class"],
    "dosing relapsed/refractory (frequency, length)": ["dosing-relapsed-refractory", "cycles-relapsed-refractory"],
    "dosing Ph+ (frequency, length)": ["dosing-ph-positive", "cycles-ph-positive"],
    "dosing MRD+ (frequency, length)": ["dosing-mrd-positive", "cycles-mrd-positive"],
    "other and paediatric types": ["dosing-other-types"],
    "vial strength": ["vial-strength"],
    "administration": ["administration-continuous-infusion"],
    "common side effects": ["side-effects-common"],
    "less common side effects": ["side-effects-less-common"],
    "serious side effects": ["serious-side-effects-patient-page"],
    "contraindication hypersensitivity": ["contraindication-hypersensitivity"],
    "contraindication severe infections": ["contraindication-severe-infection"],
    "contraindication uncontrolled CNS disease": ["contraindication-cns-disease"],
    "interactions corticosteroids": ["interactions-corticosteroids"],
    "interactions immunosuppressants": ["interactions-immunosuppressants"],
    "interactions live vaccines": ["vaccines-live-avoid"],
    "pregnancy": ["pregnancy-not-recommended"],
    "breastfeeding": ["breastfeeding-not-recommended"],
    "cost": ["cost-30-day-supply"],
    "alternatives general": ["alternatives-general", "alternatives-discuss"],
    "alternatives Ph+": ["alternatives-ph-positive"],
    "alternatives MRD+": ["alternatives-mrd-positive"],
    "alternatives relapsed": ["alternatives-relapsed-refractory"],
    "research": ["research-mrd-survival", "research-combinations"],
    "front desk": ["contact-front-desk"],
    "telemedicine": ["contact-telemedicine"],
    # clinical protocol
    "protocol indication": ["about-protocol-indication", "about-icd10-codes"],
    "regimen table": ["dosing-regimen-table"],
    "cycle frequency": ["cycles-length"],
    "number of cycles": ["cycles-relapsed-refractory"],
    "central line": ["administration-central-line"],
    "line materials, 0.2 micron filter, pumps": ["administration-line-filter-pumps"],
    "hospital stays": ["hospital-stay-relapsed-refractory"],
    "supervision on restart": ["hospital-stay-later-cycles", "interruption-restart-supervision"],
    "bag-change rules": ["bag-change-mornings", "bag-change-expiry"],
    "never flushing the line": ["flushing-never"],
    "medication errors": ["administration-medication-errors"],
    "pre-medication dexamethasone": ["premedication-dexamethasone"],
    "pre-medication paracetamol": ["premedication-paracetamol"],
    "intrathecal prophylaxis": ["premedication-intrathecal"],
    "allopurinol": ["supportive-allopurinol"],
    "H2 antagonist or PPI": ["supportive-stomach-protection"],
    "antiviral, PCP, antifungal prophylaxis": ["supportive-infection-prophylaxis"],
    "fluids": ["fluids-three-litres"],
    "pre-phase steroids": ["premedication-pre-phase-steroids"],
    "emetogenicity": ["nausea-emetogenicity"],
    "extravasation": ["extravasation-neutral"],
    "investigations before cycle 1": ["blood-tests-before-cycle-1"],
    "other pre-treatment tests": ["blood-tests-other-pre-treatment"],
    "investigations before later cycles": ["blood-tests-later-cycles"],
    "weekly writing test": ["neurological-writing-test"],
    "blood limits": ["blood-limits"],
    "interruption rules": ["interruption-rules"],
    "haematological toxicity": ["blood-limits-haematological-toxicity"],
    "renal impairment": ["kidney-renal-impairment"],
    "hepatic impairment": ["liver-hepatic-impairment"],
    "toxicity: cytokine release syndrome": ["dose-modifications-crs"],
    "toxicity: neurological": ["dose-modifications-neurological"],
    "toxicity: convulsion": ["dose-modifications-convulsion"],
    "toxicity: tumour lysis syndrome": ["dose-modifications-tls"],
    "toxicity: elevated LFTs": ["dose-modifications-elevated-lfts"],
    "toxicity: other": ["dose-modifications-other-toxicities"],
    "toxicity: under-45 kg restart": ["dose-modifications-under-45-kg"],
    "infusion reactions": ["infusion-reactions"],
    "serious side effects (protocol)": ["serious-side-effects-protocol", "neurological-events"],
    "frequent side effects": ["side-effects-frequent"],
    "other side effects": ["side-effects-other"],
    "CYP450 interactions": ["interactions-cyp450"],
    "contraception": ["pregnancy-contraception"],
    # prescribing information
    "MRD stays (label)": ["hospital-stay-mrd-positive"],
    "under-45 kg dosing (label)": ["dosing-under-45-kg"],
}

# Wording a patient-facing answer must never use: instructions to change a dose themselves.
SELF_DOSING = re.compile(
    r"\b(?:you (?:should|can|may|could|must)|please|try to)\s+(?:increase|decrease|reduce|lower|"
    r"raise|double|halve|skip|stop|change|adjust|pause)\b"
    r"|\b(?:increase|decrease|reduce|lower|raise|double|halve|skip|change|adjust)\s+your\s+dose\b",
    re.IGNORECASE,
)


def document_text(document: str) -> str:
    return (SOURCES / DOCUMENT_FILES[document]).read_text(encoding="utf-8")


def is_heading_line(line: str, heading: str, document: str) -> bool:
    # The protocol's sub-headings start with a bullet from a symbol font (U+F0B7).
    line = line.strip().lstrip("\uf0b7").strip()
    if document == "prescribing-information":
        return line == f"## {heading}"
    # A heading line may carry a colon or a dash with more words ("Front Desk: 469-...").
    return line == heading or any(line.startswith(heading + sep) for sep in (":", " - ", " – "))


def section_texts(document: str) -> dict:
    """Heading -> its text, from its heading line to the next heading of the same or a higher level."""
    lines = document_text(document).splitlines()
    headings = HEADINGS[document]
    starts, cursor = [], 0
    for heading, _level in headings:
        index = next(
            (i for i in range(cursor, len(lines)) if is_heading_line(lines[i], heading, document)), None
        )
        assert index is not None, f"{document}: heading {heading!r} not found after line {cursor}"
        starts.append(index)
        cursor = index + 1
    texts = {}
    for position, (heading, level) in enumerate(headings):
        end = len(lines)
        for later in range(position + 1, len(headings)):
            if headings[later][1] <= level:
                end = starts[later]
                break
        texts[heading] = "\n".join(lines[starts[position]:end])
    return texts


SECTIONS = {document: section_texts(document) for document in DOCUMENT_FILES}


@pytest.fixture(scope="module")
def loaded():
    topics, indications = load_topics()
    terms = load_terms()
    facts = load_facts(topics, indications, terms)
    return {"topics": topics, "indications": indications, "facts": facts, "terms": terms}


def number_leaves(numbers, path=""):
    """(name, value) for every number or text value in `numbers`, units left out (they are words)."""
    if isinstance(numbers, dict):
        for key, value in numbers.items():
            if "unit" not in key:
                yield from number_leaves(value, f"{path}.{key}" if path else key)
    elif isinstance(numbers, list):
        for index, value in enumerate(numbers):
            yield from number_leaves(value, f"{path}[{index}]")
    else:
        yield path, numbers


def written_forms(value):
    if isinstance(value, str):
        return [value]
    forms = [str(value)]
    if isinstance(value, int) and value >= 1000:
        forms.append(f"{value:,}")  # the patient page writes $178,000
    return forms


def appears(value, text: str) -> bool:
    if isinstance(value, str):
        return value in text
    # A number stands alone: 9 must not be found inside 96 or 0.9.
    return any(re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d])", text) for form in written_forms(value))


def test_the_number_matcher_tells_numbers_apart():
    # The checks below lean on this: 9 is not in "96 hours", 1.0 is in "> 1.0 x 109/L".
    assert not appears(9, "expiry time of 96 hours")
    assert appears(9, "Recommence at 9mcg/day")
    assert appears(1.0, "Neutrophils > 1.0 x 109/L")
    assert not appears(2, "0.2 μm in-line filter")
    assert appears(178000, "approximately $178,000 when")


def test_every_heading_is_found_in_its_document_in_order():
    # section_texts asserts each heading line exists after the previous one.
    for document in DOCUMENT_FILES:
        assert set(SECTIONS[document]) == {heading for heading, _ in HEADINGS[document]}


def test_every_entry_cites_a_heading_that_exists_in_its_document(loaded):
    for fact in loaded["facts"]:
        document, section = fact["source_document"], fact["source_section"]
        assert section in SECTIONS[document], f"{fact['id']}: no heading {section!r} in {document}"


def test_every_section_of_both_documents_has_an_entry(loaded):
    cited = {(f["source_document"], f["source_section"]) for f in loaded["facts"]}
    for document in ("patient-information-page", "clinical-protocol"):
        headings = HEADINGS[document]
        for position, (heading, level) in enumerate(headings):
            children = []
            for later_heading, later_level in headings[position + 1:]:
                if later_level <= level:
                    break
                children.append(later_heading)
            own_text = SECTIONS[document][heading]
            for child in children:
                own_text = own_text.replace(SECTIONS[document][child], "")
            # A heading with text of its own needs its own entry; a bare wrapper is covered by its children.
            has_own_text = len(own_text.strip().splitlines()) > 1
            if has_own_text or not children:
                assert (document, heading) in cited, f"no entry cites {document}, {heading}"
            else:
                assert any((document, c) in cited for c in children), f"nothing under {heading}"


def test_the_label_facts_issue_2_names_are_present(loaded):
    cited = {f["source_section"] for f in loaded["facts"] if f["source_document"] == "prescribing-information"}
    for section in REQUIRED_LABEL_SECTIONS:
        assert section in cited


def test_every_item_of_issue_2_has_its_entries(loaded):
    ids = {f["id"] for f in loaded["facts"]}
    for item, fact_ids in ISSUE_ITEMS.items():
        missing = [fact_id for fact_id in fact_ids if fact_id not in ids]
        assert not missing, f"issue item {item!r}: missing {missing}"


def test_every_number_is_written_in_the_section_it_cites(loaded):
    for fact in loaded["facts"]:
        import json

        text = SECTIONS[fact["source_document"]][fact["source_section"]]
        for name, value in number_leaves(json.loads(fact["numbers"])):
            assert appears(value, text), (
                f"{fact['id']}: numbers.{name} = {value!r} is not in "
                f"{fact['source_document']}, {fact['source_section']}"
            )


def test_every_number_is_said_in_the_answer(loaded):
    import json

    for fact in loaded["facts"]:
        for name, value in number_leaves(json.loads(fact["numbers"])):
            assert appears(value, fact["answer"]), f"{fact['id']}: numbers.{name} not in its answer"


def test_no_template_syntax_survives_into_answers(loaded):
    for fact in loaded["facts"]:
        assert "{{" not in fact["answer"] and "{%" not in fact["answer"], fact["id"]


def test_every_topic_has_an_answer_for_patients(loaded):
    visible = {f["topic"] for f in loaded["facts"] if f["audience"] in ("patient", "both")}
    assert {t["id"] for t in loaded["topics"]} <= visible


def test_topics_by_indication_have_a_patient_answer_for_each_indication(loaded):
    for topic in (t["id"] for t in loaded["topics"] if t["by_indication"]):
        for indication in (i["id"] for i in loaded["indications"]):
            assert any(
                f["topic"] == topic and f["indication"] == indication and f["audience"] != "staff"
                for f in loaded["facts"]
            ), f"{topic}: no patient answer for {indication}"


def test_conflicting_entries_say_the_care_team_decides(loaded):
    # The documents disagree on the number of cycles and on the 14-day interruption limit.
    by_id = {f["id"]: f for f in loaded["facts"]}
    for fact_id in ("cycles-relapsed-refractory", "cycles-mrd-positive-label", "interruption-patient",
                    "interruption-label-conflict"):
        assert "care team has the final word" in by_id[fact_id]["answer"], fact_id
    assert "protocol governs" in by_id["interruption-patient"]["answer"]


def test_patient_answers_never_tell_a_patient_to_change_a_dose(loaded):
    assert SELF_DOSING.search("If the fever is high you should reduce your dose.")  # the check can fail
    for fact in loaded["facts"]:
        if fact["audience"] in ("patient", "both"):
            assert not SELF_DOSING.search(fact["answer"]), fact["id"]


def test_prescribing_information_entries_say_so_to_patients(loaded):
    # Label facts are supplementary: a patient reading one is told where it comes from.
    for fact in loaded["facts"]:
        if fact["source_document"] == "prescribing-information" and fact["audience"] != "staff":
            assert "prescribing information" in fact["answer"], fact["id"]


def test_entries_are_not_copied_paragraphs(loaded):
    # Own words: no run of 12 words of an answer appears verbatim in the cited document.
    for fact in loaded["facts"]:
        words = re.findall(r"\w+", fact["answer"].lower())
        source = " ".join(re.findall(r"\w+", document_text(fact["source_document"]).lower()))
        for start in range(0, max(0, len(words) - 11)):
            run = " ".join(words[start:start + 12])
            assert run not in source, f"{fact['id']} copies: {run!r}"


def test_terms_cover_the_words_the_brief_names(loaded):
    surfaces = {}
    for term in loaded["terms"]:
        import json

        for surface in [term["name"], *json.loads(term["synonyms"])]:
            surfaces[surface.casefold()] = (term["id"], term["label"])
    expected = {
        "mrd": ("mrd-positive", "indication"),
        "minimal residual disease": ("mrd-positive", "indication"),
        "came back": ("relapsed-refractory", "indication"),
        "didn't respond": ("relapsed-refractory", "indication"),
        "ph+": ("ph-positive", "indication"),
        "philadelphia": ("ph-positive", "indication"),
        "blincyto": ("blinatumomab", "medicine"),
        "blinatumumab": ("blinatumomab", "medicine"),
        "tylenol": ("paracetamol", "medicine"),
        "acetaminophen": ("paracetamol", "medicine"),
        "ciclosporin": ("cyclosporine", "medicine"),
        "chemo": ("chemotherapy", "medicine"),
        "drip": ("drip", "equipment"),
        "bag": ("bag", "equipment"),
        "line": ("infusion-line", "equipment"),
        "pump": ("pump", "equipment"),
        "catheter": ("catheter", "equipment"),
        "filter": ("in-line-filter", "equipment"),
        "fbc": ("full-blood-count", "test"),
        "cbc": ("full-blood-count", "test"),
        "u+es": ("kidney-function-tests", "test"),
        "lfts": ("liver-function-tests", "test"),
        "ldh": ("ldh", "test"),
        "diarrhea": ("diarrhoea", "side_effect"),
        "pins and needles": ("paraesthesia", "side_effect"),
    }
    for surface, owner in expected.items():
        assert surfaces.get(surface) == owner, surface
