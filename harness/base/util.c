/* util.c - allocation, string buffers, paths and whole-file I/O for the
 * front end.  Nothing here knows about Python or scenarios.
 */
#include "base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char strbuf_empty[1];

static void
die_oom(void)
{
    static const char msg[] = "leakmatrix: out of memory\n";
    if (write(2, msg, sizeof(msg) - 1) < 0) {
        /* nothing left to do */
    }
    _exit(LMX_EXIT_INFRA);
}

void *
xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL) {
        die_oom();
    }
    return p;
}

void *
xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL) {
        die_oom();
    }
    return p;
}

void *
xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (p == NULL) {
        die_oom();
    }
    return p;
}

char *
xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *
xasprintf(const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    return strbuf_detach(&sb, NULL);
}

void
strbuf_init(struct strbuf *sb)
{
    sb->buf = strbuf_empty;
    sb->len = 0;
    sb->alloc = 0;
}

void
strbuf_release(struct strbuf *sb)
{
    if (sb->alloc) {
        free(sb->buf);
    }
    strbuf_init(sb);
}

void
strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    if (sb->alloc) {
        sb->buf[0] = '\0';
    }
}

void
strbuf_grow(struct strbuf *sb, size_t extra)
{
    size_t need = sb->len + extra + 1;
    if (need <= sb->alloc) {
        return;
    }
    size_t alloc = sb->alloc ? sb->alloc : 64;
    while (alloc < need) {
        alloc *= 2;
    }
    if (sb->alloc) {
        sb->buf = xrealloc(sb->buf, alloc);
    }
    else {
        sb->buf = xmalloc(alloc);
        sb->buf[0] = '\0';
    }
    sb->alloc = alloc;
}

void
strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
    strbuf_grow(sb, len);
    memcpy(sb->buf + sb->len, data, len);
    sb->len += len;
    sb->buf[sb->len] = '\0';
}

void
strbuf_adds(struct strbuf *sb, const char *s)
{
    strbuf_add(sb, s, strlen(s));
}

void
strbuf_addch(struct strbuf *sb, char c)
{
    strbuf_add(sb, &c, 1);
}

void
strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) {
        return;
    }
    strbuf_grow(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

void
strbuf_rtrim(struct strbuf *sb)
{
    while (sb->len > 0 && (sb->buf[sb->len - 1] == '\n'
                           || sb->buf[sb->len - 1] == '\r'
                           || sb->buf[sb->len - 1] == ' '
                           || sb->buf[sb->len - 1] == '\t')) {
        sb->len--;
    }
    if (sb->alloc) {
        sb->buf[sb->len] = '\0';
    }
}

char *
strbuf_detach(struct strbuf *sb, size_t *len)
{
    char *p;

    if (len) {
        *len = sb->len;
    }
    if (sb->alloc == 0) {
        p = xstrdup("");
    }
    else {
        p = sb->buf;
    }
    strbuf_init(sb);
    return p;
}

void
strvec_push(struct strvec *sv, const char *s)
{
    if (sv->nr + 2 > sv->alloc) {
        sv->alloc = sv->alloc ? sv->alloc * 2 : 8;
        sv->v = xrealloc(sv->v, sv->alloc * sizeof(*sv->v));
    }
    sv->v[sv->nr++] = xstrdup(s);
    sv->v[sv->nr] = NULL;
}

void
strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    strvec_push(sv, sb.buf);
    strbuf_release(&sb);
}

void
strvec_pushv(struct strvec *sv, const char *const *v)
{
    for (; v && *v; v++) {
        strvec_push(sv, *v);
    }
}

void
strvec_clear(struct strvec *sv)
{
    for (size_t i = 0; i < sv->nr; i++) {
        free(sv->v[i]);
    }
    free(sv->v);
    sv->v = NULL;
    sv->nr = 0;
    sv->alloc = 0;
}

char **
strvec_array(struct strvec *sv)
{
    if (sv->v == NULL) {
        sv->alloc = 8;
        sv->v = xcalloc(sv->alloc, sizeof(*sv->v));
    }
    return sv->v;
}

char *
path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir);

    if (len > 0 && dir[len - 1] == '/') {
        return xasprintf("%s%s", dir, name);
    }
    return xasprintf("%s/%s", dir, name);
}

char *
path_self_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

    if (n <= 0) {
        return xstrdup(".");
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash == NULL) {
        return xstrdup(".");
    }
    if (slash == buf) {
        return xstrdup("/");
    }
    *slash = '\0';
    return xstrdup(buf);
}

int
path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int
path_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
path_is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode)
           && access(path, X_OK) == 0;
}

char *
path_real(const char *path)
{
    char *p = realpath(path, NULL);
    if (p == NULL) {
        return NULL;
    }
    /* realpath() allocates with malloc(); hand out our own copy so every
     * string from util.h is freed the same way. */
    char *copy = xstrdup(p);
    free(p);
    return copy;
}

