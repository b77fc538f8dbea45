/* cmd_pythons.c - `leakmatrix pythons list|add|build|sync`: what the
 * registry found, adding prefixes, building interpreters, and keeping one
 * runner per embeddable interpreter built.
 *
 * How a new interpreter gets its runner: `sync` writes the registry
 * manifest (one pkg-config file per interpreter plus pythons.txt) that
 * meson.build reads, then runs ninja in the build tree; meson notices the
 * manifest changed, reconfigures and builds leakmatrix-run-<tag>.  `add`
 * and `build` end with a sync, so that is automatic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "provision.h"
#include "spawn.h"
#include "util.h"

static const char pythons_usage[] =
    "usage: leakmatrix pythons list [--json]\n"
    "       leakmatrix pythons add PREFIX\n"
    "       leakmatrix pythons build (--debian SUITE/PKG | --tarball PATH |"
    " --url URL) [...]\n"
    "       leakmatrix pythons sync\n"
    "\n"
    "list   every CPython found: pyenv's, the system's python3.X and\n"
    "       python3.X-dbg, ones built by leakmatrix and added prefixes;\n"
    "       with tag, version, flavour, origin, runner state and prefix.\n"
    "       --json prints an array of objects (keys documented in README).\n"
    "add    remembers an interpreter installed under PREFIX (PREFIX/bin/\n"
    "       python3 must run) and builds its runner.\n"
    "build  builds CPython from source into the cache and builds its\n"
    "       runner; `leakmatrix pythons build --help` for the sources.\n"
    "sync   rediscovers interpreters and (re)builds the runners of the\n"
    "       embeddable ones; run it after installing an interpreter by\n"
    "       hand.\n";

static int
run_logged_to_stderr(const char *const *argv)
{
    struct spawn sp = SPAWN_INIT;
    struct spawn_exit ex;

    strvec_pushv(&sp.args, argv);
    sp.no_stdin = 1;
    sp.stdout_to = 2;  /* build chatter is progress, not output */
    if (spawn_start(&sp) < 0) {
        lmx_error("cannot run %s: %s", argv[0], strerror(errno));
        spawn_release(&sp);
        return -1;
    }
    int rc = spawn_wait(&sp, &ex);
    spawn_release(&sp);
    if (rc < 0 || !ex.exited || ex.code != 0) {
        struct strbuf how = STRBUF_INIT;
        if (rc == 0) {
            spawn_exit_describe(&ex, &how);
        }
        lmx_error("%s failed (%s)", argv[0], how.buf);
        strbuf_release(&how);
        return -1;
    }
    return 0;
}

/* Rewrites the manifest and has meson/ninja build the runners. */
static int
sync_runners(const struct registry *reg)
{
    if (registry_write_manifest(reg, LMX_REGISTRY_DIR) < 0) {
        lmx_error("cannot write the registry in %s: %s", LMX_REGISTRY_DIR,
                  strerror(errno));
        return LMX_EXIT_INFRA;
    }
    /* meson reconfigures by itself when a manifest it has read changes,
     * but this build tree may never have read it (first sync, or another
     * checkout wrote it), so reconfigure explicitly: it takes seconds. */
    const char *setup[] = {"meson", "setup", "--reconfigure",
                           LMX_BUILD_ROOT, LMX_SOURCE_ROOT, NULL};
    fprintf(stderr, "leakmatrix: configuring runners ...\n");
    if (run_logged_to_stderr(setup) < 0) {
        return LMX_EXIT_INFRA;
    }
    const char *ninja[] = {"ninja", "-C", LMX_BUILD_ROOT, NULL};
    fprintf(stderr, "leakmatrix: building runners ...\n");
    if (run_logged_to_stderr(ninja) < 0) {
        return LMX_EXIT_INFRA;
    }
    return LMX_EXIT_OK;
}

