/* registry_discover.c - where interpreters are looked for, in
 * registry.h's order: built by leakmatrix, pyenv, the system's python3.X
 * and -dbg, and the prefixes a user added (which registry_add_prefix()
 * records).  Each candidate found is asked by registry_probe_cached().
 */
#include "interp/registry.h"
#include "base/store.h"

#include <dirent.h>
#include <jansson.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int
compare_names(const void *a, const void *b)
{
    /* Version-aware: "3.9.18" before "3.10.13". */
    return strverscmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted entries of dir, or an empty vector when it does not exist.
 * -1 with errno when it exists but cannot be read. */
static int
list_dir(const char *dir, struct strvec *out)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (d == NULL) {
        return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.') {
            strvec_push(out, de->d_name);
        }
    }
    closedir(d);
    if (out->nr > 1) {
        qsort(out->v, out->nr, sizeof(*out->v), compare_names);
    }
    return 0;
}

/* A prefix's python3 executable: bin/python3, else bin/python3.X. */
static char *
prefix_python(const char *prefix)
{
    char *bin = path_join(prefix, "bin");
    char *exe = path_join(bin, "python3");
    struct strvec names = STRVEC_INIT;

    if (path_is_executable(exe)) {
        goto out;
    }
    free(exe);
    exe = NULL;
    list_dir(bin, &names);
    for (size_t i = names.nr; i-- > 0 && exe == NULL;) {
        const char *n = names.v[i];
        if (strncmp(n, "python3.", 8) == 0
            && strspn(n + 8, "0123456789") == strlen(n + 8)) {
            char *cand = path_join(bin, n);
            if (path_is_executable(cand)) {
                exe = cand;
            }
            else {
                free(cand);
            }
        }
    }
out:
    strvec_clear(&names);
    free(bin);
    return exe;
}

/* One discovery: where it looks, and whether it could look everywhere. */
struct discovery {
    struct registry *reg;
    const struct cache *cache;
    int use_cache;
    struct strbuf *err;  /* why it is incomplete; first reason only */
    int incomplete;
};

static void
discovery_failed(struct discovery *d, const char *what)
{
    if (!d->incomplete) {
        strbuf_addf(d->err, "cannot read %s: %s", what, strerror(errno));
    }
    d->incomplete = 1;
}

/* Probes the python3.X of prefix/bin.  -1 with why in err when there is
 * none or it cannot be run, else 0. */
static int
probe_prefix_err(struct discovery *d, const char *prefix,
                 enum python_origin origin, struct strbuf *err)
{
    char *exe = prefix_python(prefix);
    int rc = -1;

    if (exe) {
        rc = registry_probe_cached(d->reg, exe, origin, d->cache->probes,
                                   d->use_cache, err);
    }
    else {
        strbuf_addf(err, "no executable python3.X in %s/bin", prefix);
    }
    free(exe);
    return rc < 0 ? -1 : 0;
}

static void
probe_prefix(struct discovery *d, const char *prefix,
             enum python_origin origin)
{
    struct strbuf err = STRBUF_INIT;

    (void)probe_prefix_err(d, prefix, origin, &err);
    strbuf_release(&err);
}

/* What a leakmatrix build was made from, by its leakmatrix-build.json:
 * "debian-binary sid/python3.14 (3.14.10-1)".  Fresh, or NULL. */
static char *
built_from(const char *prefix)
{
    json_t *meta = store_meta_read(prefix, "leakmatrix-build.json");
    const char *request = json_string_value(json_object_get(meta, "request"));
    const char *debver = json_string_value(json_object_get(meta,
                                                           "debian_version"));
    char *from = NULL;

    if (request) {
        from = debver ? xasprintf("%s (%s)", request, debver)
                      : xstrdup(request);
    }
    json_decref(meta);
    return from;
}

static void
discover_built(struct discovery *d)
{
    const char *root = d->cache->pythons;
    struct registry *reg = d->reg;
    struct strvec names = STRVEC_INIT;

    if (list_dir(root, &names) < 0) {
        discovery_failed(d, root);
    }
    for (size_t i = 0; i < names.nr; i++) {
        char *prefix = path_join(root, names.v[i]);
        char *marker = path_join(prefix, "leakmatrix-build.json");
        /* Only complete builds carry the marker.  A build is named by
         * its directory, the tag it was built under (--tag may differ
         * from the version). */
        size_t had = reg->nr;
        struct strbuf why = STRBUF_INIT;
        if (path_exists(marker)
            && probe_prefix_err(d, prefix, PYTHON_ORIGIN_BUILT, &why) < 0
            && reg->nr == had) {
            strvec_push(&reg->broken, names.v[i]);
            strvec_push(&reg->broken, why.len ? why.buf : "it did not run");
        }
        strbuf_release(&why);
        if (reg->nr > had && registry_tag_valid(names.v[i], NULL)
            && registry_find(reg, names.v[i]) == NULL) {
            free(reg->v[had].tag);
            reg->v[had].tag = xstrdup(names.v[i]);
        }
        if (reg->nr > had) {
            reg->v[had].built_from = built_from(prefix);
        }
        free(marker);
        free(prefix);
    }
    strvec_clear(&names);
}

