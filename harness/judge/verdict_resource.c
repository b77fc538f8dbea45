/* verdict_resource.c - threads and fds: a leak keeps rising and never
 * returns to the baseline; a worker alive at one round's end and gone at
 * the next is not one.
 */
#include "judge/verdict_private.h"

#include <math.h>

/* Whether x[from..k] grows persistently above the baseline x[0]: at least
 * half its rounds rise and its second half goes higher than its first. */
static int
persistent(const struct run *run, size_t from)
{
    size_t n = run->k - from;
    size_t mid = from + n / 2;
    size_t up = 0;
    double early = -INFINITY;
    double late = -INFINITY;

    if (n < run->r->min_rounds) {
        return 0;
    }
    for (size_t i = from; i <= run->k; i++) {
        if (i > from && vj_move(run, i, 1) > 0) {
            up++;
        }
        if (i <= mid) {
            early = fmax(early, run->x[i]);
        }
        else {
            late = fmax(late, run->x[i]);
        }
    }
    return (double)up >= run->r->rising_share * (double)n
           && late >= early + run->r->step;
}

void
vj_judge_resource(const struct run *run, struct verdict *out)
{
    const double base = run->x[0];
    size_t last_home = 0;   /* last reading at or below the baseline */
    size_t steps_up = 0;
    size_t steps_down = 0;

    for (size_t i = 1; i <= run->k; i++) {
        int m = vj_move(run, i, 1);

        steps_up += m > 0;
        steps_down += m < 0;
        if (run->x[i] <= base) {
            last_home = i;
        }
    }

    if (last_home == run->k) {
        vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_AT_BASELINE);
    }
    else if (persistent(run, last_home)) {
        vj_decide(out, VERDICT_LEAK, VERDICT_RULE_KEPT_GROWING);
    }
    else if (last_home > 0) {
        /* It went back to the baseline once: whatever was above it was
         * transient, and what followed is too short to be a leak. */
        vj_decide(out, VERDICT_CLEAN, VERDICT_RULE_RETURNED);
    }
    else if (steps_up == 1 && steps_down == 0) {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_ONE_STEP_UP);
    }
    else {
        vj_decide(out, VERDICT_INCONCLUSIVE, VERDICT_RULE_ABOVE_BASELINE);
    }
}
