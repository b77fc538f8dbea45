/* cpus.h - a CPU of its own for each running cell, shared out among every
 * leakmatrix on the machine.
 *
 * A cell pinned to one CPU keeps its scenario's threads on one core (a
 * request handed between threads is a switch there, not a cross-core
 * wake-up) and never competes with another cell.  Several leakmatrix
 * processes may run at once (meson runs test suites in parallel, a user
 * runs two matrices), and pinning each one's first cell to CPU 0 would
 * pile them all onto it; so a CPU is claimed, machine-wide, with a lock:
 * an flock(2) on $XDG_RUNTIME_DIR/leakmatrix-cpus/cpu<N> (else
 * /tmp/leakmatrix-cpus-<uid>/), held by the front end while the cell runs
 * and dropped by the kernel if the front end dies.  When every usable CPU
 * is claimed, a cell runs unpinned.
 */
#ifndef LMX_CPUS_H
#define LMX_CPUS_H

struct cpu_claim {
    int cpu;    /* the CPU claimed, or -1 */
    int fd;     /* the lock held, or -1 */
};

#define CPU_CLAIM_INIT {-1, -1}

/* Claims a usable CPU (sched_getaffinity) that no other cell holds,
 * trying the prefer-th usable CPU first and then the others in order.
 * Returns 0 with claim->cpu set, or -1 with claim->cpu == -1 when none is
 * free or the lock directory cannot be used (then: run unpinned). */
int cpus_claim(unsigned prefer, struct cpu_claim *claim);

/* Gives the CPU back (closes the lock).  Idempotent. */
void cpus_release(struct cpu_claim *claim);

#endif