static void
discover_pyenv(struct discovery *d)
{
    const char *root_env = getenv("PYENV_ROOT");
    const char *home = getenv("HOME");
    char *root;
    struct strvec names = STRVEC_INIT;

    if (root_env && *root_env) {
        root = path_join(root_env, "versions");
    }
    else if (home && *home) {
        root = xasprintf("%s/.pyenv/versions", home);
    }
    else {
        return;
    }
    if (list_dir(root, &names) < 0) {
        discovery_failed(d, root);
    }
    for (size_t i = 0; i < names.nr; i++) {
        char *prefix = path_join(root, names.v[i]);
        probe_prefix(d, prefix, PYTHON_ORIGIN_PYENV);
        free(prefix);
    }
    strvec_clear(&names);
    free(root);
}

/* python3.X or python3.X-dbg / python3.Xd: 1 = release, 2 = debug. */
static int
system_python_kind(const char *name)
{
    if (strncmp(name, "python3.", 8) != 0) {
        return 0;
    }
    const char *p = name + 8;
    size_t digits = strspn(p, "0123456789");
    if (digits == 0) {
        return 0;
    }
    p += digits;
    if (*p == '\0') {
        return 1;
    }
    if (strcmp(p, "-dbg") == 0 || strcmp(p, "d") == 0) {
        return 2;
    }
    return 0;
}

static void
discover_system(struct discovery *d)
{
    const char *dirs[] = {"/usr/bin", "/usr/local/bin"};
    struct strbuf err = STRBUF_INIT;

    for (size_t i = 0; i < 2; i++) {
        struct strvec names = STRVEC_INIT;
        if (list_dir(dirs[i], &names) < 0) {
            discovery_failed(d, dirs[i]);
        }
        for (size_t j = 0; j < names.nr; j++) {
            int kind = system_python_kind(names.v[j]);
            if (kind == 0) {
                continue;
            }
            char *exe = path_join(dirs[i], names.v[j]);
            if (path_is_executable(exe)) {
                strbuf_reset(&err);
                registry_probe_cached(d->reg, exe,
                                      kind == 2 ? PYTHON_ORIGIN_DEBIAN_DBG
                                                : PYTHON_ORIGIN_SYSTEM,
                                      d->cache->probes, d->use_cache, &err);
            }
            free(exe);
        }
        strvec_clear(&names);
    }
    strbuf_release(&err);
}

static void
discover_added(struct discovery *d)
{
    const char *path = d->cache->added;
    struct strbuf sb = STRBUF_INIT;

    if (util_read_file(path, &sb) < 0) {
        if (errno != ENOENT) {
            discovery_failed(d, path);
        }
    }
    else {
        for (char *line = sb.buf, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            if (nl) {
                *nl = '\0';
            }
            if (*line == '/') {
                probe_prefix(d, line, PYTHON_ORIGIN_ADDED);
            }
            if (nl == NULL) {
                break;
            }
        }
    }
    strbuf_release(&sb);
}

int
registry_discover(struct registry *reg, const struct cache *cache,
                  const char *runner_dir, int use_cache, struct strbuf *err)
{
    struct discovery d = {reg, cache, use_cache, err, 0};

    discover_built(&d);
    discover_pyenv(&d);
    discover_system(&d);
    discover_added(&d);
    if (runner_dir) {
        registry_attach_runners(reg, runner_dir);
    }
    return d.incomplete ? -1 : 0;
}

int
registry_add_prefix(const struct cache *cache, const char *prefix,
                    struct strbuf *err)
{
    struct registry probe = REGISTRY_INIT;
    struct strbuf list = STRBUF_INIT;
    const char *path = cache->added;
    char *real = path_real(prefix);
    char *exe = NULL;
    int rc = -1;

    if (real == NULL || !path_is_dir(real)) {
        strbuf_addf(err, "%s is not a directory", prefix);
        goto out;
    }
    exe = prefix_python(real);
    if (exe == NULL) {
        strbuf_addf(err, "no python3 executable in %s/bin; give the "
                         "prefix the interpreter was installed into",
                    real);
        goto out;
    }
    if (registry_probe(&probe, exe, PYTHON_ORIGIN_ADDED, err) < 0) {
        goto out;
    }
    if (util_read_file(path, &list) < 0 && errno != ENOENT) {
        strbuf_addf(err, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    /* Already listed: nothing to do. */
    for (char *line = list.buf, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n == strlen(real) && strncmp(line, real, n) == 0) {
            rc = 0;
            goto out;
        }
        if (nl == NULL) {
            break;
        }
    }
    strbuf_addf(&list, "%s\n", real);
    if (util_mkdir_p(cache->root, 0755) < 0
        || util_write_file_atomic(path, list.buf, list.len) < 0) {
        strbuf_addf(err, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;

out:
    registry_release(&probe);
    strbuf_release(&list);
    free(real);
    free(exe);
    return rc;
}
