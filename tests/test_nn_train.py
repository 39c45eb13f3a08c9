"""fit, History and accuracy: learning the AND gate, mini-batches, and the progress display."""
from __future__ import annotations

import sys

import numpy as np
import pytest

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
