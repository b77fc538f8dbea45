/* symbolize.c - naming LSan's module+offset frames after the run, through
 * llvm-symbolizer or addr2line, cached per build-id (symbolize.h).  Both
 * programs are run in addr2line's output style, one address line then a
 * function and a file:line per frame (several where code was inlined):
 *     0x2729
 *     touched_malloc
 *     lmfixture.c:94
 */
#include "native/symbolize.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cache.h"
#include "base/spawn.h"
#include "base/util.h"
#include "native/elfsym.h"

/* Seconds a symbolizer may take over one module. */
#define SYMBOLIZE_TIMEOUT 120.0

struct sym_entry {
    char *loc;                 /* "/path+0xOFF", as asked */
    unsigned long long off;
    int named;
    struct strvec fns, locs;
};

struct sym_module {
    char *path;
    struct sym_entry *entries;
    size_t n, alloc;
};

struct symbolizer {
    char *dir;                 /* the cache's symbols/, or NULL */
    struct sym_module *mods;
    size_t n, alloc;
};

static char *
user_symbols_dir(void)
{
    struct cache c = CACHE_INIT;
    struct strbuf err = STRBUF_INIT;
    char *dir = NULL;

    if (cache_select_user(&c, getenv("LEAKMATRIX_CACHE"),
                          getenv("XDG_CACHE_HOME"), getenv("HOME"),
                          &err) == 0) {
        dir = xstrdup(c.symbols);
    }
    cache_release(&c);
    strbuf_release(&err);
    return dir;
}

struct symbolizer *
symbolizer_new(const char *dir)
{
    struct symbolizer *s = xcalloc(1, sizeof(*s));

    s->dir = dir ? xstrdup(dir) : user_symbols_dir();
    return s;
}

void
symbolizer_free(struct symbolizer *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        struct sym_module *m = &s->mods[i];
        for (size_t j = 0; j < m->n; j++) {
            free(m->entries[j].loc);
            strvec_clear(&m->entries[j].fns);
            strvec_clear(&m->entries[j].locs);
        }
        free(m->entries);
        free(m->path);
    }
    free(s->mods);
    free(s->dir);
    free(s);
}

/* The module of "/path+0xOFF": its length, with *off set; 0 for any
 * other loc. */
static size_t
split_loc(const char *loc, unsigned long long *off)
{
    const char *plus = strstr(loc, "+0x");
    char *end;

    if (loc[0] != '/' || plus == NULL) {
        return 0;
    }
    for (const char *p; (p = strstr(plus + 1, "+0x")) != NULL;) {
        plus = p;
    }
    errno = 0;
    *off = strtoull(plus + 3, &end, 16);
    if (errno != 0 || end == plus + 3 || *end != '\0') {
        return 0;
    }
    return (size_t)(plus - loc);
}

static struct sym_module *
module_get(struct symbolizer *s, const char *path, size_t len)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strlen(s->mods[i].path) == len
            && strncmp(s->mods[i].path, path, len) == 0) {
            return &s->mods[i];
        }
    }
    if (s->n == s->alloc) {
        s->alloc = s->alloc ? 2 * s->alloc : 8;
        s->mods = xrealloc(s->mods, s->alloc * sizeof(*s->mods));
    }
    struct sym_module *m = &s->mods[s->n++];
    memset(m, 0, sizeof(*m));
    m->path = xstrndup(path, len);
    return m;
}

static const struct sym_entry *
entry_find(const struct symbolizer *s, const char *loc)
{
    for (size_t i = 0; i < s->n; i++) {
        for (size_t j = 0; j < s->mods[i].n; j++) {
            if (strcmp(s->mods[i].entries[j].loc, loc) == 0) {
                return &s->mods[i].entries[j];
            }
        }
    }
    return NULL;
}

