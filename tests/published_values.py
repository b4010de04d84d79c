"""Catalogue of published values the library must reproduce, each with its source.

Gardner capacities: E. Gardner, J. Phys. A 21, 257 (1988), Eq. for alpha_c(kappa); the digits are those quoted in
Gardner (1988), quoted to five decimals, so the tolerance is half a unit in the last digit.
"""

GARDNER_ALPHA_C = {
    0.0: (2.0, 1e-12),        # exact: 1 / (1/2)
    0.5: (0.96121, 5e-6),
    1.0: (0.51957, 5e-6),
    2.0: (0.20023, 5e-6),
    -0.5: (4.77010, 5e-6),    # RS value; RS is unstable for kappa < 0 (Gardner & Derrida 1988)
}

# Binary (Ising) perceptron at kappa = 0.
# q -> 1 load 4/pi (Gardner & Derrida, J. Phys. A 21, 271 (1988)), rejected because the entropy is negative there.
ISING_ALPHA_Q1 = 4 / 3.141592653589793
# Zero-entropy capacity conjectured by Krauth & Mezard, J. Phys. France 50, 3057 (1989); the nine-digit value
# alpha_* = 0.833078599 is the one stated in J. Ding & N. Sun, "Capacity lower bound for the Ising perceptron",
# STOC 2019 (arXiv:1809.07742), abstract. Tolerance: one unit in the ninth decimal, since the quote does not say
# whether it is rounded or truncated.
ISING_ALPHA_KM = (0.833078599, 1e-9)
