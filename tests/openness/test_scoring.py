"""Evaluation scoring as pure functions: curves, weights, totals, grades, and the checks
on a config a regulator edits."""

import copy
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from openness import scoring
from openness.scoring import DEFAULT_CONFIG, config_clean, curve_points, grade, score

CURVE = [["0", "0"], ["0.07", "30"], ["0.16", "70"], ["0.3", "100"]]


@pytest.mark.parametrize(
    ("value", "points"),
    [(Fraction(0), 0), (Fraction(7, 100), 30), (Fraction(115, 1000), 50), (Fraction(3, 10), 100),
     (Fraction(5), 100), (Fraction(-1), 0), (None, 0)],
)  # fmt: skip
def test_a_curve_is_piecewise_linear_and_flat_beyond_its_ends(value, points):
    assert curve_points(CURVE, value) == points


def test_a_decreasing_curve_scores_fewer_points_for_more():
    curve = DEFAULT_CONFIG["indicators"]["no_show_rate"]["curve"]
    assert curve_points(curve, Fraction(0)) == 100
    assert curve_points(curve, Fraction(5, 100)) == 80
    assert curve_points(curve, Fraction(1)) == 0


def test_numbers_from_json_are_exact_decimals():
    assert scoring.number(0.07) == Fraction(7, 100) and scoring.number("0.07") == Fraction(7, 100)


def test_the_total_is_the_weighted_mean_of_the_points():
    config = {
        "indicators": {
            "sharing_rate": {"weight": 3, "curve": [["0", "0"], ["1", "100"]]},
            "utilization": {"weight": 1, "curve": [["0", "0"], ["1", "100"]]},
        },
        "grades": DEFAULT_CONFIG["grades"],
    }
    result = score(config=config, inputs={"sharing_rate": Fraction(1, 2), "utilization": Fraction(1)})
    assert result.points == {"sharing_rate": 50, "utilization": 100}
    assert result.contributions == {"sharing_rate": Fraction(75, 2), "utilization": 25}
    assert result.total == Fraction(125, 2)


def test_a_missing_input_scores_nothing_even_on_a_decreasing_curve():
    # No bookings is no evidence of a low no-show rate: nothing measured earns nothing.
    assert score(config=DEFAULT_CONFIG, inputs={"no_show_rate": None}).total == 0


def test_perfect_inputs_score_100_under_the_defaults():
    perfect = {"open_catalogue": 1, "telemetry_coverage": 1, "unresolved_flags": 0, "utilization": 1,
               "measured_share_of_booked": 1, "no_show_rate": 0, "sharing_rate": 1, "external_hours": 600,
               "serving_share": 1}  # fmt: skip
    assert score(config=DEFAULT_CONFIG, inputs={k: Fraction(v) for k, v in perfect.items()}).total == 100


def test_the_default_weights_add_up_to_100_over_the_three_national_groups():
    indicators = DEFAULT_CONFIG["indicators"]
    assert set(indicators) == set(scoring.INDICATORS)
    by_group = {}
    for key, spec in indicators.items():
        group = scoring.INDICATORS[key][0]
        by_group[group] = by_group.get(group, 0) + spec["weight"]
    assert by_group == {"organization": 20, "operation": 40, "sharing": 40}
    assert config_clean(copy.deepcopy(DEFAULT_CONFIG)) == DEFAULT_CONFIG


@pytest.mark.parametrize(
    ("total", "expected"),
    [("100", "excellent"), ("85.00", "excellent"), ("84.99", "good"), ("70", "good"), ("69.99", "pass"),
     ("60", "pass"), ("59.99", "poor"), ("0", "poor")],
)  # fmt: skip
def test_grades_follow_the_cut_offs(total, expected):
    assert grade(config=DEFAULT_CONFIG, total=Decimal(total)) == expected


def test_cut_offs_are_configurable():
    config = {**DEFAULT_CONFIG, "grades": {"excellent": "90", "good": "80", "pass": "50"}}
    assert grade(config=config, total=Decimal("85")) == "good"
    assert grade(config=config, total=Decimal("50")) == "pass"


def _broken(change) -> list[str]:
    config = copy.deepcopy(DEFAULT_CONFIG)
    change(config)
    with pytest.raises(ValidationError) as invalid:
        config_clean(config)
    return invalid.value.message_dict["config"]


@pytest.mark.parametrize(
    ("change", "words"),
    [(lambda c: c["indicators"].pop("utilization"), "missing"),
     (lambda c: c["indicators"].update(beauty={"weight": 1, "curve": CURVE}), "Unknown"),
     (lambda c: c["indicators"]["utilization"].update(weight=-1), "weight"),
     (lambda c: c["indicators"]["utilization"].update(weight="many"), "weight"),
     (lambda c: c["indicators"]["utilization"].update(curve=[["0", "0"]]), "curve"),
     (lambda c: c["indicators"]["utilization"].update(curve=[["1", "0"], ["0", "100"]]), "curve"),
     (lambda c: c["indicators"]["utilization"].update(curve=[["0", "0"], ["1", "120"]]), "curve"),
     (lambda c: c["grades"].update(good="90"), "excellent"),
     (lambda c: [spec.update(weight=0) for spec in c["indicators"].values()], "above 0")],
)  # fmt: skip
def test_a_bad_config_is_refused_with_a_message_that_says_why(change, words):
    assert any(words in message for message in _broken(change))


def test_a_config_that_is_not_an_object_is_refused():
    with pytest.raises(ValidationError):
        config_clean([1, 2])
