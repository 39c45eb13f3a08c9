"""fit, History and accuracy: learning the AND gate, mini-batches, the progress display, shape
mismatches caught before training, History's summary and plot."""
from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn


def _threshold_accuracy(out, y) -> float:
    return nn.accuracy(out.data > 0.5, y)


def _fit_and_gate(**settings) -> nn.History:
    X, y = nn.data.and_gate()
    neuron = nn.Neuron(2, rng=0)
    return nn.fit(neuron, nn.binary_cross_entropy, X, y, nn.SGD(neuron.parameters(), lr=1.0),
                  epochs=settings.pop("epochs", 100), metric=_threshold_accuracy, **settings)


def test_neuron_learns_the_and_gate_quickly():
    history = _fit_and_gate(progress=False)
    assert history.metric[-1] == 1.0
    assert history.metric.index(1.0) < 50
    assert history.loss[-1] < 0.2


def test_history_fields():
    history = _fit_and_gate(epochs=7, progress=False)
    assert len(history.loss) == len(history.metric) == 7
    assert all(isinstance(v, float) for v in history.loss + history.metric)
    assert history.loss[-1] < history.loss[0]
    X, y = nn.data.xor()
    model = nn.MLP(2, [1])
    plain = nn.fit(model, lambda out, t: nn.mse_loss(out[:, 0], t), X, y,
                   nn.SGD(model.parameters(), lr=0.1), epochs=3, progress=False)
    assert len(plain.loss) == 3 and plain.metric == []


def test_epoch_loss_is_the_size_weighted_mean_of_batch_losses():
    X, y = np.arange(5.0)[:, None], np.ones(5)
    model = nn.Neuron(1, activation=None)
    history = nn.fit(model, nn.mse_loss, X, y, nn.SGD(model.parameters(), lr=0.0), epochs=1,
                     batch_size=2, progress=False)  # lr 0: every batch sees the start weights
    expected = np.mean((X[:, 0] * model.weight.data[0] - 1.0) ** 2)
    assert history.loss[0] == pytest.approx(expected, rel=1e-12)


def test_mini_batches_are_deterministic_given_rng():
    X, y = nn.data.moons(40, seed=1)

    def run(seed):
        model = nn.MLP(2, [4, 1], output_activation="sigmoid", rng=3)
        return nn.fit(model, lambda out, t: nn.binary_cross_entropy(out[:, 0], t), X, y,
                      nn.Adam(model.parameters(), lr=0.05), epochs=5, batch_size=8,
                      rng=seed, progress=False).loss

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_accuracy():
    assert nn.accuracy(np.array([1, 0, 1, 1]), [1, 1, 1, 0]) == 0.5
    with pytest.raises(ValueError, match=r"shape \(4, 1\) but labels have shape \(4,\)"):
        nn.accuracy(np.ones((4, 1)), np.ones(4))


def test_progress_false_prints_nothing(capsys):
    _fit_and_gate(epochs=5, progress=False)
    assert capsys.readouterr() == ("", "")


