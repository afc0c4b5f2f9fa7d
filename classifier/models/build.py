"""Rebuild the bundled default model from the corpus: ``python -m classifier.models.build``.

The bundle is committed (about 34 MB) so that a fresh checkout classifies at once, loads in well
under a second and needs no write access; it is rebuilt whenever the corpus or the features
change. If it cannot be loaded (e.g. an incompatible scikit-learn), the signals take over.
"""

from __future__ import annotations

from classifier.training import BUNDLED_VERSION, train
from classifier.versions import BUNDLED_MODEL


def main() -> None:
    model = train(version=BUNDLED_VERSION)
    model.save(BUNDLED_MODEL)
    shown = {k: v for k, v in model.meta.items() if k != "corpus_rows"}
    print(f"{BUNDLED_MODEL}: {shown}")


if __name__ == "__main__":
    main()
