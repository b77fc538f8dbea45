/* cmd_pythons.c - `leakmatrix pythons list|add|build|sync`: what the
 * registry found, adding prefixes, building interpreters, and keeping one
 * runner per embeddable interpreter built.
 *
 * How a new interpreter gets its runner: `sync` writes the registry
 * manifest (one pkg-config file per interpreter plus pythons.txt) of this
 * build directory's cache, reconfigures the build tree so that meson reads
 * it, and runs ninja, which builds leakmatrix-run-<tag>.  `add` and `build`
 * end with a sync, so that is automatic.  Every command works on the one
 * cache cmd_cache() selects (cache.h): a LEAKMATRIX_CACHE naming another
 * is refused before anything is read or written, since discovering one
 * cache while writing another's manifest is how interpreters got lost.
 * An installed leakmatrix (base/paths.h) has no build tree: its cache is
 * the user's, and `sync` builds each runner from the runner kit into it
 * (interp/runnerkit.h), as a run does for an interpreter it needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "base/cache.h"
#include "base/paths.h"
#include "interp/provision.h"
#include "base/spawn.h"
#include "base/util.h"

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
    "       --json prints an array of objects (its keys are in\n"
    "       docs/interpreters.md).\n"
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

int
cmd_cache(struct cache *c)
{
    struct strbuf err = STRBUF_INIT;
    int rc = LMX_EXIT_OK;

    int got = paths_installed()
                  ? cache_select_user(c, getenv("LEAKMATRIX_CACHE"),
                                      getenv("XDG_CACHE_HOME"),
                                      getenv("HOME"), &err)
                  : cache_select(c, paths_build_cache(), paths_build_root(),
                                 getenv("LEAKMATRIX_CACHE"), &err);
    if (got < 0) {
        lmx_error("%s", err.buf);
        rc = LMX_EXIT_USAGE;
    }
    strbuf_release(&err);
    return rc;
}

int
cmd_runner_kit(struct runnerkit *kit, const struct cache *cache)
{
    struct strbuf err = STRBUF_INIT;
    char *dir = paths_runner_kit();
    int rc = LMX_EXIT_OK;

    if (dir == NULL
        || runnerkit_load(kit, dir, cache->runners, getenv("CC"), &err)
               < 0) {
        lmx_error("%s", dir ? err.buf : "this leakmatrix has no runner kit");
        rc = LMX_EXIT_INFRA;
    }
    free(dir);
    strbuf_release(&err);
    return rc;
}

/* Writes the manifest of reg into the cache's registry and says which
 * interpreters the old one had and this one loses. */
static int
write_manifest(const struct registry *reg, const struct cache *cache)
{
    struct strbuf old = STRBUF_INIT;
    struct strvec dropped = STRVEC_INIT;
    int rc = LMX_EXIT_OK;

    if (util_read_file(cache->manifest, &old) < 0 && errno != ENOENT) {
        lmx_error("cannot read the registry manifest %s: %s",
                  cache->manifest, strerror(errno));
        rc = LMX_EXIT_INFRA;
        goto out;
    }
    registry_dropped(reg, old.buf, &dropped);
    if (registry_write_manifest(reg, cache->registry) < 0) {
        lmx_error("cannot write the registry in %s: %s", cache->registry,
                  strerror(errno));
        rc = LMX_EXIT_INFRA;
        goto out;
    }
    for (size_t i = 0; i < dropped.nr; i++) {
        lmx_warn("%s: dropped from the registry of %s", dropped.v[i],
                 cache->root);
    }

out:
    strbuf_release(&old);
    strvec_clear(&dropped);
    return rc;
}

/* Has meson read the manifest and ninja build the runners. */
static int
build_tree_runners(void)
{
    /* meson reconfigures by itself when a manifest it has read changes,
     * but this build tree may never have read it (first sync, or another
     * checkout wrote it), so reconfigure explicitly: it takes seconds.
     * The build directory keeps its cache across this (pythons/cache-dir
     * remembers it), and it is the cache just written (cmd_cache()). */
    const char *setup[] = {"meson", "setup", "--reconfigure",
                           paths_build_root(), paths_source_root(), NULL};
    fprintf(stderr, "leakmatrix: configuring runners ...\n");
    if (run_logged_to_stderr(setup) < 0) {
        return LMX_EXIT_INFRA;
    }
    const char *ninja[] = {"ninja", "-C", paths_build_root(), NULL};
    fprintf(stderr, "leakmatrix: building runners ...\n");
    if (run_logged_to_stderr(ninja) < 0) {
        return LMX_EXIT_INFRA;
    }
    return LMX_EXIT_OK;
}

/* An installed leakmatrix's runners, built from the kit for every
 * embeddable interpreter of reg that has none; each failure is said. */
static int
build_kit_runners(struct registry *reg, const struct cache *cache)
{
    struct runnerkit kit = RUNNERKIT_INIT;
    struct strbuf err = STRBUF_INIT;
    int rc = cmd_runner_kit(&kit, cache);

    for (size_t i = 0; rc == LMX_EXIT_OK && i < reg->nr; i++) {
        if (reg->v[i].embeddable) {
            strbuf_reset(&err);
            if (runnerkit_build(&kit, &reg->v[i], 0, &err) < 0) {
                lmx_error("%s", err.buf);
            }
        }
    }
    strbuf_release(&err);
    runnerkit_release(&kit);
    return rc;
}

