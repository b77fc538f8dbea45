/* libset_pip.c - the pip bootstrap: which pip an interpreter runs
 * (libset.h says why), fetched once from PyPI or taken from --find-links
 * and checked against its pinned sha256, or offline the interpreter's
 * own bundled wheel; unpacked into the store for every later job.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libs/libset_private.h"
#include "base/digest.h"
#include "base/spawn.h"

/* The pips of the strategy, by the interpreter they run on: the newest
 * release that still runs there.  Pinned by sha256 (PyPI's own). */
static const struct {
    unsigned long below;      /* for hexversions below this */
    const char *version;
    const char *url;
    const char *sha256;
} pips[] = {
    {0x03070000, "21.3.1",
     "https://files.pythonhosted.org/packages/a4/6d/"
     "6463d49a933f547439d6b5b98b46af8742cc03ae83543e4d7688c2420f8b/"
     "pip-21.3.1-py3-none-any.whl",
     "deaf32dcd9ab821e359cd8330786bcd077604b5c5730c0b096eda46f95c24a2d"},
    {0x03080000, "24.0",
     "https://files.pythonhosted.org/packages/8a/6a/"
     "19e9fe04fca059ccf770861c7d5721ab4c2aebc539889e97c7977528a53b/"
     "pip-24.0-py3-none-any.whl",
     "ba0d021a166865d2265246961bec0152ff124de910c5cc39f1156ce3fa7c69dc"},
    {0x030f0000, "24.3.1",
     "https://files.pythonhosted.org/packages/ef/7d/"
     "500c9ad20238fcfcb4cb9243eede163594d7020ce87bd9610c9e02771876/"
     "pip-24.3.1-py3-none-any.whl",
     "3790624780082365f47549d032f3770eeb2b1e8bd1f7b2e02dace1afa361b4ed"},
    /* 3.15 removed typing.no_type_check_decorator, which 24.3.1's
     * vendored libraries still use. */
    {0xffffffff, "26.3",
     "https://files.pythonhosted.org/packages/07/25/"
     "ee8c38ae72d66b844ce8eb9711ba905dba21ca1a8a0c960057c41cd23337/"
     "pip-26.3-py3-none-any.whl",
     "f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13"},
};

static size_t
pip_index(unsigned long hexversion)
{
    size_t i = 0;
    while (i + 1 < sizeof(pips) / sizeof(pips[0])
           && hexversion >= pips[i].below) {
        i++;
    }
    return i;
}

const char *
libset_pip_version(unsigned long hexversion)
{
    return pips[pip_index(hexversion)].version;
}

long
libset_pip_number(const char *v)
{
    long major = 0, minor = 0, micro = 0;

    sscanf(v, "%ld.%ld.%ld", &major, &minor, &micro);
    return major * 10000 + minor * 100 + micro;
}

/* The pip wheel the interpreter ships for ensurepip (its own
 * ensurepip/_bundled, or Debian's /usr/share/python-wheels for a /usr
 * interpreter), when it is recent enough to run the strategy (19.0:
 * --use-pep517); else NULL.  Fresh string; *version set to its version
 * (fresh). */
static char *
bundled_pip(const struct python *py, char **version)
{
    char *dirs[2];
    char *found = NULL;

    dirs[0] = xasprintf("%s/lib/python%lu.%lu/ensurepip/_bundled",
                        py->prefix ? py->prefix : "/nonexistent",
                        (py->hexversion >> 24) & 0xff,
                        (py->hexversion >> 16) & 0xff);
    dirs[1] = xstrdup(py->prefix && strcmp(py->prefix, "/usr") == 0
                          ? "/usr/share/python-wheels" : "/nonexistent");
    for (int i = 0; i < 2 && found == NULL; i++) {
        DIR *d = opendir(dirs[i]);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            const char *n = de->d_name;
            if (strncmp(n, "pip-", 4) == 0 && util_ends_with(n, ".whl")
                && libset_pip_number(n + 4) >= 190000) {
                found = path_join(dirs[i], n);
                *version = xstrndup(n + 4, strcspn(n + 4, "-"));
                break;
            }
        }
        if (d) {
            closedir(d);
        }
    }
    free(dirs[0]);
    free(dirs[1]);
    return found;
}

/* Where the pip of the strategy comes from when it is not in the store
 * yet: --find-links, else the index (sha256 checked after), else (with
 * --no-index) the interpreter's own bundled pip.  Sets *wheel (fresh) and
 * *version (a fresh copy; the bundled pip's own when that is used) and
 * returns 0, or -1 with job->why set. */
