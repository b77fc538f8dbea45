/* provision.h - `leakmatrix pythons build`: builds CPython from source
 * (a release tarball, a URL or a Debian source package) into leakmatrix's
 * cache.  Finding interpreters and giving them tags is registry.h's job;
 * this module only makes new ones appear, whole or not at all.
 *
 * Layout under the pythons root (the cache's pythons/, cache.h):
 *
 *   <tag>/                      an installed prefix (bin/, lib/, include/)
 *   <tag>/valgrind-python.supp  the source's Misc/valgrind-python.supp
 *   <tag>/leakmatrix-build.json how it was built; its presence is what
 *                               makes the registry call the origin "built"
 *   logs/<tag>-<YYYYmmdd-HHMMSS>.log   every step's output
 *   .tmp/build.XXXXXX/          one running build: download, source tree,
 *                               DESTDIR staging; removed when it ends
 *   .tmp/tag-<tag>.lock         makes two builds of one tag take turns
 *
 * The pythons root is a store (store.h): the locks, work directories,
 * stale cleanup, final rename and metadata file are store.c's; this
 * module only knows how CPython is fetched, configured and checked.
 *   .apt/<suite>/               private apt state for --debian fetches
 *
 * A build becomes visible with one rename(2) of its staged prefix, after
 * configure, make, make install and a check of the staged interpreter (it
 * runs, reports the source's version, has an rpath to <prefix>/lib) all
 * succeeded.  A build
 * killed half-way therefore leaves nothing under <tag>/, only a
 * .tmp/build.* directory, which the next build removes.  Whether a
 * .tmp/build.* directory is stale is decided by a lock, not by age: the
 * build holds an flock(2) on build.XXXXXX/lock through a descriptor its
 * children inherit, so even a `make` orphaned by a SIGKILLed leakmatrix
 * keeps its directory alive until it exits.
 *
 * Ownership: functions returning `char *` return a fresh string the caller
 * frees; out-parameters of type struct strbuf are appended to.  Nothing
 * takes over its inputs.
 */
#ifndef LMX_PROVISION_H
#define LMX_PROVISION_H

#include "base/util.h"

/* Entry point of `leakmatrix pythons build [options]`; argv[0] is "build".
 * Builds under pythons_root (an absolute path; created when missing),
 * which the caller takes from the cache it selected; NULL will do when
 * argv only asks for --help.
 * Returns an exit code (util.h: 0 ok, 2 usage error incl. missing build
 * dependency, 3 build failure).  On success prints the installed prefix
 * and tag on stdout, as one line "<prefix>\t<tag>"; progress goes to
 * stderr.  When interrupted by SIGINT, SIGTERM or SIGHUP it stops the
 * running step, removes its temporary files, keeps the log and dies of the
 * same signal. */
int provision_cmd_build(int argc, char **argv, const char *pythons_root);

/* Splits a Debian source spec "SUITE/PACKAGE" ("bullseye/python3.9",
 * "sid/python3.14").  Both parts must be non-empty, start with a letter or
 * digit and use only [a-z0-9.+-]; there is exactly one '/'.  On success
 * returns 0 and sets *suite and *package to fresh strings; on failure
 * returns -1, leaves them untouched and, when why is not NULL, points *why
 * at a static lowercase explanation ("missing '/PACKAGE'"). */
int provision_parse_debian_spec(const char *spec, char **suite,
                                char **package, const char **why);

/* Finds the Debian archive the machine's apt configuration already uses,
 * so that --debian fetches from the same place without anyone writing a
 * host name down.  An archive is a URI whose path ends in "/debian"
 * (trailing slashes ignored), which rules out the -security and
 * third-party repositories listed beside it.
 *
 * provision_mirror_from_deb822() reads the text of a .sources file: the
 * first such URI among the URIs: of a stanza whose Types: include "deb" or
 * "deb-src" and that is not "Enabled: no".  Field names are
 * case-insensitive, '#' lines are comments, indented lines continue the
 * previous field.  provision_mirror_from_oneline() reads the text of
 * sources.list or a .list file: the first "deb" or "deb-src" line (options
 * in [...] allowed) whose URI is such an archive.  Both append the URI,
 * without trailing slashes, to out and return 1, or return 0 when the text
 * names none. */
int provision_mirror_from_deb822(const char *text, struct strbuf *out);
int provision_mirror_from_oneline(const char *text, struct strbuf *out);

/* Looks in apt's order: etc_apt/sources.list, then the files in
 * etc_apt/sources.list.d sorted by name, reading only names ending in
 * ".list" or ".sources" (as apt does; "x.list.disabled" is ignored).
 * etc_apt is "/etc/apt" outside tests.  Returns 1 with the URI appended to
 * out (and, when where is not NULL, the file it came from appended to
 * where), or 0 when none names a Debian archive.  Unreadable files are
 * skipped. */
int provision_find_mirror(const char *etc_apt, struct strbuf *out,
                          struct strbuf *where);

/* Extracts PY_VERSION from the text of a CPython Include/patchlevel.h
 * (`#define PY_VERSION "3.9.2"`; spaces or tabs between the tokens).  The
 * version must be a valid tag by provision_tag_valid() ("3.14.0a1+" is).
 * Appends it to out and returns 0, or returns -1 when there is no such
 * line or the value is unusable. */
int provision_patchlevel_version(const char *text, struct strbuf *out);

/* Same, reading <srcdir>/Include/patchlevel.h.  -1 with errno set when the
 * file cannot be read, -1 with errno == 0 when it holds no PY_VERSION. */
int provision_source_version(const char *srcdir, struct strbuf *out);

/* --debian-binary's package: "3.14" for "python3.14" (pointing into
 * package), NULL for anything that is not python3.N ("python3",
 * "python3.14-dbg", "pypy3"). */
const char *provision_binary_minor(const char *package);

/* The upstream part of a Debian version: "3.14.10" for "3.14.10-1" and
 * for "1:3.14.10-1+b1" (epoch and Debian revision dropped).  Appends it
 * to out and returns 0, or -1 when nothing is left (out may then hold
 * an empty string). */
int provision_upstream_version(const char *debver, struct strbuf *out);

/* Checks a tag, which becomes a directory name under the pythons root:
 * 1 to 64 characters of [A-Za-z0-9._+-], not starting with '.' or '-' (so
 * ".", "..", ".tmp" and option-like names are impossible), and not "logs"
 * (the pythons root's log directory).  The same rule as
 * registry_tag_valid(), plus the reserved name.  Returns 1 when valid,
 * else 0 with *why (when why is not NULL) pointing at a static
 * explanation. */
int provision_tag_valid(const char *tag, const char **why);

/* The tag of a build: the version, plus "-debug" for --with-pydebug
 * ("3.9.2", "3.13.5-debug").  Fresh string. */
char *provision_make_tag(const char *version, int debug);

/* The value of a field of a Debian control-style text (a .dsc): the rest
 * of the first line "Name: value", name compared case-insensitively,
 * surrounding spaces dropped.  Appends it to out and returns 0, or -1 when
 * there is no such field.  Enough for single-line fields such as Version
 * and Source; continuation lines are not joined. */
int provision_control_field(const char *text, const char *name,
                            struct strbuf *out);

/* Reads a top-level string member of a JSON document such as
 * leakmatrix-build.json (parsed with jansson).  Appends the value to out
 * and returns 0, or -1 when the text is not JSON, the key is missing or
 * its value is not a string. */
int provision_json_get_string(const char *json, const char *key,
                              struct strbuf *out);

#endif
