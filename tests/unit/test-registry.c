/* test-registry.c - tags, selection by version prefix, probing a real
 * interpreter (the system's python3, which every CI machine has), which
 * runners count as built, and what a new manifest drops. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interp/registry.h"

static void
fake(struct registry *reg, const char *tag, int embeddable)
{
    if (reg->nr == reg->alloc) {
        reg->alloc = reg->alloc ? reg->alloc * 2 : 8;
        reg->v = realloc(reg->v, reg->alloc * sizeof(*reg->v));
    }
    struct python *py = &reg->v[reg->nr++];
    memset(py, 0, sizeof(*py));
    py->tag = strdup(tag);
    py->version = strdup(tag);
    py->embeddable = embeddable;
}

/* fake() with an executable (and a reason when not embeddable). */
static void
fake_exe(struct registry *reg, const char *tag, int embeddable,
         const char *exe)
{
    fake(reg, tag, embeddable);
    reg->v[reg->nr - 1].executable = strdup(exe);
    if (!embeddable) {
        reg->v[reg->nr - 1].why_not = strdup("free-threaded builds are "
                                             "not supported yet");
    }
}

static void
write_text(const char *dir, const char *name, const char *text, int mode)
{
    char *path = path_join(dir, name);
    ck_assert_int_eq(util_write_file_atomic(path, text, strlen(text)), 0);
    ck_assert_int_eq(chmod(path, (mode_t)mode), 0);
    free(path);
}

START_TEST(tags_are_validated)
{
    const char *why = NULL;
    ck_assert(registry_tag_valid("3.11.2-debug", NULL));
    ck_assert(registry_tag_valid("3.14.0rc1", &why));
    ck_assert_ptr_null(why);
    ck_assert(!registry_tag_valid("", &why));
    ck_assert_str_eq(why, "it is empty");
    ck_assert(!registry_tag_valid(".hidden", NULL));
    ck_assert(!registry_tag_valid("-x", NULL));
    ck_assert(!registry_tag_valid("a/b", NULL));
    ck_assert(!registry_tag_valid("a b", NULL));
    ck_assert(!registry_tag_valid(
        "0123456789012345678901234567890123456789012345678901234567890123"
        "4", NULL));
}
END_TEST

START_TEST(select_matches_whole_components)
{
    struct registry reg = REGISTRY_INIT;
    struct python *out[8];
    size_t n = 0;

    fake(&reg, "3.1.5", 1);
    fake(&reg, "3.11.7", 1);
    fake(&reg, "3.11.2-debug", 1);
    fake(&reg, "3.9.2", 0);
    ck_assert_uint_eq(registry_select(&reg, "3.11", out, &n, 8), 2);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(out[0]->tag, "3.11.7");
    ck_assert_str_eq(out[1]->tag, "3.11.2-debug");
    /* Selecting again adds nothing twice. */
    ck_assert_uint_eq(registry_select(&reg, "3.11.7", out, &n, 8), 1);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(registry_select(&reg, "3.1", out, &n, 8), 1);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(out[2]->tag, "3.1.5");
    /* An exact tag is that interpreter alone. */
    fake(&reg, "3.11.2", 1);
    ck_assert_uint_eq(registry_select(&reg, "3.11.2", out, &n, 8), 1);
    ck_assert_str_eq(out[n - 1]->tag, "3.11.2");
    ck_assert_uint_eq(registry_select(&reg, "3.12", out, &n, 8), 0);
    ck_assert_uint_eq(registry_select(&reg, "3.1.", out, &n, 8), 0);
    /* max bounds the output, not the count. */
    n = 0;
    ck_assert_uint_eq(registry_select(&reg, "3", out, &n, 1), 5);
    ck_assert_uint_eq(n, 1);
    registry_release(&reg);
}
END_TEST

