"""xylem: export fitted scikit-learn estimators and pipelines to xylem JSON (format version 2,
or 3 when the model needs it: HistGradientBoosting categories from scikit-learn 1.4).

    import xylem
    xylem.export(fitted_estimator_or_pipeline, "model.json")
    doc = xylem.export_dict(fitted_estimator_or_pipeline)

The file predicts what scikit-learn predicts (docs/format.md of the xylem repository says
what every key means). Estimators and settings xylem cannot express raise
xylem.UnsupportedError naming them. See python/README.md for the supported list.
"""

from ._common import UnsupportedError
from ._dispatch import document, predict_kind
from ._numbers import dump, plain, write_text

__all__ = ["export", "export_dict", "export_text", "predict_kind", "UnsupportedError"]
__version__ = "0.3.0"


def export_dict(estimator, *, network_precision=None, ignore_class_labels=False):
    """The xylem JSON document of a fitted estimator or Pipeline, as a dict of plain
    Python values (json.dumps of it is a valid model, though not in canonical number form:
    use export() or export_text() for the file)."""
    return plain(document(estimator, network_precision=network_precision,
                          ignore_class_labels=ignore_class_labels))


def export_text(estimator, *, network_precision=None, ignore_class_labels=False):
    """The xylem JSON text (each number in the shortest form of its precision)."""
    return dump(document(estimator, network_precision=network_precision,
                         ignore_class_labels=ignore_class_labels)) + "\n"


def export(estimator, path, *, network_precision=None, ignore_class_labels=False):
    """Write the fitted estimator or Pipeline to `path` as xylem JSON (version 2, or 3 when
    the model needs it); returns path.

    network_precision: None (from an MLP's weight dtype: float32 when it was fit on
    float32 X), or "float32"/"float64" to force it (float64 on a float32 network
    reproduces scikit-learn's predictions on float64 input, which it computes in
    float64 with the float32 weights).
    ignore_class_labels: export classifiers whose classes_ are not 0..K-1 (probability
    columns are in classes_ order; class index k stands for classes_[k], also written
    under the file's "class_labels" key)."""
    return write_text(path, export_text(estimator, network_precision=network_precision,
                                        ignore_class_labels=ignore_class_labels))
