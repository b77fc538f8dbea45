/* leakcheck_log.c - the native engines' reports, read round by round
 * (leakcheck.h); wrapping the runner in an engine is leakcheck.c's.
 *
 * Valgrind's added leak check lists only the loss records that grew since
 * the check before, with the growth in parentheses:
 *     4,000 (+4,000) bytes in 1 (+1) blocks are definitely lost in loss
 *     record 6,072 of 6,083
 *        at 0x48417B4: malloc (in .../vgpreload_memcheck-amd64-linux.so)
 *        by 0x6E0D4C9: touched_malloc (lmfixture.c:84)
 * so a record's growth in a counted round is that delta.  LSan reports
 * every unreachable block each time
 *     Direct leak of 76000 byte(s) in 19 object(s) allocated from:
 *         #1 0x7f6cd357c4c9 in touched_malloc ../tests/fixtures/lmfixture.c:84
 * so a record's growth is its total minus the round before (the last
 * warm-up round is the baseline).  Records whose filtered stacks are equal
 * are one stack: they differ only in frames nobody can act on (the
 * runner's warm-up loop and counted loop call iterate() from two lines).
 *
 * LSan runs with symbolize=0 (issue 18): naming every frame of every
 * report in the runner cost the tiny fixture cell 0.4 s of its 0.9 s.  Its
 * frames are kept as printed, "(/path/lib.so+0x2729)", unfiltered, and
 * only the stacks that changed in a counted round are named (through
 * native/symbolize.h) and filtered, when the cell's stacks are asked for.
 */
#include "native/leakcheck.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/metrics.h"
#include "native/symbolize.h"

/* Frames kept per stack, after filtering. */
#define STACK_FRAMES 8
/* LSan's frames kept as printed, before filtering (malloc_context_size
 * below is 30). */
#define RAW_FRAMES 64

struct leakcheck_stack {
    char *kind;
    char *key;                 /* kind and frames, one per line */
    struct strvec frames;      /* LSan: fn and loc pairs, as printed */
    double *bytes;             /* [round]: valgrind the round's growth,
                                  LSan the round's total; [0] the last
                                  warm-up round */
    double *blocks;
    size_t cap;
};

/* A record being read: its header, then its frames until a blank line. */
struct pending {
    int open;
    char kind[32];
    double bytes, blocks;
    struct strvec frames;
    struct strvec raw;         /* LSan: fn, loc, fn, loc, ... as printed */
    int stopped;               /* reached the harness's own frames */
    char alloc[24];            /* the allocator, while frames is empty */
    int via_ctypes;            /* a ctypes call made the allocation */
};

static struct pending pending_blank;

/* ---- the log --------------------------------------------------------- */

void
leakcheck_log_init(struct leakcheck_log *log, enum leakcheck_mode mode)
{
    memset(log, 0, sizeof(*log));
    log->mode = mode;
    strbuf_init(&log->line);
}

static void
pending_release(struct pending *p)
{
    strvec_clear(&p->frames);
    strvec_clear(&p->raw);
    *p = pending_blank;
}

void
leakcheck_log_release(struct leakcheck_log *log)
{
    for (size_t i = 0; i < log->nstacks; i++) {
        struct leakcheck_stack *st = &log->stacks[i];
        free(st->kind);
        free(st->key);
        strvec_clear(&st->frames);
        free(st->bytes);
        free(st->blocks);
    }
    free(log->stacks);
    free(log->ended);
    if (log->cur) {
        pending_release((struct pending *)log->cur);
        free(log->cur);
    }
    strbuf_release(&log->line);
    memset(log, 0, sizeof(*log));
}

/* "1,234,567" at *p; advances past it.  NaN when there is no digit. */
static double
parse_number(const char **p)
{
    const char *s = *p;
    double v = 0;
    int any = 0;

    while (isdigit((unsigned char)*s) || (*s == ',' && any)) {
        if (*s != ',') {
            v = v * 10 + (*s - '0');
            any = 1;
        }
        s++;
    }
    *p = s;
    return any ? v : NAN;
}

