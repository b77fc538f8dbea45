/* test-cache.c - which cache a command uses and the paths derived from it
 * (harness/cache.c), and the configure-time half of the rule: the build
 * directory remembering its cache (pythons/cache-dir, run for real). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cache.h"
#include "base/spawn.h"
#include "base/util.h"

START_TEST(root_gives_every_path)
{
    struct cache c = CACHE_INIT;
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_eq(cache_set_root(&c, "/srv/lmx", &err), 0);
    ck_assert_str_eq(c.root, "/srv/lmx");
    ck_assert_str_eq(c.pythons, "/srv/lmx/pythons");
    ck_assert_str_eq(c.registry, "/srv/lmx/registry");
    ck_assert_str_eq(c.manifest, "/srv/lmx/registry/pythons.txt");
    ck_assert_str_eq(c.probes, "/srv/lmx/registry/probes");
    ck_assert_str_eq(c.added, "/srv/lmx/added-prefixes");
    ck_assert_str_eq(c.libs, "/srv/lmx/libs");
    ck_assert_str_eq(c.runners, "/srv/lmx/runners");
    /* Setting it again replaces everything (and leaks nothing). */
    ck_assert_int_eq(cache_set_root(&c, "//srv///other//", &err), 0);
    ck_assert_str_eq(c.root, "/srv/other");
    ck_assert_str_eq(c.manifest, "/srv/other/registry/pythons.txt");
    ck_assert_int_eq(cache_set_root(&c, "/", &err), 0);
    ck_assert_str_eq(c.root, "/");
    ck_assert_str_eq(c.pythons, "/pythons");
    ck_assert_uint_eq(err.len, 0);
    cache_release(&c);
    ck_assert_ptr_null(c.root);
    strbuf_release(&err);
}
END_TEST

START_TEST(root_must_be_absolute)
{
    const char *bad[] = {"", "relative/cache", "./x", "~/.cache/leakmatrix"};
    struct cache c = CACHE_INIT;
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_eq(cache_set_root(&c, "/kept", &err), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        strbuf_reset(&err);
        ck_assert_int_eq(cache_set_root(&c, bad[i], &err), -1);
        ck_assert_msg(strstr(err.buf, "not an absolute path") != NULL, "%s",
                      err.buf);
        ck_assert_str_eq(c.root, "/kept");  /* untouched */
    }
    strbuf_reset(&err);
    ck_assert_int_eq(cache_set_root(&c, NULL, &err), -1);
    cache_release(&c);
    strbuf_release(&err);
}
END_TEST

START_TEST(same_sees_through_slashes_and_symlinks)
{
    char dir[] = "/tmp/test-cache-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *real = path_join(dir, "real");
    char *link = path_join(dir, "link");
    ck_assert_int_eq(util_mkdir_p(real, 0755), 0);
    ck_assert_int_eq(symlink(real, link), 0);

    ck_assert(cache_same("/a/b", "/a/b"));
    ck_assert(cache_same("/a/b/", "/a//b"));
    ck_assert(!cache_same("/a/b", "/a/bc"));
    ck_assert(!cache_same("/a/b", "/a"));
    ck_assert(cache_same(link, real));
    ck_assert(!cache_same(link, dir));
    /* A path that does not exist is only ever equal to itself. */
    ck_assert(!cache_same("/nonexistent/lmx-a", "/nonexistent/lmx-b"));

    unlink(link);
    rmdir(real);
    rmdir(dir);
    free(real);
    free(link);
}
END_TEST

START_TEST(select_takes_the_configured_cache)
{
    const char *envs[] = {NULL, "", "/home/u/.cache/leakmatrix",
                          "/home/u/.cache/leakmatrix/",
                          "/home/u//.cache/leakmatrix"};
    struct cache c = CACHE_INIT;
    struct strbuf err = STRBUF_INIT;

    for (size_t i = 0; i < sizeof(envs) / sizeof(*envs); i++) {
        ck_assert_int_eq(cache_select(&c, "/home/u/.cache/leakmatrix",
                                      "/src/build", envs[i], &err),
                         0);
        ck_assert_str_eq(c.root, "/home/u/.cache/leakmatrix");
        ck_assert_str_eq(c.manifest,
                         "/home/u/.cache/leakmatrix/registry/pythons.txt");
    }
    ck_assert_uint_eq(err.len, 0);
    cache_release(&c);
    strbuf_release(&err);
}
END_TEST

