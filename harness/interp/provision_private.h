/* provision_private.h - what the files of `pythons build` share, for them
 * alone (provision.h is the module's manual for everyone else).
 *
 * The files, top to bottom: each calls only files below it.
 *   provision.c         the command: options, checks, the sequence below
 *   provision_binary.c  --debian-binary: Debian's binary packages
 *                       unpacked into a private root, run on its loader
 *   provision_build.c   configure, make, install, the checks of the
 *                       staged interpreter, build json
 *   provision_fetch.c   --tarball and --url: download, sha256, extract
 *   provision_debian.c  --debian: apt's sources parsed, the mirror, apt-get
 *   provision_root.c    the pythons root: setup, existing builds, the work
 *                       directory and log, the source's version, the tag
 *                       and its lock, the commit
 *   provision_step.c    what every step uses: progress, errors, the log,
 *                       running a step, the kind of source
 * The sections below go the other way, from the bottom up.
 *
 * One build is one struct build, which provision.c carries through the
 * steps: the root and the work directory, the fetch (--debian, --tarball
 * or --url, --debian-binary), the tag, the build or the unpacked
 * binaries, the commit.  The steps are functions of struct build, named
 * build_*() as its methods; nothing outside these files sees them.
 * Ownership: the build owns every field but the command-line strings,
 * which point into argv.  A step that fails has said why (build_error()
 * or lmx_error()) before it returns.
 */
#ifndef LMX_PROVISION_PRIVATE_H
#define LMX_PROVISION_PRIVATE_H

#include "interp/provision.h"
#include "base/spawn.h"
#include "base/store.h"
#include "base/util.h"

#define DEBIAN_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"
#define BUILD_JSON "leakmatrix-build.json"

struct build {
    /* From the command line; strings point into argv. */
    const char *tarball;
    const char *url;
    const char *sha256;
    const char *debian;       /* --debian or --debian-binary */
    int binary;               /* --debian-binary */
    int sources;              /* how many source options were given */
    const char *mirror;
    const char *tag;
    int debug;
    int force;
    unsigned long jobs;
    struct strvec configure_extra;

    /* Derived. */
    char *suite;
    char *package;
    char *url_path;           /* local path of a file:// URL */
    char *request;            /* identifies equal requests (provision.c) */
    char *root;               /* pythons root, absolute */
    struct store store;       /* the pythons root as a store */
    struct store_work wk;
    char *work;               /* wk.dir: root/.tmp/build.XXXXXX */
    int tag_lock_fd;
    char *name;               /* what messages call the build */
    char *log_path;
    int log_fd;
    char stamp[32];
    double started;
    double step_started;
    int progress_open;        /* a "doing X ..." line awaits its end */
    char *source_file;        /* the archive to unpack */
    struct strbuf sha;        /* its sha256 */
    struct strbuf mirror_uri;
    struct strbuf mirror_where;
    struct strbuf debian_version;
    char *srcdir;
    struct strbuf version;
    char *final_tag;
    char *prefix;
    char *staged_prefix;
    struct strvec configure_args;
    struct strbuf check_output;
};

/* ---- provision_step.c: progress, errors, steps ----------------------- */

/* Progress goes to stderr as "configuring 3.9.2 ... 12 s".  Anything else
 * printed while a line is open ends it first.  build_progress_end() ends
 * the open line, if any, with word (NULL: none) and the time taken. */
