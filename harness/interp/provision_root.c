/* provision_root.c - the pythons root (provision.h draws its layout): the
 * tag rules and the source's version a tag is made from
 * (Include/patchlevel.h), builds already there and their
 * leakmatrix-build.json, the work directory and log, the per-tag lock and
 * the final commit.  The locks and renames themselves are store.c's.
 */
#include "interp/provision_private.h"
#include "base/interrupt.h"
#include "interp/registry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- Tags and build records ------------------------------------------ */

int
provision_tag_valid(const char *tag, const char **why)
{
    if (!registry_tag_valid(tag, why)) {
        return 0;
    }
    if (strcmp(tag, "logs") == 0) {
        if (why) {
            *why = "'logs' is the log directory's name";
        }
        return 0;
    }
    return 1;
}

char *
provision_make_tag(const char *version, int debug)
{
    return xasprintf("%s%s", version, debug ? "-debug" : "");
}

int
provision_json_get_string(const char *json, const char *key,
                          struct strbuf *out)
{
    json_t *doc = json_loads(json, 0, NULL);
    const char *v = json_string_value(json_object_get(doc, key));
    int rc = v ? 0 : -1;

    if (v) {
        strbuf_adds(out, v);
    }
    json_decref(doc);
    return rc;
}

/* ---- The source's version -------------------------------------------- */

int
provision_patchlevel_version(const char *text, struct strbuf *out)
{
    const char *line = text;

    while (line && *line) {
        const char *p = line;
        const char *eol = strchr(line, '\n');

        line = eol ? eol + 1 : NULL;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p++ != '#') {
            continue;
        }
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (strncmp(p, "define", 6) != 0 || (p[6] != ' ' && p[6] != '\t')) {
            continue;
        }
        p += 6;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (strncmp(p, "PY_VERSION", 10) != 0
            || (p[10] != ' ' && p[10] != '\t')) {
            continue;
        }
        p += 10;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p != '"') {
            return -1;
        }
        const char *end = strchr(p + 1, '"');
        const char *nl = strchr(p + 1, '\n');
        if (end == NULL || (nl && nl < end)) {
            return -1;
        }
        char *v = xstrndup(p + 1, (size_t)(end - p - 1));
        int ok = isdigit((unsigned char)v[0]) && provision_tag_valid(v, NULL);
        if (ok) {
            strbuf_adds(out, v);
        }
        free(v);
        return ok ? 0 : -1;
    }
    return -1;
}

int
provision_source_version(const char *srcdir, struct strbuf *out)
{
    struct strbuf text = STRBUF_INIT;
    char *path = path_join(srcdir, "Include/patchlevel.h");
    int rc = util_read_file(path, &text);

    if (rc == 0) {
        rc = provision_patchlevel_version(text.buf, out);
        if (rc < 0) {
            errno = 0;
        }
    }
    int saved = errno;
    strbuf_release(&text);
    free(path);
    errno = saved;
    return rc;
}

/* ---- The pythons root ------------------------------------------------ */

/* Characters that configure, make or libtool-style scripts do not survive
 * in a prefix. */
static const char unsafe_path_chars[] = " \t\n\"'\\$`#;&|<>*?()[]{}";

int
build_setup_root(struct build *b, const char *root)
{
    if (root == NULL) {
        lmx_error("pythons build: no pythons root given");
        return LMX_EXIT_INFRA;
    }
    if (util_mkdir_p(root, 0755) < 0) {
        lmx_error("cannot create the pythons root '%s': %s", root,
                  strerror(errno));
        return LMX_EXIT_INFRA;
    }
    b->root = path_real(root);
    if (b->root == NULL) {
        lmx_error("cannot resolve '%s': %s", root, strerror(errno));
        return LMX_EXIT_INFRA;
    }
    if (b->root[strcspn(b->root, unsafe_path_chars)] != '\0') {
        lmx_error("the pythons root '%s' contains a space or shell "
                  "character, which CPython's build cannot handle; use a "
                  "build directory configured for a cache with a plain "
                  "path (-Dcache_dir=DIR)", b->root);
        return LMX_EXIT_USAGE;
    }
    return 0;
}

/* Whether <root>/<tag> is a complete build: 1 when it holds
 * leakmatrix-build.json, 0 when it does not exist, -1 when something else
 * occupies the name. */
static int
built_state(const char *root, const char *tag)
{
    char *dir = path_join(root, tag);
    char *json = path_join(dir, BUILD_JSON);
    int state = path_exists(json) ? 1 : path_exists(dir) ? -1 : 0;

    free(json);
    free(dir);
    return state;
}

static int
report_existing(const struct build *b, const char *tag)
{
    char *dir = path_join(b->root, tag);
    char *json = path_join(dir, BUILD_JSON);
    struct strbuf text = STRBUF_INIT;
    struct strbuf from = STRBUF_INIT;

    if (util_read_file(json, &text) == 0) {
        provision_json_get_string(text.buf, "request", &from);
    }
    fprintf(stderr, "%s is already built%s%s; pass --force to rebuild it, "
            "or --tag NAME to build beside it\n", tag,
            from.len ? " from " : "", from.buf);
    printf("%s\t%s\n", dir, tag);
    fflush(stdout);
    strbuf_release(&text);
    strbuf_release(&from);
    free(json);
    free(dir);
    return LMX_EXIT_OK;
}

