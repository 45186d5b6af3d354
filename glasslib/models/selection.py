"""Which classifier, with which search space, on which data sets, at a given profile (chapters 04 and 05).

Turns a :class:`~glasslib.profiles.Profile` into the :class:`~glasslib.models.search_space.ModelSpec` of each
network (search space narrowed by the profile's caps, fixed parameters), says where each model's
variant lives in the run directory (:func:`model_dir`, :func:`weights_path`) and reads its stored fold
results (:func:`load_results`). Chapter 04 and 05 run the searches through
:mod:`glasslib.chapters.classifiers`. The training functions are imported lazily, so this module loads
without TensorFlow or PyTorch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from glasslib.models import fold_results, nested_cv, search_space
from glasslib.profiles import PROFILES, Profile
from glasslib.rundir import missing_error, product_hash, product_path

#: The models the book trains on thermal snapshots, by the name each is stored under (the ``model`` product).
THERMAL_NAMES = ("cnn", "cnn_pooled", "dmpnn", "dmpnn_invariant", "dmpnn_attention")

#: Every thermal model has an inherent-structure variant (SPEC section 12): the same specification with
#: ``inputs = "inherent"``, stored as ``<name>_inherent``; the book trains those of :func:`inherent_names`.
INHERENT_NAMES = tuple(f"{name}_inherent" for name in THERMAL_NAMES)

#: Every model a profile can train.
MODEL_NAMES = THERMAL_NAMES + INHERENT_NAMES

#: Node features of the attention D-MPNN on inherent structures, at every profile. Quenched, a configuration's
#: bond lengths differ between glass and liquid by far less than a thermal spread, and only standardised
#: edges carry it: at quick, the paper's features left that model at chance on data set 1 (AUC 0.54),
#: the invariant ones reached 0.97.
INHERENT_ATTENTION_FEATURES = "invariant"

#: Suffix of a model trained on inherent structures.
INHERENT_SUFFIX = "_inherent"

#: Smallest image the CNN's kernels (10 and 5 px, valid) leave a map of a few pixels in.
MIN_IMAGE_SIZE = 24

#: The two CNNs: the paper's network and the reduced-scale variant (pooled head, the paper's pixels per σ).
CNN_NAMES = ("cnn", "cnn_pooled")


def dataset_ids(profile: Profile) -> tuple[int, ...]:
    """The data sets the classifier chapters train on, e.g. ``(1, 2, 3, 4, 5, 6)``."""
    return profile.dataset_ids()


def inherent_names(profile: Profile) -> tuple[str, ...]:
    """The inherent-structure networks the book trains at ``profile``: the reference CNN and D-MPNN, and the attention D-MPNN."""
    return (profile.reference_cnn + INHERENT_SUFFIX, profile.reference_dmpnn + INHERENT_SUFFIX, "dmpnn_attention_inherent")


def book_models(profile: Profile) -> tuple[str, ...]:
    """Every model the book trains at ``profile``."""
    return THERMAL_NAMES + inherent_names(profile)


def trained_ids(profile: Profile, name: str) -> tuple[int, ...]:
    """The data sets model ``name`` trains on: all the profile's for the reduced-scale CNN; those of
    ``cnn_paper_datasets``, ``dmpnn_paper_datasets`` and ``dmpnn_invariant_datasets`` (within
    ``classifier_datasets``) for the paper's CNN and the two D-MPNN feature options; data set 1 for
    the attention model."""
    lists = {"cnn": "cnn_paper_datasets", "dmpnn": "dmpnn_paper_datasets", "dmpnn_invariant": "dmpnn_invariant_datasets"}
    if name in INHERENT_NAMES:  # the inherent-input reference networks: every data set (the attention model: 1)
        return (1,) if name.startswith("dmpnn_attention") else profile.dataset_ids()
    if name in lists:
        return profile.model_ids(lists[name])
    if name == "dmpnn_attention":
        return (1,)
    return profile.dataset_ids()


def spec_by_name(profile: Profile, name: str) -> search_space.ModelSpec:
    """The :class:`ModelSpec` of the model stored as ``name`` (one of :data:`MODEL_NAMES`)."""
    if name == "dmpnn_attention_inherent":  # invariant features: see INHERENT_ATTENTION_FEATURES
        return inherent_spec(dmpnn_spec(profile, attention=True, features=INHERENT_ATTENTION_FEATURES, name="dmpnn_attention"))
    if name in INHERENT_NAMES:
        return inherent_spec(radius_option(profile, spec_by_name(profile, name.removesuffix(INHERENT_SUFFIX))))
    if name == "cnn":
        return cnn_spec(profile)
    if name == "cnn_pooled":
        return cnn_pooled_spec(profile)
    if name == "dmpnn":
        return dmpnn_spec(profile)
    if name == "dmpnn_invariant":
        return dmpnn_spec(profile, features="invariant", name=name)
    if name == "dmpnn_attention":
        return dmpnn_spec(profile, attention=True, features=profile.attention_features, name=name)
    raise KeyError(f"no model {name!r}; the book trains {', '.join(MODEL_NAMES)}")


def cnn_spec(profile: Profile) -> search_space.ModelSpec:
    """The CNN: dropout 0–0.5 and batch size 10–``cnn_batch_max`` searched (SPEC section 5).

    ``ink`` (input 1 − pixel, see :mod:`glasslib.models.cnn`) is fixed and named so that results of
    networks fed the plain pixels never pass for current ones.
    """
    from glasslib.models.cnn.train import predict_cnn, train_cnn

    space = search_space.narrow_space(search_space.CNN_SPACE, batch_size=(10, profile.cnn_batch_max))
    return search_space.ModelSpec("cnn", train_cnn, predict_cnn, space, {"ink": True}, weights_suffix=".weights.h5")


def paper_pixel_size(profile: Profile) -> int:
    """Image side (pixels) that draws this profile's box at the paper's pixels per σ (250 px for a 60 σ box).

    The paper's kernels (10 and 5 px) then cover the same distances in σ as the paper's: at
    ``quick`` (box 24.5 σ) 102 px instead of 250.
    """
    from glasslib.data.render import IMAGE_SIZE

    paper = PROFILES["paper"]
    return max(MIN_IMAGE_SIZE, round(IMAGE_SIZE * profile.protocol.box_length / paper.protocol.box_length))


def cnn_pooled_spec(profile: Profile) -> search_space.ModelSpec:
    """The reduced-scale CNN: the paper's two convolutions, each conv2 map averaged over the image
    (global average pooling, then batch normalisation of the 16 means), dense 80, dropout, softmax; images at
    the paper's pixels per σ (:func:`paper_pixel_size`); no L2 term. Dropout and batch size searched
    as for the paper's network. Why each change: chapter 04 and :mod:`glasslib.models.cnn`.
    """
    from glasslib.models.cnn.train import predict_cnn, train_cnn

    space = search_space.narrow_space(search_space.CNN_SPACE, batch_size=(10, profile.cnn_batch_max))
    fixed = {"ink": True, "head": "pool", "image_size": paper_pixel_size(profile), "l2": 0.0}
    return search_space.ModelSpec("cnn_pooled", train_cnn, predict_cnn, space, fixed, weights_suffix=".weights.h5")


def dmpnn_spec(profile: Profile, attention: bool = False, features: str = "paper", name: str = "dmpnn") -> search_space.ModelSpec:
    """The D-MPNN: k, l_win, hidden, depth, dropout, ffn_layers searched within the profile's caps."""
    from glasslib.models.dmpnn.fit import predict_dmpnn, train_dmpnn

    space = search_space.narrow_space(
        search_space.DMPNN_SPACE,
        l_win=(profile.dmpnn_l_win_min, profile.dmpnn_l_win_max),
        hidden=(300, profile.dmpnn_hidden_max),
        depth=(2, profile.dmpnn_depth_max),
    )
    # The published attention multiplies each edge state by its weight σ (mean 1/edges), which at
    # reduced scale starves later steps (the model stays at chance); the attention models of the
    # book rescale by the edge count (σ itself unchanged) — chapter 05 says so.
    fixed = {
        **search_space.DMPNN_FIXED,
        "attention": attention,
        "features": features,
        "attention_rescale": attention,
        # The invariant model reads geometry only through edge lengths, whose thermal spread is
        # ~0.002 box lengths: it reads them standardised (DMPNN docstring); the paper's model does not.
        "standardise_edges": features == "invariant",
        "windows_per_epoch": profile.dmpnn_windows_per_epoch,
        "eval_windows": profile.dmpnn_eval_windows,
    }
    return search_space.ModelSpec(name, train_dmpnn, predict_dmpnn, space, fixed, weights_suffix=".pt")