START_TEST(probe_reads_a_real_interpreter)
{
    struct registry reg = REGISTRY_INIT;
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_eq(registry_probe(&reg, "/usr/bin/python3",
                                    PYTHON_ORIGIN_SYSTEM, &err), 0);
    ck_assert_uint_eq(reg.nr, 1);
    struct python *py = &reg.v[0];
    ck_assert_int_eq(strncmp(py->version, "3.", 2), 0);
    ck_assert_uint_ge(py->hexversion, 0x03000000);
    ck_assert_ptr_nonnull(py->prefix);
    ck_assert_str_eq(py->tag, py->version);  /* release build: no suffix */
    /* The same binary again is recognised, not listed twice. */
    ck_assert_int_eq(registry_probe(&reg, "/usr/bin/python3",
                                    PYTHON_ORIGIN_SYSTEM, &err), 0);
    ck_assert_uint_eq(reg.nr, 1);
    ck_assert_int_eq(registry_probe(&reg, "/bin/true", PYTHON_ORIGIN_ADDED,
                                    &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "CPython"));
    ck_assert_int_eq(registry_probe(&reg, "/nonexistent/python3",
                                    PYTHON_ORIGIN_ADDED, &err), -1);

    struct strbuf js = STRBUF_INIT;
    ck_assert_int_eq(registry_format_json(&reg, &js), 0);
    json_t *arr = json_loads(js.buf, 0, NULL);
    ck_assert(json_is_array(arr));
    json_t *o = json_array_get(arr, 0);
    const char *keys[] = {"tag", "version", "flavour", "embeddable",
                          "prefix", "origin", "runner"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        ck_assert_msg(json_object_get(o, keys[i]) != NULL, "no key %s",
                      keys[i]);
    }
    ck_assert(json_is_null(json_object_get(o, "runner")));
    json_decref(arr);
    strbuf_release(&js);
    strbuf_release(&err);
    registry_release(&reg);
}
END_TEST

START_TEST(duplicate_versions_get_origin_suffixes)
{
    struct registry reg = REGISTRY_INIT;
    struct strbuf err = STRBUF_INIT;

    /* The same interpreter through two paths that are different files
     * cannot be had portably, so probe two real ones and rename. */
    ck_assert_int_eq(registry_probe(&reg, "/usr/bin/python3",
                                    PYTHON_ORIGIN_SYSTEM, &err), 0);
    free(reg.v[0].executable);
    reg.v[0].executable = strdup("/nonexistent/elsewhere");
    ck_assert_int_eq(registry_probe(&reg, "/usr/bin/python3",
                                    PYTHON_ORIGIN_ADDED, &err), 0);
    ck_assert_uint_eq(reg.nr, 2);
    char *want = NULL;
    ck_assert_int_gt(asprintf(&want, "%s-added", reg.v[0].tag), 0);
    ck_assert_str_eq(reg.v[1].tag, want);
    free(want);
    strbuf_release(&err);
    registry_release(&reg);
}
END_TEST

START_TEST(probe_cache_answers_for_an_unchanged_interpreter)
{
    char dir[] = "/tmp/lmx-cache-XXXXXX";
    struct registry a = REGISTRY_INIT, b = REGISTRY_INIT;
    struct strbuf err = STRBUF_INIT;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *probes = path_join(dir, "probes");
    /* Fresh: asks the interpreter and fills the cache. */
    ck_assert_int_eq(registry_probe_cached(&a, "/usr/bin/python3",
                                           PYTHON_ORIGIN_SYSTEM, probes, 0,
                                           &err), 0);
    ck_assert(path_is_dir(probes));
    /* Cached: same answer, without running it. */
    ck_assert_int_eq(registry_probe_cached(&b, "/usr/bin/python3",
                                           PYTHON_ORIGIN_SYSTEM, probes, 1,
                                           &err), 0);
    free(probes);
    ck_assert_str_eq(a.v[0].version, b.v[0].version);
    ck_assert_uint_eq(a.v[0].hexversion, b.v[0].hexversion);
    ck_assert_int_eq(a.v[0].embeddable, b.v[0].embeddable);
    if (a.v[0].cflags) {
        ck_assert_str_eq(a.v[0].cflags, b.v[0].cflags);
    }
    ck_assert_str_eq(a.v[0].tag, b.v[0].tag);
    char *cmd = NULL;
    ck_assert_int_gt(asprintf(&cmd, "rm -rf %s", dir), 0);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    strbuf_release(&err);
    registry_release(&a);
    registry_release(&b);
}
END_TEST