def test_plain_progress_line_when_tqdm_is_missing(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    _fit_and_gate(epochs=5, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    last = err.split("\r")[-1]  # the line is rewritten in place; the last version stays
    assert last.startswith("fit: epoch 5/5, loss ") and ", metric " in last
    assert last.endswith("\n")


def test_tqdm_progress_bar(capsys):
    pytest.importorskip("tqdm", reason="tqdm not installed")
    _fit_and_gate(epochs=5, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "5/5" in err and "loss" in err


def test_fit_refuses_empty_data():
    neuron = nn.Neuron(2)
    with pytest.raises(ValueError, match="X is empty"):
        nn.fit(neuron, nn.mse_loss, np.zeros((0, 2)), np.zeros(0),
               nn.SGD(neuron.parameters(), lr=0.1), progress=False)


@pytest.mark.parametrize("targets, fix", [
    (np.zeros(20), r"y.reshape\(-1, 1\), or compare an output of shape \(20,\): "
                   r"loss_fn=lambda out, t: nn.mse_loss\(out\[:, 0\], t\)"),
    (np.zeros((20, 1, 1)), r"y.reshape\(-1, 1\)$"),
])
def test_fit_names_a_shape_mismatch_and_its_fix_before_training(capsys, targets, fix):
    model = nn.MLP(2, [4, 1], rng=0)
    before = model.state_dict()
    shape = re.escape(str(targets.shape))
    with pytest.raises(ValueError, match=r"^fit: loss_fn refuses the model's output of shape "
                                         rf"\(20, 1\) with y of shape {shape}\. Give y the "
                                         rf"output's shape: {fix}"):
        nn.fit(model, nn.mse_loss, np.ones((20, 2)), targets,
               nn.SGD(model.parameters(), lr=1.0), progress=True)
    assert capsys.readouterr() == ("", "")  # no progress bar was started
    assert all(np.array_equal(before[name], p.data) and p.grad is None
               for name, p in model.named_parameters())


def test_fit_names_the_metric_that_refuses_the_shapes():
    model = nn.Neuron(2, rng=0)  # outputs of shape (n,)
    with pytest.raises(ValueError, match=r"fit: metric refuses the model's output of shape "
                                         r"\(4,\) with y of shape \(4, 1\)\. Give y the output's "
                                         r"shape: y.reshape\(-1\)$"):
        nn.fit(model, lambda out, t: nn.mse_loss(out, t[:, 0]), np.ones((4, 2)), np.ones((4, 1)),
               nn.SGD(model.parameters(), lr=1.0), metric=_threshold_accuracy)


def test_fit_refuses_other_misfits_before_training():
    model = nn.Neuron(2, rng=0)
    optimizer = nn.SGD(model.parameters(), lr=1.0)
    X, y = np.ones((5, 2)), np.ones(5)
    with pytest.raises(ValueError, match="fit: X has 5 rows but y has 4"):
        nn.fit(model, nn.mse_loss, X, y[:4], optimizer)
    with pytest.raises(ValueError, match=r"one number, got shape \(5,\); use reduction='mean'"):
        nn.fit(model, lambda out, t: nn.mse_loss(out, t, reduction="none"), X, y, optimizer)
    with pytest.raises(TypeError, match="loss_fn must return a Tensor, got a float"):
        nn.fit(model, lambda out, t: 0.5, X, y, optimizer)
    with pytest.raises(ValueError, match=r"input has shape \(5, 3\)"):
        nn.fit(model, nn.mse_loss, np.ones((5, 3)), y, optimizer)


def test_the_trial_before_training_changes_nothing():
    X, y = nn.data.moons(30, seed=2)
    fitted, manual = nn.Neuron(2, rng=4), nn.Neuron(2, rng=4)
    nn.fit(fitted, nn.binary_cross_entropy, X, y, nn.SGD(fitted.parameters(), lr=0.5),
           epochs=3, shuffle=False, progress=False)
    optimizer = nn.SGD(manual.parameters(), lr=0.5)
    for _ in range(3):
        optimizer.zero_grad()
        nn.binary_cross_entropy(manual(X), y).backward()
        optimizer.step()
    for (name, a), (_, b) in zip(fitted.named_parameters(), manual.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


@given(st.lists(st.floats(0.0, 10.0), min_size=1, max_size=500),
       st.lists(st.floats(0.0, 1.0), max_size=1))
def test_history_prints_a_summary_not_every_loss(losses, metric):
    history = nn.History(losses, metric * len(losses))
    text = repr(history)
    lowest = int(np.argmin(losses))
    assert text.startswith(f"History({len(losses)} epochs: loss {losses[0]:.4g} -> "
                           f"{losses[-1]:.4g} (lowest {losses[lowest]:.4g} at epoch {lowest + 1})")
    assert ("metric" in text) == bool(metric)
    assert len(text) < 150 and str(history) == text
    assert repr(nn.History()) == "History(no epochs)"


def test_history_plot_draws_loss_and_metric_curves():
    matplotlib = pytest.importorskip("matplotlib", reason="History.plot needs matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = _fit_and_gate(epochs=12, progress=False)
    ax = history.plot(log=True, metric_label="accuracy")
    (loss_line,) = ax.get_lines()
    np.testing.assert_array_equal(loss_line.get_ydata(), history.loss)
    np.testing.assert_array_equal(loss_line.get_xdata(), np.arange(1, 13))
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch"
    twins = [other for other in ax.figure.axes if other is not ax]
    assert len(twins) == 1 and twins[0].get_ylabel() == "accuracy"
    np.testing.assert_array_equal(twins[0].get_lines()[0].get_ydata(), history.metric)
    _, given_ax = plt.subplots()
    assert nn.History([1.0, 0.5]).plot(given_ax) is given_ax
    assert len(given_ax.figure.axes) == 1  # no metric: no second axis
    plt.close("all")


def test_history_plot_says_how_to_get_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="History.plot needs matplotlib: pip install"):
        nn.History([1.0]).plot()


def test_the_readme_lists_every_data_function_fit_and_accuracy_as_declared():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = re.search(r"```text\n(nn\.data\..*?)```", readme, re.DOTALL).group(1)
    listed = dict(re.findall(r"^(nn\.[\w.]+)\((.*?)\)", block, re.MULTILINE))
    functions = {f"nn.data.{name}": f for name, f in vars(nn.data).items()
                 if inspect.isfunction(f) and f.__module__ == "nn.data" and name[0] != "_"}
    functions.update({"nn.fit": nn.fit, "nn.accuracy": nn.accuracy})
    assert sorted(listed) == sorted(functions)
    for name, f in functions.items():
        declared = [str(p.replace(annotation=inspect.Parameter.empty))
                    for p in inspect.signature(f).parameters.values()]
        assert listed[name] == ", ".join(declared), name