/* " (+1,234)" or " (-5)" at *p: the delta, else NaN (nothing consumed). */
static double
parse_delta(const char **p)
{
    const char *s = *p;
    double sign;

    if (strncmp(s, " (+", 3) != 0 && strncmp(s, " (-", 3) != 0) {
        return NAN;
    }
    sign = s[2] == '-' ? -1 : 1;
    s += 3;
    double v = parse_number(&s);
    if (*s != ')' || isnan(v)) {
        return NAN;
    }
    *p = s + 1;
    return sign * v;
}

static void
ensure_rounds(struct leakcheck_stack *st, size_t n)
{
    if (n <= st->cap) {
        return;
    }
    size_t cap = n < 16 ? 16 : n * 2;
    st->bytes = xrealloc(st->bytes, cap * sizeof(double));
    st->blocks = xrealloc(st->blocks, cap * sizeof(double));
    for (size_t i = st->cap; i < cap; i++) {
        st->bytes[i] = st->blocks[i] = 0;
    }
    st->cap = cap;
}

static struct leakcheck_stack *
stack_get(struct leakcheck_log *log, const char *kind,
          const struct strvec *frames)
{
    struct strbuf key = STRBUF_INIT;

    strbuf_adds(&key, kind);
    for (size_t i = 0; i < frames->nr; i++) {
        strbuf_addf(&key, "\n%s", frames->v[i]);
    }
    for (size_t i = 0; i < log->nstacks; i++) {
        if (strcmp(log->stacks[i].key, key.buf) == 0) {
            strbuf_release(&key);
            return &log->stacks[i];
        }
    }
    if (log->nstacks == log->alloc) {
        log->alloc = log->alloc ? log->alloc * 2 : 64;
        log->stacks = xrealloc(log->stacks,
                               log->alloc * sizeof(*log->stacks));
    }
    struct leakcheck_stack *st = &log->stacks[log->nstacks++];
    struct strvec blank = STRVEC_INIT;
    memset(st, 0, sizeof(*st));
    st->frames = blank;
    st->kind = xstrdup(kind);
    st->key = strbuf_detach(&key, NULL);
    strvec_pushv(&st->frames, (const char *const *)frames->v);
    return st;
}

/* Nothing left but ctypes' trampolines: the allocation was made from
 * Python code, whose lines no native stack holds; say so, rather than
 * show no frame at all. */
static void
note_ctypes(struct pending *p)
{
    if (p->frames.nr == 0 && p->via_ctypes) {
        strvec_pushf(&p->frames, "%s (called from Python through ctypes)",
                     p->alloc[0] ? p->alloc : "an allocator");
    }
}

/* The record read so far joins its stack's figure for this round. */
static void
commit(struct leakcheck_log *log)
{
    struct pending *p = (struct pending *)log->cur;

    if (p == NULL || !p->open) {
        return;
    }
    note_ctypes(p);
    if (log->counted || log->mode == LEAKCHECK_LSAN) {
        struct leakcheck_stack *st = stack_get(
            log, p->kind,
            log->mode == LEAKCHECK_LSAN ? &p->raw : &p->frames);
        size_t r = log->counted ? log->round : 0;
        ensure_rounds(st, r + 1);
        st->bytes[r] += p->bytes;
        st->blocks[r] += p->blocks;
    }
    pending_release(p);
}

/* Frames nobody acts on: the allocator, the engine, libffi and ctypes'
 * trampolines, and the eval loop and call machinery between a Python call
 * and the C function it reaches. */