START_TEST(runners_count_only_when_built_from_the_manifest)
{
    char dir[] = "/tmp/test-runners-XXXXXX";
    struct registry reg = REGISTRY_INIT;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    fake_exe(&reg, "3.11.7", 1, "/p/3.11.7/bin/python3");
    fake_exe(&reg, "3.9.2", 1, "/c/pythons/3.9.2/bin/python3");
    fake_exe(&reg, "3.8.0", 1, "/p/3.8.0/bin/python3");
    fake_exe(&reg, "3.12.0", 1, "/p/3.12.0/bin/python3");
    fake_exe(&reg, "3.13.5t", 0, "/c/pythons/3.13.5t/bin/python3");
    write_text(dir, "leakmatrix-run-3.11.7", "", 0755);
    write_text(dir, "leakmatrix-run-3.8.0", "", 0755);
    write_text(dir, "leakmatrix-run-3.12.0", "", 0755);
    write_text(dir, "leakmatrix-run-3.13.5t", "", 0755);

    /* No runners.txt: a build directory that never read a manifest. */
    registry_attach_runners(&reg, dir);
    for (size_t i = 0; i < reg.nr; i++) {
        ck_assert_ptr_null(reg.v[i].runner);
    }
    write_text(dir, "runners.txt",
               "# comment\n"
               "3.11.7\t/p/3.11.7/bin/python3\n"
               "3.9.2\t/c/pythons/3.9.2/bin/python3\n"
               "3.12.0\t/elsewhere/bin/python3\n"
               "3.13.5t\t/c/pythons/3.13.5t/bin/python3\n",
               0644);
    registry_attach_runners(&reg, dir);
    char *want = path_join(dir, "leakmatrix-run-3.11.7");
    ck_assert_ptr_nonnull(reg.v[0].runner);
    ck_assert_str_eq(reg.v[0].runner, want);
    free(want);
    /* Listed but ninja has not built it (yet). */
    ck_assert_ptr_null(reg.v[1].runner);
    /* Built once, from an older manifest: a stale binary. */
    ck_assert_ptr_null(reg.v[2].runner);
    /* Built for another interpreter that had this tag. */
    ck_assert_ptr_null(reg.v[3].runner);
    /* Not embeddable: never a runner. */
    ck_assert_ptr_null(reg.v[4].runner);

    struct strbuf text = STRBUF_INIT;
    registry_format_text(&reg, &text);
    ck_assert_msg(strstr(text.buf, "no runner: run `leakmatrix pythons "
                                   "sync` to build it")
                      != NULL,
                  "%s", text.buf);
    ck_assert_msg(strstr(text.buf, "not embeddable: free-threaded") != NULL,
                  "%s", text.buf);
    strbuf_release(&text);

    char *cmd = NULL;
    ck_assert_int_gt(asprintf(&cmd, "rm -rf %s", dir), 0);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    registry_release(&reg);
}
END_TEST

/* The one line of out that starts with prefix, or NULL. */
static const char *
line_for(const struct strvec *out, const char *prefix)
{
    for (size_t i = 0; i < out->nr; i++) {
        if (strncmp(out->v[i], prefix, strlen(prefix)) == 0) {
            return out->v[i];
        }
    }
    return NULL;
}

START_TEST(dropped_interpreters_are_named_with_the_reason)
{
    struct registry reg = REGISTRY_INIT;
    struct strvec out = STRVEC_INIT;

    fake_exe(&reg, "3.11.2", 1, "/usr/bin/python3");
    fake_exe(&reg, "3.13.5t", 0, "/bin/sh");
    registry_dropped(&reg, NULL, &out);
    registry_dropped(&reg, "", &out);
    registry_dropped(&reg, "# written by `leakmatrix pythons sync`\n"
                           "3.11.2\t/usr/bin/python3\n", &out);
    ck_assert_uint_eq(out.nr, 0);

    registry_dropped(&reg,
                     "# written by `leakmatrix pythons sync`\n"
                     "3.11.2\t/usr/bin/python3\n"
                     "3.9.2\t/nonexistent/pythons/3.9.2/bin/python3\n"
                     "3.13.5t\t/bin/sh\n"
                     "3.10.0\t/bin/false\n"
                     "3.11.2-system\t/usr/bin/python3\n",
                     &out);
    ck_assert_uint_eq(out.nr, 4);
    ck_assert_str_eq(line_for(&out, "3.9.2 "),
                     "3.9.2 (/nonexistent/pythons/3.9.2/bin/python3): no "
                     "longer found");
    ck_assert_str_eq(line_for(&out, "3.13.5t "),
                     "3.13.5t (/bin/sh): not embeddable any more: "
                     "free-threaded builds are not supported yet");
    const char *f = line_for(&out, "3.10.0 ");
    ck_assert_msg(f && strstr(f, "could not be run"), "%s", f);
    ck_assert_str_eq(line_for(&out, "3.11.2-system "),
                     "3.11.2-system (/usr/bin/python3): it is listed as "
                     "3.11.2 (/usr/bin/python3) now");
    strvec_clear(&out);
    registry_release(&reg);
}
END_TEST

Suite *
registry_suite(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("registry: tags and discovery");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tags_are_validated);
    tcase_add_test(tc, select_matches_whole_components);
    tcase_add_test(tc, probe_reads_a_real_interpreter);
    tcase_add_test(tc, duplicate_versions_get_origin_suffixes);
    tcase_add_test(tc, probe_cache_answers_for_an_unchanged_interpreter);
    suite_add_tcase(s, tc);
    tc = tcase_create("registry: runners and what a sync drops");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, runners_count_only_when_built_from_the_manifest);
    tcase_add_test(tc, dropped_interpreters_are_named_with_the_reason);
    suite_add_tcase(s, tc);
    return s;
}
