/* cpus.c - CPUs claimed machine-wide for pinned cells (cpus.h). */
#include "matrix/cpus.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The lock directory, made if missing; NULL unless it is a directory of
 * ours that nobody else can write (another user must not be able to take
 * our CPUs or plant files). */
static const char *
lock_dir(char *buf, size_t size)
{
    const char *run = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    int n = run && *run ? snprintf(buf, size, "%s/leakmatrix-cpus", run)
                        : snprintf(buf, size, "/tmp/leakmatrix-cpus-%lu",
                                   (unsigned long)getuid());

    if (n <= 0 || (size_t)n >= size) {
        return NULL;
    }
    if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
        return NULL;
    }
    if (lstat(buf, &st) < 0 || !S_ISDIR(st.st_mode)
        || st.st_uid != getuid() || (st.st_mode & 022) != 0) {
        return NULL;
    }
    return buf;
}

/* The lock of cpu in dir, taken without waiting: its fd, or -1. */
static int
try_lock(const char *dir, int cpu)
{
    char path[4096];
    int fd;

    if (snprintf(path, sizeof(path), "%s/cpu%d", dir, cpu)
        >= (int)sizeof(path)) {
        return -1;
    }
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int
cpus_claim(unsigned prefer, struct cpu_claim *claim)
{
    char buf[4096];
    const char *dir;
    cpu_set_t allowed;
    int usable[CPU_SETSIZE];
    int n = 0;

    claim->cpu = claim->fd = -1;
    if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0
        || (dir = lock_dir(buf, sizeof(buf))) == NULL) {
        return -1;
    }
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, &allowed)) {
            usable[n++] = cpu;
        }
    }
    for (int k = 0; k < n; k++) {
        int cpu = usable[((int)prefer + k) % n];
        int fd = try_lock(dir, cpu);
        if (fd >= 0) {
            claim->cpu = cpu;
            claim->fd = fd;
            return 0;
        }
    }
    return -1;
}

void
cpus_release(struct cpu_claim *claim)
{
    if (claim->fd >= 0) {
        close(claim->fd);
    }
    claim->cpu = claim->fd = -1;
}
