"""Training, prediction, checkpoints and speed figures of the D-MPNN (chapters 05–07).

Implements the contract of :mod:`glasslib.models.contract` for :class:`glasslib.models.dmpnn.network.DMPNN`:
:func:`train_dmpnn` is a :data:`~glasslib.models.contract.TrainFunction` and :func:`predict_dmpnn` a
:data:`~glasslib.models.contract.PredictFunction`.

Hyperparameters (``request.params``, see :class:`DMPNNParams`): ``k``, ``l_win``, ``hidden``,
``depth``, ``dropout``, ``ffn_layers``, ``batch_size`` (5 in the paper), ``attention``,
``features`` (``"paper"`` or ``"invariant"``), ``eval_windows`` and ``attention_rescale`` (an
option outside the paper, off by default).

Training (SPEC sections 6–7)
    Binary cross-entropy on the logits, Adam, and the per-batch learning rate of
    :func:`glasslib.models.lr_schedule.learning_rate` set on the optimiser before every batch. Every epoch
    shuffles the training configurations and draws **fresh random windows** (one per configuration
    and epoch) from a numpy Generator seeded with ``(request.seed, epoch)``; the weights are
    initialised, and dropout drawn, from torch's generator seeded with ``request.seed`` (inside
    :func:`torch.random.fork_rng`, so the caller's random state is left alone). After every epoch
    the model is scored on the validation set; the weights of the epoch with the best validation
    ROC AUC are kept (ties, common once a small validation set is separated perfectly, go to the
    lower validation cross-entropy), used on the test set and saved.

Evaluation windows
    Evaluation is repeatable: configuration ``i`` of a data set is always seen through the same
    ``eval_windows`` windows (default 3), drawn from a Generator seeded with ``(seed, i)``, and
    its glass probability is the **mean of the probabilities of those windows**. The windows do not
    depend on which other configurations are evaluated with it, so a validation score, a test score
    and :func:`predict_dmpnn` agree configuration by configuration; the same seed gives the same AUC.

Checkpoints
    One file written with ``torch.save``: ``{"format", "hyperparameters", "state_dict",
    "metadata"}`` (plain values and tensors only), read back with ``torch.load(weights_only=True)``.
    A checkpoint that holds other pickled objects, lacks parts, or was trained with other
    architecture hyperparameters (``k``, ``hidden``, ``depth``, ``dropout``, ``ffn_layers``,
    ``attention``, ``features``, ``attention_rescale``) than those asked for raises
    :class:`CheckpointError` and loads nothing. ``l_win``, ``batch_size`` and ``eval_windows`` may differ: testing at another window
    size is the book's size-generalisation study (SPEC section 7).

Device: CUDA when available, CPU otherwise; ``torch.set_num_threads(request.threads)`` for the
duration of a job (restored afterwards).

:func:`bench_dmpnn` prints the speed figures of the reference models I, II and III.
"""