int
cmd_load_registry(struct registry *reg, int how)
{
    struct strbuf err = STRBUF_INIT;

    if (registry_discover(reg, LMX_RUNNER_DIR, how == CMD_REGISTRY_CACHED,
                          &err) < 0) {
        lmx_error("interpreter discovery failed: %s", err.buf);
        strbuf_release(&err);
        return LMX_EXIT_INFRA;
    }
    strbuf_release(&err);
    if (how != CMD_REGISTRY_SYNC) {
        return LMX_EXIT_OK;
    }
    int rc = sync_runners(reg);
    if (rc != LMX_EXIT_OK) {
        return rc;
    }
    /* Pick up the runner paths that now exist. */
    registry_release(reg);
    return cmd_load_registry(reg, CMD_REGISTRY_CACHED);
}

static int
pythons_list(int argc, char **argv)
{
    int json = 0;
    struct registry reg = REGISTRY_INIT;
    struct strbuf out = STRBUF_INIT;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        }
        else if (strcmp(argv[i], "--help") == 0) {
            fputs(pythons_usage, stdout);
            return LMX_EXIT_OK;
        }
        else {
            lmx_error("pythons list: unknown option '%s'; see `leakmatrix "
                      "pythons --help`",
                      argv[i]);
            return LMX_EXIT_USAGE;
        }
    }
    int rc = cmd_load_registry(&reg, CMD_REGISTRY_FRESH);
    if (rc == LMX_EXIT_OK) {
        if (json) {
            registry_format_json(&reg, &out);
        }
        else {
            registry_format_text(&reg, &out);
        }
        fputs(out.buf, stdout);
    }
    strbuf_release(&out);
    registry_release(&reg);
    return rc;
}

static int
pythons_sync(void)
{
    struct registry reg = REGISTRY_INIT;
    int rc = cmd_load_registry(&reg, CMD_REGISTRY_SYNC);
    if (rc == LMX_EXIT_OK) {
        size_t ok = 0, embeddable = 0;
        for (size_t i = 0; i < reg.nr; i++) {
            embeddable += reg.v[i].embeddable;
            ok += reg.v[i].runner != NULL;
        }
        fprintf(stderr, "leakmatrix: %zu interpreters, %zu embeddable, %zu "
                        "runners built\n",
                reg.nr, embeddable, ok);
        if (ok < embeddable) {
            rc = LMX_EXIT_INFRA;
        }
    }
    registry_release(&reg);
    return rc;
}

static int
pythons_add(int argc, char **argv)
{
    struct strbuf err = STRBUF_INIT;

    if (argc != 2 || argv[1][0] == '-') {
        lmx_error("pythons add takes one PREFIX (the directory an "
                  "interpreter was installed into, holding bin/python3)");
        return LMX_EXIT_USAGE;
    }
    if (registry_add_prefix(argv[1], &err) < 0) {
        lmx_error("cannot add %s: %s", argv[1], err.buf);
        strbuf_release(&err);
        return LMX_EXIT_USAGE;
    }
    strbuf_release(&err);
    return pythons_sync();
}

int
cmd_pythons(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0
        || strcmp(argv[1], "-h") == 0) {
        fputs(pythons_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? LMX_EXIT_USAGE : LMX_EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "list") == 0) {
        return pythons_list(argc - 1, argv + 1);
    }
    if (strcmp(sub, "add") == 0) {
        return pythons_add(argc - 1, argv + 1);
    }
    if (strcmp(sub, "sync") == 0) {
        if (argc > 2) {
            lmx_error("pythons sync takes no arguments");
            return LMX_EXIT_USAGE;
        }
        return pythons_sync();
    }
    if (strcmp(sub, "build") == 0) {
        int rc = provision_cmd_build(argc - 1, argv + 1);
        int asked_help = argc > 2 && (strcmp(argv[2], "--help") == 0
                                      || strcmp(argv[2], "-h") == 0);
        if (rc != LMX_EXIT_OK || asked_help) {
            return rc;
        }
        return pythons_sync();
    }
    lmx_error("unknown pythons command '%s'; known: list, add, build, sync",
              sub);
    return LMX_EXIT_USAGE;
}
