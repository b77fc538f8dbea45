/* cmd_bisect_versions.c - what `leakmatrix bisect` searches over
 * (cmd_bisect_private.h): a library's released versions, from --versions,
 * a --find-links folder or the package index, sorted and trimmed to the
 * good and bad ones given, or the first-parent commits of a git
 * repository between them.  The probes and the search are cmd_bisect.c's.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_bisect_private.h"
#include "libs/libset.h"
#include "base/spawn.h"
#include "base/util.h"

/* ---- the version list ------------------------------------------------ */

/* A released version: digits separated by dots, nothing else. */
static int
release_version(const char *v)
{
    if (!isdigit((unsigned char)*v)) {
        return 0;
    }
    for (; *v; v++) {
        if (!isdigit((unsigned char)*v)
            && !(*v == '.' && isdigit((unsigned char)v[1]))) {
            return 0;
        }
    }
    return 1;
}

static int
version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        unsigned long x = strtoul(a, (char **)&a, 10);
        unsigned long y = strtoul(b, (char **)&b, 10);
        if (x != y) {
            return x < y ? -1 : 1;
        }
        a += *a == '.';
        b += *b == '.';
    }
    return 0;
}

static int
cmp_versions(const void *x, const void *y)
{
    return version_cmp(*(const char *const *)x, *(const char *const *)y);
}

/* "Lz4-Tools" and "lz4_tools" are one project (PEP 503). */
static int
same_project(const char *a, size_t alen, const char *b)
{
    size_t i = 0;

    for (; i < alen && *b; i++, b++) {
        char x = (char)tolower((unsigned char)a[i]);
        char y = (char)tolower((unsigned char)*b);
        x = x == '-' || x == '.' ? '_' : x;
        y = y == '-' || y == '.' ? '_' : y;
        if (x != y) {
            return 0;
        }
    }
    return i == alen && *b == '\0';
}

/* NAME-VERSION-....whl, NAME-VERSION.tar.gz or .zip in dir. */
static void
versions_from_dir(const char *dir, const char *name, struct strvec *out)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    while (d && (de = readdir(d)) != NULL) {
        char *file = xstrdup(de->d_name);
        size_t n = strlen(file);
        char *dash;
        if (n > 4 && strcmp(file + n - 4, ".whl") == 0) {
            dash = strchr(file, '-');
            if (dash && strchr(dash + 1, '-')) {
                *strchr(dash + 1, '-') = '\0';
            }
        }
        else if (n > 7 && (strcmp(file + n - 7, ".tar.gz") == 0
                           || strcmp(file + n - 4, ".zip") == 0)) {
            file[n - (file[n - 1] == 'z' && file[n - 2] == 'g' ? 7 : 4)] =
                '\0';
            dash = strrchr(file, '-');
        }
        else {
            dash = NULL;
        }
        if (dash && same_project(file, (size_t)(dash - file), name)
            && release_version(dash + 1)) {
            strvec_push(out, dash + 1);
        }
        free(file);
    }
    if (d) {
        closedir(d);
    }
}

/* The project's versions from PyPI's JSON simple API (PEP 691/700). */
static int
versions_from_index(const char *name, struct strvec *out)
{
    char *url = xasprintf("https://pypi.org/simple/%s/", name);
    const char *argv[] = {"curl", "-fsSL", "--retry", "2", "-H",
                          "Accept: application/vnd.pypi.simple.v1+json",
                          url, NULL};
    struct strbuf body = STRBUF_INIT;
    struct spawn_exit ex;
    int rc = -1;

    if (spawn_capture(argv, &body, NULL, 120, &ex) == 0) {
        json_t *doc = json_loads(body.buf, 0, NULL);
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(doc, "versions"), i, v) {
            const char *s = json_string_value(v);
            if (s && release_version(s)) {
                strvec_push(out, s);
            }
        }
        rc = json_is_array(json_object_get(doc, "versions")) ? 0 : -1;
        json_decref(doc);
    }
    if (rc < 0) {
        lmx_error("bisect: cannot list the versions of %s from %s; pass "
                  "--versions v1,v2,... or --find-links DIR",
                  name, url);
    }
    strbuf_release(&body);
    free(url);
    return rc;
}

