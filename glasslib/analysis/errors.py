"""The error of the per-particle analyses, in a module without heavy imports (no TensorFlow).

:class:`AnalysisError` is raised by the local-order indicators and the statistics; Grad-CAM's own
:class:`glasslib.analysis.gradcam.GradCAMError` is a subclass, so one ``except AnalysisError``
catches both.
"""

from __future__ import annotations


class AnalysisError(ValueError):
    """Positions, indicators or scores that a per-particle analysis cannot use; the message says which and why."""
