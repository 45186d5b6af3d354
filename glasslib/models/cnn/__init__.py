"""The convolutional network of Swanson et al. 2020 (SPEC section 5; book chapter 04, "CNN").

The network, exactly as published
---------------------------------
Input: a configuration rendered by :func:`glasslib.data.render.render_batch` as a 250 × 250 RGB image
(uint8), scaled to [0, 1] float32 by the input pipeline. Then

====================  ==========================================  ===================
layer                 what                                        output (250 input)
====================  ==========================================  ===================
``ink``               1 − pixel (no parameters; see below)        250 × 250 × 3
``conv1``             6 kernels 10 × 10, valid, stride 1, ReLU    241 × 241 × 6
``conv2``             16 kernels 5 × 5, valid, stride 1, ReLU     237 × 237 × 16
``flatten``                                                       898,704
``dense``             80 units, ReLU                              80
``dropout``           drop probability ``dropout`` (tuned)        80
``output``            2 units, softmax (liquid, glass)            2
====================  ==========================================  ===================

71,900,784 parameters (71,896,400 of them in ``dense``). Loss: mean cross-entropy over the batch
plus ``0.01 · Σ ‖W‖²`` over the kernels (weights, not biases) of the four layers — Keras'
``L2(0.01)`` regulariser, which is exactly ``0.01 · sum(square(W))`` (no factor 1/2), on each
layer's ``kernel_regularizer``. Optimiser Adam (Keras defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-7);
its learning rate is set before every batch from :func:`glasslib.models.lr_schedule.learning_rate`
(linear warm-up 1e-4 → 1e-3 over two epochs, exponential decay to 1e-4 at the last batch).
The glass probability is the softmax output of class 1 (label 1 = glass, 0 = liquid).
``dropout`` is the probability of *dropping* a unit (Keras' ``rate``).

Input: ink, not paper
---------------------
The first layer turns each [0, 1] pixel value p into 1 − p, so the white background is 0 and
the particles are what carries signal. It has no parameters and does not change what the network
can represent: ``conv1(1 − p) = conv1'(p)`` with kernels −W and biases b + ΣW, so the set of
functions, the parameter count and the L2 term's form are the paper's. What it changes is where
training starts. Fed the paper itself (p, background 1), every one of the 898,704 inputs of the
dense layer is positive at initialisation (mean ≈ 0.17), and Adam moves each of its weights by
about the learning rate per step whatever the gradient's size, so one step at 10⁻⁴ shifts a unit's
pre-activation by ~10⁻⁴ × 898,704 × 0.17 ≈ 15. Measured on data set 1 at ``quick`` (58 training
images, batch 10): the cross-entropy jumps to 8–15 in the first epoch, every dense unit is pushed
below zero within a few steps and stays there (ReLU: no gradient), and the network predicts one
constant — validation loss exactly ln 2 from epoch 2 on, with or without the L2 term (so the L2
term is not the cause), and also with the authors' bias initialisation 0.1. With ink the
background contributes nothing, the first steps stay small, and the same run learns its training
set (training accuracy 0.52 → 0.93 in 15 epochs). ``ink=False`` gives the plain pixel input.

Augmentation (on the fly, training batches only)
------------------------------------------------
Each training image is rotated by k · 90° with k uniform in {0, 1, 2, 3}, then flipped upside
down with probability 1/2 — done **on the rendered images** (``tf.image.rot90`` of the batch,
per-image selection, ``tf.image.flip_up_down``), not on the coordinates: the images are square
and the white margin is the same on all sides, so this is the same symmetry of the box, it is an
exact permutation of the pixels (particle counts, colours and the label are untouched), and a
cached image never has to be rendered again. The random draws are stateless, seeded by
``tf.data.Dataset.random(seed)`` (one seed per batch, different every epoch), so a run is
reproducible from its seed.

Input pipeline (tf.data)
------------------------
``range(n) → shuffle(seed, every epoch) → batch → load (tf.numpy_function) → augment → scale to
[0, 1] → prefetch``. *Load* either gathers rows of an in-memory uint8 cache rendered once per
training job (:class:`CachedImages`, 187.5 kB per 250-px image) or renders the batch's
configurations with the fast renderer (:class:`RenderedImages`). ``render="auto"`` caches when the
job's images fit in :data:`CACHE_LIMIT_BYTES` (every profile but the paper's), and renders per
batch otherwise (paper scale: 20,000 images = 3.75 GB per outer job). Both keep up with training on CPU;
the cache is the faster of the two and the one to prefer on a GPU, where a training step is fast
enough for rendering (≈0.5 ms per image on one core) to matter. Measured by :func:`bench_cnn`
(paper's network, batch 20, 2 CPU cores shared with other jobs, TensorFlow 2.21 CPU): training
47.5 ms/sample (39 GFLOP/s against 110 GFLOP/s for a 2048² float32 matmul), inference
9.9 ms/sample; throughput with the real pipeline / with float32 images in memory = 1.01 (cache)
and 1.01 (rendering per batch); on their own the pipelines deliver ≈1,080 (cache) and ≈530
(rendering) samples/s, 25–50 × what training consumes.

Model selection contract
------------------------
:func:`train_cnn` and :func:`predict_cnn` implement :data:`glasslib.models.contract.TrainFunction` and
:data:`glasslib.models.contract.PredictFunction`: keep the epoch with the best validation ROC AUC (ties,
common once the AUC saturates at 1, go to the lower validation cross-entropy; the weights are
copied in memory and restored at the end), score the test split, and save the
weights (``*.weights.h5``, without optimiser state) with a JSON of the architecture and
hyperparameters beside them (``*.json``). Loading checks the architecture against the JSON and
every weight's shape against the file, so weights of another architecture are refused with a
message, never loaded as garbage. TensorFlow runs on a GPU when it sees one, on the CPU
otherwise, unless ``GLASSLIB_DEVICE`` says otherwise (:mod:`glasslib.models.devices`); the device is
logged and recorded in the training's result.
"""

