/* registry.c - the registry's own data: releasing it, origins and tags,
 * finding and selecting entries (by tag or version prefix), the flavour
 * and the table and JSON renderings.  Where entries come from is
 * registry_discover.c's (the places) and registry_probe.c's (the asking);
 * the files meson reads are registry_manifest.c's.
 */
#include "interp/registry.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void
python_release(struct python *py)
{
    free(py->tag);
    free(py->version);
    free(py->executable);
    free(py->prefix);
    free(py->config_args);
    free(py->ext_suffix);
    free(py->libdir);
    free(py->loader);
    free(py->built_from);
    free(py->suppressions);
    free(py->why_not);
    free(py->pc_module);
    free(py->pc_dir);
    free(py->cflags);
    free(py->libs);
    free(py->runner);
    memset(py, 0, sizeof(*py));
}

void
registry_release(struct registry *reg)
{
    for (size_t i = 0; i < reg->nr; i++) {
        python_release(&reg->v[i]);
    }
    free(reg->v);
    reg->v = NULL;
    reg->nr = 0;
    reg->alloc = 0;
    strvec_clear(&reg->broken);
}

const char *
registry_broken(const struct registry *reg, const char *tag)
{
    for (size_t i = 0; i + 1 < reg->broken.nr; i += 2) {
        if (strcmp(reg->broken.v[i], tag) == 0) {
            return reg->broken.v[i + 1];
        }
    }
    return NULL;
}

const char *
registry_origin_name(enum python_origin origin)
{
    switch (origin) {
    case PYTHON_ORIGIN_BUILT:
        return "built";
    case PYTHON_ORIGIN_PYENV:
        return "pyenv";
    case PYTHON_ORIGIN_SYSTEM:
        return "system";
    case PYTHON_ORIGIN_DEBIAN_DBG:
        return "debian-dbg";
    case PYTHON_ORIGIN_ADDED:
        return "added";
    }
    return "unknown";
}

int
registry_version_supported(unsigned long hexversion)
{
    return hexversion >= REGISTRY_OLDEST_HEXVERSION
           && hexversion < REGISTRY_PAST_NEWEST_HEXVERSION;
}