def radius_option(profile: Profile, spec: search_space.ModelSpec) -> search_space.ModelSpec:
    """``spec`` with the radius-graph option searched beside its kNN graph, for an invariant-feature D-MPNN
    without attention when ``profile.dmpnn_radius`` > 0: the search picks ``radius`` 0 (the paper's kNN
    graph) or ``dmpnn_radius`` σ (every pair closer than it connected too). Any other model is returned as is."""
    fixed = spec.fixed
    if profile.dmpnn_radius <= 0 or fixed.get("features") != "invariant" or fixed.get("attention", True):
        return spec
    option = search_space.SearchParam("radius", 0.0, float(profile.dmpnn_radius), float(profile.dmpnn_radius))
    return dataclasses.replace(spec, space=(*spec.space, option))


def inherent_spec(spec: search_space.ModelSpec) -> search_space.ModelSpec:
    """``spec`` trained and tested on inherent structures (:func:`glasslib.data.inherent_inputs.model_inputs`)."""
    return dataclasses.replace(spec, name=spec.name + INHERENT_SUFFIX, inputs="inherent")


def settings(profile: Profile, model: str) -> dict[str, int]:
    """Iterations and epochs of ``model`` (one of :data:`MODEL_NAMES`; an inherent variant: its thermal one's)."""
    model = model.removesuffix(INHERENT_SUFFIX)
    prefix = model if model in CNN_NAMES else "dmpnn"
    return {
        "n_iter": getattr(profile, f"{prefix}_iterations"),
        "inner_epochs": getattr(profile, f"{prefix}_inner_epochs"),
        "outer_epochs": getattr(profile, f"{prefix}_outer_epochs"),
    }


