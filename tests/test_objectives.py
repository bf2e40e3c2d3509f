"""Each objective on a tiny model: finite, falls on a fixed batch, parameters validated."""

import pytest
import torch

from transenc import objectives
from transenc.errors import TransencError
from transenc.objectives import dual_reg
from transenc.pipeline.registry import check_recipe
from transenc.recipe import Recipe

PAIRS = [
    ("a man is playing guitar", "a man plays the guitar"),
    ("a woman is eating food", "a dog runs in the park"),
    ("kids play soccer on the beach", "children play soccer"),
    ("the cat is sitting", "a red car"),
]
LABELS = torch.tensor([0.9, 0.1, 0.7, 0.0])


def batch(model):
    first = model.preprocess([a for a, _ in PAIRS])
    second = model.preprocess([b for _, b in PAIRS])
    return [first, second]


def losses_while_training(model, loss, steps: int = 25) -> list[float]:
    """Plain Adam steps on one fixed batch (dropout off, so the loss is a function of the
    weights alone)."""
    model.eval()
    optimiser = torch.optim.Adam(loss.parameters(), lr=1e-3)
    values = []
    for _ in range(steps):
        optimiser.zero_grad()
        value = loss(batch(model), LABELS)
        value.backward()
        optimiser.step()
        values.append(float(value.detach()))
    return values


@pytest.mark.parametrize("name", ["cosine-mse", "cosent", "kl-listwise"])
def test_each_bi_objective_is_finite_and_falls(tiny_bi, name):
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(str(tiny_bi), device="cpu")
    objective = objectives.get(name, "bi")
    loss = objective.build(model, objective.params())
    values = losses_while_training(model, loss)
    assert all(torch.isfinite(torch.tensor(values)))
    assert values[-1] < values[0] * 0.9


def test_kl_listwise_is_zero_when_the_student_ranks_as_the_teacher():
    objective = objectives.get("kl-listwise", "bi")
    params = objective.params(temperature=0.5, teacher_temperature=0.5)
    assert params.temperature == 0.5
    with pytest.raises(TransencError, match="temperature must be positive"):
        Recipe(bi_loss="kl-listwise", bi_loss_params={"temperature": 0})
    with pytest.raises(TransencError, match="unknown parameter.*scale.*it takes temperature"):
        Recipe(bi_loss="kl-listwise", bi_loss_params={"scale": 2})


def test_dual_reg_adds_a_falling_consistency_term(tiny_bi):
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(str(tiny_bi), device="cpu")
    base = objectives.get("cosine-mse", "bi").build(model, None)
    assert dual_reg.wrap(base, model, dual_reg.Params(weight=0)) is base  # off: unchanged
    wrapped = dual_reg.wrap(base, model, dual_reg.Params(weight=1.0, temperature=0.1))
    model.train()  # two dropout masks differ only in train mode
    with torch.no_grad():
        term = wrapped.regulariser(batch(model))
    assert torch.isfinite(term) and term > 0
    model.eval()  # without dropout both passes agree: no penalty
    with torch.no_grad():
        assert float(wrapped.regulariser(batch(model))) == pytest.approx(0, abs=1e-5)
    values = losses_while_training(model, wrapped)
    assert values[-1] < values[0]


def test_symmetric_kl():
    logits = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, 0.0]])
    assert float(dual_reg.symmetric_kl(logits, logits, dim=1)) == pytest.approx(0)
    other = logits.flip(1)
    assert float(dual_reg.symmetric_kl(logits, other, 1)) == pytest.approx(
        float(dual_reg.symmetric_kl(other, logits, 1))
    )


def test_dual_reg_parameters_are_validated():
    assert Recipe(bi_dual_reg={"weight": 0.1}).bi_dual_reg == {"weight": 0.1}
    with pytest.raises(TransencError, match="weight must be >= 0"):
        Recipe(bi_dual_reg={"weight": -1})
    with pytest.raises(TransencError, match="unknown parameter.*alpha"):
        Recipe(bi_dual_reg={"alpha": 1})


def test_train_bi_stage_with_kl_listwise_and_dual_reg(tiny_bi, tmp_path):
    from transenc.data import PairCorpus
    from transenc.labels import write_labels
    from transenc.recipe import TrainSettings
    from transenc.stages import train_bi

    corpus = PairCorpus.from_pairs(
        [a for a, _ in PAIRS] * 4, [b for _, b in PAIRS] * 4, LABELS.tolist() * 4
    )
    labels = write_labels(corpus, tmp_path / "labels.tsv")
    result = train_bi.run(
        train_bi.TrainBiConfig(
            str(tiny_bi),
            labels,
            tmp_path / "bi",
            TrainSettings(epochs=1, batch_size=4, max_length=16),
            loss="kl-listwise",
            dual_reg={"weight": 0.5},
        )
    )
    assert result.train_loss == result.train_loss  # finite, not NaN
    card = (tmp_path / "bi" / "README.md").read_text()
    assert "listwise KL" in card and "DualReg (weight 0.5)" in card


# --- VIRT ---------------------------------------------------------------------------------