START_TEST(select_refuses_another_cache_naming_both)
{
    struct cache c = CACHE_INIT;
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_eq(cache_set_root(&c, "/kept", &err), 0);
    ck_assert_int_eq(cache_select(&c, "/home/u/.cache/leakmatrix",
                                  "/src/build", "/tmp/other", &err),
                     -1);
    ck_assert_str_eq(c.root, "/kept");
    ck_assert_ptr_null(strchr(err.buf, '\n'));
    ck_assert_msg(strstr(err.buf, "LEAKMATRIX_CACHE is /tmp/other") != NULL,
                  "%s", err.buf);
    ck_assert_msg(strstr(err.buf, "(/src/build) uses the cache "
                                  "/home/u/.cache/leakmatrix;")
                      != NULL,
                  "%s", err.buf);
    ck_assert_msg(strstr(err.buf, "unset LEAKMATRIX_CACHE") != NULL, "%s",
                  err.buf);
    ck_assert_msg(strstr(err.buf, "LEAKMATRIX_CACHE=/tmp/other meson setup")
                      != NULL,
                  "%s", err.buf);
    /* A relative value is another cache too, not a path to guess at. */
    strbuf_reset(&err);
    ck_assert_int_eq(cache_select(&c, "/home/u/.cache/leakmatrix",
                                  "/src/build", "cache", &err),
                     -1);
    /* And a build directory with no usable cache says how to fix it. */
    strbuf_reset(&err);
    ck_assert_int_eq(cache_select(&c, "", "/src/build", NULL, &err), -1);
    ck_assert_msg(strstr(err.buf, "meson configure /src/build "
                                  "-Dcache_dir=DIR")
                      != NULL,
                  "%s", err.buf);
    cache_release(&c);
    strbuf_release(&err);
}
END_TEST

START_TEST(build_and_front_end_agree_on_the_layout)
{
    /* meson.build reads the manifest at a path it derives itself; the
     * front end writes the one cache_set_root() derives.  They are one
     * file or runners silently go missing. */
    struct cache c = CACHE_INIT;
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_eq(cache_set_root(&c, LMX_CACHE_DIR, &err), 0);
    ck_assert_str_eq(c.manifest, LMX_MESON_MANIFEST);
    cache_release(&c);
    strbuf_release(&err);
}
END_TEST

/* Runs pythons/cache-dir [args] in an environment without any of the
 * variables it reads, plus set (NAME=value, NULL-terminated).  Returns its
 * exit status (-1 if it did not exit) with stdout in out. */
static int
run_cache_dir(const char *const *set, const char *build_dir,
              const char *option, struct strbuf *out)
{
    struct strvec argv = STRVEC_INIT;
    struct strbuf err = STRBUF_INIT;
    struct spawn_exit ex;

    strvec_pushv(&argv, (const char *const[]){
                            "/usr/bin/env", "-u", "LEAKMATRIX_CACHE", "-u",
                            "XDG_CACHE_HOME", "-u", "HOME", NULL});
    for (size_t i = 0; set && set[i]; i++) {
        strvec_push(&argv, set[i]);
    }
    strvec_pushf(&argv, "%s/pythons/cache-dir", LMX_SOURCE_ROOT);
    if (build_dir) {
        strvec_push(&argv, build_dir);
        strvec_push(&argv, option ? option : "");
    }
    strbuf_reset(out);
    int r = spawn_capture((const char *const *)strvec_array(&argv), out,
                          &err, 10.0, &ex);
    strbuf_rtrim(out);
    strvec_clear(&argv);
    strbuf_release(&err);
    if (r < 0) {
        return -1;
    }
    return ex.exited ? ex.code : -1;
}

START_TEST(cache_dir_script_follows_the_rule)
{
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(run_cache_dir((const char *const[]){
                                       "LEAKMATRIX_CACHE=/x/lmx//",
                                       "XDG_CACHE_HOME=/xdg", NULL},
                                   NULL, NULL, &out),
                     0);
    ck_assert_str_eq(out.buf, "/x/lmx");
    ck_assert_int_eq(run_cache_dir((const char *const[]){
                                       "XDG_CACHE_HOME=/xdg", "HOME=/h",
                                       NULL},
                                   NULL, NULL, &out),
                     0);
    ck_assert_str_eq(out.buf, "/xdg/leakmatrix");
    /* A relative XDG_CACHE_HOME is ignored, as the XDG spec says. */
    ck_assert_int_eq(run_cache_dir((const char *const[]){
                                       "XDG_CACHE_HOME=rel", "HOME=/home/u",
                                       NULL},
                                   NULL, NULL, &out),
                     0);
    ck_assert_str_eq(out.buf, "/home/u/.cache/leakmatrix");
    ck_assert_int_eq(run_cache_dir(NULL, NULL, NULL, &out), 0);
    ck_assert_str_eq(out.buf, "/tmp/leakmatrix-cache");
    /* A relative cache would mean another directory in every cwd. */
    ck_assert_int_eq(run_cache_dir((const char *const[]){
                                       "LEAKMATRIX_CACHE=rel/lmx", NULL},
                                   NULL, NULL, &out),
                     1);
    strbuf_release(&out);
}
END_TEST