static const char *const drop_prefixes[] = {
    "malloc", "calloc", "realloc", "free", "memalign", "posix_memalign",
    "aligned_alloc", "valloc", "strdup", "strndup", "operator new",
    "__interceptor_", "__lsan_", "__sanitizer_", "__libc_",
    "PyMem_", "_PyMem_", "PyObject_Malloc", "PyObject_Calloc",
    "PyObject_Realloc", "_PyObject_Malloc", "_PyObject_Calloc",
    "_PyObject_Realloc", "pymalloc_", "_PyObject_GC_", "PyObject_GC_",
    "gc_alloc", "ffi_call", "_call_function_pointer", "_ctypes_callproc",
    "PyCFuncPtr_call", "_PyEval_", "PyEval_", "_PyFunction_",
    "function_code_fastcall", "_PyObject_Vectorcall", "PyObject_Vectorcall",
    "_PyObject_MakeTpCall", "_PyObject_Call", "PyObject_Call",
    "_PyObject_FastCall", "object_vacall", "cfunction_", "method_vectorcall",
    "_PyCFunction_", "PyCFunction_Call", "call_function", "fast_function",
    "_PyMethodDef_", "slot_tp_call", "do_call_core", "vgPlain_",
    NULL,
};
static const char *const drop_files[] = {
    "vg_replace_malloc.c", "vgpreload_", "lsan_", "sanitizer_", "ceval.c",
    "ceval_macros.h", "generated_cases.c.h", "call.c", "pycore_call.h",
    "pycore_ceval.h", "abstract.h", "methodobject.c", "obmalloc.c",
    "libffi", "ffi64.c", "unix64.S", "callproc.c", NULL,
};

/* Allocator entry points, as the frame that names an allocation made
 * from Python through ctypes, which leaves no frame of its own. */
static const char *const alloc_names[] = {
    "malloc", "calloc", "realloc", "memalign", "posix_memalign",
    "aligned_alloc", "valloc", "strdup", "strndup", NULL,
};
static const char *const ctypes_frames[] = {
    "ffi_call", "_call_function_pointer", "_ctypes_callproc",
    "PyCFuncPtr_call", NULL,
};

enum frame_use { FRAME_KEEP, FRAME_DROP, FRAME_STOP };

static int
has_prefix_in(const char *s, const char *const *list, int anywhere)
{
    for (size_t i = 0; list[i]; i++) {
        if (anywhere ? strstr(s, list[i]) != NULL
                     : strncmp(s, list[i], strlen(list[i])) == 0) {
            return 1;
        }
    }
    return 0;
}

static enum frame_use
frame_use(const char *fn, const char *loc)
{
    /* The runner that called iterate(): the rest is the harness. */
    if (strncmp(fn, "runner_", 7) == 0 || strcmp(fn, "main") == 0
        || strstr(loc, "runner_main.c") || strstr(loc, "leakmatrix-run-")) {
        return FRAME_STOP;
    }
    if (has_prefix_in(fn, drop_prefixes, 0)
        || has_prefix_in(loc, drop_files, 1)) {
        return FRAME_DROP;
    }
    /* LSan's fast unwinder, following a frame pointer that is none, lands
     * on the stack itself: "??? ([stack]+0x1f46f)", a new one each run. */
    if (strncmp(loc, "[stack]", 7) == 0) {
        return FRAME_DROP;
    }
    return FRAME_KEEP;
}

/* What a dropped frame says of an allocation that may have no frame
 * left: which allocator, and whether ctypes called it. */
static void
note_dropped(struct pending *p, const char *fn, const char *loc)
{
    const char *name = fn;

    if (strncmp(name, "__interceptor_", 14) == 0) {
        name += 14;
    }
    if (p->alloc[0] == '\0' && p->frames.nr == 0) {
        for (size_t i = 0; alloc_names[i]; i++) {
            if (strcmp(name, alloc_names[i]) == 0) {
                snprintf(p->alloc, sizeof(p->alloc), "%s", name);
                break;
            }
        }
    }
    if (has_prefix_in(fn, ctypes_frames, 0) || strstr(loc, "libffi")
        || strstr(loc, "callproc.c")) {
        p->via_ctypes = 1;
    }
}

static const char *
base_name(const char *path, size_t n, size_t *len)
{
    const char *b = path;
    for (size_t i = 0; i < n; i++) {
        if (path[i] == '/') {
            b = path + i + 1;
        }
    }
    *len = n - (size_t)(b - path);
    return b;
}

/* One frame, fn and loc (a file:line, or an object's path), into p. */
static void
add_frame(struct pending *p, const char *fn, size_t fn_len, const char *loc,
          size_t loc_len)
{
    char *f = xstrndup(fn, fn_len);
    char *l = xstrndup(loc, loc_len);
    size_t blen;
    const char *b;

    if (!p->open || p->stopped) {
        goto out;
    }
    switch (frame_use(f, l)) {
    case FRAME_STOP:
        p->stopped = 1;
        goto out;
    case FRAME_DROP:
        note_dropped(p, f, l);
        goto out;
    default:
        break;
    }
    if (p->frames.nr < STACK_FRAMES) {
        b = base_name(l, strlen(l), &blen);
        strvec_pushf(&p->frames, "%s (%.*s)", f, (int)blen, b);
    }
out:
    free(f);
    free(l);
}

