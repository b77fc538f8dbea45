/* symbolize.h - native frames named after the fact (issue 18): LSan runs
 * with symbolize=0 and prints each frame as its module and offset
 *     #1 0x7fc209f03729  (/work/build/tests/lmfixture-3.11.7.so+0x2729)
 * and the front end names only the frames of the stacks that grew, here,
 * with llvm-symbolizer when it is on PATH, else addr2line (binutils):
 *     touched_malloc lmfixture.c:94      (inlined into)
 *     leak_malloc lmfixture.c:110
 * A module's answers are kept per ELF build-id in <cache>/symbols/<id>
 * (base/cache.h), the cache of the user (cache_select_user()), so a
 * library is read once per build, not once per cell: llvm-symbolizer
 * takes 0.4 s to load libpython's DWARF, addr2line 1.5 s.
 *
 * Ownership: a struct symbolizer owns every string in it; what lookups
 * return is borrowed until symbolizer_free().
 */
#ifndef LMX_SYMBOLIZE_H
#define LMX_SYMBOLIZE_H

#include <stddef.h>

struct symbolizer;

/* An empty symbolizer whose cache is <dir> (NULL: the user's cache's
 * symbols/, or none when that cannot be chosen).  Never fails. */
struct symbolizer *symbolizer_new(const char *dir);
void symbolizer_free(struct symbolizer *s);

/* Asks for the frames at loc, a frame's "/path/to/module+0xOFFSET" as
 * LSan prints it; anything else (no '/', "[stack]+0x..") is ignored. */
void symbolizer_want(struct symbolizer *s, const char *loc);

/* Names every frame wanted so far: from the cache, else by running the
 * symbolizer once per module (and appending its answers to the cache).
 * A module that cannot be read, or no symbolizer installed, leaves its
 * frames unnamed; nothing here fails a cell. */
void symbolizer_run(struct symbolizer *s);

/* The frames at loc once named, innermost first (more than one where
 * code was inlined): their count, with fns[i] and locs[i] set ("fn" and
 * "file.c:94"; a function without line information has loc itself as its
 * loc, as LSan prints it).  0 when loc was not named (fns and locs
 * untouched). */
size_t symbolizer_lookup(const struct symbolizer *s, const char *loc,
                         const char *const **fns, const char *const **locs);

/* The path of the program name on PATH (malloced), or NULL. */
char *symbolize_find_program(const char *name);

#endif
