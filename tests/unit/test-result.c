/* test-result.c - cell keys and file names, the document result_write()
 * leaves, and the reader: what it reads back and what it refuses. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "matrix/result.h"
#include "base/digest.h"

static char *
key_name(const char *scenario, const char *const *sets, const char *python,
         const char *libset, const char *mode)
{
    struct result_key k;
    result_key_init(&k);
    result_key_set(&k, scenario, sets, python, libset, mode);
    char *name = result_key_file_name(&k);
    result_key_release(&k);
    return name;
}

START_TEST(keys_are_canonical_and_names_readable)
{
    const char *sets[] = {"b=2", "a=1", "b=3", NULL};
    struct result_key k;
    result_key_init(&k);
    result_key_set(&k, "/s/threading_server.py", sets, "3.7.16", NULL, NULL);
    ck_assert_str_eq(k.scenario, "threading_server");
    ck_assert_str_eq(k.params, "a=1,b=3");
    ck_assert_str_eq(k.mode, "default");
    char *row = result_key_row(&k);
    ck_assert_str_eq(row, "threading_server [a=1,b=3]");
    free(row);
    result_key_release(&k);

    char *n = key_name("/s/leaky.py", NULL, "3.11.2-debug", NULL, NULL);
    ck_assert_str_eq(n, "leaky--3.11.2-debug.json");
    free(n);
    n = key_name("/s/leaky.py", sets, "3.6.15", "", "census");
    ck_assert_str_eq(n, "leaky--a=1,b=3--3.6.15--census.json");
    free(n);
    n = key_name("/s/lz4.py", NULL, "3.9.2", "lz4tools==1.3.1.2", NULL);
    ck_assert_str_eq(n, "lz4--3.9.2--lz4tools==1.3.1.2.json");
    free(n);
}
END_TEST

START_TEST(odd_values_get_unique_safe_names)
{
    const char *slash[] = {"path=/tmp/x", NULL};
    const char *under[] = {"path=_tmp_x", NULL};
    const char *dashes[] = {"a=x--y", NULL};
    char *a = key_name("/s/x.py", slash, "3.6.15", NULL, NULL);
    char *b = key_name("/s/x.py", under, "3.6.15", NULL, NULL);
    char *c = key_name("/s/x.py", dashes, "3.6.15", NULL, NULL);
    ck_assert_ptr_null(strchr(a, '/'));
    ck_assert_str_ne(a, b);
    ck_assert_ptr_nonnull(strstr(a, "path=_tmp_x--3.6.15--"));
    ck_assert_ptr_nonnull(strstr(c, "--3.6.15--"));
    ck_assert_int_eq(a[0] == '.', 0);
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(keys_compare_with_and_without_the_interpreter)
{
    struct result_key a, b;
    result_key_init(&a);
    result_key_init(&b);
    result_key_set(&a, "/s/x.py", NULL, "3.6.15", NULL, NULL);
    result_key_set(&b, "/s/x.py", NULL, "3.7.16", NULL, NULL);
    ck_assert(!result_key_equal(&a, &b, 0));
    ck_assert(result_key_equal(&a, &b, 1));
    result_key_set(&b, "/s/x.py", NULL, "3.7.16", NULL, "census");
    ck_assert(!result_key_equal(&a, &b, 1));
    result_key_release(&a);
    result_key_release(&b);
}
END_TEST

/* A document as a cell leaves it. */
static json_t *
cell_doc(const char *tag, const char *version, unsigned long hex,
         const char *started, enum verdict_status status)
{
    struct outcome o;
    outcome_init(&o);
    o.status = status;
    if (status == VERDICT_STATUS_LEAK) {
        outcome_figure_set(&o.lead, "blocks", "blocks", "blocks", 0,
                           VERDICT_LEAK, 18.0, NAN, NULL);
    }
    json_t *doc = json_pack(
        "{s:s, s:{s:s, s:n}, s:{s:s, s:s, s:I, s:b}, s:s, s:o, "
        "s:{s:s, s:f}}",
        "leakmatrix", "0.1.0", "scenario", "path", "/s/threading_server.py",
        "title", "python", "tag", tag, "version", version, "hexversion",
        (json_int_t)hex, "debug", 0, "status", verdict_status_name(status),
        "outcome", outcome_to_json(&o), "timing", "started", started,
        "wall_s", 1.5);
    outcome_release(&o);
    return doc;
}