static void
open_record(struct leakcheck_log *log, const char *kind, double bytes,
            double blocks)
{
    commit(log);
    if (log->cur == NULL) {
        log->cur = xcalloc(1, sizeof(struct pending));
    }
    struct pending *p = (struct pending *)log->cur;
    p->open = 1;
    snprintf(p->kind, sizeof(p->kind), "%s", kind);
    p->bytes = bytes;
    p->blocks = blocks;
}

/* "4,000 (+4,000) [(a direct, b indirect) ]bytes in 1 (+1) blocks are
 * definitely lost in loss record ..." */
static int
parse_vg_record(struct leakcheck_log *log, const char *s)
{
    const char *p = s, *are, *in;
    double bytes, dbytes, blocks, dblocks;
    char kind[32];

    bytes = parse_number(&p);
    dbytes = parse_delta(&p);
    if (isnan(bytes)) {
        return 0;
    }
    if (strncmp(p, " (", 2) == 0) {      /* (direct, indirect) */
        int depth = 0;
        for (p++; *p; p++) {
            depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
            if (depth == 0) {
                p++;
                break;
            }
        }
    }
    if (strncmp(p, " bytes in ", 10) != 0) {
        return 0;
    }
    p += 10;
    blocks = parse_number(&p);
    dblocks = parse_delta(&p);
    are = strstr(p, " blocks are ");
    in = are ? strstr(are, " in loss record ") : NULL;
    if (isnan(blocks) || are == NULL || in == NULL) {
        return 0;
    }
    are += strlen(" blocks are ");
    snprintf(kind, sizeof(kind), "%.*s", (int)(in - are), are);
    open_record(log, kind, isnan(dbytes) ? bytes : dbytes,
                isnan(dblocks) ? blocks : dblocks);
    return 1;
}

/* "definitely lost: 236,000 (+80,000) bytes in 59 (+20) blocks" */
static void
parse_vg_summary(struct leakcheck_log *log, const char *s)
{
    static const char *const kinds[] = {"definitely lost: ",
                                        "indirectly lost: "};
    while (*s == ' ') {
        s++;
    }
    for (size_t k = 0; k < 2; k++) {
        size_t n = strlen(kinds[k]);
        if (strncmp(s, kinds[k], n) == 0) {
            const char *p = s + n;
            double bytes = parse_number(&p);
            (void)parse_delta(&p);
            if (strncmp(p, " bytes in ", 10) == 0) {
                p += 10;
                log->sum[2 * k] = bytes;
                log->sum[2 * k + 1] = parse_number(&p);
            }
        }
    }
}

/* "at 0x6E0D4C9: touched_malloc (lmfixture.c:84)" */
static void
parse_vg_frame(struct leakcheck_log *log, const char *s)
{
    const char *colon = strstr(s, ": ");
    const char *open, *close;

    if (colon == NULL || log->cur == NULL) {
        return;
    }
    s = colon + 2;
    open = strstr(s, " (");
    close = strrchr(s, ')');
    if (open == NULL || close == NULL || close < open) {
        add_frame((struct pending *)log->cur, s, strlen(s), "", 0);
        return;
    }
    const char *loc = open + 2;
    if (strncmp(loc, "in ", 3) == 0) {
        loc += 3;
    }
    add_frame((struct pending *)log->cur, s, (size_t)(open - s), loc,
              (size_t)(close - loc));
}

