/* verdict_figures.c - rates and projections with their units scaled
 * ("+2.7 KiB/it", "+26.0M blocks per 1M it"), and verdict_explain(): the
 * rule that decided with its figures.
 */
#include "judge/verdict.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const byte_units[] = {
    "B", "KiB", "MiB", "GiB", "TiB", "PiB",
};
static const char *const si_prefixes[] = {
    "", "k", "M", "G", "T", "P",
};
#define N_SCALES (sizeof(si_prefixes) / sizeof(si_prefixes[0]))

/* Writes sign, figure, scale and unit, then `tail`.  `fixed` selects one
 * decimal (projections) over about three significant digits (rates).  The
 * scale goes up when the printed figure would reach the next one: 999.6
 * blocks print as "1.0k", 1023.6 bytes as "1.0 KiB", 1000 bytes as
 * "1000 B". */
static int
format_figure(char *buf, size_t size, double v, const char *unit,
              int fixed, const char *tail)
{
    int bytes = unit != NULL && strcmp(unit, "bytes") == 0;
    double base = bytes ? 1024 : 1000;
    double limit = (fixed ? 0.05 : 0.5) + (bytes ? 1023 : 999);
    const char *sign = v > 0 ? "+" : v < 0 ? "-" : "";
    double f = fabs(v);
    size_t scale = 0;
    char num[32];
    int n;

    if (buf == NULL || size == 0) {
        return -1;
    }
    if (isnan(v)) {
        n = snprintf(buf, size, "n/a");
        return n >= 0 && (size_t)n < size ? 0 : -1;
    }
    while (isfinite(f) && f >= limit && scale + 1 < N_SCALES) {
        f /= base;
        scale++;
    }
    if (f == 0) {
        snprintf(num, sizeof(num), "0");
    }
    else if (f >= 1e5) {
        /* Beyond the last scale (or infinite): keep it short. */
        snprintf(num, sizeof(num), "%.3g", f);
    }
    else if (fixed) {
        snprintf(num, sizeof(num), f >= 0.95 ? "%.1f" : "%.2g", f);
    }
    else if (f >= 9.95) {
        snprintf(num, sizeof(num), "%.0f", f);
    }
    else if (f >= 0.9995) {
        snprintf(num, sizeof(num), "%.1f", f);
    }
    else {
        snprintf(num, sizeof(num), "%.3g", f);
    }

    if (bytes) {
        n = snprintf(buf, size, "%s%s %s%s", sign, num, byte_units[scale],
                     tail);
    }
    else {
        int spaced = unit != NULL && unit[0] != '\0';

        n = snprintf(buf, size, "%s%s%s%s%s%s", sign, num,
                     si_prefixes[scale], spaced ? " " : "",
                     spaced ? unit : "", tail);
    }
    return n >= 0 && (size_t)n < size ? 0 : -1;
}

int
verdict_format_rate(char *buf, size_t size, double per_iteration,
                    const char *unit)
{
    return format_figure(buf, size, per_iteration, unit, 0, "/it");
}

int
verdict_format_projection(char *buf, size_t size, double per_iteration,
                          const char *unit)
{
    return format_figure(buf, size, per_iteration * 1e6, unit, 1,
                         " per 1M it");
}

/* A size without its sign, then `tail`: "12 blocks", "0.021 blocks/it". */
static int
format_amount(char *buf, size_t size, double v, const char *unit,
              const char *tail)
{
    int rc = format_figure(buf, size, fabs(v), unit, 0, tail);

    if (buf[0] == '+') {
        memmove(buf, buf + 1, strlen(buf));
    }
    return rc;
}

int
verdict_explain(char *buf, size_t size, const struct verdict *v,
                const char *unit)
{
    char fig[VERDICT_FIGURE_SIZE];
    size_t n;
    int rc = 0;

    if (buf == NULL || size == 0) {
        return -1;
    }
    buf[0] = '\0';
    if (v == NULL) {
        return -1;
    }
#define EMIT(...) \
    do { \
        n = strlen(buf); \
        int w_ = snprintf(buf + n, size - n, __VA_ARGS__); \
        if (w_ < 0 || (size_t)w_ >= size - n) { \
            rc = -1; \
        } \
    } while (0)
    EMIT("%s", v->why ? v->why : "?");
    if (v->kind == VERDICT_NA || v->rounds == 0) {
        return rc;
    }
    EMIT(" (%zu of %zu rounds grew", v->rounds_growing, v->rounds);
    if (isfinite(v->z)) {
        EMIT(", trend z %.1f", v->z);
    }
    if ((v->rule == VERDICT_RULE_LATE_RISE
         || v->rule == VERDICT_RULE_LATE_FALL)
        && isfinite(v->late_z)) {
        EMIT(", since round %zu: hinge z %.1f", v->late_from, v->late_z);
    }
    if (isfinite(v->noise)) {
        rc |= format_amount(fig, sizeof(fig), v->noise, unit, "");
        EMIT(", noise %s", fig);
    }
    EMIT(")");
    if (v->kind == VERDICT_CLEAN && isfinite(v->detectable)) {
        rc |= format_amount(fig, sizeof(fig), v->detectable, unit, "/it");
        EMIT("; would have seen >= %s", fig);
    }
#undef EMIT
    return rc;
}
