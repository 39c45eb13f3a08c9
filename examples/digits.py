"""A softmax classifier for handwritten digits: an MLP on scikit-learn's 8x8 images.

1,797 images of the digits 0-9, 8x8 pixels with intensities 0-16 (scikit-learn's bundled copy of
the UCI optical digits, no download), flattened to 64 inputs. A stratified split (20% of each
digit held out, seeded) keeps the classes balanced; each pixel is standardised with the
training images' mean and spread. The model is `nn.MLP(64, [128, 10], activation="relu")`: ten
logits, trained with `nn.cross_entropy` (softmax and negative log-likelihood in one stable step)
by Adam on shuffled minibatches of 64, one `nn.fit` epoch at a time so the test accuracy can be
printed after each. It reaches about 97% on the held-out images. The pictures: the confusion
matrix, the misclassified test digits, and the loss and accuracy per epoch.

    python examples/digits.py [--epochs 20] [--out out/digits]

Needs scikit-learn for the data (in the `examples` extra); without it the script says so and
exits with status 1.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

import _plots
import nn
from _plots import BLUE, ORANGE, plt
from autodiff import no_grad

CLASSES = 10


def load() -> tuple[np.ndarray, np.ndarray] | None:
    """The images as (1797, 64) pixels in [0, 1] and their labels, or None without sklearn."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        return None
    digits = load_digits()
    return digits.data / 16.0, digits.target.astype(np.int64)


def stratified_split(y: np.ndarray, test_fraction: float,
                     seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) row indices holding out test_fraction of each class, shuffled."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        held_out = round(test_fraction * len(rows))
        test.append(rows[:held_out])
        train.append(rows[held_out:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def standardised(X: np.ndarray, train: np.ndarray) -> np.ndarray:
    """X with each pixel shifted and scaled by its mean and spread over the training rows."""
    spread = X[train].std(axis=0) + 0.1  # border pixels are 0 in almost every image
    return (X - X[train].mean(axis=0)) / spread


def predict(model: nn.MLP, X: np.ndarray) -> np.ndarray:
    """The predicted digit of each row (the largest logit), without recording a graph."""
    with no_grad():
        return model(X).data.argmax(axis=1)


def batch_accuracy(logits, labels: np.ndarray) -> float:  # the metric nn.fit averages
    """Accuracy of the largest logit on one batch."""
    return nn.accuracy(logits.data.argmax(axis=1), labels)


def confusion_matrix(true: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """counts[i, j]: images of digit i predicted as j."""
    counts = np.zeros((CLASSES, CLASSES), dtype=np.int64)
    np.add.at(counts, (true, pred), 1)
    return counts


def plot_confusion(ax, counts: np.ndarray, accuracy: float) -> None:
    """The confusion matrix as a heat map with the count in each cell."""
    ax.imshow(counts, cmap="Blues")
    for (i, j), count in np.ndenumerate(counts):
        if count:
            ax.text(j, i, str(count), ha="center", va="center", fontsize=9,
                    color="white" if count > counts.max() / 2 else "#111827")
    ax.set_xticks(range(CLASSES))
    ax.set_yticks(range(CLASSES))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.grid(False)
    ax.set_title(f"confusion matrix on the test set: accuracy {accuracy:.1%}")


def plot_mistakes(path, images: np.ndarray, true: np.ndarray, pred: np.ndarray) -> None:
    """Every misclassified test image (up to 30) with its true and predicted digit."""
    wrong = np.flatnonzero(true != pred)[:30]
    columns = min(max(len(wrong), 1), 12)
    rows = max(1, -(-len(wrong) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.55 * rows + 0.5),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(images[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{true[i]} as {pred[i]}", fontsize=10, color=ORANGE)
    fig.suptitle(f"the {len(wrong)} misclassified test digits (true as predicted)"
                 if len(wrong) else "no test digit is misclassified", x=0.01, ha="left")
    fig.tight_layout()
    _plots.save(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training images")
    parser.add_argument("--hidden", type=int, default=128, help="units in the hidden layer")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam's learning rate")
    parser.add_argument("--batch-size", type=int, default=64, help="images per minibatch")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the split, the weights and the shuffling")
    parser.add_argument("--target", type=float, default=0.95,
                        help="exit with status 1 below this test accuracy")
    parser.add_argument("--out", default="out/digits", help="folder for the pictures")
    args = parser.parse_args(argv)
    timer = _plots.Timer()
    data = load()
    if data is None:
        print("digits: needs scikit-learn for its bundled digits data: pip install scikit-learn",
              file=sys.stderr)
        return 1
    out = _plots.output_dir(args.out)

    images, y = data
    train, test = stratified_split(y, 0.2, args.seed)
    X = standardised(images, train)
    model = nn.MLP(64, [args.hidden, CLASSES], activation="relu", rng=args.seed)
    optimizer = nn.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    count = sum(p.size for p in model.parameters())
    print(f"digits: {len(X)} images 8x8, {len(train)} to train, {len(test)} to test; MLP 64 -> "
          f"{args.hidden} -> 10 (relu), {count} parameters; Adam lr {args.lr}, batches of "
          f"{args.batch_size}")
    losses, train_accuracies, test_accuracies = [], [], []
    for epoch in range(1, args.epochs + 1):
        history = nn.fit(model, nn.cross_entropy, X[train], y[train], optimizer, epochs=1,
                         batch_size=args.batch_size, rng=rng, progress=False,
                         metric=batch_accuracy)
        losses.append(history.loss[-1])
        train_accuracies.append(history.metric[-1])
        test_accuracies.append(nn.accuracy(predict(model, X[test]), y[test]))
        print(f"  epoch {epoch:2d}  loss {losses[-1]:.4f}  train accuracy "
              f"{train_accuracies[-1]:6.1%}  test accuracy {test_accuracies[-1]:6.1%}")
    predicted = predict(model, X[test])
    accuracy = nn.accuracy(predicted, y[test])
    print(f"  test accuracy {accuracy:.1%} ({int(np.sum(predicted == y[test]))}/{len(test)}), "
          f"training took {timer}")

    fig, (matrix_ax, curve_ax) = plt.subplots(1, 2, figsize=(13, 5.4),
                                              gridspec_kw={"width_ratios": [1, 1.1]})
    plot_confusion(matrix_ax, confusion_matrix(y[test], predicted), accuracy)
    _plots.loss_curve(curve_ax, losses, title="loss and accuracy per epoch")
    curve_ax.set_ylabel("cross-entropy (training)", color=BLUE)
    _plots.accuracy_axis(curve_ax, {"test accuracy": test_accuracies,
                                    "training accuracy": train_accuracies})
    fig.suptitle("handwritten digits: MLP softmax classifier, cross-entropy, Adam",
                 x=0.01, ha="left")
    fig.tight_layout()
    _plots.save(fig, out / "digits.png")
    plot_mistakes(out / "mistakes.png", images[test], y[test], predicted)
    print(f"digits: test accuracy {accuracy:.1%}, run time {timer}")
    return 0 if accuracy >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
