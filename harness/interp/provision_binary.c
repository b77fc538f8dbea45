/* provision_binary.c - `pythons build --debian-binary SUITE/python3.N`:
 * CPython as Debian built it, for versions whose source the archive no
 * longer serves (sid's 3.14 and 3.15 in December 2026: its Sources index
 * names them, its pool answers 404 for the .dsc, the binaries are there).
 *
 * Sid's packages need a newer glibc than the machine's, so they are not
 * installed: apt resolves the whole closure (libc6 included) against an
 * empty package database in a private state, downloads it and checks its
 * signatures, and each package is unpacked (dpkg-deb -x) into one root.
 * The interpreter then runs on that root's own loader: its PT_INTERP and
 * DT_RPATH are rewritten to the root (patchelf), and runners link with
 * the same loader (see registry_probe.c, "a private root").
 *
 *   <tag>/root/                 the packages, unpacked
 *   <tag>/bin/python3           -> ../root/usr/bin/python3.N (3.Nd: debug)
 *   <tag>/leakmatrix-build.json source_kind "debian-binary", the packages
 *
 * What this trusts: Debian's archive keyring (apt verifies the Release
 * file it signs, and the Release file each package's checksum); what it
 * downloads: PACKAGE's -minimal, -stdlib and -dev packages (the -dbg ones
 * with --debug) and every library they need, about 45 MB for 3.14.
 */
#include "interp/provision_private.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/interrupt.h"

/* The packages asked for; apt adds what they depend on.  %s is "3.N". */
static const char *const release_packages[] = {
    "python%s-minimal", "libpython%s-stdlib", "libpython%s-dev", NULL,
};
static const char *const debug_packages[] = {
    "python%s-dbg", "libpython%s-dbg", "libpython%s-dev", NULL,
};

const char *
provision_binary_minor(const char *package)
{
    const char *minor = package + 6;

    if (strncmp(package, "python3.", 8) != 0 || package[8] == '\0'
        || strspn(package + 8, "0123456789") != strlen(package + 8)) {
        return NULL;
    }
    return minor;
}

static char *
apt_dir(const struct build *b)
{
    return xasprintf("%s/.apt/%s-binary", b->root, b->suite);
}

/* apt-get or apt-cache with the private state, and a package database
 * that is empty on purpose: nothing counts as installed, so apt takes the
 * whole closure from the suite. */
static void
apt_command(struct strvec *argv, const char *tool, const char *aptdir)
{
    strvec_push(argv, tool);
    strvec_push(argv, "-q");
    build_apt_options(argv, aptdir);
    strvec_pushf(argv, "-oDir::State::status=%s/state/status", aptdir);
}

/* Takes the apt state's lock and makes sure it is set up for binaries.
 * The lock's fd, or -1 after a message. */
static int
lock_apt(struct build *b, const char *aptdir, const char *dldir)
{
    int fd = build_apt_state(b, aptdir, dldir, "deb");
    char *status = xasprintf("%s/state/status", aptdir);

    if (fd >= 0 && !path_exists(status)
        && util_write_file_atomic(status, "", 0) < 0) {
        build_error(b, "cannot write '%s': %s", status, strerror(errno));
        close(fd);
        fd = -1;
    }
    free(status);
    return fd;
}

int
provision_upstream_version(const char *debver, struct strbuf *out)
{
    const char *colon = strchr(debver, ':');
    const char *start = colon ? colon + 1 : debver;
    const char *dash = strrchr(start, '-');
    size_t len = dash ? (size_t)(dash - start) : strlen(start);

    strbuf_add(out, start, len);
    return len > 0 ? 0 : -1;
}

/* apt-get update, then the candidate version of python3.N-minimal (of
 * python3.N-dbg with --debug).  0, or an exit code after a message. */
static int
resolve_version(struct build *b, const char *aptdir)
{
    struct strvec argv = STRVEC_INIT;
    struct strbuf out = STRBUF_INIT;
    struct strbuf err = STRBUF_INIT;
    char *pkg = xasprintf(b->debug ? "python%s-dbg" : "python%s-minimal",
                          provision_binary_minor(b->package));
    int rc = LMX_EXIT_INFRA;

    apt_command(&argv, "apt-get", aptdir);
    strvec_push(&argv, "update");
    if (build_run_step(b, "apt-get update",
                       (const char *const *)strvec_array(&argv), NULL,
                       NULL) < 0) {
        goto out;
    }
    strvec_clear(&argv);
    apt_command(&argv, "apt-cache", aptdir);
    strvec_pushv(&argv, (const char *const[]){"show", "--no-all-versions",
                                              pkg, NULL});
    if (spawn_capture((const char *const *)strvec_array(&argv), &out, &err,
                      120, NULL) != 0
        || provision_control_field(out.buf, "Version", &b->debian_version)
               < 0
        || provision_upstream_version(b->debian_version.buf, &b->version) < 0) {
        build_error(b, "%s has no binary package %s (apt-cache: %s); "
                    "check the suite and the version", b->suite, pkg,
                    err.len ? strtok(err.buf, "\n") : "no version");
        goto out;
    }
    build_log_note(b, "%s %s in %s", pkg, b->debian_version.buf, b->suite);
    rc = 0;
out:
    free(pkg);
    strbuf_release(&out);
    strbuf_release(&err);
    strvec_clear(&argv);
    return rc;
}