@pytest.fixture
def virt_pair(tiny_bi):
    from sentence_transformers import CrossEncoder, SentenceTransformer

    torch.manual_seed(0)
    student = SentenceTransformer(str(tiny_bi), device="cpu")
    teacher = CrossEncoder(str(tiny_bi), num_labels=1, device="cpu")
    return student, teacher


def test_virt_joint_input_is_the_tokenizers_pair_encoding(virt_pair):
    from transenc.objectives import virt

    student, _ = virt_pair
    x = student.preprocess([a for a, _ in PAIRS])
    y = student.preprocess([b for _, b in PAIRS])
    joint_len, y_pos, y_valid = virt.joint_positions(x["attention_mask"], y["attention_mask"])
    joint = virt.teacher_inputs(x, y, joint_len, y_pos, y_valid)
    expected = student.tokenizer(
        [a for a, _ in PAIRS], [b for _, b in PAIRS], padding=True, return_tensors="pt"
    )
    for key in ("input_ids", "attention_mask", "token_type_ids"):
        assert torch.equal(joint[key], expected[key]), key


def test_virt_attention_slices_have_the_shapes_of_the_two_sentences(virt_pair):
    from transenc.objectives import virt

    student, teacher = virt_pair
    x = student.preprocess([a for a, _ in PAIRS])
    y = student.preprocess([b for _, b in PAIRS])
    joint_len, y_pos, y_valid = virt.joint_positions(x["attention_mask"], y["attention_mask"])
    teacher.model.set_attn_implementation("eager")
    with torch.no_grad():
        maps = teacher.model(
            **virt.teacher_inputs(x, y, joint_len, y_pos, y_valid), output_attentions=True
        ).attentions
    x_valid = x["attention_mask"].bool()
    over_y, over_x = virt.slices(maps[0], x_valid, y_pos, y_valid)
    batch, heads = len(PAIRS), teacher.model.config.num_attention_heads
    assert over_y.shape == (batch, heads, x_valid.shape[1], y_valid.shape[1])
    assert over_x.shape == (batch, heads, y_valid.shape[1], x_valid.shape[1])
    # each row of a real token is a distribution over the other sentence's tokens
    sums = over_y.sum(-1)[x_valid[:, None, :].expand(batch, heads, -1)]
    assert torch.allclose(sums, torch.ones_like(sums), atol=1e-5)
    assert float(over_y[~y_valid[:, None, None, :].expand_as(over_y)].abs().sum()) == 0


def test_virt_loss_is_finite_and_falls(virt_pair):
    student, teacher = virt_pair
    objective = objectives.get("virt", "bi")
    assert objective.needs == "teacher"
    loss = objective.build(student, objective.params(alpha=1.0), teacher)
    values = losses_while_training(student, loss, steps=15)
    assert all(torch.isfinite(torch.tensor(values)))
    assert values[-1] < values[0] * 0.9


def test_virt_refuses_a_mismatched_teacher(virt_pair, tiny_bi_small, tiny_bi):
    from sentence_transformers import CrossEncoder

    student, _ = virt_pair
    shallow = CrossEncoder(str(tiny_bi_small), num_labels=1, device="cpu")
    objective = objectives.get("virt", "bi")
    with pytest.raises(TransencError, match="2 layers and the cross-encoder 1"):
        objective.build(student, objective.params(), shallow)
    with pytest.raises(TransencError, match="needs the live cross-encoder"):
        objective.build(student, objective.params())
    with pytest.raises(TransencError, match="train-bi needs targets, crosses"):
        check_recipe(Recipe(bi_loss="virt", round_steps=["label-bi", "train-bi"]))


def test_virt_through_the_bootstrap_loop(pairs_file, tiny_bi, tmp_path):
    import json

    from test_bootstrap import config, tiny_recipe

    from transenc import bootstrap

    out = tmp_path / "run"
    bootstrap.run(
        config(
            pairs_file,
            out,
            [tiny_bi],
            recipe=tiny_recipe(rounds=1, contrastive=False, bi_loss="virt"),
        )
    )
    manifest = json.loads((out / "round-1" / "train-bi.manifest.json").read_text())
    assert manifest["input_paths"]["teacher"] == str(out / "round-1" / "cross")
    assert "VIRT" in (out / "final" / "bi" / "README.md").read_text()


# --- in-batch KL with the live cross-encoder ---------------------------------------------------