START_TEST(cache_dir_script_remembers_the_first_cache)
{
    char dir[] = "/tmp/test-cache-build-XXXXXX";
    struct strbuf out = STRBUF_INIT;
    struct strbuf memo = STRBUF_INIT;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *memo_path = path_join(dir, "leakmatrix-cache");
    /* First configure: chosen by the environment, then remembered... */
    ck_assert_int_eq(run_cache_dir((const char *const[]){
                                       "LEAKMATRIX_CACHE=/caches/a", NULL},
                                   dir, "", &out),
                     0);
    ck_assert_str_eq(out.buf, "/caches/a");
    ck_assert_int_eq(util_read_file(memo_path, &memo), 0);
    ck_assert_str_eq(memo.buf, "/caches/a\n");
    /* ...so a reconfigure under another environment keeps it (the bug:
     * `LEAKMATRIX_CACHE=/tmp/other leakmatrix pythons sync` used to move
     * the build directory to /tmp/other). */
    ck_assert_int_eq(run_cache_dir((const char *const[]){
                                       "LEAKMATRIX_CACHE=/tmp/other", NULL},
                                   dir, "", &out),
                     0);
    ck_assert_str_eq(out.buf, "/caches/a");
    ck_assert_int_eq(run_cache_dir((const char *const[]){"HOME=/h", NULL},
                                   dir, "", &out),
                     0);
    ck_assert_str_eq(out.buf, "/caches/a");
    /* The option says otherwise: it wins and is remembered. */
    ck_assert_int_eq(run_cache_dir(NULL, dir, "/caches/b/", &out), 0);
    ck_assert_str_eq(out.buf, "/caches/b");
    ck_assert_int_eq(run_cache_dir(NULL, dir, "", &out), 0);
    ck_assert_str_eq(out.buf, "/caches/b");
    ck_assert_int_eq(run_cache_dir(NULL, dir, "relative", &out), 1);

    unlink(memo_path);
    ck_assert_int_eq(rmdir(dir), 0);  /* nothing else left behind */
    free(memo_path);
    strbuf_release(&out);
    strbuf_release(&memo);
}
END_TEST

/* An installed leakmatrix, with no build directory, picks the cache the
 * way pythons/cache-dir does for a build directory's first configure. */
START_TEST(user_cache_follows_the_script_rule)
{
    const struct {
        const char *env, *xdg, *home, *want;
    } cases[] = {
        {"/x/lmx//", "/xdg", "/h", "/x/lmx"},
        {NULL, "/xdg", "/h", "/xdg/leakmatrix"},
        {"", "/xdg", "/h", "/xdg/leakmatrix"},
        {NULL, "rel", "/home/u", "/home/u/.cache/leakmatrix"},
        {NULL, NULL, NULL, "/tmp/leakmatrix-cache"},
        {NULL, "", "", "/tmp/leakmatrix-cache"},
    };
    struct cache c = CACHE_INIT;
    struct strbuf err = STRBUF_INIT;

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        ck_assert_int_eq(cache_select_user(&c, cases[i].env, cases[i].xdg,
                                           cases[i].home, &err),
                         0);
        ck_assert_str_eq(c.root, cases[i].want);
    }
    /* A relative LEAKMATRIX_CACHE is refused, the cache kept. */
    ck_assert_int_eq(cache_select_user(&c, "rel/lmx", "/xdg", "/h", &err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "LEAKMATRIX_CACHE"));
    ck_assert_ptr_null(strchr(err.buf, '\n'));
    ck_assert_str_eq(c.root, "/tmp/leakmatrix-cache");
    cache_release(&c);
    strbuf_release(&err);
}
END_TEST

Suite *
cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *tc;

    tc = tcase_create("cache: paths derive from the root");
    tcase_add_test(tc, root_gives_every_path);
    tcase_add_test(tc, root_must_be_absolute);
    tcase_add_test(tc, same_sees_through_slashes_and_symlinks);
    tcase_add_test(tc, build_and_front_end_agree_on_the_layout);
    suite_add_tcase(s, tc);

    tc = tcase_create("cache: a command uses its build directory's cache");
    tcase_add_test(tc, select_takes_the_configured_cache);
    tcase_add_test(tc, select_refuses_another_cache_naming_both);
    suite_add_tcase(s, tc);

    tc = tcase_create("cache: an installed leakmatrix uses the user's");
    tcase_add_test(tc, user_cache_follows_the_script_rule);
    suite_add_tcase(s, tc);

    tc = tcase_create("cache: the build directory remembers its cache");
    tcase_add_test(tc, cache_dir_script_follows_the_rule);
    tcase_add_test(tc, cache_dir_script_remembers_the_first_cache);
    suite_add_tcase(s, tc);
    return s;
}