int
build_fetch_binary(struct build *b)
{
    char *aptdir = apt_dir(b);
    char *dldir = path_join(b->work, "debs");
    int lock = lock_apt(b, aptdir, dldir);
    int rc = LMX_EXIT_INFRA;

    if (lock >= 0) {
        build_log_note(b, "mirror %s (%s)", b->mirror_uri.buf,
                       b->mirror ? "--mirror" : b->mirror_where.buf);
        build_progress_begin(b, "resolving %s", b->debian);
        rc = resolve_version(b, aptdir);
        close(lock);
    }
    if (rc == 0) {
        build_progress_end(b, b->debian_version.buf);
    }
    free(dldir);
    free(aptdir);
    return rc;
}

/* The .deb files of dir, counted and summed into *bytes. */
static void
list_debs(const char *dir, struct strvec *out, double *bytes)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    *bytes = 0;
    while (d && (de = readdir(d)) != NULL) {
        if (util_ends_with(de->d_name, ".deb")) {
            char *path = path_join(dir, de->d_name);
            struct stat st;
            if (stat(path, &st) == 0) {
                *bytes += (double)st.st_size;
            }
            strvec_push(out, path);
            free(path);
        }
    }
    if (d) {
        closedir(d);
    }
}

/* apt-get install --download-only of the packages into dldir.  0, or -1
 * after a message. */
static int
download(struct build *b, const char *aptdir, const char *dldir)
{
    const char *const *want = b->debug ? debug_packages : release_packages;
    const char *minor = provision_binary_minor(b->package);
    struct strvec argv = STRVEC_INIT;
    int rc;

    apt_command(&argv, "apt-get", aptdir);
    strvec_pushf(&argv, "-oDir::Cache::Archives=%s", dldir);
    strvec_pushv(&argv, (const char *const[]){
        "-y", "--no-install-recommends", "--download-only", "install",
        NULL});
    for (size_t i = 0; want[i]; i++) {
        /* The version resolved, so that every package is of one build. */
        char *name = xasprintf(want[i], minor);
        strvec_pushf(&argv, "%s=%s", name, b->debian_version.buf);
        free(name);
    }
    rc = build_run_step(b, "apt-get install --download-only",
                        (const char *const *)strvec_array(&argv), NULL,
                        NULL);
    strvec_clear(&argv);
    return rc;
}

/* Downloads and unpacks every package into <staged prefix>/root. */
static int
fetch_and_unpack(struct build *b, const char *root)
{
    char *aptdir = apt_dir(b);
    char *dldir = path_join(b->work, "debs");
    struct strvec debs = STRVEC_INIT;
    double bytes;
    int lock = lock_apt(b, aptdir, dldir);
    int rc = -1;

    build_progress_begin(b, "downloading %s %s", b->package,
                         b->debian_version.buf);
    if (lock < 0 || download(b, aptdir, dldir) < 0) {
        goto out;
    }
    list_debs(dldir, &debs, &bytes);
    build_progress_end(b, NULL);
    build_log_note(b, "%zu packages, %.0f bytes", debs.nr, bytes);
    fprintf(stderr, "downloaded %zu packages, %.1f MB\n", debs.nr,
            bytes / 1e6);
    build_progress_begin(b, "unpacking %zu packages", debs.nr);
    for (size_t i = 0; i < debs.nr && !interrupt_pending(); i++) {
        const char *x[] = {"dpkg-deb", "-x", debs.v[i], root, NULL};
        if (build_run_step(b, "unpack", x, NULL, NULL) < 0) {
            goto out;
        }
    }
    rc = interrupt_pending() ? -1 : 0;
out:
    if (lock >= 0) {
        close(lock);
    }
    strvec_clear(&debs);
    free(dldir);
    free(aptdir);
    return rc;
}

/* The directory of the root's dynamic loader ("usr/lib/x86_64-linux-gnu")
 * and the loader's name, found by looking: the root's glibc says where it
 * is.  0, or -1 when the root has none. */