void
symbolizer_want(struct symbolizer *s, const char *loc)
{
    unsigned long long off;
    size_t len = split_loc(loc, &off);

    if (len == 0 || entry_find(s, loc) != NULL) {
        return;
    }
    struct sym_module *m = module_get(s, loc, len);
    if (m->n == m->alloc) {
        m->alloc = m->alloc ? 2 * m->alloc : 16;
        m->entries = xrealloc(m->entries, m->alloc * sizeof(*m->entries));
    }
    struct sym_entry *e = &m->entries[m->n++];
    struct strvec blank = STRVEC_INIT;
    memset(e, 0, sizeof(*e));
    e->fns = e->locs = blank;
    e->loc = xstrdup(loc);
    e->off = off;
}

/* One frame of e's answer, as the symbolizer gave it: "??" for what it
 * does not know, as LSan shows it ("???", and the module+offset). */
static void
entry_add(struct sym_entry *e, const char *fn, size_t fn_len,
          const char *loc, size_t loc_len)
{
    const char *disc = strstr(loc, " (discriminator ");

    if (disc != NULL && (size_t)(disc - loc) < loc_len) {
        loc_len = (size_t)(disc - loc);
    }
    if (fn_len == 2 && strncmp(fn, "??", 2) == 0) {
        strvec_push(&e->fns, "???");
    }
    else {
        strvec_pushf(&e->fns, "%.*s", (int)fn_len, fn);
    }
    if (loc_len >= 2 && strncmp(loc, "??", 2) == 0) {
        strvec_push(&e->locs, e->loc);
    }
    else {
        strvec_pushf(&e->locs, "%.*s", (int)loc_len, loc);
    }
    e->named = 1;
}

static struct sym_entry *
entry_at(struct sym_module *m, unsigned long long off)
{
    for (size_t j = 0; j < m->n; j++) {
        if (m->entries[j].off == off && !m->entries[j].named) {
            return &m->entries[j];
        }
    }
    return NULL;
}

/* The cache file's lines, "0xOFF\tfn\tloc[\tfn\tloc...]\n", into m. */
static void
read_cached(struct sym_module *m, const char *file)
{
    struct strbuf sb = STRBUF_INIT;

    if (util_read_file(file, &sb) < 0) {
        strbuf_release(&sb);
        return;
    }
    char *line = sb.buf;
    for (char *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        *nl = '\0';
        char *tab = strchr(line, '\t');
        struct sym_entry *e = tab ? entry_at(m, strtoull(line, NULL, 16))
                                  : NULL;
        while (e != NULL && tab != NULL) {
            char *fn = tab + 1, *loc = strchr(fn, '\t');
            if (loc == NULL) {
                break;
            }
            tab = strchr(loc + 1, '\t');
            size_t loc_len = tab ? (size_t)(tab - loc - 1) : strlen(loc + 1);
            entry_add(e, fn, (size_t)(loc - fn), loc + 1, loc_len);
        }
    }
    strbuf_release(&sb);
}

/* The program that names frames here, and its argv up to the addresses,
 * into args: 0, or -1 when neither is installed. */
static int
symbolizer_argv(const char *module, struct strvec *args)
{
    char *prog = symbolize_find_program("llvm-symbolizer");

    if (prog != NULL) {
        strvec_push(args, prog);
        strvec_push(args, "--output-style=GNU");
        strvec_push(args, "--print-address");
        strvec_push(args, "--inlines");
        strvec_push(args, "--demangle");
        strvec_push(args, "--basenames");
        strvec_pushf(args, "--obj=%s", module);
    }
    else if ((prog = symbolize_find_program("addr2line")) != NULL) {
        const char *const flags[] = {"-a", "-f", "-i", "-C", "-s", "-e",
                                     module, NULL};
        strvec_push(args, prog);
        strvec_pushv(args, flags);
    }
    free(prog);
    return args->nr > 0 ? 0 : -1;
}

/* The symbolizer's output for the entries todo[0..n), in that order. */
static void
parse_answer(struct sym_module *m, const size_t *todo, size_t n,
             char *out)
{
    size_t idx = 0;
    int started = 0;
    char *fn = NULL;

    for (char *nl, *line = out; (nl = strchr(line, '\n')) != NULL;
         line = nl + 1) {
        *nl = '\0';
        if (fn == NULL && strncmp(line, "0x", 2) == 0) {
            idx += started;
            started = 1;
        }
        else if (!started || idx >= n) {
            continue;
        }
        else if (fn == NULL) {
            fn = line;
        }
        else {
            entry_add(&m->entries[todo[idx]], fn, strlen(fn), line,
                      strlen(line));
            fn = NULL;
        }
    }
}