void build_progress_begin(struct build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void build_progress_end(struct build *b, const char *word);

/* Ends an open progress line with "failed", prints the message
 * (lmx_error()) and copies it into the build's log when there is one. */
void build_error(struct build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One line in the build's log (spawn_log_note()); none when the build
 * has no log yet. */
void build_log_note(const struct build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs one step with stdout and stderr appended to the log and PYTHON*
 * variables removed from its environment (spawn_step()).  0 when it
 * exited 0; otherwise reports the failure (one line naming the step and
 * the log) and returns -1.  Interruption is reported by
 * provision_cmd_build(), not here. */
int build_run_step(struct build *b, const char *step,
                   const char *const *argv, const char *dir,
                   const char *const *env_set);

/* "debian", "debian-binary", "url" or "tarball": the kind of source
 * asked for. */
const char *build_source_kind(const struct build *b);

/* ---- provision_root.c: the pythons root ------------------------------ */

/* Creates and resolves the pythons root into b->root.  0, or an exit code
 * after a message. */
int build_setup_root(struct build *b, const char *root);

/* Finds a complete build made from the same request (b->request) so that
 * asking again needs no download.  With --tag only that name is looked
 * at.  Returns the exit code when the answer is known (0 when the build
 * exists, 2 when --tag names something leakmatrix did not build), -1 to
 * go on building. */
int build_find_existing(const struct build *b);

/* Creates the work directory, its lock and the log.  Returns 0 or an exit
 * code. */
int build_start_work(struct build *b);

/* Once the version is known: the tag, the log's final name, the per-tag
 * lock.  Returns 0 to build, or an exit code (0 included, when the build
 * turned out to exist already: *exists is set then). */
int build_settle_tag(struct build *b, int *exists);

/* Moves the staged prefix into place: a plain rename when the tag is new,
 * an atomic exchange with the old prefix under --force (the old one then
 * sits in the work directory and goes away with it).  0, or -1 after the
 * message. */
int build_commit_prefix(struct build *b);

/* ---- provision_debian.c: --debian ------------------------------------ */

/* The Debian archive --debian fetches from: --mirror, else the one the
 * machine's apt uses (b->mirror_uri, b->mirror_where).  0, or -1 after a
 * message. */
int build_choose_mirror(struct build *b);

/* The private apt state in aptdir, locked (one state per suite and kind;
 * builds of the same suite take turns), with a sources list of the suite
 * alone: `deb-src` lines for source packages, `deb` lines for binaries.
 * Returns the lock's fd, or -1 after a message. */
int build_apt_state(struct build *b, const char *aptdir, const char *dldir,
                    const char *kind);

/* apt-get's options that confine it to the private state in aptdir. */
void build_apt_options(struct strvec *argv, const char *aptdir);

/* Downloads the source package through a private apt state under the
 * pythons root and unpacks it into b->srcdir.  0 or an exit code. */
int build_fetch_debian(struct build *b);

/* 1 when word is one of the whitespace-separated words of s (compared
 * case-insensitively). */
int provision_has_word(const char *s, const char *word);

/* ---- provision_fetch.c: --tarball and --url -------------------------- */

/* --url's form, and a local archive (--tarball, file://) that can be
 * read; sets b->url_path for a file:// URL.  0, or -1 after a message. */
int build_check_archive(struct build *b);

/* Downloads the archive (or takes the local one), checks its sha256 and
 * unpacks it into b->srcdir.  0 or an exit code. */
int build_fetch_archive(struct build *b);

/* ---- provision_build.c: configure, make, install, check -------------- */

/* Configures, builds and installs b->srcdir into a staging directory,
 * checks the staged interpreter, writes leakmatrix-build.json and commits
 * the prefix.  0 or an exit code. */
int build_and_install(struct build *b);

/* Runs the staged interpreter once, as cmd (the interpreter, or a loader
 * and its arguments before it) with env_set added to the environment: it
 * must start, report b->version and be a debug build exactly when asked.
 * *with_valgrind is set from sysconfig.  0, or -1 after the message. */
int build_check_interpreter(struct build *b, const char *const *cmd,
                            const char *const *env_set, int *with_valgrind);

/* Writes <staged prefix>/leakmatrix-build.json: how the build was made,
 * read back by build_find_existing() and by the registry.  0, or -1
 * after the message. */
int build_write_json(struct build *b, int with_valgrind);

/* ---- provision_binary.c: --debian-binary ----------------------------- */

/* Resolves PACKAGE's binary packages and what they need with apt (whose
 * signatures apt checks), downloads them and unpacks them into the work
 * directory; sets b->version and b->debian_version.  0 or an exit
 * code. */
int build_fetch_binary(struct build *b);

/* Points the unpacked interpreter at its root's loader and libraries,
 * checks it, writes leakmatrix-build.json and commits the prefix.  0 or
 * an exit code. */
int build_install_binary(struct build *b);

#endif
