/* libset.c - libset_ensure(): each (interpreter, set) installed once into
 * the library store.  A pinned set goes to its entry or is installed
 * under its lock; a ranged one is resolved first (libset_resolve.c) and
 * goes to the entry of what it resolved to.  The store's locks, work
 * directories and final rename are store.c's (libset_private.h maps the
 * other files).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libs/libset_private.h"
#include "base/interrupt.h"

/* A pinned set, with its lock held: the work directory, the log, the
 * install. */
static int
install_pinned(struct job *job, const struct libset *set, const char *name,
               const char *entry, int quiet, struct libset_install *inst,
               struct strbuf *err)
{
    double t0 = util_now_monotonic();
    char *pipdir = NULL;
    json_t *meta = NULL;

    if (libset_job_begin(job, set, name, "installing", quiet, err) < 0) {
        return -1;
    }
    if (libset_ensure_pip(job, &pipdir) == 0
        && libset_stage_install(job, pipdir, set, NULL) == 0
        && libset_finish_entry(job, set, entry, t0, NULL, &meta) == 0) {
        inst->ok = 1;
        inst->meta = meta;
        inst->site = path_join(entry, "site");
    }
    else if (libset_job_fail(job, set, inst)) {
        libset_remember_failed(job, name, inst);
    }
    free(pipdir);
    return 0;
}

/* A ranged set with the request's lock held: resolve when the remembered
 * resolution is missing, old or --refresh-libs asks; then the entry of
 * what it resolved to, installed with those pins unless it exists. */
static int
ensure_ranged_locked(struct job *job, const struct libset *set,
                     const char *req, const char *dir, const char *file,
                     int quiet, struct libset_install *inst,
                     struct strbuf *err)
{
    double t0 = util_now_monotonic();
    json_t *res = store_meta_read(dir, file);
    json_t *old_res = json_incref(res);
    char *pipdir = NULL;
    char *name = NULL;
    char *entry = NULL;
    json_t *meta = NULL;
    int staged = 0;
    int lock = -1;
    int rc = 0;

    if (libset_job_begin(job, set, req, "resolving", quiet, err) < 0) {
        rc = -1;
        goto out;
    }
    if (libset_ensure_pip(job, &pipdir) < 0
        || libset_refresh_resolution(job, set, pipdir, dir, file, &res,
                                     &staged) < 0) {
        libset_job_fail(job, set, inst);
        goto out;
    }
    name = libset_resolved_name(job->py, set, job->src, res);
    entry = path_join(job->store->root, name);
    lock = store_lock_key(job->store, name, NULL, interrupt_flag());
    inst->resolved = !json_equal(json_object_get(res, "resolved_at"),
                                 json_object_get(old_res, "resolved_at"));
    if (libset_take_cached(entry, inst)) {
        libset_annotate(inst->meta, set, res);
        goto out;
    }
    json_t *extra = json_object();
    libset_annotate(extra, set, res);
    if ((staged
         || libset_stage_install(job, pipdir, set,
                                 json_object_get(res, "pin_args")) == 0)
        && libset_finish_entry(job, set, entry, t0, extra, &meta) == 0) {
        inst->ok = 1;
        inst->meta = meta;
        inst->site = path_join(entry, "site");
    }
    else {
        libset_job_fail(job, set, inst);
    }
    json_decref(extra);
out:
    if (lock >= 0) {
        close(lock);
    }
    json_decref(res);
    json_decref(old_res);
    free(pipdir);
    free(name);
    free(entry);
    return rc;
}

/* A ranged set: the remembered resolution when it is fresh and its entry
 * exists (the fast path: two small files read), else resolving under the
 * request's lock. */