static void
valgrind_line(struct leakcheck_log *log, const char *s)
{
    /* "==1234== ", or "==1234==" alone on a blank line */
    if (strncmp(s, "==", 2) == 0) {
        const char *e = strstr(s + 2, "==");
        if (e != NULL) {
            s = e[2] == ' ' ? e + 3 : e + 2;
        }
    }
    while (*s == ' ' && (strncmp(s, "   at 0x", 8) != 0
                         && strncmp(s, "   by 0x", 8) != 0)) {
        s++;
    }
    if (*s == '\0') {
        commit(log);
        log->summary_line = 0;
        return;
    }
    if (strncmp(s, "LEAK SUMMARY:", 13) == 0) {
        commit(log);
        log->summary_line = 1;
        return;
    }
    if (log->summary_line) {
        parse_vg_summary(log, s);
        return;
    }
    if (strncmp(s, "   at 0x", 8) == 0 || strncmp(s, "   by 0x", 8) == 0) {
        parse_vg_frame(log, s + 3);
        return;
    }
    if (isdigit((unsigned char)*s)) {
        parse_vg_record(log, s);
    }
}

/* An LSan frame as printed, kept for lsan_named_stacks(). */
static void
add_raw(struct pending *p, const char *fn, size_t fn_len, const char *loc,
        size_t loc_len)
{
    if (p->open && p->raw.nr < 2 * RAW_FRAMES) {
        strvec_pushf(&p->raw, "%.*s", (int)fn_len, fn);
        strvec_pushf(&p->raw, "%.*s", (int)loc_len, loc);
    }
}

/* "#1 0x7f6cd357c4c9 in touched_malloc ../tests/fixtures/lmfixture.c:84"
 * or "#3 0x7f.. (/usr/lib/libx.so+0x1234)" */
static void
parse_lsan_frame(struct leakcheck_log *log, const char *s)
{
    const char *sp = strchr(s, ' ');

    if (sp == NULL || log->cur == NULL) {
        return;
    }
    s = sp + 1;
    while (*s && *s != ' ') {      /* the address */
        s++;
    }
    while (*s == ' ') {
        s++;
    }
    if (strncmp(s, "in ", 3) == 0) {
        const char *fn = s + 3;
        const char *end = strchr(fn, ' ');
        const char *loc = end ? end + 1 : "";
        size_t loc_len = strlen(loc);
        if (loc_len > 1 && loc[0] == '(' && loc[loc_len - 1] == ')') {
            loc++;
            loc_len -= 2;
        }
        add_raw((struct pending *)log->cur, fn,
                end ? (size_t)(end - fn) : strlen(fn), loc, loc_len);
        return;
    }
    if (*s == '(') {
        size_t n = strlen(s);
        add_raw((struct pending *)log->cur, "???", 3, s + 1,
                n > 2 ? n - 2 : 0);
    }
}

static void
lsan_line(struct leakcheck_log *log, const char *s)
{
    while (*s == ' ') {
        s++;
    }
    if (*s == '\0') {
        commit(log);
        return;
    }
    if (*s == '#') {
        parse_lsan_frame(log, s);
        return;
    }
    int direct = strncmp(s, "Direct leak of ", 15) == 0;
    if (direct || strncmp(s, "Indirect leak of ", 17) == 0) {
        const char *p = s + (direct ? 15 : 17);
        double bytes = parse_number(&p);
        const char *in = strstr(p, " in ");
        double objects = NAN;
        if (in) {
            p = in + 4;
            objects = parse_number(&p);
        }
        if (!isnan(bytes) && !isnan(objects)) {
            open_record(log, direct ? "direct" : "indirect", bytes, objects);
            log->sum[direct ? 0 : 2] += bytes;
            log->sum[direct ? 1 : 3] += objects;
        }
    }
}

static void
marker_line(struct leakcheck_log *log, const char *m)
{
    char what[8], phase[16];
    unsigned round;

    if (sscanf(m, "%7s %15s %u", what, phase, &round) != 3) {
        return;
    }
    commit(log);
    log->summary_line = 0;
    int counted = strcmp(phase, "counted") == 0;
    if (strcmp(what, "begin") == 0) {
        log->in_round = 1;
        log->counted = counted;
        log->round = round;
        memset(log->sum, 0, sizeof(log->sum));
        if (counted && round > log->rounds) {
            log->rounds = round;
        }
        /* LSan: every warm-up round restarts the baseline. */
        for (size_t i = 0; !counted && i < log->nstacks; i++) {
            ensure_rounds(&log->stacks[i], 1);
            log->stacks[i].bytes[0] = log->stacks[i].blocks[0] = 0;
        }
    }
    else if (strcmp(what, "end") == 0) {
        log->in_round = 0;
        if (log->nended == log->alloc_ended) {
            log->alloc_ended = log->alloc_ended ? 2 * log->alloc_ended : 16;
            log->ended = xrealloc(log->ended,
                                  log->alloc_ended * sizeof(*log->ended));
        }
        struct leakcheck_round *e = &log->ended[log->nended++];
        e->counted = counted;
        e->round = round;
        memcpy(e->sum, log->sum, sizeof(e->sum));
    }
}

