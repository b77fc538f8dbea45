/* target.c - the arguments of `run`: scenario files and test targets
 * (target.h). */
#include "matrix/target.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/digest.h"

static const struct {
    const char *prefix;
    enum target_kind kind;
} target_prefixes[] = {
    {"pytest:", TARGET_PYTEST},
    {"unittest:", TARGET_UNITTEST},
    {"call:", TARGET_CALL},
};
#define N_PREFIXES (sizeof(target_prefixes) / sizeof(*target_prefixes))

const char *
target_framework(const char *arg, const char **id)
{
    static const char *const names[] = {
        [TARGET_PYTEST] = "pytest",
        [TARGET_UNITTEST] = "unittest",
        [TARGET_CALL] = "call",
    };

    for (size_t i = 0; i < N_PREFIXES; i++) {
        size_t n = strlen(target_prefixes[i].prefix);
        if (strncmp(arg, target_prefixes[i].prefix, n) == 0) {
            if (id) {
                *id = arg + n;
            }
            return names[target_prefixes[i].kind];
        }
    }
    return NULL;
}

void
target_release(struct target *t)
{
    static const struct target blank = TARGET_INIT;

    free(t->arg);
    free(t->name);
    free(t->file);
    *t = blank;
}

/* "a.b.c": identifiers joined by single dots. */
static int
dotted(const char *s, size_t n)
{
    int start = 1;

    if (n == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (start) {
                return 0;
            }
            start = 1;
            continue;
        }
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (!start && c >= '0' && c <= '9'))) {
            return 0;
        }
        start = 0;
    }
    return !start;
}

/* pytest:PATH[::ID...]: PATH made absolute. */
static int
parse_pytest(const char *rest, struct target *t, struct strbuf *err)
{
    const char *sep = strstr(rest, "::");
    char *path = xstrndup(rest, sep ? (size_t)(sep - rest) : strlen(rest));
    char *real = *path ? path_real(path) : NULL;

    if (real == NULL) {
        strbuf_addf(err, "pytest target '%s': %s", rest,
                    *path ? "no such file or directory"
                          : "give a path: pytest:tests/test_x.py::test_y");
        free(path);
        return -1;
    }
    t->arg = xasprintf("pytest:%s%s", real, sep ? sep : "");
    t->name = xstrdup(rest);
    t->file = path_is_dir(real) ? NULL : xstrdup(real);
    free(real);
    free(path);
    return 0;
}

static int
parse_unittest(const char *rest, struct target *t, struct strbuf *err)
{
    if (!dotted(rest, strlen(rest))) {
        strbuf_addf(err, "unittest target '%s': give a dotted name as "
                         "`python -m unittest` takes it, e.g. "
                         "unittest:pkg.tests.test_x.TestC.test_m",
                    rest);
        return -1;
    }
    t->arg = xasprintf("unittest:%s", rest);
    t->name = xstrdup(rest);
    return 0;
}

static int
parse_call(const char *rest, struct target *t, struct strbuf *err)
{
    const char *colon = strchr(rest, ':');

    if (colon == NULL || !dotted(rest, (size_t)(colon - rest))
        || !dotted(colon + 1, strlen(colon + 1))) {
        strbuf_addf(err, "call target '%s': give MODULE:FUNCTION, e.g. "
                         "call:pkg.mod:func",
                    rest);
        return -1;
    }
    t->arg = xasprintf("call:%s", rest);
    t->name = xstrdup(rest);
    return 0;
}

/* A scenario: a readable regular file. */
static int
parse_scenario(const char *arg, struct target *t, struct strbuf *err)
{
    char *real = path_real(arg);

    if (real == NULL || path_is_dir(real) || access(real, R_OK) < 0) {
        strbuf_addf(err, "scenario '%s' %s; give the path of a .py "
                         "scenario file (see scenarios/README.md)%s",
                    arg, real == NULL ? "does not exist"
                         : path_is_dir(real) ? "is a directory"
                                             : "cannot be read",
                    real && path_is_dir(real)
                        ? ", or pytest:DIR for the tests in it"
                        : "");
        free(real);
        return -1;
    }
    t->kind = TARGET_SCENARIO;
    t->arg = real;
    t->name = xstrdup(arg);
    t->file = xstrdup(real);
    return 0;
}

int
target_parse(const char *arg, struct target *t, struct strbuf *err)
{
    int rc;

    target_release(t);
    for (size_t i = 0; i < N_PREFIXES; i++) {
        size_t n = strlen(target_prefixes[i].prefix);
        if (strncmp(arg, target_prefixes[i].prefix, n) != 0) {
            continue;
        }
        t->kind = target_prefixes[i].kind;
        rc = t->kind == TARGET_PYTEST     ? parse_pytest(arg + n, t, err)
             : t->kind == TARGET_UNITTEST ? parse_unittest(arg + n, t, err)
                                          : parse_call(arg + n, t, err);
        if (rc < 0) {
            target_release(t);
        }
        return rc;
    }
    if (strstr(arg, "::") != NULL) {
        t->kind = TARGET_PYTEST;
        if ((rc = parse_pytest(arg, t, err)) < 0) {
            target_release(t);
        }
        return rc;
    }
    return parse_scenario(arg, t, err);
}

char *
target_digest(const char *file, const char *arg)
{
    char *d = file ? digest_file_fingerprint(file) : NULL;

    if (d == NULL) {
        d = xasprintf("%016llx", (unsigned long long)digest_fnv1a_str(
                                     DIGEST_FNV_OFFSET, arg));
    }
    return d;
}
