/* store.h - a directory of cached entries that appear whole or not at all
 * (interpreters `pythons build` made, library sets `run --lib` installed).
 * This module knows how entries are made safely: locks, work directories,
 * stale-work cleanup, the final rename and a JSON metadata file.  What an
 * entry holds, and how it is made, is the caller's business (provision.c,
 * libset.c).
 *
 * Layout under a store's root:
 *
 *   <name>/              a finished entry, renamed into place whole
 *   logs/                the logs of the steps that made entries
 *   .tmp/.lock           held while work directories are created or
 *                        cleaned, so a new one is never mistaken for stale
 *   .tmp/build.XXXXXX/   one running job; removed when it ends
 *   .tmp/build.XXXXXX/lock  flock(2)ed by the job through a descriptor its
 *                        children inherit: a directory whose lock nobody
 *                        holds was left by a killed job and is removed by
 *                        the next store_work_begin()
 *   .tmp/<key>.lock      makes two jobs making one entry take turns
 *
 * Why a lock and not an age: a `make` orphaned by a SIGKILLed leakmatrix
 * keeps its work directory alive until it exits, however long that is.
 *
 * Ownership: a struct store and a struct store_work own their strings;
 * *_release() frees them.  Errors are appended to a struct strbuf as one
 * lowercase line, without the "leakmatrix: " prefix.
 */
#ifndef LMX_STORE_H
#define LMX_STORE_H

#include <jansson.h>
#include <signal.h>

#include "base/util.h"

struct store {
    char *root;   /* absolute, symlink-free */
    char *tmp;    /* <root>/.tmp */
    char *logs;   /* <root>/logs */
};
#define STORE_INIT {NULL, NULL, NULL}

/* Opens the store at root, creating root, .tmp and logs when missing.
 * Returns 0, or -1 with a reason in err (s untouched). */
int store_open(struct store *s, const char *root, struct strbuf *err);
void store_release(struct store *s);

/* Opens (creating) path and takes an exclusive flock(2) on it.  inherit:
 * the descriptor stays open across exec, so that children hold the lock
 * too.  wait: block until the lock is free (retrying on EINTR unless *stop
 * became non-zero; stop may be NULL); else fail at once with EWOULDBLOCK.
 * Returns the descriptor, or -1 with errno. */
int store_lock_file(const char *path, int inherit, int wait,
                    volatile sig_atomic_t *stop);

/* Takes the lock of one entry's key (.tmp/<key>.lock), waiting when
 * another job holds it after printing `waiting` (when not NULL) on
 * stderr.  Returns the descriptor (close it to release) or -1 with
 * errno. */
int store_lock_key(const struct store *s, const char *key,
                   const char *waiting, volatile sig_atomic_t *stop);

/* One job's work directory. */
struct store_work {
    char *dir;     /* <root>/.tmp/build.XXXXXX */
    int lock_fd;   /* inherited by children, see above */
};
#define STORE_WORK_INIT {NULL, -1}

/* Removes stale work directories (printing one line each on stderr), then
 * creates and locks a new one.  0, or -1 with a reason in err. */
int store_work_begin(const struct store *s, struct store_work *w,
                     struct strbuf *err);
/* Releases the lock, removes the directory and frees w's strings. */
void store_work_end(struct store_work *w);

/* Moves the finished staged directory to final: a plain rename when final
 * does not exist; with replace, an atomic exchange with the old entry
 * (which then lies in w's directory and goes away with it).  0, or -1
 * with a reason in err. */
int store_commit(const struct store_work *w, const char *staged,
                 const char *final, int replace, struct strbuf *err);

/* Writes meta as an indented JSON file dir/file, atomically.  0, or -1
 * with errno. */
int store_meta_write(const char *dir, const char *file, json_t *meta);
/* Reads dir/file back: a new reference to its top-level object, or NULL
 * when it is missing, unreadable or not a JSON object. */
json_t *store_meta_read(const char *dir, const char *file);

/* A log path under the store: logs/<base>-<YYYYmmdd-HHMMSS>.log, where
 * base has every character outside [A-Za-z0-9._+-] (and a leading '.' or
 * '-') replaced by '_'.  Fresh string. */
char *store_log_path(const struct store *s, const char *base,
                     const char *stamp);

#endif