static char *
write_cell(const char *dir, const char *tag, const char *started,
           enum verdict_status status)
{
    struct result_key k;
    char *path = NULL;
    result_key_init(&k);
    result_key_set(&k, "/s/threading_server.py", NULL, tag, NULL, NULL);
    json_t *doc = cell_doc(tag, "3.7.16", 0x030710f0, started, status);
    ck_assert_int_eq(result_write(doc, &k, "00112233aabbccdd", dir, &path),
                     0);
    json_decref(doc);
    result_key_release(&k);
    return path;
}

START_TEST(written_documents_carry_schema_key_and_status)
{
    char dir[] = "/tmp/lmx-result-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *path = write_cell(dir, "3.7.16", "2026-12-01T10:00:00Z",
                            VERDICT_STATUS_LEAK);
    ck_assert_ptr_nonnull(strstr(path, "/threading_server--3.7.16.json"));

    json_t *raw = json_load_file(path, 0, NULL);
    ck_assert_ptr_nonnull(raw);
    ck_assert_int_eq(json_integer_value(json_object_get(raw, "schema")),
                     RESULT_SCHEMA);
    json_t *key = json_object_get(raw, "key");
    ck_assert_str_eq(json_string_value(json_object_get(key, "scenario")),
                     "threading_server");
    ck_assert_str_eq(json_string_value(json_object_get(key, "python")),
                     "3.7.16");
    ck_assert_str_eq(json_string_value(json_object_get(key, "mode")),
                     "default");
    ck_assert_str_eq(json_string_value(json_object_get(raw, "status")),
                     "leak");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(raw, "outcome"), "status")),
                     "leak");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(raw, "scenario"), "digest")),
                     "00112233aabbccdd");

    struct result r;
    struct strbuf err = STRBUF_INIT;
    result_init(&r);
    ck_assert_int_eq(result_read(path, &r, &err), 0);
    ck_assert_str_eq(r.key.python, "3.7.16");
    ck_assert_int_eq(r.outcome.status, VERDICT_STATUS_LEAK);
    ck_assert_str_eq(r.outcome.lead.metric, "blocks");
    ck_assert_str_eq(r.summary, "leak: +18 blocks/it (+18.0M blocks per 1M "
                                "it)");
    ck_assert_str_eq(r.python_version, "3.7.16");
    ck_assert_uint_eq(r.hexversion, 0x030710f0);
    ck_assert_str_eq(r.digest, "00112233aabbccdd");
    ck_assert_str_eq(r.started, "2026-12-01T10:00:00Z");
    result_release(&r);
    strbuf_release(&err);
    json_decref(raw);
    unlink(path);
    free(path);
    rmdir(dir);
}
END_TEST

static void
expect_rejected(const char *text, const char *reason)
{
    char path[] = "/tmp/lmx-bad-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct result r;
    struct strbuf err = STRBUF_INIT;
    result_init(&r);
    ck_assert_msg(result_read(path, &r, &err) == -1, "accepted %s", text);
    ck_assert_msg(strstr(err.buf, reason) != NULL,
                  "reason '%s' lacks '%s'", err.buf, reason);
    ck_assert_ptr_null(r.doc);
    strbuf_release(&err);
    unlink(path);
}