static int
ensure_ranged(struct job *job, const struct libset *set, const char *req,
              int quiet, struct libset_install *inst, struct strbuf *err)
{
    char *dir = path_join(job->store->root, "resolved");
    char *file = xasprintf("%s.json", req);
    json_t *res = NULL;
    int lock = -1;
    int rc = -1;

    for (int pass = 0; pass < 2; pass++) {
        json_decref(res);
        res = store_meta_read(dir, file);
        if (libset_resolution_fresh(res, job->src)) {
            char *name = libset_resolved_name(job->py, set, job->src, res);
            char *entry = path_join(job->store->root, name);
            int hit = libset_take_cached(entry, inst);
            free(name);
            free(entry);
            if (hit) {
                libset_annotate(inst->meta, set, res);
                rc = 0;
                goto out;
            }
        }
        if (pass == 1) {
            break;
        }
        if (util_mkdir_p(dir, 0755) < 0) {
            strbuf_addf(err, "cannot create %s: %s", dir, strerror(errno));
            goto out;
        }
        char *waiting = xasprintf("leakmatrix: waiting for another "
                                  "resolution of '%s' for %s ...",
                                  set->name, job->py->tag);
        lock = store_lock_key(job->store, req, quiet ? NULL : waiting,
                              interrupt_flag());
        free(waiting);
        if (lock < 0) {
            strbuf_addf(err, "cannot lock %s/%s.lock: %s", job->store->tmp,
                        req, strerror(errno));
            goto out;
        }
        if (job->src->refresh) {
            break;   /* whatever another run resolved, resolve now */
        }
    }
    rc = ensure_ranged_locked(job, set, req, dir, file, quiet, inst, err);
out:
    if (lock >= 0) {
        close(lock);
    }
    json_decref(res);
    free(dir);
    free(file);
    return rc;
}

/* A pinned set: its entry, else installing it under its lock. */
static int
ensure_pinned(struct job *job, const struct libset *set, const char *name,
              int quiet, struct libset_install *inst, struct strbuf *err)
{
    char *entry = path_join(job->store->root, name);
    int lock = -1;
    int rc = -1;

    if (libset_take_cached(entry, inst)
        || libset_take_failed(job, name, inst)) {
        rc = 0;
        goto out;
    }
    char *waiting = xasprintf("leakmatrix: waiting for another install of "
                              "'%s' for %s ...", set->name, job->py->tag);
    lock = store_lock_key(job->store, name, quiet ? NULL : waiting,
                          interrupt_flag());
    free(waiting);
    if (lock < 0) {
        strbuf_addf(err, "cannot lock %s/%s.lock: %s", job->store->tmp,
                    name, strerror(errno));
        goto out;
    }
    if (libset_take_cached(entry, inst)) {
        rc = 0;
        goto out;
    }
    rc = install_pinned(job, set, name, entry, quiet, inst, err);
out:
    if (lock >= 0) {
        close(lock);
    }
    free(entry);
    return rc;
}

int
libset_ensure(const char *libs_root, const struct python *py,
              const struct libset *set, const struct libset_source *src,
              int quiet, struct libset_install *inst, struct strbuf *err)
{
    struct store store = STORE_INIT;
    struct job job = {NULL, py, src, STORE_WORK_INIT, -1, NULL, NULL,
                      STRBUF_INIT};
    double t0 = util_now_monotonic();
    char *name = libset_entry_name(py, set, src);
    int rc = -1;

    libset_install_release(inst);
    interrupt_catch();
    if (store_open(&store, libs_root, err) == 0) {
        job.store = &store;
        rc = set->pinned
                 ? ensure_pinned(&job, set, name, quiet, inst, err)
                 : ensure_ranged(&job, set, name, quiet, inst, err);
    }
    inst->seconds = util_now_monotonic() - t0;
    if (job.log_fd >= 0) {
        close(job.log_fd);
    }
    store_work_end(&job.wk);
    strbuf_release(&job.why);
    free(job.log_path);
    free(job.pip);
    free(name);
    store_release(&store);
    int sig = interrupt_release();
    if (sig) {
        /* pip is stopped and its work directory gone: die of the signal,
         * as the shell expects from an interrupted command. */
        interrupt_raise(sig);
    }
    return rc;
}
