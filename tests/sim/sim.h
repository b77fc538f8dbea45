/* sim.h - the verdict simulator: synthetic per-round series in families
 * (leaks under noise, late onset, caches filling, sawtooths, steps, page-
 * granular RSS, clean noise, and the threading server's flip-flops, end
 * spikes and singleton walks), each judged by the real verdict engine the
 * way harness/cell.c drives it, with shares of each verdict over many
 * seeds.  Used by tests/unit/test-verdict-sim.c (targets, fixed seeds) and
 * tests/sim/verdict-sim.c (the table in docs/verdicts.md).
 *
 * Pure computation like the engine: no I/O except sim_print_table(), no
 * allocation; series live on the caller's stack.
 */
#ifndef LMX_SIM_H
#define LMX_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "judge/verdict.h"

/* cell.c's defaults: --rounds 5 planned, --max-rounds 12,
 * --max-rounds-noisy 36 (three times --max-rounds), and the fixture
 * scenario's 100 iterations a round. */
#define SIM_PLANNED 5
#define SIM_MAX_ROUNDS 12
#define SIM_MAX_NOISY (3 * SIM_MAX_ROUNDS)
#define SIM_ITERATIONS 100.0
#define SIM_MAX_READINGS 64

/* What a family is, which decides the target it is held to. */
enum sim_truth {
    SIM_CLEAN,     /* flat under noise, bounded or not: false alarms,
                      leak or suspect, under 1% */
    SIM_BOUNDED,   /* provably bounded within the window: never a leak */
    SIM_DECEL,     /* a cache filling under noise: its tail may pass for a
                      small leak, so false leaks under 1% */
    SIM_LEAKING,   /* grows without bound: detection power */
};

enum sim_shape {
    SIM_FLAT,
    SIM_LINEAR,    /* rate per round from round `onset` on */
    SIM_GEOMETRIC, /* deltas first, first*q, first*q^2, ... */
    SIM_SAWTOOTH,  /* +rate for `period - 1` rounds, then back down */
    SIM_STEP,      /* one jump of `size` at a seeded round */
    SIM_END_SPIKE, /* one jump of `size` (0: seeded, 10-60) at reading
                      `onset`, else at the last reading judged */
};

enum sim_noise {
    SIM_NOISE_NONE,
    SIM_NOISE_GAUSS,  /* level noise, sigma = amplitude / 2 (95% within) */
    SIM_NOISE_RING,   /* a ring buffer's occupancy, 0..2a items written
                         a round: bounded in +-a, uniform */
    SIM_NOISE_PAGES,  /* RSS: -4..+4 pages of 4 KiB */
    SIM_NOISE_ARENAS, /* RSS: pages plus 0..3 arenas (a random walk) of
                         one seeded size in 64-256 KiB */
    SIM_NOISE_JITTER, /* level noise of 0 (half the rounds) or +-1 */
    SIM_NOISE_FLIP,   /* jitter, plus a container resizing back and
                         forth: up by a seeded k in 10-60 w.p. 0.2 a
                         round, back down w.p. 0.7 (six of the seven
                         real ones lasted one round) */
    SIM_NOISE_WALK,   /* a random walk of 0 (half the rounds) or +-1
                         steps, held within +-a: a singleton's refcount
                         under threads */
};

struct sim_family {
    const char *name;
    enum verdict_class cls;
    enum sim_truth truth;
    enum sim_shape shape;
    enum sim_noise noise;
    double amplitude;   /* noise amplitude a */
    double rate;        /* per round (LINEAR, SAWTOOTH) */
    size_t onset;       /* LINEAR: flat counted rounds before it starts;
                           END_SPIKE: the reading of the spike */
    double first;       /* GEOMETRIC: first counted delta */
    double q;           /* GEOMETRIC: ratio of one delta to the last */
    double size;        /* STEP: the jump */
    size_t period;      /* SAWTOOTH */
    double ratio;       /* LEAKING: growth over max-rounds / a, for the
                           table (0 = not applicable) */
    double power;       /* LEAKING: the share found (leak or suspect) the
                           unit suite holds it to when the 95% target
                           does not apply (`exempt`); 0: 95% */
    size_t fixed;       /* judged once, final, after this many counted
                           rounds (--rounds N --max-rounds N); 0: the
                           default driver */
    const char *exempt; /* LEAKING: why the 95% target does not apply,
                           for the table; NULL: it does */
};

/* One family's results over `seeds` seeds. */
struct sim_result {
    size_t runs;
    size_t leak;           /* leak or over-release */
    size_t suspect;
    size_t clean;
    size_t other;          /* n/a or inconclusive: a bug */
    size_t rounds;         /* counted rounds used, summed */
    size_t anchor_leak;    /* refleak.py's -R 3:3 rule on the same series */
    size_t highs_clean;    /* clean on a series still making new highs at
                              its last reading: must stay 0 */
    double detectable;     /* mean `detectable` of the clean verdicts */
};

/* The families of the table, terminated by a NULL name. */
extern const struct sim_family sim_families[];

/* Fills x[0..SIM_MAX_NOISY] (the baseline, then every counted round that
 * cell.c might ask for) for one seed.  A leak goes on at its rate past
 * SIM_MAX_ROUNDS; its growth/a is over SIM_MAX_ROUNDS. */
void sim_generate(const struct sim_family *f, uint64_t seed, double *x);

/* Drives the engine on x as cell.c does: judged after each counted round
 * from SIM_PLANNED on while verdict_wants_round() says so (up to
 * SIM_MAX_ROUNDS, or SIM_MAX_NOISY while the verdict is noisy), then
 * judged once more with `final` set.  Returns the counted rounds used;
 * *out is the final verdict. */
size_t sim_drive(enum verdict_class cls, const double *x, struct verdict *out);

/* Drives the `n` metrics of one cell as cell.c does: after each counted
 * round from `planned` on, another round while any metric wants one
 * (verdict_wants_round() with `max` and `max_noisy`); then every metric
 * judged with `final` set.  x[m][0..max_noisy] are metric m's readings
 * (baseline first), cls[m] its class, `iterations` the iterations of
 * every round.  Returns the counted rounds used; out[m] is metric m's
 * final verdict. */
size_t sim_drive_cell(size_t n, const enum verdict_class *cls,
                      const double *const *x, double iterations,
                      size_t planned, size_t max, size_t max_noisy,
                      struct verdict *out);

/* sim_drive(), or for a family with `fixed` rounds one final judgement
 * after them. */
size_t sim_drive_family(const struct sim_family *f, const double *x,
                        struct verdict *out);

/* Runs seeds first_seed .. first_seed + seeds - 1 of family f. */
void sim_run(const struct sim_family *f, uint64_t first_seed, size_t seeds,
             struct sim_result *res);

/* Whether a result meets its family's target; when not, writes why. */
int sim_meets_target(const struct sim_family *f, const struct sim_result *r,
                     char *why, size_t size);

/* Prints the markdown table of every family to fp. */
void sim_print_table(FILE *fp, uint64_t first_seed, size_t seeds);

#endif
