/* verdict-sim.c - prints the simulator's table (tests/sim/sim.h) for the
 * docs/verdicts.md, or one family's series and verdicts seed by seed.
 *
 *   verdict-sim [--seeds N] [--first-seed S]
 *   verdict-sim --family NAME [--ratio R] [--seed S] [--seeds N]
 *               [--only VERDICT]
 *   verdict-sim --judge CLASS BASELINE READING...   (100 it a round;
 *               CLASS: count, singleton, bytes, resource, heap-bytes,
 *               heap-blocks)
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

static void
show(const struct sim_family *f, uint64_t seed, const char *only)
{
    double x[SIM_MAX_READINGS];
    struct verdict v;
    size_t k;

    sim_generate(f, seed, x);
    k = sim_drive_family(f, x, &v);
    if (only && strcmp(only, verdict_kind_name(v.kind)) != 0) {
        return;
    }
    printf("seed %llu:", (unsigned long long)seed);
    for (size_t i = 1; i <= (k > SIM_MAX_ROUNDS ? k : SIM_MAX_ROUNDS); i++) {
        printf(" %s%+.0f", i == k + 1 ? "| " : "", x[i] - x[i - 1]);
    }
    printf("\n  %zu rounds: %s (%s), detectable %g/it, slope %+.3g/it, "
           "trend z %.2f, noise %.3g, hinge z %.2f from %zu\n", k,
           verdict_kind_name(v.kind), v.why, v.detectable, v.slope, v.z,
           v.noise, v.late_z, v.late_from);
}

/* Judges readings given on the command line as cell.c would after each
 * counted round: a class ("count", "singleton", "bytes", "resource",
 * "heap-bytes" for heap_bytes and the native engines' bytes,
 * "heap-blocks"), then the baseline and the readings, ITERATIONS per
 * round. */
static int
judge_argv(int argc, char **argv, double iterations)
{
    static const struct {
        const char *name;
        enum verdict_class cls;
    } names[] = {
        {"count", VERDICT_CLASS_COUNT},
        {"singleton", VERDICT_CLASS_SINGLETON},
        {"bytes", VERDICT_CLASS_BYTES},
        {"resource", VERDICT_CLASS_RESOURCE},
        {"heap-bytes", VERDICT_CLASS_HEAP_BYTES},
        {"heap-blocks", VERDICT_CLASS_HEAP_BLOCKS},
    };
    double x[SIM_MAX_READINGS], it[SIM_MAX_READINGS];
    size_t n = 0;
    int cls = -1;

    for (size_t c = 0; c < sizeof(names) / sizeof(names[0]); c++) {
        if (strcmp(argv[0], names[c].name) == 0) {
            cls = (int)names[c].cls;
        }
    }
    if (cls < 0 || argc < 2 || argc > SIM_MAX_READINGS + 1) {
        fprintf(stderr, "verdict-sim: --judge CLASS V0 V1 ...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++, n++) {
        x[n] = strtod(argv[i], NULL);
        it[n] = iterations;
    }
    for (size_t k = 2; k < n; k++) {
        struct verdict_series s = {x, it, k + 1};
        struct verdict v;
        char why[VERDICT_EXPLAIN_SIZE];

        for (int final = 0; final < 2; final++) {
            verdict_judge((enum verdict_class)cls, &s, final, &v);
            verdict_explain(why, sizeof(why), &v, NULL);
            printf("%2zu rounds%s: %s%s: %s\n", k, final ? ", final" : "",
                   verdict_kind_name(v.kind), v.noisy ? " (noisy)" : "",
                   why);
        }
    }
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "--judge") == 0) {
        return judge_argv(argc - 2, argv + 2, SIM_ITERATIONS);
    }
    const char *family = NULL;
    const char *only = NULL;
    double ratio = -1;
    uint64_t first = 1;
    size_t seeds = 1000;
    int one = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--family") == 0 && i + 1 < argc) {
            family = argv[++i];
            seeds = 10;
        }
        else if (strcmp(argv[i], "--ratio") == 0 && i + 1 < argc) {
            ratio = strtod(argv[++i], NULL);
        }
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        }
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            first = strtoull(argv[++i], NULL, 10);
            one = 1;
        }
        else if (strcmp(argv[i], "--first-seed") == 0 && i + 1 < argc) {
            first = strtoull(argv[++i], NULL, 10);
        }
        else if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
            seeds = strtoul(argv[++i], NULL, 10);
            one = 0;
        }
        else {
            fprintf(stderr, "usage: verdict-sim [--seeds N] [--first-seed S] "
                            "[--family NAME [--ratio R] [--seed S] "
                            "[--only VERDICT]]\n");
            return 2;
        }
    }
    if (family == NULL) {
        sim_print_table(stdout, first, seeds);
        return 0;
    }
    for (const struct sim_family *f = sim_families; f->name; f++) {
        if (strcmp(f->name, family) != 0
            || (ratio >= 0 && f->ratio != ratio)) {
            continue;
        }
        printf("%s (growth/a %g):\n", f->name, f->ratio);
        for (uint64_t s = first; s < first + (one ? 1 : seeds); s++) {
            show(f, s, only);
        }
    }
    return 0;
}
