/* libset_resolve.c - a ranged set resolved through pip: `install
 * --dry-run --report` read into name==version pins (or, with 3.6's pip,
 * a real install into the work directory read back), how old a
 * resolution may be, and what a result says about it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libs/libset_private.h"

/* PEP 503's normal form of a project name: lowercase, runs of -_. as
 * one '-'. */
static char *
normal_name(const char *name)
{
    struct strbuf sb = STRBUF_INIT;

    for (const char *p = name; *p; p++) {
        if (*p == '-' || *p == '_' || *p == '.') {
            if (sb.len == 0 || sb.buf[sb.len - 1] != '-') {
                strbuf_addch(&sb, '-');
            }
        }
        else {
            strbuf_addch(&sb, (char)tolower((unsigned char)*p));
        }
    }
    return strbuf_detach(&sb, NULL);
}

/* Whether a resolved item came from the index or a wheelhouse (it is
 * then pinned by NAME==VERSION when installed) rather than from one of
 * the set's own paths or repositories. */
static int
from_index(const struct libset *set, json_t *download)
{
    const char *url = json_string_value(json_object_get(download, "url"));

    if (json_object_get(download, "dir_info")
        || json_object_get(download, "vcs_info") || url == NULL) {
        return 0;
    }
    for (size_t i = 0; i < set->specs.nr; i++) {
        if (strncmp(url, "file://", 7) == 0
            && strcmp(url + 7, set->specs.v[i]) == 0) {
            return 0;
        }
    }
    return 1;
}

/* pip's --report: fills pins (every item, "name==version", sorted) and
 * args (the index items' pins, for the install).  0, or -1 with
 * job->why set. */
static int
read_report(struct job *job, const struct libset *set, const char *path,
            json_t *pins, json_t *args)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    json_t *items = json_object_get(doc, "install");
    json_t *item;
    size_t i;
    struct strvec sorted = STRVEC_INIT;

    if (!json_is_array(items)) {
        strbuf_addf(&job->why, "pip's report %s is unreadable: %s", path,
                    doc ? "no \"install\" list" : jerr.text);
        json_decref(doc);
        return -1;
    }
    json_array_foreach(items, i, item) {
        json_t *md = json_object_get(item, "metadata");
        const char *name = json_string_value(json_object_get(md, "name"));
        const char *version = json_string_value(json_object_get(md,
                                                                "version"));
        if (name == NULL || version == NULL) {
            continue;
        }
        char *norm = normal_name(name);
        strvec_pushf(&sorted, "%s==%s", norm, version);
        if (from_index(set, json_object_get(item, "download_info"))) {
            json_array_append_new(args, json_string(sorted.v[sorted.nr
                                                             - 1]));
        }
        free(norm);
    }
    qsort(sorted.v, sorted.nr, sizeof(char *), libset_cmp_str);
    for (i = 0; i < sorted.nr; i++) {
        json_array_append_new(pins, json_string(sorted.v[i]));
    }
    strvec_clear(&sorted);
    json_decref(doc);
    return 0;
}

/* The installed distributions of the staged site as sorted pins. */
static json_t *
staged_pins(struct job *job)
{
    char *site = path_join(job->wk.dir, "entry/site");
    json_t *dists = libset_installed_dists(site);
    json_t *pins = json_array();
    json_t *d;
    size_t i;

    json_array_foreach(dists, i, d) {
        char *norm = normal_name(json_string_value(json_object_get(d,
                                                                   "name")));
        json_array_append_new(pins, json_pack("s+++", norm, "==",
                                              json_string_value(
                                                  json_object_get(d,
                                                                  "version")),
                                              ""));
        free(norm);
    }
    json_decref(dists);
    free(site);
    return pins;
}

/* Resolves the set now.  With a pip that has `install --dry-run --report`
 * (22.2 and later) that is all it does; with an older one (3.6's 21.3.1)
 * it installs into the work directory and reads what was installed
 * (*staged set: the install is done).  Returns the resolution document,
 * or NULL with job->why set. */
