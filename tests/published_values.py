"""Catalogue of published values the library must reproduce, each with its source.

Gardner capacities: E. Gardner, J. Phys. A 21, 257 (1988), Eq. for alpha_c(kappa); the digits are those quoted in
REFERENCE.md §1 (five significant digits after the point), so the tolerance is half a unit in the last digit.
"""

GARDNER_ALPHA_C = {
    0.0: (2.0, 1e-12),        # exact: 1 / (1/2)
    0.5: (0.96121, 5e-6),
    1.0: (0.51957, 5e-6),
    2.0: (0.20023, 5e-6),
    -0.5: (4.77010, 5e-6),    # RS value; RS is unstable for kappa < 0 (Gardner & Derrida 1988)
}

# Binary (Ising) perceptron at kappa = 0, REFERENCE.md §2.
# q -> 1 load 4/pi (Gardner & Derrida 1988), rejected because the entropy is negative there.
ISING_ALPHA_Q1 = 4 / 3.141592653589793
# Zero-entropy capacity (Krauth & Mezard 1989); REFERENCE.md quotes 0.83308 from a 201-node Gauss-Hermite
# computation, so the tolerance is half a unit in the fifth decimal.
ISING_ALPHA_KM = (0.83308, 5e-6)