static int
find_loader(const char *root, char **libdir, char **loader)
{
    char *lib = path_join(root, "usr/lib");
    DIR *d = opendir(lib);
    struct dirent *de;

    while (d && *loader == NULL && (de = readdir(d)) != NULL) {
        char *dir = xasprintf("%s/%s", lib, de->d_name);
        DIR *sub = de->d_name[0] != '.' ? opendir(dir) : NULL;
        struct dirent *f;
        while (sub && (f = readdir(sub)) != NULL) {
            if (strncmp(f->d_name, "ld-linux", 8) == 0 && *loader == NULL) {
                *libdir = xasprintf("usr/lib/%s", de->d_name);
                *loader = xstrdup(f->d_name);
            }
        }
        if (sub) {
            closedir(sub);
        }
        free(dir);
    }
    if (d) {
        closedir(d);
    }
    free(lib);
    return *loader ? 0 : -1;
}

/* Rewrites the interpreter's loader and rpath to the root's final place
 * and links bin/python3 to it.  0, or -1 after a message. */
static int
relocate(struct build *b, const char *libdir, const char *loader)
{
    const char *minor = provision_binary_minor(b->package);
    char *exe = xasprintf("python%s%s", minor, b->debug ? "d" : "");
    char *staged = xasprintf("%s/root/usr/bin/%s", b->staged_prefix, exe);
    char *interp = xasprintf("%s/root/%s/%s", b->prefix, libdir, loader);
    char *rpath = xasprintf("%s/root/%s", b->prefix, libdir);
    char *bin = path_join(b->staged_prefix, "bin");
    char *link_path = path_join(bin, "python3");
    char *target = xasprintf("../root/usr/bin/%s", exe);
    const char *argv[] = {"patchelf", "--set-interpreter", interp,
                          "--force-rpath", "--set-rpath", rpath, staged,
                          NULL};
    int rc = -1;

    if (!path_is_executable(staged)) {
        build_error(b, "the packages hold no %s; log: %s", exe, b->log_path);
    }
    else if (build_run_step(b, "patchelf", argv, NULL, NULL) == 0) {
        if (util_mkdir_p(bin, 0755) < 0 || symlink(target, link_path) < 0) {
            build_error(b, "cannot link '%s': %s", link_path,
                        strerror(errno));
        }
        else {
            rc = 0;
        }
    }
    free(target);
    free(link_path);
    free(bin);
    free(rpath);
    free(interp);
    free(staged);
    free(exe);
    return rc;
}

/* Runs the staged interpreter through the staged loader (its own
 * PT_INTERP names the final place, which does not exist yet). */
static int
check_staged(struct build *b, const char *libdir, const char *loader,
             int *with_valgrind)
{
    char *ld = xasprintf("%s/root/%s/%s", b->staged_prefix, libdir, loader);
    char *lib = xasprintf("%s/root/%s", b->staged_prefix, libdir);
    char *py = xasprintf("%s/bin/python3", b->staged_prefix);
    char *home = xasprintf("PYTHONHOME=%s/root/usr", b->staged_prefix);
    const char *cmd[] = {ld, "--library-path", lib, py, NULL};
    const char *env[] = {home, NULL};
    int rc = build_check_interpreter(b, cmd, env, with_valgrind);

    free(home);
    free(py);
    free(lib);
    free(ld);
    return rc;
}

int
build_install_binary(struct build *b)
{
    char *root = NULL;
    char *libdir = NULL;
    char *loader = NULL;
    int with_valgrind = 0;
    int rc = LMX_EXIT_INFRA;

    b->staged_prefix = path_join(b->work, "stage");
    root = path_join(b->staged_prefix, "root");
    if (util_mkdir_p(root, 0755) < 0) {
        build_error(b, "cannot create '%s': %s", root, strerror(errno));
        goto out;
    }
    if (fetch_and_unpack(b, root) < 0) {
        goto out;
    }
    if (find_loader(root, &libdir, &loader) < 0) {
        build_error(b, "the packages hold no dynamic loader (libc6); log: "
                    "%s", b->log_path);
        goto out;
    }
    build_progress_end(b, NULL);
    build_progress_begin(b, "checking");
    if (relocate(b, libdir, loader) < 0
        || check_staged(b, libdir, loader, &with_valgrind) < 0) {
        goto out;
    }
    build_progress_end(b, NULL);
    if (interrupt_pending() || build_write_json(b, with_valgrind) < 0
        || interrupt_pending() || build_commit_prefix(b) < 0) {
        goto out;
    }
    build_log_note(b, "installed %s", b->prefix);
    rc = 0;
out:
    free(loader);
    free(libdir);
    free(root);
    return rc;
}
