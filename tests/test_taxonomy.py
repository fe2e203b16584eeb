"""Loading and validating the taxonomy: the packaged file, extensions, and clear errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines.classify import ArticleDoc, classify
from pipelines.taxonomy import TaxonomyError, load_taxonomy, normalise_token, parse_taxonomy

PACKAGED = Path(__file__).resolve().parents[1] / "pipelines" / "taxonomy.yaml"


def packaged_data() -> dict[str, Any]:
    return yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_packaged_taxonomy_loads_with_three_topics_and_kinds() -> None:
    tax = load_taxonomy()
    assert set(tax.topics) == {"talent", "aerospace_information", "nev_icv"}
    assert set(tax.events.kinds) == {"conference", "alliance", "proposal"}
    for topic in tax.topics.values():
        assert topic.threshold > 0 and topic.terms
    assert "press" in tax.events.kinds["conference"].excluded_modifiers


def test_version_is_stable_and_changes_with_content(tmp_path: Path) -> None:
    tax = load_taxonomy()
    assert tax.version == load_taxonomy().version
    assert tax.version.startswith("1-") and len(tax.version) == 14
    data = packaged_data()
    data["topics"]["talent"]["terms"]["brain gain"] = 2
    other = load_taxonomy(write(tmp_path, data))
    assert other.version != tax.version
    assert other.declared_version == tax.declared_version


def test_an_operator_can_add_a_term_without_code(tmp_path: Path) -> None:
    doc = ArticleDoc(
        title="Chongqing Opens Quantum Sensing Lab",
        body_text="Chongqing - A quantum sensing lab opened.\n\nQuantum sensing will grow.",
    )
    assert classify(doc) == []
    data = packaged_data()
    data["topics"]["aerospace_information"]["terms"]["quantum sensing"] = 4
    tax = load_taxonomy(write(tmp_path, data))
    assert [d.topic for d in classify(doc, tax)] == ["aerospace_information"]


def test_per_term_fields_restrict_where_a_term_counts(tmp_path: Path) -> None:
    data = packaged_data()
    data["topics"]["talent"]["terms"]["talent"] = {"weight": 1.5, "fields": ["title"]}
    tax = load_taxonomy(write(tmp_path, data))
    term = next(t for t in tax.topics["talent"].terms if t.phrase == "talent")
    assert term.field_weights["title"] > 0
    assert term.field_weights["body"] == 0 and term.field_weights["tags"] == 0


def _error(tmp_path: Path, data: Any) -> str:
    path = write(tmp_path, data)
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    message = str(info.value)
    assert str(path) in message  # every error names the file
    return message


def test_bad_weight_type_names_the_key(tmp_path: Path) -> None:
    data = packaged_data()
    data["topics"]["talent"]["terms"]["talent"] = "high"
    message = _error(tmp_path, data)
    assert "topics.talent.terms.talent" in message
    assert "must be a number" in message and "'high'" in message


def test_boolean_is_not_a_weight(tmp_path: Path) -> None:
    data = packaged_data()
    data["topics"]["nev_icv"]["terms"]["EV"] = {"weight": True}
    assert "topics.nev_icv.terms.EV.weight: must be a number" in _error(tmp_path, data)


def test_unknown_field_is_reported(tmp_path: Path) -> None:
    data = packaged_data()
    data["topics"]["talent"]["terms"]["talent"] = {"weight": 1, "fields": ["title", "footer"]}
    message = _error(tmp_path, data)
    assert "topics.talent.terms.talent.fields[1]" in message
    assert "unknown field 'footer'" in message


def test_unknown_field_in_global_weights(tmp_path: Path) -> None:
    data = packaged_data()
    data["scoring"]["field_weights"]["caption"] = 1.0
    assert "scoring.field_weights.caption: unknown field" in _error(tmp_path, data)


def test_missing_threshold_is_reported(tmp_path: Path) -> None:
    data = packaged_data()
    del data["topics"]["aerospace_information"]["threshold"]
    assert "topics.aerospace_information.threshold: missing" in _error(tmp_path, data)


def test_unknown_key_is_reported_with_allowed_keys(tmp_path: Path) -> None:
    data = packaged_data()
    data["topics"]["talent"]["treshold"] = 5
    message = _error(tmp_path, data)
    assert "topics.talent.treshold: unknown key" in message and "threshold" in message


def test_negative_cue_with_positive_weight_is_rejected(tmp_path: Path) -> None:
    data = packaged_data()
    data["topics"]["talent"]["negatives"]["talent show"] = 5
    assert "topics.talent.negatives.talent show" in _error(tmp_path, data)


def test_event_kind_errors_are_reported(tmp_path: Path) -> None:
    data = packaged_data()
    del data["events"]["alliance"]["triggers"]
    assert "events.alliance.triggers: missing" in _error(tmp_path, data)
    data = packaged_data()
    data["events"]["exhibition"] = {"shape": "gathering", "triggers": ["exhibition"]}
    assert "events.exhibition.shape: unknown shape 'gathering'" in _error(tmp_path, data)
    data = packaged_data()
    data["events"]["exhibition"] = {"triggers": ["forum"]}
    assert "'forum' is already a conference trigger" in _error(tmp_path, data)
    data = packaged_data()
    data["events"]["exhibition"] = {"triggers": ["exhibition"], "subject_stops": [","]}
    assert "events.exhibition.subject_stops: unknown key" in _error(tmp_path, data)
    data = packaged_data()
    data["events"] = {k: v for k, v in data["events"].items() if not isinstance(v, dict)}
    assert "events: needs at least one event kind" in _error(tmp_path, data)


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("topics: [unclosed\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        load_taxonomy(bad)
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "nope.yaml")


def test_parse_taxonomy_rejects_non_mapping_root() -> None:
    with pytest.raises(TaxonomyError, match=r"<x>: \(root\): must be a mapping"):
        parse_taxonomy(["not", "a", "mapping"], "<x>")


def test_parse_does_not_mutate_input() -> None:
    data = packaged_data()
    before = copy.deepcopy(data)
    parse_taxonomy(data)
    assert data == before


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("Satellites", "satellite"),
        ("batteries", "battery"),
        ("Chongqing's", "chongqing"),
        ("EVs", "ev"),
        ("class", "class"),
        ("BeiDou", "beidou"),
    ],
)
def test_normalise_token(token: str, expected: str) -> None:
    assert normalise_token(token) == expected