/* Sorted, unique, from the older end to the newer, inclusive. */
static int
trim_versions(struct bisect *b, struct strvec *all)
{
    const char *older = b->find_fixed ? b->bad : b->good;
    const char *newer = b->find_fixed ? b->good : b->bad;
    int has_older = 0, has_newer = 0;

    qsort(all->v, all->nr, sizeof(char *), cmp_versions);
    for (size_t i = 0; i < all->nr; i++) {
        const char *v = all->v[i];
        if (i && version_cmp(all->v[i - 1], v) == 0) {
            continue;
        }
        has_older |= version_cmp(v, older) == 0;
        has_newer |= version_cmp(v, newer) == 0;
        if (version_cmp(v, older) >= 0 && version_cmp(v, newer) <= 0) {
            strvec_push(&b->list, v);
        }
    }
    if (!has_older || !has_newer) {
        lmx_error("bisect: %s is not among the released versions of %s "
                  "found (%zu of them)", !has_older ? older : newer,
                  b->lib, all->nr);
        return -1;
    }
    if (version_cmp(older, newer) >= 0) {
        lmx_error("bisect: %s %s must be older than %s %s%s",
                  b->find_fixed ? "--bad" : "--good", older,
                  b->find_fixed ? "--good" : "--bad", newer,
                  b->find_fixed ? "" : " (to find a fix, use --find fixed)");
        return -1;
    }
    return 0;
}

int
bisect_list_versions(struct bisect *b)
{
    struct strvec all = STRVEC_INIT;
    struct strbuf err = STRBUF_INIT;
    int rc = -1;

    if (libset_spec_check(b->lib, &err) < 0 || strpbrk(b->lib, "=<>!~[/")) {
        lmx_error("bisect: --lib names a project (lz4tools), not '%s'",
                  b->lib);
        goto out;
    }
    if (b->versions) {
        char *copy = xstrdup(b->versions), *save = NULL;
        for (char *v = strtok_r(copy, ", ", &save); v;
             v = strtok_r(NULL, ", ", &save)) {
            if (!release_version(v)) {
                lmx_error("bisect: '%s' in --versions is not a version", v);
                free(copy);
                goto out;
            }
            strvec_push(&all, v);
        }
        free(copy);
    }
    else if (b->req.lib_source.find_links) {
        versions_from_dir(b->req.lib_source.find_links, b->lib, &all);
    }
    else if (versions_from_index(b->lib, &all) < 0) {
        goto out;
    }
    rc = trim_versions(b, &all);
out:
    strbuf_release(&err);
    strvec_clear(&all);
    return rc;
}

/* The first-parent commits from the older revision to the newer. */
int
bisect_list_commits(struct bisect *b)
{
    const char *older = b->find_fixed ? b->bad : b->good;
    const char *newer = b->find_fixed ? b->good : b->bad;
    char *range = xasprintf("%s..%s", older, newer);
    char *base = xasprintf("%s^{commit}", older);
    const char *head[] = {"git", "-C", b->git_real, "rev-parse", "--verify",
                          "-q", base, NULL};
    const char *log[] = {"git", "-C", b->git_real, "rev-list",
                         "--first-parent", "--reverse", range, NULL};
    struct strbuf out = STRBUF_INIT;
    struct spawn_exit ex;
    int rc = -1;

    if (spawn_capture(head, &out, NULL, 60, &ex) != 0) {
        lmx_error("bisect: %s is not a revision of %s", older, b->git_real);
        goto out;
    }
    strbuf_rtrim(&out);
    strvec_push(&b->list, out.buf);
    strbuf_reset(&out);
    if (spawn_capture(log, &out, NULL, 60, &ex) != 0) {
        lmx_error("bisect: cannot list %s in %s", range, b->git_real);
        goto out;
    }
    char *save = NULL;
    for (char *c = strtok_r(out.buf, "\n", &save); c;
         c = strtok_r(NULL, "\n", &save)) {
        strvec_push(&b->list, c);
    }
    if (b->list.nr < 2) {
        lmx_error("bisect: %s is not newer than %s in %s", newer, older,
                  b->git_real);
        goto out;
    }
    rc = 0;
out:
    strbuf_release(&out);
    free(range);
    free(base);
    return rc;
}