/* Appends the answers of todo[0..n) to the cache file, in one write. */
static void
write_cached(const struct sym_module *m, const size_t *todo, size_t n,
             const char *file)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t i = 0; i < n; i++) {
        const struct sym_entry *e = &m->entries[todo[i]];
        if (!e->named) {
            continue;
        }
        strbuf_addf(&sb, "%llx", e->off);
        for (size_t k = 0; k < e->fns.nr; k++) {
            /* The module+offset a frame without a line falls back to is
             * this run's: the cache says "??" as the symbolizer did. */
            const char *loc = strcmp(e->locs.v[k], e->loc) == 0
                                  ? "??"
                                  : e->locs.v[k];
            strbuf_addf(&sb, "\t%s\t%s",
                        strcmp(e->fns.v[k], "???") ? e->fns.v[k] : "??",
                        loc);
        }
        strbuf_addch(&sb, '\n');
    }
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t w;
        do {
            w = write(fd, sb.buf, sb.len);
        } while (w < 0 && errno == EINTR);
        close(fd);
    }
    strbuf_release(&sb);
}

/* Runs the symbolizer over m's entries still unnamed. */
static void
run_module(struct sym_module *m, const char *cache_file)
{
    struct strvec args = STRVEC_INIT;
    struct strbuf out = STRBUF_INIT;
    struct spawn_exit ex;
    size_t *todo = xcalloc(m->n ? m->n : 1, sizeof(size_t));
    size_t n = 0;

    for (size_t j = 0; j < m->n; j++) {
        if (!m->entries[j].named) {
            todo[n++] = j;
        }
    }
    if (n > 0 && symbolizer_argv(m->path, &args) == 0) {
        for (size_t i = 0; i < n; i++) {
            strvec_pushf(&args, "0x%llx", m->entries[todo[i]].off);
        }
        if (spawn_capture((const char *const *)args.v, &out, NULL,
                          SYMBOLIZE_TIMEOUT, &ex) == 0) {
            parse_answer(m, todo, n, out.buf ? out.buf : (char *)"");
            if (cache_file != NULL) {
                write_cached(m, todo, n, cache_file);
            }
        }
    }
    free(todo);
    strbuf_release(&out);
    strvec_clear(&args);
}

void
symbolizer_run(struct symbolizer *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct sym_module *m = &s->mods[i];
        struct strbuf id = STRBUF_INIT, err = STRBUF_INIT;
        char *file = NULL;

        if (!path_exists(m->path)) {
            continue;
        }
        if (s->dir != NULL && elfsym_build_id(m->path, &id, &err) == 0
            && util_mkdir_p(s->dir, 0755) == 0) {
            file = path_join(s->dir, id.buf);
            read_cached(m, file);
        }
        run_module(m, file);
        free(file);
        strbuf_release(&id);
        strbuf_release(&err);
    }
}

size_t
symbolizer_lookup(const struct symbolizer *s, const char *loc,
                  const char *const **fns, const char *const **locs)
{
    const struct sym_entry *e = entry_find(s, loc);

    if (e == NULL || !e->named) {
        return 0;
    }
    *fns = (const char *const *)e->fns.v;
    *locs = (const char *const *)e->locs.v;
    return e->fns.nr;
}

char *
symbolize_find_program(const char *name)
{
    const char *path = getenv("PATH");
    char *copy = xstrdup(path && *path ? path : "/usr/bin:/bin");
    char *save = NULL, *found = NULL;

    for (char *dir = strtok_r(copy, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char *p = path_join(dir, name);
        if (access(p, X_OK) == 0) {
            found = p;
        }
        else {
            free(p);
        }
    }
    free(copy);
    return found;
}