int
util_mkdir_p(const char *path, mode_t mode)
{
    if (*path == '\0') {
        errno = ENOENT;
        return -1;
    }
    char *copy = xstrdup(path);
    int rc = 0;

    for (char *p = copy + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(copy, mode) < 0 && errno != EEXIST) {
                rc = -1;
                break;
            }
            *p = saved;
            if (saved == '\0') {
                break;
            }
        }
    }
    if (rc == 0 && !path_is_dir(path)) {
        errno = ENOTDIR;
        rc = -1;
    }
    int saved_errno = errno;
    free(copy);
    errno = saved_errno;
    return rc;
}

int
util_rm_rf(const char *path)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        return errno == ENOENT ? 0 : -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return unlink(path);
    }
    DIR *dir = opendir(path);
    if (dir == NULL) {
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        char *child = path_join(path, de->d_name);
        if (util_rm_rf(child) < 0) {
            rc = -1;
        }
        free(child);
    }
    closedir(dir);
    if (rmdir(path) < 0) {
        rc = -1;
    }
    return rc;
}

int
util_read_file(const char *path, struct strbuf *sb)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    for (;;) {
        strbuf_grow(sb, 8192);
        ssize_t n = read(fd, sb->buf + sb->len, sb->alloc - sb->len - 1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        if (n == 0) {
            break;
        }
        sb->len += (size_t)n;
        sb->buf[sb->len] = '\0';
    }
    close(fd);
    return 0;
}

static int
write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* data into path through a temporary file and rename; durable: fsync
 * before the rename. */
static int
write_file_renamed(const char *path, const void *data, size_t len,
                   int durable)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int saved;

    if (fd < 0) {
        saved = errno;
        goto fail;
    }
    if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
        saved = errno;
        close(fd);
        unlink(tmp);
        goto fail;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        saved = errno;
        unlink(tmp);
        goto fail;
    }
    free(tmp);
    return 0;

fail:
    free(tmp);
    errno = saved;
    return -1;
}

int
util_write_file_atomic(const char *path, const void *data, size_t len)
{
    return write_file_renamed(path, data, len, 1);
}

int
util_write_file_replace(const char *path, const void *data, size_t len)
{
    return write_file_renamed(path, data, len, 0);
}

static void
vreport(const char *prefix, const char *fmt, va_list ap)
{
    struct strbuf sb = STRBUF_INIT;

    strbuf_adds(&sb, prefix);
    strbuf_vaddf(&sb, fmt, ap);
    strbuf_addch(&sb, '\n');
    fflush(stdout);
    fputs(sb.buf, stderr);
    strbuf_release(&sb);
}

void
lmx_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("leakmatrix: ", fmt, ap);
    va_end(ap);
}

void
lmx_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("leakmatrix: warning: ", fmt, ap);
    va_end(ap);
}

int
util_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (s == NULL || *s < '0' || *s > '9') {
        return -1;
    }
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end != '\0' || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

int
util_parse_double(const char *s, double *out)
{
    char *end;
    double v;

    if (s == NULL || *s == '\0' || *s == '-' || *s == '+') {
        return -1;
    }
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end != '\0' || !isfinite(v) || v < 0) {
        return -1;
    }
    *out = v;
    return 0;
}

double
util_now_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
util_parse_size(const char *s, double *out)
{
    char *end;
    double v;

    if (s == NULL || *s < '0' || *s > '9') {
        return -1;
    }
    errno = 0;
    v = strtod(s, &end);
    if (errno || !isfinite(v) || v <= 0) {
        return -1;
    }
    double scale = 1;
    switch (*end) {
    case '\0':
        break;
    case 'k':
    case 'K':
        scale = 1024.0;
        break;
    case 'm':
    case 'M':
        scale = 1024.0 * 1024.0;
        break;
    case 'g':
    case 'G':
        scale = 1024.0 * 1024.0 * 1024.0;
        break;
    case 't':
    case 'T':
        scale = 1024.0 * 1024.0 * 1024.0 * 1024.0;
        break;
    default:
        return -1;
    }
    if (*end != '\0') {
        end++;
        if (*end == 'i' && end[1] == 'B') {
            end += 2;
        }
        else if (*end == 'B') {
            end++;
        }
    }
    if (*end != '\0') {
        return -1;
    }
    *out = v * scale;
    return 0;
}

double
util_mem_total(void)
{
    struct strbuf sb = STRBUF_INIT;
    double total = 0;

    if (util_read_file("/proc/meminfo", &sb) == 0) {
        const char *p = strstr(sb.buf, "MemTotal:");
        unsigned long kib;
        if (p && sscanf(p + 9, "%lu", &kib) == 1) {
            total = (double)kib * 1024.0;
        }
    }
    strbuf_release(&sb);
    return total;
}

int
util_cpu_count(void)
{
    cpu_set_t set;
    long n;

    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
        return CPU_COUNT(&set);
    }
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int
util_lock_dir(const char *dir)
{
    char *path = path_join(dir, ".leakmatrix.lock");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int saved;

    free(path);
    if (fd < 0) {
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

char *
util_utc_now(const char *fmt)
{
    char buf[64];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(buf, sizeof(buf), fmt, &tm) == 0) {
        buf[0] = '\0';
    }
    return xstrdup(buf);
}

int
util_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}
