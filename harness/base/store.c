/* store.c - cached entries made whole or not at all: locks, work
 * directories, stale cleanup, the final rename, metadata (store.h).  The
 * callers decide what an entry is; this file only makes it safe to make
 * one while other leakmatrix processes (a -j run, a second terminal) try
 * the same.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/store.h"

int
store_open(struct store *s, const char *root, struct strbuf *err)
{
    char *real;

    if (root == NULL || root[0] != '/') {
        strbuf_addf(err, "the store root '%s' is not an absolute path",
                    root ? root : "");
        return -1;
    }
    if (util_mkdir_p(root, 0755) < 0) {
        strbuf_addf(err, "cannot create '%s': %s", root, strerror(errno));
        return -1;
    }
    real = path_real(root);
    if (real == NULL) {
        strbuf_addf(err, "cannot resolve '%s': %s", root, strerror(errno));
        return -1;
    }
    char *tmp = path_join(real, ".tmp");
    char *logs = path_join(real, "logs");
    if (util_mkdir_p(tmp, 0755) < 0 || util_mkdir_p(logs, 0755) < 0) {
        strbuf_addf(err, "cannot create '%s': %s", tmp, strerror(errno));
        free(tmp);
        free(logs);
        free(real);
        return -1;
    }
    store_release(s);
    s->root = real;
    s->tmp = tmp;
    s->logs = logs;
    return 0;
}

void
store_release(struct store *s)
{
    free(s->root);
    free(s->tmp);
    free(s->logs);
    s->root = s->tmp = s->logs = NULL;
}

int
store_lock_file(const char *path, int inherit, int wait,
                volatile sig_atomic_t *stop)
{
    int fd = open(path, O_RDWR | O_CREAT | (inherit ? 0 : O_CLOEXEC), 0644);

    if (fd < 0) {
        return -1;
    }
    while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
        if (errno != EINTR || (stop && *stop)) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
    }
    return fd;
}

int
store_lock_key(const struct store *s, const char *key, const char *waiting,
               volatile sig_atomic_t *stop)
{
    char *path = xasprintf("%s/%s.lock", s->tmp, key);
    int fd = store_lock_file(path, 0, 0, stop);

    if (fd < 0 && errno == EWOULDBLOCK) {
        if (waiting) {
            fprintf(stderr, "%s\n", waiting);
        }
        fd = store_lock_file(path, 0, 1, stop);
    }
    free(path);
    return fd;
}

/* Removes .tmp/build.* directories whose lock nobody holds: jobs that
 * were killed.  Called with .tmp/.lock held, so a directory that another
 * job has just created but not locked yet cannot be mistaken. */
static void
remove_stale(const char *tmp)
{
    DIR *dir = opendir(tmp);
    struct dirent *de;

    if (dir == NULL) {
        return;
    }
    while ((de = readdir(dir)) != NULL) {
        struct stat st;
        if (strncmp(de->d_name, "build.", 6) != 0) {
            continue;
        }
        char *path = path_join(tmp, de->d_name);
        char *lock = path_join(path, "lock");
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            int fd = open(lock, O_RDWR | O_CLOEXEC);
            if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0) {
                fprintf(stderr, "removing %s, left by an interrupted "
                        "job\n", path);
                util_rm_rf(path);
            }
            if (fd >= 0) {
                close(fd);
            }
        }
        free(lock);
        free(path);
    }
    closedir(dir);
}

int
store_work_begin(const struct store *s, struct store_work *w,
                 struct strbuf *err)
{
    char *global = path_join(s->tmp, ".lock");
    int glock = store_lock_file(global, 0, 1, NULL);
    int rc = -1;

    w->dir = NULL;
    w->lock_fd = -1;
    if (glock < 0) {
        strbuf_addf(err, "cannot lock '%s': %s", global, strerror(errno));
        goto out;
    }
    remove_stale(s->tmp);
    w->dir = path_join(s->tmp, "build.XXXXXX");
    if (mkdtemp(w->dir) == NULL) {
        strbuf_addf(err, "cannot create a directory in '%s': %s", s->tmp,
                    strerror(errno));
        goto out;
    }
    char *lock = path_join(w->dir, "lock");
    w->lock_fd = store_lock_file(lock, 1, 0, NULL);
    free(lock);
    if (w->lock_fd < 0) {
        strbuf_addf(err, "cannot lock '%s': %s", w->dir, strerror(errno));
        util_rm_rf(w->dir);
        goto out;
    }
    rc = 0;
out:
    if (rc < 0) {
        free(w->dir);
        w->dir = NULL;
    }
    if (glock >= 0) {
        close(glock);
    }
    free(global);
    return rc;
}

void
store_work_end(struct store_work *w)
{
    if (w->lock_fd >= 0) {
        close(w->lock_fd);
        w->lock_fd = -1;
    }
    if (w->dir) {
        util_rm_rf(w->dir);
        free(w->dir);
        w->dir = NULL;
    }
}

int
store_commit(const struct store_work *w, const char *staged,
             const char *final, int replace, struct strbuf *err)
{
    if (rename(staged, final) == 0) {
        return 0;
    }
    if ((errno == EEXIST || errno == ENOTEMPTY || errno == EISDIR)
        && replace) {
        if (renameat2(AT_FDCWD, staged, AT_FDCWD, final, RENAME_EXCHANGE)
            == 0) {
            return 0;
        }
        /* No RENAME_EXCHANGE (old kernel or file system): two renames. */
        char *old = path_join(w->dir, "old-entry");
        if (rename(final, old) == 0 && rename(staged, final) == 0) {
            free(old);
            return 0;
        }
        free(old);
    }
    strbuf_addf(err, "cannot move '%s' to '%s': %s", staged, final,
                strerror(errno));
    return -1;
}

int
store_meta_write(const char *dir, const char *file, json_t *meta)
{
    char *text = json_dumps(meta, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    char *path = path_join(dir, file);
    int rc = -1;

    if (text == NULL) {
        errno = ENOMEM;
    }
    else {
        size_t len = strlen(text);
        char *nl = xasprintf("%s\n", text);
        rc = util_write_file_atomic(path, nl, len + 1);
        free(nl);
    }
    free(text);
    free(path);
    return rc;
}

json_t *
store_meta_read(const char *dir, const char *file)
{
    char *path = path_join(dir, file);
    json_t *doc = json_load_file(path, 0, NULL);

    free(path);
    if (doc && !json_is_object(doc)) {
        json_decref(doc);
        doc = NULL;
    }
    return doc;
}

char *
store_log_path(const struct store *s, const char *base, const char *stamp)
{
    char *name = xstrdup(*base ? base : "log");
    char *path;

    for (char *p = name; *p; p++) {
        if (!isalnum((unsigned char)*p)
            && (p == name || !strchr("._+-", *p))) {
            *p = '_';
        }
    }
    path = xasprintf("%s/%s-%s.log", s->logs, name, stamp);
    free(name);
    return path;
}