# The package's public names, importable as ``glasslib.models.cnn.X`` (chapters 04, 04b).
from glasslib.models.cnn.checkpoint import FORMAT, WEIGHTS_SUFFIX, load_cnn, metadata_path, read_metadata, save_cnn
from glasslib.models.cnn.fit import (
    DEFAULT_BATCH_SIZE,
    BestValidationAUC,
    FitReport,
    PerBatchLearningRate,
    cross_entropy,
    feature_maps,
    fit_images,
    predict_images,
    reusable_cnn,
)
from glasslib.models.cnn.images import (
    CACHE_LIMIT_BYTES,
    RENDER_CHUNK,
    RENDER_MODES,
    CachedImages,
    ImageSource,
    RenderedImages,
    augment_batch,
    check_images,
    check_labels,
    image_pipeline,
)
from glasslib.models.cnn.network import (
    DEFAULT_DROPOUT,
    PAPER,
    SMALL,
    WEIGHTED_LAYERS,
    CNNArchitecture,
    CNNError,
    ImageError,
    SplitError,
    WeightsError,
    architecture_of,
    build_cnn,
    kernels,
    l2_penalty,
    paper_cnn,
    small_cnn,
)
from glasslib.models.cnn.train import configure_threads, device_name, parse_params, predict_cnn, train_cnn

__all__ = [
    "DEFAULT_DROPOUT",
    "CNNError",
    "ImageError",
    "SplitError",
    "WeightsError",
    "CNNArchitecture",
    "PAPER",
    "SMALL",
    "WEIGHTED_LAYERS",
    "build_cnn",
    "paper_cnn",
    "small_cnn",
    "architecture_of",
    "kernels",
    "l2_penalty",
    "CACHE_LIMIT_BYTES",
    "RENDER_MODES",
    "RENDER_CHUNK",
    "check_images",
    "check_labels",
    "ImageSource",
    "CachedImages",
    "RenderedImages",
    "augment_batch",
    "image_pipeline",
    "DEFAULT_BATCH_SIZE",
    "PerBatchLearningRate",
    "cross_entropy",
    "BestValidationAUC",
    "FitReport",
    "reusable_cnn",
    "fit_images",
    "predict_images",
    "feature_maps",
    "WEIGHTS_SUFFIX",
    "FORMAT",
    "metadata_path",
    "save_cnn",
    "read_metadata",
    "load_cnn",
    "parse_params",
    "configure_threads",
    "device_name",
    "train_cnn",
    "predict_cnn",
]
