/**
 * erf for float32 work (JS has no Math.erf). |x| < 0.5: Maclaurin series (exact to double rounding);
 * otherwise 1 - erfc with Numerical Recipes' Chebyshev erfc (fractional error < 1.2e-7), so the
 * absolute error stays below 6e-8, under float32's half-ulp at 1.
 */
const TWO_OVER_SQRT_PI = 1.1283791670955126;

export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // sum_{n} (-1)^n x^(2n+1) / (n! (2n+1)); 12 terms reach 1e-17 at |x| = 0.5.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 12; n++) {
      term *= -x2 / n;
      sum += term / (2 * n + 1);
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  const r = 1 - erfcPositive(ax);
  return x < 0 ? -r : r;
}

function erfcPositive(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(poly);
}
