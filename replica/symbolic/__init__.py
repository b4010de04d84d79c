"""Symbolic replica calculus: Gaussian measures, free-entropy assembly, saddle points, limits, stability."""

from .asymptotics import leading_coefficient, log_h_leading_order
from .codegen import CompiledExpression, compile_expression, gauss_hermite
from .free_entropy import FreeEntropy, assemble_free_entropy
from .gaussian import GaussianMean, H, LogH, normal_density, tidy_tails
from .limits import CapacityCondition, evaluate_means, q_to_one
from .saddle_point import SaddlePoint, derive_saddle_point
from .stability import replicon, replicon_at_capacity

__all__ = [
    "H", "LogH", "GaussianMean", "normal_density", "tidy_tails",
    "compile_expression", "CompiledExpression", "gauss_hermite",
    "FreeEntropy", "assemble_free_entropy", "SaddlePoint", "derive_saddle_point",
    "CapacityCondition", "q_to_one", "evaluate_means", "leading_coefficient", "log_h_leading_order",
    "replicon", "replicon_at_capacity",
]