static void
handle_line(struct leakcheck_log *log, const char *s)
{
    const char *m = strstr(s, "leakmatrix-native: ");

    if (m) {
        marker_line(log, m + strlen("leakmatrix-native: "));
        return;
    }
    if (!log->in_round) {
        return;
    }
    if (log->mode == LEAKCHECK_VALGRIND) {
        valgrind_line(log, s);
    }
    else {
        lsan_line(log, s);
    }
}

void
leakcheck_log_feed(struct leakcheck_log *log, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            handle_line(log, log->line.buf);
            strbuf_reset(&log->line);
        }
        else {
            strbuf_addch(&log->line, buf[i]);
        }
    }
}

static const struct leakcheck_round *
find_ended(const struct leakcheck_log *log, int counted, unsigned round)
{
    for (size_t i = log->nended; i-- > 0;) {
        if (log->ended[i].counted == counted
            && log->ended[i].round == round) {
            return &log->ended[i];
        }
    }
    return NULL;
}

int
leakcheck_log_round_ended(const struct leakcheck_log *log, int counted,
                          unsigned round)
{
    return find_ended(log, counted, round) != NULL;
}

json_t *
leakcheck_log_readings(const struct leakcheck_log *log, int counted,
                       unsigned round)
{
    const struct leakcheck_round *e = find_ended(log, counted, round);
    static const char *const vg[] = {LMX_METRIC_NAME_VG_DEFINITE_BYTES,
                                     LMX_METRIC_NAME_VG_DEFINITE_BLOCKS,
                                     LMX_METRIC_NAME_VG_INDIRECT_BYTES,
                                     LMX_METRIC_NAME_VG_INDIRECT_BLOCKS};
    static const char *const lsan[] = {LMX_METRIC_NAME_LSAN_DIRECT_BYTES,
                                       LMX_METRIC_NAME_LSAN_DIRECT_OBJECTS,
                                       LMX_METRIC_NAME_LSAN_INDIRECT_BYTES,
                                       LMX_METRIC_NAME_LSAN_INDIRECT_OBJECTS};
    const char *const *names = log->mode == LEAKCHECK_VALGRIND ? vg
                               : log->mode == LEAKCHECK_LSAN   ? lsan
                                                               : NULL;
    if (names == NULL || e == NULL) {
        return NULL;
    }
    json_t *o = json_object();
    for (size_t i = 0; i < 4; i++) {
        json_object_set_new(o, names[i], json_real(e->sum[i]));
    }
    return o;
}

/* The growth of st in counted round r. */
static double
growth_in(const struct leakcheck_log *log, const struct leakcheck_stack *st,
          const double *v, size_t r)
{
    double now = r < st->cap ? v[r] : 0;
    double before = r - 1 < st->cap ? v[r - 1] : 0;
    return log->mode == LEAKCHECK_VALGRIND ? now : now - before;
}

/* Whether st changed in any counted round: one that never did adds
 * nothing to the growth of any stack it would merge into. */
static int
stack_changed(const struct leakcheck_log *log,
              const struct leakcheck_stack *st)
{
    for (size_t r = 1; r <= log->rounds; r++) {
        if (growth_in(log, st, st->bytes, r) != 0
            || growth_in(log, st, st->blocks, r) != 0) {
            return 1;
        }
    }
    return 0;
}

/* The frames of a raw LSan stack, named where sym knows them, through
 * the filter into p as add_frame() does for valgrind's. */