START_TEST(reader_refuses_what_it_cannot_trust)
{
    char dir[] = "/tmp/lmx-result-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *path = write_cell(dir, "3.7.16", "2026-12-01T10:00:00Z",
                            VERDICT_STATUS_CLEAN);
    struct strbuf good = STRBUF_INIT;
    ck_assert_int_eq(util_read_file(path, &good), 0);

    /* Truncated: half of a good file. */
    char *half = strndup(good.buf, good.len / 2);
    expect_rejected(half, "not valid JSON");
    free(half);
    expect_rejected("", "not valid JSON");
    expect_rejected("{\"a\": 1}", "not a leakmatrix result");
    expect_rejected("[1, 2]", "not a leakmatrix result");

    json_t *doc = json_loads(good.buf, 0, NULL);
    json_object_set_new(doc, "schema", json_integer(RESULT_SCHEMA + 1));
    char *text = json_dumps(doc, 0);
    expect_rejected(text, "newer");
    free(text);
    json_object_set_new(doc, "schema", json_integer(1));
    text = json_dumps(doc, 0);
    expect_rejected(text, "older");
    free(text);
    json_object_set_new(doc, "schema", json_integer(RESULT_SCHEMA));
    json_object_set_new(json_object_get(doc, "outcome"), "status",
                        json_integer(3));
    text = json_dumps(doc, 0);
    expect_rejected(text, "outcome.status");
    free(text);
    json_object_del(doc, "outcome");
    text = json_dumps(doc, 0);
    expect_rejected(text, "outcome");
    free(text);
    json_decref(doc);

    doc = json_loads(good.buf, 0, NULL);
    json_object_set_new(json_object_get(doc, "python"), "tag",
                        json_string("3.8.18"));
    text = json_dumps(doc, 0);
    expect_rejected(text, "does not match the key");
    free(text);
    json_object_del(json_object_get(doc, "key"), "python");
    text = json_dumps(doc, 0);
    expect_rejected(text, "key.python");
    free(text);
    json_decref(doc);

    strbuf_release(&good);
    unlink(path);
    free(path);
    rmdir(dir);
}
END_TEST

START_TEST(directories_load_skipping_junk_and_keeping_the_newer)
{
    char a[] = "/tmp/lmx-set-a-XXXXXX", b[] = "/tmp/lmx-set-b-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(a));
    ck_assert_ptr_nonnull(mkdtemp(b));
    char *p1 = write_cell(a, "3.7.16", "2026-12-01T10:00:00Z",
                          VERDICT_STATUS_CLEAN);
    char *p2 = write_cell(b, "3.7.16", "2026-12-01T11:00:00Z",
                          VERDICT_STATUS_LEAK);
    char *p3 = write_cell(a, "3.8.18", "2026-12-01T10:00:00Z",
                          VERDICT_STATUS_CLEAN);
    char *junk = path_join(a, "junk.json");
    char *other = path_join(a, "notes.txt");
    char *temp = path_join(a, "x--3.6.15.json.tmp.123");
    ck_assert_int_eq(util_write_file_atomic(junk, "{\"trunc", 7), 0);
    ck_assert_int_eq(util_write_file_atomic(other, "hi", 2), 0);
    ck_assert_int_eq(util_write_file_atomic(temp, "{", 1), 0);

    struct result_set set;
    char *warnings = NULL;
    size_t wlen = 0;
    FILE *warn = open_memstream(&warnings, &wlen);
    result_set_init(&set);
    ck_assert_int_eq(result_set_load_dir(&set, a, warn), 0);
    ck_assert_int_eq(result_set_load_dir(&set, b, warn), 0);
    fclose(warn);
    ck_assert_uint_eq(set.nr, 2);
    ck_assert_uint_eq(set.skipped, 1);
    ck_assert_uint_eq(set.replaced, 1);
    ck_assert_ptr_nonnull(strstr(warnings, "skipping"));
    ck_assert_ptr_nonnull(strstr(warnings, "junk.json"));
    ck_assert_ptr_nonnull(strstr(warnings, "keeping the newer"));
    ck_assert_ptr_null(strstr(warnings, "notes.txt"));
    ck_assert_ptr_null(strstr(warnings, ".tmp."));

    struct result_key k;
    result_key_init(&k);
    result_key_set(&k, "/s/threading_server.py", NULL, "3.7.16", NULL, NULL);
    struct result *r = result_set_find(&set, &k);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->outcome.status, VERDICT_STATUS_LEAK);
    ck_assert_str_eq(r->path, p2);
    result_key_release(&k);

    ck_assert_int_eq(result_set_load_dir(&set, "/nonexistent-lmx", NULL), -1);
    result_set_release(&set);
    free(warnings);
    const char *files[] = {p1, p2, p3, junk, other, temp};
    for (size_t i = 0; i < 6; i++) {
        unlink(files[i]);
        free((char *)files[i]);
    }
    rmdir(a);
    rmdir(b);
}
END_TEST