def test_kl_inbatch_scores_every_combination_and_falls(virt_pair):
    from transenc.objectives import kl_inbatch

    student, teacher = virt_pair
    x = student.preprocess([a for a, _ in PAIRS])
    y = student.preprocess([b for _, b in PAIRS])
    rows, columns = kl_inbatch.all_combinations(x, y)
    size = len(PAIRS)
    assert rows["input_ids"].shape[0] == columns["input_ids"].shape[0] == size * size
    # row i * B + j pairs x_i with y_j
    assert torch.equal(rows["input_ids"][1 * size + 2], x["input_ids"][1])
    assert torch.equal(columns["input_ids"][1 * size + 2], y["input_ids"][2])
    objective = objectives.get("kl-inbatch", "bi")
    assert objective.needs == "teacher"
    loss = objective.build(student, objective.params(), teacher)
    assert loss.teacher_matrix(x, y).shape == (size, size)
    values = losses_while_training(student, loss, steps=15)
    assert all(torch.isfinite(torch.tensor(values)))
    assert values[-1] < values[0] * 0.9
    with pytest.raises(TransencError, match="mse_weight must be >= 0"):
        Recipe(bi_loss="kl-inbatch", bi_loss_params={"mse_weight": -1})
    with pytest.raises(TransencError, match="list_size must be 0"):
        Recipe(bi_loss="kl-inbatch", bi_loss_params={"list_size": 1})


def test_kl_inbatch_lists_of_a_few_pairs_score_only_their_block(virt_pair):
    from transenc.objectives import kl_inbatch

    assert kl_inbatch.list_blocks(5, 2) == [slice(0, 2), slice(2, 4), slice(4, 5)]
    assert kl_inbatch.list_blocks(5, 0) == [slice(0, 5)]
    student, teacher = virt_pair
    objective = objectives.get("kl-inbatch", "bi")
    loss = objective.build(student, objective.params(list_size=2), teacher)
    rows_scored = []
    whole_matrix = loss.teacher_matrix

    def counted_matrix(x, y):
        rows_scored.append(x["input_ids"].shape[0])
        return whole_matrix(x, y)

    loss.teacher_matrix = counted_matrix
    values = losses_while_training(student, loss, steps=15)
    assert all(torch.isfinite(torch.tensor(values)))
    assert values[-1] < values[0] * 0.9
    assert rows_scored and max(rows_scored) == 2  # never the whole batch's B x B


# --- the start anchor ----------------------------------------------------------------------


def test_start_anchor_is_off_at_zero_and_adds_nothing_until_the_student_moves(tiny_bi):
    from sentence_transformers import SentenceTransformer

    from transenc.objectives import start_anchor

    torch.manual_seed(0)
    model = SentenceTransformer(str(tiny_bi), device="cpu")
    base = objectives.get("cosine-mse", "bi").build(model, None)
    assert start_anchor.wrap(base, model, 0.0) is base
    anchored = start_anchor.wrap(base, model, 5.0)
    model.eval()  # without dropout the student is the frozen copy, bit for bit
    with torch.no_grad():
        assert float(anchored(batch(model), LABELS)) == pytest.approx(
            float(base(batch(model), LABELS)), abs=1e-6
        )
        for parameter in model.parameters():  # the student moves; the frozen copy does not
            parameter.add_(0.05 * torch.randn_like(parameter))
        assert float(anchored(batch(model), LABELS)) > float(base(batch(model), LABELS)) + 1e-4


def test_start_anchor_keeps_the_trained_embeddings_near_the_start(tiny_bi, tmp_path):
    from sentence_transformers import SentenceTransformer

    from transenc.data import PairCorpus
    from transenc.labels import write_labels
    from transenc.recipe import TrainSettings
    from transenc.stages import train_bi

    # targets far from the start's cosines, so plain training moves the model a long way
    corpus = PairCorpus.from_pairs(
        [a for a, _ in PAIRS] * 8, [b for _, b in PAIRS] * 8, [1.0, -0.5, -0.5, 1.0] * 8
    )
    labels = write_labels(corpus, tmp_path / "labels.tsv")
    sentences = [a for a, _ in PAIRS] + [b for _, b in PAIRS]
    start = SentenceTransformer(str(tiny_bi), device="cpu").encode(sentences)

    def drift(weight: float) -> float:
        out = tmp_path / f"bi-{weight}"
        train_bi.run(
            train_bi.TrainBiConfig(
                str(tiny_bi),
                labels,
                out,
                TrainSettings(epochs=3, batch_size=8, learning_rate=1e-3, max_length=16),
                start_anchor=weight,
            )
        )
        trained = SentenceTransformer(str(out), device="cpu").encode(sentences)
        cosines = torch.nn.functional.cosine_similarity(
            torch.tensor(trained), torch.tensor(start), dim=-1
        )
        return float((1 - cosines).mean())

    assert drift(50.0) < 0.5 * drift(0.0)
    card = (tmp_path / "bi-50.0" / "README.md").read_text()
    assert "anchored to the start model (weight 50)" in card


def test_start_anchor_is_a_bi_setting_off_by_default_and_checked(tmp_path):
    from transenc.recipe import load_recipe

    assert Recipe().bi_start_anchor == 0.0
    path = tmp_path / "r.toml"
    path.write_text("format = 2\n[bi]\nstart_anchor = 2\n")
    anchored = load_recipe(path)
    assert anchored.bi_start_anchor == 2.0
    assert anchored.fingerprint() != Recipe().fingerprint()
    assert "start_anchor = 2.0" in anchored.to_toml()
    with pytest.raises(TransencError, match=r"\[bi\] start_anchor must be >= 0"):
        Recipe(bi_start_anchor=-1)