static void
name_frames(const struct symbolizer *sym, const struct strvec *raw,
            struct pending *p)
{
    for (size_t k = 0; k + 1 < raw->nr; k += 2) {
        const char *fn = raw->v[k], *loc = raw->v[k + 1];
        const char *const *fns, *const *locs;
        size_t n = strcmp(fn, "???") == 0
                       ? symbolizer_lookup(sym, loc, &fns, &locs)
                       : 0;
        for (size_t i = 0; i < n; i++) {
            add_frame(p, fns[i], strlen(fns[i]), locs[i], strlen(locs[i]));
        }
        if (n == 0) {
            add_frame(p, fn, strlen(fn), loc, strlen(loc));
        }
    }
    note_ctypes(p);
}

/* LSan's stacks that changed in a counted round, named and filtered, and
 * merged where their filtered frames are equal, into named (a log of its
 * own, for the caller to release). */
static void
lsan_named_stacks(const struct leakcheck_log *log,
                  struct leakcheck_log *named)
{
    struct symbolizer *sym = symbolizer_new(NULL);

    leakcheck_log_init(named, log->mode);
    named->rounds = log->rounds;
    for (size_t i = 0; i < log->nstacks; i++) {
        const struct strvec *raw = &log->stacks[i].frames;
        if (!stack_changed(log, &log->stacks[i])) {
            continue;
        }
        for (size_t k = 0; k + 1 < raw->nr; k += 2) {
            if (strcmp(raw->v[k], "???") == 0) {
                symbolizer_want(sym, raw->v[k + 1]);
            }
        }
    }
    symbolizer_run(sym);
    for (size_t i = 0; i < log->nstacks; i++) {
        const struct leakcheck_stack *st = &log->stacks[i];
        struct pending p = pending_blank;
        if (!stack_changed(log, st)) {
            continue;
        }
        p.open = 1;
        name_frames(sym, &st->frames, &p);
        struct leakcheck_stack *to = stack_get(named, st->kind, &p.frames);
        ensure_rounds(to, st->cap);
        for (size_t r = 0; r < st->cap; r++) {
            to->bytes[r] += st->bytes[r];
            to->blocks[r] += st->blocks[r];
        }
        pending_release(&p);
    }
    symbolizer_free(sym);
}

/* The stacks of log that grew in every counted round, into o. */
static void
pick_stacks(const struct leakcheck_log *log, double counted_iterations,
            struct outcome *o)
{
    size_t k = log->rounds;
    double *rate = xcalloc(log->nstacks ? log->nstacks : 1, sizeof(double));
    double *brate = xcalloc(log->nstacks ? log->nstacks : 1, sizeof(double));

    for (size_t i = 0; i < log->nstacks; i++) {
        const struct leakcheck_stack *st = &log->stacks[i];
        double bytes = 0, blocks = 0;
        int every = k >= 2;
        for (size_t r = 1; every && r <= k; r++) {
            double d = growth_in(log, st, st->bytes, r);
            every = d > 0;
            bytes += d;
            blocks += growth_in(log, st, st->blocks, r);
        }
        if (every && bytes >= LEAKCHECK_STACK_FLOOR
            && counted_iterations > 0) {
            rate[i] = bytes / counted_iterations;
            brate[i] = blocks / counted_iterations;
        }
    }
    while (o->nstacks < OUTCOME_MAX_STACKS) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < log->nstacks; i++) {
            if (rate[i] > 0 && (best == SIZE_MAX || rate[i] > rate[best])) {
                best = i;
            }
        }
        if (best == SIZE_MAX) {
            break;
        }
        const struct leakcheck_stack *st = &log->stacks[best];
        outcome_add_stack(o, st->kind, rate[best], brate[best],
                          (const char *const *)st->frames.v, st->frames.nr);
        rate[best] = 0;
    }
    free(rate);
    free(brate);
}

void
leakcheck_log_stacks(const struct leakcheck_log *log,
                     double counted_iterations, struct outcome *o)
{
    struct leakcheck_log named;

    if (log->mode != LEAKCHECK_LSAN) {
        pick_stacks(log, counted_iterations, o);
        return;
    }
    lsan_named_stacks(log, &named);
    pick_stacks(&named, counted_iterations, o);
    leakcheck_log_release(&named);
}