static json_t *
resolve_now(struct job *job, const char *pipdir, const struct libset *set,
            int *staged)
{
    json_t *pins = json_array();
    json_t *args = json_array();
    const char *how;
    int rc;

    *staged = 0;
    if (libset_pip_number(job->pip) >= 220200) {
        char *report = path_join(job->wk.dir, "report.json");
        char *dry = path_join(job->wk.dir, "dry");
        const char *extra[] = {"--dry-run", "--ignore-installed", "--report",
                               report, NULL};
        struct strvec argv = STRVEC_INIT;
        libset_pip_argv(job, pipdir, dry, set, extra, NULL, &argv);
        rc = libset_run_pip(job, "pip install --dry-run", &argv);
        if (rc == 0) {
            rc = read_report(job, set, report, pins, args);
        }
        strvec_clear(&argv);
        free(report);
        free(dry);
        how = "pip install --dry-run --report";
    }
    else {
        rc = libset_stage_install(job, pipdir, set, NULL);
        if (rc == 0) {
            json_decref(pins);
            pins = staged_pins(job);
            *staged = 1;
        }
        how = "pip install (this pip has no --dry-run)";
    }
    if (rc < 0) {
        json_decref(pins);
        json_decref(args);
        return NULL;
    }
    char *when = util_utc_now("%Y-%m-%dT%H:%M:%SZ");
    json_t *doc = json_pack("{s:s, s:s, s:o, s:o, s:s, s:I, s:s, s:s}",
                            "set", set->name, "python", job->py->tag,
                            "resolved", pins, "pin_args", args,
                            "resolved_at", when, "resolved_epoch",
                            (json_int_t)time(NULL), "resolved_by", how,
                            "pip", job->pip);
    free(when);
    return doc;
}

int
libset_resolution_fresh(json_t *res, const struct libset_source *src)
{
    json_t *epoch = json_object_get(res, "resolved_epoch");
    double max = src->max_age_s > 0 ? src->max_age_s : LIBSET_MAX_AGE_S;
    double age;

    if (res == NULL || src->refresh || !json_is_integer(epoch)
        || !json_is_array(json_object_get(res, "resolved"))) {
        return 0;
    }
    age = difftime(time(NULL), (time_t)json_integer_value(epoch));
    return age >= -60 && age < max;
}

void
libset_annotate(json_t *meta, const struct libset *set, json_t *res)
{
    json_t *req = json_array();

    for (size_t i = 0; i < set->specs.nr; i++) {
        json_array_append_new(req, json_string(set->specs.v[i]));
    }
    json_object_set_new(meta, "set", json_string(set->name));
    json_object_set_new(meta, "requested", req);
    json_object_set(meta, "resolved", json_object_get(res, "resolved"));
    json_object_set(meta, "resolved_at", json_object_get(res,
                                                         "resolved_at"));
    json_object_set(meta, "resolved_by", json_object_get(res,
                                                         "resolved_by"));
}

int
libset_refresh_resolution(struct job *job, const struct libset *set,
                          const char *pipdir, const char *dir,
                          const char *file, json_t **res, int *staged)
{
    json_t *now = resolve_now(job, pipdir, set, staged);

    if (now == NULL && *res == NULL) {
        return -1;
    }
    if (now == NULL) {
        const char *when = json_string_value(json_object_get(*res,
                                                             "resolved_at"));
        lmx_warn("cannot resolve '%s' for %s again (%s); using its "
                 "resolution of %s", set->name, job->py->tag, job->why.buf,
                 when ? when : "earlier");
        strbuf_reset(&job->why);
        return 0;
    }
    json_decref(*res);
    *res = now;
    if (store_meta_write(dir, file, now) < 0) {
        lmx_warn("cannot write %s/%s: %s (the set is resolved again next "
                 "time)", dir, file, strerror(errno));
    }
    return 0;
}
