/* vexp.h's vectorisable exp and tanh against libm in double: fl_expf within
 * 2 ulp (relative 2^-22) over every 7th float of [-86, 88], exactly 0 below
 * the cut-off and for -inf (the attention mask relies on it); fl_tanhf within
 * 4e-7 absolute over [-20, 20]. */
#include <math.h>

#include "check.h"
#include "kernels/vexp.h"

int main(void) {
    double worst = 0, at = 0;
    long n = 0;
    for (float x = -86.0f; x <= 88.0f; x = nextafterf(x, 100.0f)) {
        if (n++ % 7) continue;
        double ref = exp((double)x), e = fabs(fl_expf(x) - ref) / ref;
        if (e > worst) worst = e, at = x;
    }
    check(worst <= ldexp(1.0, -22), "fl_expf within 2 ulp of exp on [-86, 88]", "rel err %.3g at %g", worst, at);
    check(fl_expf(-INFINITY) == 0.0f && fl_expf(-87.0f) == 0.0f && fl_expf(-1000.0f) == 0.0f && fl_expf(0.0f) == 1.0f,
          "fl_expf: 0 below the cut-off and at -inf, 1 at 0", "exp(-inf) %g exp(0) %g", fl_expf(-INFINITY),
          fl_expf(0.0f));
    /* a NaN (a diverged model's logit) comes back NaN, through defined arithmetic:
     * under UBSan the old signed exponent add overflowed here */
    volatile float nan_in = NAN;
    check(isnan(fl_expf(nan_in)) && isnan(fl_tanhf(nan_in)), "fl_expf and fl_tanhf pass a NaN through", "exp(NaN) %g",
          fl_expf(nan_in));
    worst = 0;
    for (float x = -20.0f; x <= 20.0f; x += 1.0f / 1024) {
        double e = fabs(fl_tanhf(x) - tanh((double)x));
        if (e > worst) worst = e, at = x;
    }
    check(worst <= 4e-7, "fl_tanhf within 4e-7 of tanh on [-20, 20]", "abs err %.3g at %g", worst, at);
    return check_exit();
}
