/* registry_manifest.c - the files between the registry and meson: the
 * manifest pythons.txt and one pkg-config file per interpreter (written),
 * runners.txt (read, to attach the runners this build directory has), and
 * what a new manifest drops against the old one, with the reason.
 */
#include "interp/registry.h"

#include <stdlib.h>
#include <string.h>

/* Splits text made of "tag<TAB>executable" lines ('#' lines are
 * comments), in place, into tags and exes, index for index. */
static void
parse_tag_list(char *text, struct strvec *tags, struct strvec *exes)
{
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
        }
        char *tab = strchr(line, '\t');
        if (*line != '#' && tab) {
            *tab = '\0';
            strvec_push(tags, line);
            strvec_push(exes, tab + 1);
        }
        if (nl == NULL) {
            break;
        }
    }
}

/* The same for a file; 0, or -1 with errno. */
static int
read_tag_list(const char *path, struct strvec *tags, struct strvec *exes)
{
    struct strbuf sb = STRBUF_INIT;

    if (util_read_file(path, &sb) < 0) {
        return -1;
    }
    parse_tag_list(sb.buf, tags, exes);
    strbuf_release(&sb);
    return 0;
}

static int
tag_list_has(const struct strvec *tags, const struct strvec *exes,
             const char *tag, const char *exe)
{
    for (size_t i = 0; i < tags->nr; i++) {
        if (strcmp(tags->v[i], tag) == 0 && strcmp(exes->v[i], exe) == 0) {
            return 1;
        }
    }
    return 0;
}

void
registry_attach_runners(struct registry *reg, const char *runner_dir)
{
    struct strvec tags = STRVEC_INIT, exes = STRVEC_INIT;
    char *list = path_join(runner_dir, "runners.txt");

    read_tag_list(list, &tags, &exes);
    for (size_t i = 0; i < reg->nr; i++) {
        struct python *py = &reg->v[i];
        if (!py->embeddable || py->runner || py->executable == NULL
            || !tag_list_has(&tags, &exes, py->tag, py->executable)) {
            continue;
        }
        char *name = xasprintf("leakmatrix-run-%s", py->tag);
        char *path = path_join(runner_dir, name);
        if (path_is_executable(path)) {
            py->runner = path;
        }
        else {
            free(path);
        }
        free(name);
    }
    strvec_clear(&tags);
    strvec_clear(&exes);
    free(list);
}

/* Why the interpreter the old manifest had as tag/exe is gone. */
static void
why_dropped(const struct registry *reg, const char *tag, const char *exe,
            struct strbuf *why)
{
    const struct python *same_tag = registry_find(reg, tag);
    char *real = path_real(exe);

    for (size_t i = 0; real && i < reg->nr; i++) {
        const struct python *py = &reg->v[i];
        char *other = path_real(py->executable);
        int same = other && strcmp(other, real) == 0;
        free(other);
        if (same && !py->embeddable) {
            strbuf_addf(why, "not embeddable any more: %s", py->why_not);
            goto out;
        }
        if (same) {
            strbuf_addf(why, "it is listed as %s (%s) now", py->tag,
                        py->executable);
            goto out;
        }
    }
    if (real == NULL || !path_is_executable(real)) {
        strbuf_adds(why, "no longer found");
    }
    else {
        /* It is there but discovery could not use it: ask it again, for
         * the reason. */
        struct registry again = REGISTRY_INIT;
        struct strbuf err = STRBUF_INIT;
        if (registry_probe(&again, exe, PYTHON_ORIGIN_ADDED, &err) < 0) {
            strbuf_adds(why, err.len ? err.buf : "it cannot be run");
        }
        else {
            strbuf_adds(why, "no longer among the places discovery looks");
        }
        strbuf_release(&err);
        registry_release(&again);
    }
    if (same_tag) {
        strbuf_addf(why, "; %s is now %s", tag, same_tag->executable);
    }

out:
    free(real);
}

void
registry_dropped(const struct registry *reg, const char *old_manifest,
                 struct strvec *out)
{
    struct strvec tags = STRVEC_INIT, exes = STRVEC_INIT;
    struct strbuf text = STRBUF_INIT;
    struct strbuf why = STRBUF_INIT;

    if (old_manifest == NULL) {
        return;
    }
    strbuf_adds(&text, old_manifest);
    parse_tag_list(text.buf, &tags, &exes);
    for (size_t i = 0; i < tags.nr; i++) {
        const struct python *py = registry_find(reg, tags.v[i]);
        if (py && py->embeddable && py->executable
            && strcmp(py->executable, exes.v[i]) == 0) {
            continue;
        }
        strbuf_reset(&why);
        why_dropped(reg, tags.v[i], exes.v[i], &why);
        strvec_pushf(out, "%s (%s): %s", tags.v[i], exes.v[i], why.buf);
    }
    strbuf_release(&why);
    strbuf_release(&text);
    strvec_clear(&tags);
    strvec_clear(&exes);
}

/* Writes path only when its content differs; 1 written, 0 same, -1. */
static int
write_if_changed(const char *path, const struct strbuf *content)
{
    struct strbuf old = STRBUF_INIT;
    int same = util_read_file(path, &old) == 0 && old.len == content->len
               && memcmp(old.buf, content->buf, old.len) == 0;
    strbuf_release(&old);
    if (same) {
        return 0;
    }
    return util_write_file_atomic(path, content->buf, content->len) < 0 ? -1
                                                                         : 1;
}

int
registry_write_manifest(const struct registry *reg, const char *dir)
{
    struct strbuf manifest = STRBUF_INIT;
    int changed = 0;

    if (util_mkdir_p(dir, 0755) < 0) {
        return -1;
    }
    strbuf_adds(&manifest, "# written by `leakmatrix pythons sync`; "
                           "read by meson.build\n");
    for (size_t i = 0; i < reg->nr; i++) {
        const struct python *py = &reg->v[i];
        if (!py->embeddable) {
            continue;
        }
        struct strbuf pc = STRBUF_INIT;
        struct strbuf fl = STRBUF_INIT;
        registry_flavour(py, &fl);
        strbuf_addf(&pc,
                    "# generated by leakmatrix from %s\n"
                    "tag=%s\n"
                    "executable=%s\n"
                    "prefix=%s\n"
                    "libdir=%s\n"
                    "ext_suffix=%s\n"
                    "flavour=%s\n"
                    "\n"
                    "Name: leakmatrix-python-%s\n"
                    "Description: CPython %s (%s, %s) for leakmatrix\n"
                    "Version: %s\n"
                    "Cflags: %s\n"
                    "Libs: %s\n",
                    py->pc_module ? py->pc_module : "sysconfig", py->tag,
                    py->executable, py->prefix ? py->prefix : "",
                    py->libdir ? py->libdir : "",
                    py->ext_suffix ? py->ext_suffix : ".so", fl.buf, py->tag,
                    py->version, fl.buf, registry_origin_name(py->origin),
                    py->version, py->cflags, py->libs);
        char *name = xasprintf("leakmatrix-python-%s.pc", py->tag);
        char *path = path_join(dir, name);
        int r = write_if_changed(path, &pc);
        free(path);
        free(name);
        strbuf_release(&pc);
        strbuf_release(&fl);
        if (r < 0) {
            strbuf_release(&manifest);
            return -1;
        }
        strbuf_addf(&manifest, "%s\t%s\n", py->tag, py->executable);
    }
    char *mpath = path_join(dir, "pythons.txt");
    int r = write_if_changed(mpath, &manifest);
    free(mpath);
    strbuf_release(&manifest);
    if (r < 0) {
        return -1;
    }
    changed = r;
    return changed;
}