static int
find_pip_wheel(struct job *job, size_t k, char **wheel, char **version,
               int *pinned)
{
    char *file = xasprintf("pip-%s-py3-none-any.whl", pips[k].version);
    char *offered = job->src->find_links
                        ? path_join(job->src->find_links, file) : NULL;
    int rc = 0;

    *pinned = 1;
    *version = xstrdup(pips[k].version);
    if (offered && path_exists(offered)) {
        *wheel = offered;
        offered = NULL;
    }
    else if (job->src->no_index) {
        free(*version);
        *version = NULL;
        *wheel = bundled_pip(job->py, version);
        *pinned = 0;
        if (*wheel == NULL) {
            strbuf_addf(&job->why, "no pip for %s offline: put %s (%s) in "
                        "the --find-links directory %s; the interpreter "
                        "bundles no pip 19.0 or later", job->py->tag, file,
                        pips[k].url, job->src->find_links);
            rc = -1;
        }
    }
    else {
        *wheel = path_join(job->wk.dir, file);
        const char *curl[] = {"curl", "-fsSL", "--retry", "2", "-o", *wheel,
                              pips[k].url, NULL};
        if (libset_job_step(job, "download pip", curl, NULL) < 0) {
            free(*wheel);
            *wheel = NULL;
            rc = -1;
        }
    }
    if (rc < 0) {
        free(*version);
        *version = NULL;
    }
    free(offered);
    free(file);
    return rc;
}

/* Unpacks wheel into the work directory as name and renames it into
 * place as entry; a rename lost to another process that made entry (its
 * main_py there) is no failure.  0, or -1 with job->why set. */
static int
unpack_pip(struct job *job, const char *wheel, const char *name,
           const char *entry, const char *main_py)
{
    char *unpacked = path_join(job->wk.dir, name);
    const char *unzip[] = {job->py->executable, "-I", "-m", "zipfile",
                           "-e", wheel, unpacked, NULL};
    struct strbuf err = STRBUF_INIT;
    int rc = 0;

    if (libset_job_step(job, "unpack pip", unzip, NULL) < 0
        || (store_commit(&job->wk, unpacked, entry, 0, &err) < 0
            && !path_exists(main_py))) {
        if (err.len) {
            strbuf_add(&job->why, err.buf, err.len);
        }
        rc = -1;
    }
    strbuf_release(&err);
    free(unpacked);
    return rc;
}

int
libset_ensure_pip(struct job *job, char **dir)
{
    size_t k = pip_index(job->py->hexversion);
    char *name = xasprintf("pip-%s", pips[k].version);
    char *entry = path_join(job->store->root, name);
    char *main_py = path_join(entry, "pip/__main__.py");
    char *wheel = NULL;
    char *version = NULL;
    int pinned = 1;
    int lock = -1;
    int rc = -1;

    if (path_exists(main_py)) {
        version = xstrdup(pips[k].version);
        rc = 0;
        goto out;
    }
    lock = store_lock_key(job->store, name, NULL, NULL);
    if (path_exists(main_py)) {
        version = xstrdup(pips[k].version);
        rc = 0;
        goto out;
    }
    if (find_pip_wheel(job, k, &wheel, &version, &pinned) < 0) {
        goto out;
    }
    if (pinned && !digest_sha256_file_is(wheel, pips[k].sha256)) {
        strbuf_addf(&job->why, "%s is not pip %s (sha256 mismatch)", wheel,
                    pips[k].version);
        goto out;
    }
    if (!pinned) {
        /* The interpreter's own wheel, trusted as much as the
         * interpreter; its entry says where it came from. */
        free(name);
        free(entry);
        free(main_py);
        name = xasprintf("pip-%s-bundled", version);
        entry = path_join(job->store->root, name);
        main_py = path_join(entry, "pip/__main__.py");
        spawn_log_note(job->log_fd, "leakmatrix: offline, using %s's "
                       "bundled %s", job->py->tag, wheel);
        if (path_exists(main_py)) {
            rc = 0;
            goto out;
        }
    }
    rc = unpack_pip(job, wheel, name, entry, main_py);
out:
    if (lock >= 0) {
        close(lock);
    }
    if (rc == 0) {
        *dir = entry;
        entry = NULL;
        free(job->pip);
        job->pip = version;
        version = NULL;
    }
    free(version);
    free(entry);
    free(main_py);
    free(wheel);
    free(name);
    return rc;
}
