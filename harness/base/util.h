/* util.h - small helpers shared by the front-end modules: checked
 * allocation, a growable string buffer, paths and whole-file I/O.
 *
 * Ownership: a function that returns `char *` returns a fresh heap string
 * the caller frees.  Inputs are never taken over.  Allocation failure is not
 * an error callers handle: the x*() functions print one line and exit with
 * status 3 (infrastructure failure), like git's xmalloc().
 */
#ifndef LMX_UTIL_H
#define LMX_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

/* Exit codes of `leakmatrix`, documented in --help and docs/reference.md. */
enum {
    LMX_EXIT_OK = 0,        /* every cell clean or skipped */
    LMX_EXIT_FINDINGS = 1,  /* a leak, over-release, crash, timeout, error */
    LMX_EXIT_USAGE = 2,     /* bad command line, tag, file or option */
    LMX_EXIT_INFRA = 3,     /* the harness itself could not do its job */
};

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* A growable NUL-terminated byte buffer (git's strbuf, reduced).
 * `buf` is never NULL once initialised: STRBUF_INIT points it at a shared
 * empty string so readers need no NULL check. */
struct strbuf {
    char *buf;
    size_t len;
    size_t alloc;
};
extern char strbuf_empty[];
#define STRBUF_INIT {strbuf_empty, 0, 0}

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);   /* frees; leaves it as INIT */
void strbuf_reset(struct strbuf *sb);     /* len 0, keeps the memory */
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Drops trailing whitespace (newlines from a command's output). */
void strbuf_rtrim(struct strbuf *sb);
/* Hands the buffer over to the caller (who frees it) and re-inits sb. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

/* A growable NULL-terminated array of owned strings, for argv and env. */
struct strvec {
    char **v;
    size_t nr;
    size_t alloc;
};
#define STRVEC_INIT {NULL, 0, 0}
void strvec_push(struct strvec *sv, const char *s);  /* copies s */
void strvec_pushf(struct strvec *sv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strvec_pushv(struct strvec *sv, const char *const *v);
void strvec_clear(struct strvec *sv);
/* Returns v, always NULL-terminated (an empty vector gives {NULL}). */
char **strvec_array(struct strvec *sv);

/* Paths. */
char *path_join(const char *dir, const char *name);
/* The directory holding the running executable (from /proc/self/exe). */
char *path_self_dir(void);
int path_exists(const char *path);
int path_is_dir(const char *path);
int path_is_executable(const char *path);
/* Absolute, symlink-free form of an existing path; NULL with errno. */
char *path_real(const char *path);

/* mkdir -p; 0 or -1 with errno. */
int util_mkdir_p(const char *path, mode_t mode);
/* rm -rf without following symlinks; 0 or -1 with errno. */
int util_rm_rf(const char *path);
/* Reads a whole file into sb (appending); 0 or -1 with errno. */
int util_read_file(const char *path, struct strbuf *sb);
/* Writes data to path through a temporary file in the same directory,
 * fsync and rename, so readers see the old file or the new one, never a
 * half-written one.  0 or -1 with errno; no temporary file left behind. */
int util_write_file_atomic(const char *path, const void *data, size_t len);
/* The same without the fsync, for a file made again from others at will
 * (a run's reports, from its result files): readers still never see it
 * half-written, but after a crash it may be empty.  A run's 6 reports
 * took 6 to 60 ms of fsync (strace) while others wrote to the disk: as
 * much as the rest of a short cell's overhead. */
int util_write_file_replace(const char *path, const void *data, size_t len);

/* Prints "leakmatrix: <message>" to stderr. */
void lmx_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lmx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses a non-negative decimal integer that must fill the whole string;
 * 0 on success, -1 when s is empty, not a number or above max. */
int util_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* Same for a non-negative finite decimal number (seconds, rates). */
int util_parse_double(const char *s, double *out);

/* A size with an optional unit, in bytes: "400M", "2G", "512KiB",
 * "1048576" (K, M, G, T are powers of 1024).  0, or -1 when malformed or
 * not above 0. */
int util_parse_size(const char *s, double *out);

/* The machine's memory (MemTotal), in bytes; 0 when unknown. */
double util_mem_total(void);

/* The number of CPUs this process may run on: the CPUs in its
 * sched_getaffinity(2) mask (taskset, a cgroup's cpuset), else, when the
 * mask cannot be read, the CPUs online (sysconf(_SC_NPROCESSORS_ONLN)).
 * At least 1; never fails.  The one CPU count of the front end: every
 * default degree of parallelism (make -jN, cells at once) starts here. */
int util_cpu_count(void);

/* 1 when s ends with suffix ("" ends every string), else 0. */
int util_ends_with(const char *s, const char *suffix);

/* Takes an exclusive lock on dir (a .leakmatrix.lock file in it, kept
 * until the returned descriptor is closed or the process ends).  The fd,
 * or -1 with errno (EWOULDBLOCK: another process holds it). */
int util_lock_dir(const char *dir);

/* The current UTC time formatted with strftime(fmt), e.g.
 * "%Y-%m-%dT%H:%M:%SZ" (fresh string, at most 63 bytes). */
char *util_utc_now(const char *fmt);

/* Wall-clock and monotonic time in seconds. */
double util_now_monotonic(void);

#endif