int
registry_tag_valid(const char *tag, const char **why)
{
    const char *reason = NULL;
    size_t len = tag ? strlen(tag) : 0;

    if (len == 0) {
        reason = "it is empty";
    }
    else if (len > 64) {
        reason = "it is longer than 64 characters";
    }
    else if (tag[0] == '.' || tag[0] == '-') {
        reason = "it starts with '.' or '-'";
    }
    else if (strspn(tag, "abcdefghijklmnopqrstuvwxyz"
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") != len) {
        reason = "use only letters, digits and . _ + -";
    }
    if (reason && why) {
        *why = reason;
    }
    return reason == NULL;
}

struct python *
registry_find(const struct registry *reg, const char *tag)
{
    for (size_t i = 0; i < reg->nr; i++) {
        if (reg->v[i].tag && strcmp(reg->v[i].tag, tag) == 0) {
            return &reg->v[i];
        }
    }
    return NULL;
}

size_t
registry_select(const struct registry *reg, const char *sel,
                struct python **out, size_t *nout, size_t max)
{
    size_t found = 0;
    size_t len = strlen(sel);
    /* An exact tag selects that one alone: "3.11.2" is not also
     * "3.11.2-debug". */
    int exact = registry_find(reg, sel) != NULL;

    for (size_t i = 0; i < reg->nr; i++) {
        struct python *py = &reg->v[i];
        int match = strcmp(py->tag, sel) == 0;
        if (exact && !match) {
            continue;
        }
        /* A prefix must end where a version component ends. */
        if (!match && len > 0 && strncmp(py->tag, sel, len) == 0) {
            char next = py->tag[len];
            match = next == '.' || next == '-';
        }
        if (!match) {
            continue;
        }
        found++;
        int dup = 0;
        for (size_t j = 0; j < *nout; j++) {
            dup |= out[j] == py;
        }
        if (!dup && *nout < max) {
            out[(*nout)++] = py;
        }
    }
    return found;
}

void
registry_flavour(const struct python *py, struct strbuf *sb)
{
    strbuf_adds(sb, py->debug ? "debug" : "release");
    if (!py->pymalloc) {
        strbuf_adds(sb, "+malloc");
    }
    if (py->free_threaded) {
        strbuf_adds(sb, "+free-threaded");
    }
    if (py->with_valgrind) {
        strbuf_adds(sb, "+valgrind");
    }
}

void
registry_format_text(const struct registry *reg, struct strbuf *out)
{
    size_t tagw = 3;
    size_t flw = 22;

    for (size_t i = 0; i < reg->nr; i++) {
        struct strbuf fl = STRBUF_INIT;
        size_t n = strlen(reg->v[i].tag);
        tagw = n > tagw ? n : tagw;
        registry_flavour(&reg->v[i], &fl);
        flw = fl.len > flw ? fl.len : flw;
        strbuf_release(&fl);
    }
    strbuf_addf(out, "%-*s  %-10s  %-*s  %-10s  %-8s  %s\n", (int)tagw,
                "TAG", "VERSION", (int)flw, "FLAVOUR", "ORIGIN", "RUNNER",
                "PREFIX");
    for (size_t i = 0; i < reg->nr; i++) {
        const struct python *py = &reg->v[i];
        struct strbuf fl = STRBUF_INIT;
        registry_flavour(py, &fl);
        strbuf_addf(out, "%-*s  %-10s  %-*s  %-10s  %-8s  %s\n",
                    (int)tagw, py->tag, py->version, (int)flw, fl.buf,
                    registry_origin_name(py->origin),
                    !py->embeddable ? "-" : py->runner ? "built" : "missing",
                    py->prefix ? py->prefix : "?");
        if (py->built_from) {
            strbuf_addf(out, "%-*s  from: %s\n", (int)tagw, "",
                        py->built_from);
        }
        if (!py->embeddable) {
            strbuf_addf(out, "%-*s  not embeddable: %s\n", (int)tagw, "",
                        py->why_not);
        }
        else if (py->runner == NULL) {
            strbuf_addf(out, "%-*s  no runner: %s\n", (int)tagw, "",
                        REGISTRY_NO_RUNNER_HINT);
        }
        strbuf_release(&fl);
    }
}

static json_t *
json_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int
registry_format_json(const struct registry *reg, struct strbuf *out)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < reg->nr; i++) {
        const struct python *py = &reg->v[i];
        struct strbuf fl = STRBUF_INIT;
        registry_flavour(py, &fl);
        json_t *o = json_object();
        json_object_set_new(o, "tag", json_string(py->tag));
        json_object_set_new(o, "version", json_string(py->version));
        json_object_set_new(o, "built_from", json_str_or_null(py->built_from));
        json_object_set_new(o, "free_threaded",
                            json_boolean(py->free_threaded));
        json_object_set_new(o, "loader", json_str_or_null(py->loader));
        json_object_set_new(o, "hexversion",
                            json_integer((json_int_t)py->hexversion));
        json_object_set_new(o, "flavour", json_string(fl.buf));
        json_object_set_new(o, "debug", json_boolean(py->debug));
        json_object_set_new(o, "pymalloc", json_boolean(py->pymalloc));
        json_object_set_new(o, "with_valgrind",
                            json_boolean(py->with_valgrind));
        json_object_set_new(o, "embeddable", json_boolean(py->embeddable));
        json_object_set_new(o, "why_not", json_str_or_null(py->why_not));
        json_object_set_new(o, "prefix", json_str_or_null(py->prefix));
        json_object_set_new(o, "executable",
                            json_str_or_null(py->executable));
        json_object_set_new(o, "origin",
                            json_string(registry_origin_name(py->origin)));
        json_object_set_new(o, "pkg_config",
                            json_str_or_null(py->pc_module));
        json_object_set_new(o, "config_args",
                            json_str_or_null(py->config_args));
        json_object_set_new(o, "suppressions",
                            json_str_or_null(py->suppressions));
        json_object_set_new(o, "runner", json_str_or_null(py->runner));
        json_array_append_new(arr, o);
        strbuf_release(&fl);
    }
    char *text = json_dumps(arr, JSON_INDENT(2));
    json_decref(arr);
    if (text == NULL) {
        return -1;
    }
    strbuf_adds(out, text);
    strbuf_addch(out, '\n');
    free(text);
    return 0;
}
