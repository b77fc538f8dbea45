/* test-layers.c - the folders of harness/ as dependency rules: every
 * `#include "folder/..."` in harness/ must be allowed by the table in
 * harness/ARCHITECTURE.md ("may use"), which this test reads, so the
 * written rule and the checked one are the same text.  Also checks that
 * the check itself can fail: a made-up file that breaks the rule is
 * refused, and a table row for every folder exists. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define HARNESS LMX_SOURCE_ROOT "/harness"
#define MAX_RULES 16

struct rule {
    char folder[32];
    char may_use[512];   /* space-separated folders or folder/header.h */
};

static size_t
read_rules(struct rule *rules)
{
    struct strbuf sb = STRBUF_INIT;
    size_t n = 0;
    int in_table = 0;

    ck_assert_int_eq(util_read_file(HARNESS "/ARCHITECTURE.md", &sb), 0);
    for (char *line = strtok(sb.buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "| folder | holds | may use |", 27) == 0) {
            in_table = 1;
            continue;
        }
        if (!in_table || strncmp(line, "|---", 4) == 0) {
            continue;
        }
        if (line[0] != '|') {
            break;
        }
        /* | name | holds | may use | */
        char *cols[4] = {NULL};
        int c = 0;
        for (char *p = line + 1; *p && c < 4; c++) {
            char *bar = strchr(p, '|');
            if (!bar) {
                break;
            }
            *bar = '\0';
            cols[c] = p;
            p = bar + 1;
        }
        ck_assert_msg(cols[2] != NULL, "a malformed row in the rule table");
        ck_assert_uint_lt(n, MAX_RULES);
        sscanf(cols[0], " %31s", rules[n].folder);
        snprintf(rules[n].may_use, sizeof(rules[n].may_use), " %s ",
                 cols[2]);
        n++;
    }
    strbuf_release(&sb);
    return n;
}

static const struct rule *
rule_of(const struct rule *rules, size_t n, const char *folder)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rules[i].folder, folder) == 0) {
            return &rules[i];
        }
    }
    return NULL;
}

/* 1 when a file of folder may include path ("judge/verdict.h"). */
static int
allowed(const struct rule *r, const char *path)
{
    char top[64], word[600];
    const char *slash = strchr(path, '/');

    if (!slash || (size_t)(slash - path) >= sizeof(top)) {
        return 1; /* a header of its own folder, or a system one */
    }
    memcpy(top, path, (size_t)(slash - path));
    top[slash - path] = '\0';
    if (strcmp(top, r->folder) == 0) {
        return 1;
    }
    snprintf(word, sizeof(word), " %s ", top);
    if (strstr(r->may_use, word)) {
        return 1;
    }
    snprintf(word, sizeof(word), " %s ", path);
    return strstr(r->may_use, word) != NULL;
}

/* Appends "file: includes X" to bad for each include the rule refuses. */
static void
check_file(const struct rule *r, const char *file, struct strbuf *bad)
{
    struct strbuf sb = STRBUF_INIT;
    ck_assert_int_eq(util_read_file(file, &sb), 0);
    for (char *line = strtok(sb.buf, "\n"); line; line = strtok(NULL, "\n")) {
        char inc[256];
        if (sscanf(line, " # include \"%255[^\"]\"", inc) == 1
            && !allowed(r, inc)) {
            strbuf_addf(bad, "%s: includes %s (%s may use:%s)\n", file, inc,
                        r->folder, r->may_use);
        }
    }
    strbuf_release(&sb);
}

START_TEST(every_include_follows_the_folder_rules)
{
    struct rule rules[MAX_RULES];
    size_t n = read_rules(rules);
    struct strbuf bad = STRBUF_INIT;
    DIR *top = opendir(HARNESS);
    struct dirent *d;
    size_t folders = 0;

    ck_assert_uint_ge(n, 9);
    ck_assert_ptr_nonnull(top);
    while ((d = readdir(top)) != NULL) {
        char *dir = xasprintf("%s/%s", HARNESS, d->d_name);
        DIR *sub = d->d_name[0] != '.' ? opendir(dir) : NULL;
        if (sub) {
            const struct rule *r = rule_of(rules, n, d->d_name);
            ck_assert_msg(r != NULL, "harness/%s has no row in "
                          "harness/ARCHITECTURE.md", d->d_name);
            folders++;
            struct dirent *f;
            while ((f = readdir(sub)) != NULL) {
                size_t len = strlen(f->d_name);
                if (len > 2 && f->d_name[len - 2] == '.'
                    && (f->d_name[len - 1] == 'c' || f->d_name[len - 1] == 'h')) {
                    char *file = xasprintf("%s/%s", dir, f->d_name);
                    check_file(r, file, &bad);
                    free(file);
                }
            }
            closedir(sub);
        }
        free(dir);
    }
    closedir(top);
    ck_assert_uint_eq(folders, n);
    ck_assert_msg(bad.len == 0, "includes against harness/ARCHITECTURE.md:\n%s",
                  bad.buf);
    strbuf_release(&bad);
}
END_TEST

START_TEST(the_rule_refuses_an_arrow_back_up)
{
    struct rule rules[MAX_RULES];
    size_t n = read_rules(rules);
    const struct rule *base = rule_of(rules, n, "base");
    const struct rule *report = rule_of(rules, n, "report");
    const struct rule *runner = rule_of(rules, n, "runner");

    ck_assert_ptr_nonnull(base);
    ck_assert(!allowed(base, "judge/verdict.h"));
    ck_assert(allowed(base, "base/util.h"));
    ck_assert(allowed(report, "matrix/result.h"));
    ck_assert(!allowed(report, "matrix/cell.h"));
    ck_assert(!allowed(runner, "base/spawn.h"));
    ck_assert(allowed(runner, "base/proto.h"));
}
END_TEST

Suite *
layers_suite(void)
{
    Suite *s = suite_create("layers");
    TCase *tc = tcase_create("layers");
    tcase_add_test(tc, every_include_follows_the_folder_rules);
    tcase_add_test(tc, the_rule_refuses_an_arrow_back_up);
    suite_add_tcase(s, tc);
    return s;
}
