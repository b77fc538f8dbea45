/* verdict_rules.c - the rules' ids, names and reasons, and vj_decide(),
 * which every rule family calls to state its verdict: the bottom of the
 * judge, calling nothing above it (verdict.h's rule table is the manual;
 * verdict_private.h the map of the files). */
#include "judge/verdict_private.h"

#include <stddef.h>

/* Each rule's stable name and its why, the one copy of each. */
static const struct {
    const char *name;
    const char *why;
} rule_text[] = {
    [VERDICT_RULE_INVALID] = {"invalid", "invalid input"},
    [VERDICT_RULE_NA] = {"n/a", "n/a"},
    [VERDICT_RULE_TOO_FEW_ROUNDS] = {"too-few-rounds", "too few rounds"},
    [VERDICT_RULE_EVERY_ROUND] = {"every-round",
        "grew in every counted round"},
    [VERDICT_RULE_FELL_EVERY_ROUND] = {"fell-every-round",
        "fell in every counted round"},
    [VERDICT_RULE_TRIMMED] = {"trimmed",
        "fell in every counted round: a cache being trimmed"},
    [VERDICT_RULE_DECELERATING] = {"decelerating",
        "decelerating: looks like a cache warming up"},
    [VERDICT_RULE_DECELERATING_FALL] = {"decelerating-fall",
        "decelerating fall: looks like a cache emptying"},
    [VERDICT_RULE_NO_STEP] = {"no-step", "no round moved by a step"},
    [VERDICT_RULE_NO_CHANGE] = {"no-change", "no change"},
    [VERDICT_RULE_FELL_SOME_ROUNDS] = {"fell-some-rounds",
        "fell in some rounds: not a leak"},
    [VERDICT_RULE_NO_TREND] = {"no-trend",
        "rises and falls without a trend"},
    [VERDICT_RULE_SINGLE_STEP] = {"single-step", "a single step: noise"},
    [VERDICT_RULE_EARLY_RISE] = {"early-rise",
        "grew early, then flat: a cache warming up"},
    [VERDICT_RULE_EARLY_FALL] = {"early-fall", "fell early, then flat"},
    [VERDICT_RULE_SLOW_LEAK] = {"slow-leak",
        "slow leak: new highs through the second half"},
    [VERDICT_RULE_SLOW_OVER_RELEASE] = {"slow-over-release",
        "slow over-release: new lows in the second half"},
    [VERDICT_RULE_SOME_ROUNDS_RISE] = {"some-rounds-rise",
        "grew in some rounds only"},
    [VERDICT_RULE_SOME_ROUNDS_FALL] = {"some-rounds-fall",
        "fell in some rounds only"},
    [VERDICT_RULE_DIPS] = {"dips", "grows with occasional dips"},
    [VERDICT_RULE_BUMPS] = {"bumps", "falls with occasional bumps"},
    [VERDICT_RULE_UNEVEN] = {"uneven", "moved every round, but unevenly"},
    [VERDICT_RULE_SLOW_CONFIRM] = {"slow-confirm",
        "slow: needs more rounds to confirm"},
    [VERDICT_RULE_SETTLED] = {"settled", "settled after warm-up"},
    [VERDICT_RULE_STEADY_RISE] = {"steady-rise",
        "steady growth after warm-up"},
    [VERDICT_RULE_STEADY_FALL] = {"steady-fall", "steady fall after warm-up"},
    [VERDICT_RULE_LATE_ONSET] = {"late-onset",
        "late onset: grew in every round since it began"},
    [VERDICT_RULE_DID_NOT_GROW] = {"did-not-grow", "did not grow"},
    [VERDICT_RULE_UNDER_SLOPE_FLOOR] = {"under-slope-floor",
        "slope below the RSS floor (64 KiB a round)"},
    [VERDICT_RULE_RISING_TO_FLOOR] = {"rising-to-floor",
        "growing, not yet above the RSS floor (256 KiB or 1%)"},
    [VERDICT_RULE_UNDER_GROWTH_FLOOR] = {"under-growth-floor",
        "growth below the RSS floor (256 KiB or 1%)"},
    [VERDICT_RULE_SINGLE_JUMP] = {"single-jump",
        "a single jump: an arena, not a trend"},
    [VERDICT_RULE_UNDER_3X_FLOOR] = {"under-3x-floor",
        "growing steadily, under 3x the floor: confirming"},
    [VERDICT_RULE_WITHIN_NOISE] = {"within-noise",
        "growing, within three noise amplitudes: confirming"},
    [VERDICT_RULE_GREW_STEADILY] = {"grew-steadily",
        "grew steadily, making new highs"},
    [VERDICT_RULE_SAWTOOTH] = {"sawtooth", "sawtooth without trend"},
    [VERDICT_RULE_UNSTEADY] = {"unsteady", "grows, but unsteadily"},
    [VERDICT_RULE_LATE_CLIMB] = {"late-climb",
        "late onset: climbed in every one of the last rounds"},
    [VERDICT_RULE_NEW_HIGHS] = {"new-highs",
        "still making new highs at the end"},
    [VERDICT_RULE_NEW_LOWS] = {"new-lows", "still making new lows at the end"},
    [VERDICT_RULE_HIGHS_UNDER_DRIFT] = {"highs-under-drift",
        "new highs, slower than the drift floor"},
    [VERDICT_RULE_LOWS_UNDER_DRIFT] = {"lows-under-drift",
        "new lows, slower than the drift floor"},
    [VERDICT_RULE_LAST_HIGH] = {"last-high",
        "rose to a new high in the last round"},
    [VERDICT_RULE_LAST_LOW] = {"last-low",
        "fell to a new low in the last round"},
    [VERDICT_RULE_RISING_TREND] = {"rising-trend",
        "a rising trend under noise"},
    [VERDICT_RULE_FALLING_TREND] = {"falling-trend",
        "a falling trend under noise"},
    [VERDICT_RULE_LATE_RISE] = {"late-rise", "a late rise under noise"},
    [VERDICT_RULE_LATE_FALL] = {"late-fall", "a late fall under noise"},
    [VERDICT_RULE_SPLIT] = {"split",
        "evidence split: more rounds to rule out a leak"},
    [VERDICT_RULE_ONE_STEP] = {"one-step",
        "one step, then no trend: a container grown once"},
    [VERDICT_RULE_END_SPIKE] = {"end-spike",
        "a spike at the last reading: not a new high until it persists"},
    [VERDICT_RULE_UNDER_DRIFT] = {"under-drift",
        "moved in some rounds, less than the drift floor"},
    [VERDICT_RULE_AT_BASELINE] = {"at-baseline", "not above the baseline"},
    [VERDICT_RULE_KEPT_GROWING] = {"kept-growing",
        "kept growing, never back to the baseline"},
    [VERDICT_RULE_RETURNED] = {"returned",
        "returned to the baseline: a transient worker"},
    [VERDICT_RULE_ONE_STEP_UP] = {"one-step-up",
        "one step up, then steady: maybe a lazy helper"},
    [VERDICT_RULE_ABOVE_BASELINE] = {"above-baseline",
        "stays above the baseline, no steady growth"},
};

_Static_assert(sizeof(rule_text) / sizeof(rule_text[0]) == VERDICT_RULE_COUNT,
               "a rule without its name and why");

/* The verdict is `kind`, decided by `rule`, whose why it takes. */
void
vj_decide(struct verdict *out, enum verdict_kind kind, enum verdict_rule rule)
{
    out->kind = kind;
    out->rule = rule;
    out->why = rule_text[rule].why;
}

const char *
verdict_rule_name(enum verdict_rule rule)
{
    return (size_t)rule < VERDICT_RULE_COUNT ? rule_text[rule].name : "?";
}