def model_dir(profile: Profile, run_dir: Path, spec: search_space.ModelSpec) -> Path:
    """Where a model's searches, weights and results live: the variant of the ``model`` product ``profile`` names."""
    return product_path(run_dir, "model", profile, model=spec.name)


def weights_path(profile: Profile, run_dir: Path, spec: search_space.ModelSpec, dataset: int, fold: int) -> Path:
    """The saved weights of the outer model of (``dataset``, ``fold``)."""
    return nested_cv.fold_paths(model_dir(profile, run_dir, spec), spec, dataset, fold)["weights"]


def load_results(
    profile: Profile, run_dir: Path, spec: search_space.ModelSpec, only: Sequence[int] | None = None
) -> fold_results.NestedCVResult:
    """Stored fold results of ``spec`` (no training); a clear error naming the chapter to run first."""
    out_dir = model_dir(profile, run_dir, spec)
    if not out_dir.is_dir():
        raise missing_error(run_dir, "model", profile, out_dir, model=spec.name)
    expected = product_hash(profile, "datasets")
    folds = {}
    for dataset in tuple(only) if only is not None else trained_ids(profile, spec.name):
        for fold in range(3):
            path = nested_cv.fold_paths(out_dir, spec, dataset, fold)["result"]
            folds[(dataset, fold)] = fold_results.read_fold_result(path, expected, spec.name)
    return fold_results.NestedCVResult(spec.name, folds)
