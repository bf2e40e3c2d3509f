"""The combinations study (bench/studies/combinations.py): weights moved part of the way back
toward the start, and its summary of changes against the start."""

import torch

from bench.studies.combinations import markdown, moved_toward_start, summarise
from transenc.models import load_model


def _weights(model) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items() if v.is_floating_point()}


def test_weights_move_the_given_share_of_the_way_and_the_trained_model_is_left_as_it_was(
    tiny_bi, tmp_path
):
    start = load_model(str(tiny_bi), "bi")
    trained = load_model(str(tiny_bi), "bi")
    with torch.no_grad():
        for parameter in trained.parameters():
            parameter.add_(torch.randn_like(parameter))
    before = _weights(trained)
    start_weights = _weights(start)
    for alpha in (0.0, 0.5, 1.0):
        folder = moved_toward_start(start.state_dict(), trained, alpha, tmp_path / str(alpha))
        moved = _weights(load_model(folder, "bi"))
        for key, value in moved.items():
            expected = start_weights[key] + alpha * (before[key] - start_weights[key])
            torch.testing.assert_close(value, expected)
    # each alpha starts from the trained weights, not from the last one moved
    for key, value in _weights(trained).items():
        torch.testing.assert_close(value, before[key])


def test_summary_splits_sts_sources_from_domains_and_names_the_worst():
    found = {
        "sts-genres/a/row-seed1": {"gold_a": {"bi": 1.0, "fused": -2.0, "start": 70.0}},
        "sts-genres/b/row-seed1": {"gold_b": {"bi": -0.6, "fused": 1.0, "start": 60.0}},
        "mqp/row-seed1": {"gold_mqp": {"bi": 0.5, "fused": 0.2, "start": 89.0}},
    }
    summary = summarise(found)
    sts = summary["sts sources"]
    assert sts["sets"] == 2 and summary["domains"]["sets"] == 1
    assert sts["bi"]["average"] == 0.2 and sts["bi"]["more than 0.5 below"] == 1
    assert sts["fused"]["worst"] == (-2.0, "sts-genres/a/row-seed1/gold_a")
    assert "start" not in sts
    text = markdown({"row": "row", "protocol": "p", "summary": summary, "runs": found})
    assert "| fused | -0.50 | 1 | -2.00 (sts-genres/a/row-seed1/gold_a) |" in text
    assert "| mqp/row-seed1/gold_mqp | 89.00 | +0.50 | +0.20 |" in text