/* The runners an installed leakmatrix has built already. */
static void
attach_kit_runners(struct registry *reg, const struct cache *cache)
{
    struct runnerkit kit = RUNNERKIT_INIT;
    struct strbuf err = STRBUF_INIT;
    char *dir = paths_runner_kit();

    /* Without a kit there is nothing built to attach; a run or a sync
     * says why when it needs one. */
    if (dir && runnerkit_load(&kit, dir, cache->runners, getenv("CC"), &err)
                   == 0) {
        runnerkit_attach(&kit, reg);
    }
    runnerkit_release(&kit);
    strbuf_release(&err);
    free(dir);
}

/* Discovery, then for a sync: manifest, runners, and (in the build tree)
 * discovery again for the runner paths that now exist. */
static int
load_registry(struct registry *reg, const struct cache *cache, int how)
{
    struct strbuf err = STRBUF_INIT;
    int installed = paths_installed();
    int rc = LMX_EXIT_OK;

    if (registry_discover(reg, cache, paths_runner_dir(),
                          how == CMD_REGISTRY_CACHED, &err) < 0) {
        if (how == CMD_REGISTRY_SYNC) {
            /* A manifest from half a discovery would drop the rest. */
            lmx_error("interpreter discovery is incomplete, so the registry "
                      "was left as it was: %s",
                      err.buf);
            rc = LMX_EXIT_INFRA;
            goto out;
        }
        lmx_warn("interpreter discovery is incomplete: %s", err.buf);
    }
    if (installed) {
        attach_kit_runners(reg, cache);
    }
    if (how != CMD_REGISTRY_SYNC) {
        goto out;
    }
    if ((rc = write_manifest(reg, cache)) != LMX_EXIT_OK) {
        goto out;
    }
    if (installed) {
        rc = build_kit_runners(reg, cache);
        goto out;
    }
    if ((rc = build_tree_runners()) != LMX_EXIT_OK) {
        goto out;
    }
    registry_release(reg);
    strbuf_reset(&err);
    if (registry_discover(reg, cache, paths_runner_dir(), 1, &err) < 0) {
        lmx_warn("interpreter discovery is incomplete: %s", err.buf);
    }

out:
    strbuf_release(&err);
    return rc;
}

int
cmd_load_registry(struct registry *reg, int how)
{
    struct cache cache = CACHE_INIT;
    int rc = cmd_cache(&cache);

    if (rc == LMX_EXIT_OK) {
        rc = load_registry(reg, &cache, how);
    }
    cache_release(&cache);
    return rc;
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
        for (size_t i = 0; i + 1 < reg.broken.nr; i += 2) {
            lmx_error("pythons list: %s is built in the cache but cannot "
                      "run: %s; build it again with `leakmatrix pythons "
                      "build --force`",
                      reg.broken.v[i], reg.broken.v[i + 1]);
        }
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
        for (size_t i = 0; i < reg.nr; i++) {
            if (reg.v[i].embeddable && reg.v[i].runner == NULL) {
                lmx_error("no runner for %s after the build; see the "
                          "%s above",
                          reg.v[i].tag,
                          paths_installed() ? "errors"
                                            : "meson and ninja output");
                rc = LMX_EXIT_INFRA;
            }
        }
    }
    registry_release(&reg);
    return rc;
}

static int
pythons_add(int argc, char **argv)
{
    struct strbuf err = STRBUF_INIT;
    struct cache cache = CACHE_INIT;
    int rc;

    if (argc != 2 || argv[1][0] == '-') {
        lmx_error("pythons add takes one PREFIX (the directory an "
                  "interpreter was installed into, holding bin/python3)");
        return LMX_EXIT_USAGE;
    }
    if ((rc = cmd_cache(&cache)) != LMX_EXIT_OK) {
        return rc;
    }
    if (registry_add_prefix(&cache, argv[1], &err) < 0) {
        lmx_error("cannot add %s: %s", argv[1], err.buf);
        rc = LMX_EXIT_USAGE;
    }
    strbuf_release(&err);
    cache_release(&cache);
    return rc != LMX_EXIT_OK ? rc : pythons_sync();
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
        struct cache cache = CACHE_INIT;
        int asked_help = argc > 2 && (strcmp(argv[2], "--help") == 0
                                      || strcmp(argv[2], "-h") == 0);
        /* Refused before building: an interpreter built into another
         * cache would have no runner here, whatever the sync did. */
        int rc = asked_help ? LMX_EXIT_OK : cmd_cache(&cache);
        if (rc == LMX_EXIT_OK) {
            /* cache.pythons is NULL for --help, which needs none. */
            rc = provision_cmd_build(argc - 1, argv + 1, cache.pythons);
        }
        cache_release(&cache);
        if (rc != LMX_EXIT_OK || asked_help) {
            return rc;
        }
        return pythons_sync();
    }
    lmx_error("unknown pythons command '%s'; known: list, add, build, sync",
              sub);
    return LMX_EXIT_USAGE;
}