int
build_find_existing(const struct build *b)
{
    DIR *dir;
    struct dirent *de;
    int found = -1;

    if (b->tag) {
        int state = built_state(b->root, b->tag);
        if (state == 1) {
            return report_existing(b, b->tag);
        }
        if (state < 0) {
            lmx_error("'%s/%s' exists but was not built by leakmatrix; "
                      "remove it, pass --force to replace it, or choose "
                      "another --tag", b->root, b->tag);
            return LMX_EXIT_USAGE;
        }
        return -1;
    }
    dir = opendir(b->root);
    if (dir == NULL) {
        return -1;
    }
    while (found < 0 && (de = readdir(dir)) != NULL) {
        struct strbuf text = STRBUF_INIT;
        struct strbuf req = STRBUF_INIT;
        if (de->d_name[0] == '.' || !provision_tag_valid(de->d_name, NULL)) {
            continue;
        }
        char *json = xasprintf("%s/%s/%s", b->root, de->d_name, BUILD_JSON);
        if (util_read_file(json, &text) == 0
            && provision_json_get_string(text.buf, "request", &req) == 0
            && strcmp(req.buf, b->request) == 0) {
            found = report_existing(b, de->d_name);
        }
        free(json);
        strbuf_release(&text);
        strbuf_release(&req);
    }
    closedir(dir);
    return found;
}

int
build_start_work(struct build *b)
{
    struct strbuf err = STRBUF_INIT;
    int rc = LMX_EXIT_INFRA;
    time_t now = time(NULL);

    if (store_open(&b->store, b->root, &err) < 0
        || store_work_begin(&b->store, &b->wk, &err) < 0) {
        lmx_error("%s", err.buf);
        strbuf_release(&err);
        return rc;
    }
    b->work = b->wk.dir;

    strftime(b->stamp, sizeof(b->stamp), "%Y%m%d-%H%M%S", localtime(&now));
    char *base;
    if (b->tag || b->debian) {
        base = xstrdup(b->name);
    }
    else {
        const char *s = b->tarball ? b->tarball : b->url;
        const char *slash = strrchr(s, '/');
        char *file = xstrdup(slash && slash[1] ? slash + 1 : s);
        static const char *const suffixes[] = {
            ".tar.xz", ".tar.gz", ".tar.bz2", ".tgz", ".txz", ".tar", NULL,
        };
        for (size_t i = 0; suffixes[i]; i++) {
            if (util_ends_with(file, suffixes[i])) {
                file[strlen(file) - strlen(suffixes[i])] = '\0';
                break;
            }
        }
        base = xstrdup(*file ? file : "source");
        free(file);
    }
    b->log_path = store_log_path(&b->store, base, b->stamp);
    free(base);
    b->log_fd = open(b->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                     0644);
    if (b->log_fd < 0) {
        lmx_error("cannot create the log '%s': %s", b->log_path,
                  strerror(errno));
        goto out;
    }
    build_log_note(b, "leakmatrix pythons build: %s", b->request);
    build_log_note(b, "pythons root %s, work directory %s", b->root, b->work);
    rc = 0;
out:
    return rc;
}

/* ---- The tag and the commit ------------------------------------------ */

int
build_settle_tag(struct build *b, int *exists)
{
    const char *why;
    char *configure = b->srcdir ? path_join(b->srcdir, "configure") : NULL;
    int is_source = configure && path_exists(configure);

    free(configure);
    *exists = 0;
    if (b->binary) {
        /* The version came from apt (build_fetch_binary()). */
    }
    else if (!is_source
             || provision_source_version(b->srcdir, &b->version) < 0) {
        build_error(b, "%s is not a CPython source tree (no configure, or "
                    "no PY_VERSION in Include/patchlevel.h)", b->name);
        return LMX_EXIT_USAGE;
    }
    b->final_tag = b->tag ? xstrdup(b->tag)
                          : provision_make_tag(b->version.buf, b->debug);
    if (!provision_tag_valid(b->final_tag, &why)) {
        build_error(b, "cannot use the tag '%s': %s; pass --tag NAME",
                    b->final_tag, why);
        return LMX_EXIT_USAGE;
    }
    free(b->name);
    b->name = xstrdup(b->final_tag);
    build_log_note(b, "version %s, tag %s", b->version.buf, b->final_tag);

    /* The log takes the tag's name (unless one is there already). */
    char *path = store_log_path(&b->store, b->final_tag, b->stamp);
    if (strcmp(path, b->log_path) != 0 && link(b->log_path, path) == 0) {
        unlink(b->log_path);
        free(b->log_path);
        b->log_path = path;
    }
    else {
        free(path);
    }

    char *key = xasprintf("tag-%s", b->final_tag);
    char *waiting = xasprintf("waiting for another build of %s to finish "
                              "...", b->final_tag);
    b->tag_lock_fd = store_lock_key(&b->store, key, waiting, interrupt_flag());
    free(waiting);
    free(key);
    if (b->tag_lock_fd < 0) {
        if (!interrupt_pending()) {
            build_error(b, "cannot lock the tag %s: %s", b->final_tag,
                        strerror(errno));
        }
        return LMX_EXIT_INFRA;
    }
    b->prefix = path_join(b->root, b->final_tag);
    if (!b->force) {
        int state = built_state(b->root, b->final_tag);
        if (state == 1) {
            *exists = 1;
            return report_existing(b, b->final_tag);
        }
        if (state < 0) {
            build_error(b, "'%s' exists but was not built by leakmatrix; "
                        "remove it, pass --force to replace it, or pass "
                        "--tag NAME", b->prefix);
            return LMX_EXIT_USAGE;
        }
    }
    return 0;
}

int
build_commit_prefix(struct build *b)
{
    struct strbuf err = STRBUF_INIT;
    int rc = store_commit(&b->wk, b->staged_prefix, b->prefix, b->force,
                          &err);

    if (rc < 0) {
        build_error(b, "cannot install the new build: %s", err.buf);
    }
    strbuf_release(&err);
    return rc;
}