/* Enough files for the reader's threads: every good one loaded, every bad
 * one named once, the warnings in name order as if read one by one. */
START_TEST(many_files_load_in_parallel_in_name_order)
{
    char dir[] = "/tmp/lmx-set-many-XXXXXX";
    char tag[32], bad[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (int i = 0; i < 300; i++) {
        snprintf(tag, sizeof(tag), "3.%d.%d", 6 + i % 8, i);
        free(write_cell(dir, tag, "2026-12-01T10:00:00Z",
                        i % 7 ? VERDICT_STATUS_CLEAN : VERDICT_STATUS_LEAK));
        if (i % 50 == 0) {
            snprintf(bad, sizeof(bad), "%s/bad-%03d.json", dir, i);
            ck_assert_int_eq(util_write_file_atomic(bad, "[1,", 3), 0);
        }
    }
    struct result_set set;
    char *warnings = NULL;
    size_t wlen = 0;
    FILE *warn = open_memstream(&warnings, &wlen);
    result_set_init(&set);
    ck_assert_int_eq(result_set_load_dir(&set, dir, warn), 0);
    fclose(warn);
    ck_assert_uint_eq(set.nr, 300);
    ck_assert_uint_eq(set.skipped, 6);
    size_t leaks = 0;
    for (size_t i = 0; i < set.nr; i++) {
        leaks += set.v[i].outcome.status == VERDICT_STATUS_LEAK;
    }
    ck_assert_uint_eq(leaks, 43);       /* i % 7 == 0 for i < 300 */
    const char *at = warnings;
    for (int i = 0; i < 300; i += 50) {
        snprintf(bad, sizeof(bad), "bad-%03d.json", i);
        const char *hit = strstr(at, bad);
        ck_assert_msg(hit != NULL, "%s missing or out of order in %s", bad,
                      warnings);
        at = hit;
    }
    result_set_release(&set);
    free(warnings);
    ck_assert_int_eq(util_rm_rf(dir), 0);
}
END_TEST

START_TEST(digests_follow_content)
{
    char path[] = "/tmp/lmx-digest-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "x = 1\n", 6), 6);
    close(fd);
    char *a = digest_file_fingerprint(path);
    ck_assert_uint_eq(strlen(a), 16);
    ck_assert_int_eq(util_write_file_atomic(path, "x = 2\n", 6), 0);
    char *b = digest_file_fingerprint(path);
    ck_assert_str_ne(a, b);
    unlink(path);
    ck_assert_ptr_null(digest_file_fingerprint(path));
    free(a);
    free(b);
}
END_TEST

Suite *
result_suite(void)
{
    Suite *s = suite_create("result");
    TCase *tc = tcase_create("result: keys, files and the reader");
    tcase_add_test(tc, keys_are_canonical_and_names_readable);
    tcase_add_test(tc, odd_values_get_unique_safe_names);
    tcase_add_test(tc, keys_compare_with_and_without_the_interpreter);
    tcase_add_test(tc, written_documents_carry_schema_key_and_status);
    tcase_add_test(tc, reader_refuses_what_it_cannot_trust);
    tcase_add_test(tc, directories_load_skipping_junk_and_keeping_the_newer);
    tcase_add_test(tc, many_files_load_in_parallel_in_name_order);
    tcase_add_test(tc, digests_follow_content);
    suite_add_tcase(s, tc);
    return s;
}
