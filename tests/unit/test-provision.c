/* test-provision.c - the pure parts of `leakmatrix pythons build`: Debian
 * specs, finding the Debian archive in apt's configuration, reading
 * PY_VERSION, tags, .dsc fields and leakmatrix-build.json.  Building is
 * covered by hand and by the integration tests, not here.
 *
 * Host names in the samples are reserved example names on purpose.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interp/provision.h"
#include "base/util.h"

/* ---- Debian specs ---------------------------------------------------- */

struct spec_case {
    const char *spec, *suite, *package;
};

START_TEST(debian_spec_accepts_suite_and_package)
{
    static const struct spec_case cases[] = {
        {"bullseye/python3.9", "bullseye", "python3.9"},
        {"trixie/python3.13", "trixie", "python3.13"},
        {"sid/python3.14", "sid", "python3.14"},
        {"bookworm-backports/python3.11", "bookworm-backports",
         "python3.11"},
        {"12/libstdc++6", "12", "libstdc++6"},
    };
    const struct spec_case *c = &cases[_i];
    char *suite = NULL;
    char *package = NULL;
    const char *why = NULL;

    ck_assert_int_eq(provision_parse_debian_spec(c->spec, &suite, &package,
                                                 &why), 0);
    ck_assert_str_eq(suite, c->suite);
    ck_assert_str_eq(package, c->package);
    ck_assert_ptr_null(why);
    free(suite);
    free(package);
}
END_TEST

START_TEST(debian_spec_rejects_malformed)
{
    static const char *const bad[] = {
        "",                    /* empty */
        "bullseye",            /* no /package */
        "bullseye/",           /* empty package */
        "/python3.9",          /* empty suite */
        "bullseye/python3.9/x",
        "Bullseye/python3.9",  /* uppercase */
        "bullseye/Python3.9",
        "bullseye/python 3.9",
        "bullseye/python_3.9",
        "../python3.9",        /* would escape .apt/<suite> */
        "bullseye/-python",    /* option-like */
        "bullseye/.python",
        "bull;seye/python3.9",
    };
    const char *spec = bad[_i];
    char *suite = (char *)"untouched";
    char *package = (char *)"untouched";
    const char *why = NULL;

    ck_assert_int_eq(provision_parse_debian_spec(spec, &suite, &package,
                                                 &why), -1);
    ck_assert_msg(why != NULL && *why, "no reason for '%s'", spec);
    ck_assert_str_eq(suite, "untouched");
    ck_assert_str_eq(package, "untouched");
}
END_TEST

START_TEST(debian_spec_explains_missing_package)
{
    char *suite = NULL;
    char *package = NULL;
    const char *why = NULL;

    ck_assert_int_eq(provision_parse_debian_spec("bullseye", &suite,
                                                 &package, &why), -1);
    ck_assert_ptr_nonnull(strstr(why, "/PACKAGE"));
    ck_assert_int_eq(provision_parse_debian_spec("sid/python3.14/extra",
                                                 &suite, &package, &why),
                     -1);
    ck_assert_ptr_nonnull(strstr(why, "more than one"));
    /* NULL spec and NULL why are allowed. */
    ck_assert_int_eq(provision_parse_debian_spec(NULL, &suite, &package,
                                                 NULL), -1);
}
END_TEST

/* ---- Mirror discovery ------------------------------------------------ */

/* A .sources file shaped like a real one: the security archive comes
 * first, a comment sits inside the stanza. */
static const char deb822_security_first[] =
    "Types: deb\n"
    "# http://snapshot.example/archive/debian-security/20250520T000000Z\n"
    "URIs: http://mirror.example/debian-security\n"
    "Suites: bookworm-security\n"
    "Components: main\n"
    "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    "\n"
    "Types: deb\n"
    "# http://snapshot.example/archive/debian/20250520T000000Z\n"
    "URIs: http://mirror.example/debian/\n"
    "Suites: bookworm bookworm-updates\n"
    "Components: main\n";

START_TEST(deb822_skips_security_and_comments)
{
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(provision_mirror_from_deb822(deb822_security_first,
                                                  &out), 1);
    ck_assert_str_eq(out.buf, "http://mirror.example/debian");
    strbuf_release(&out);
}
END_TEST

START_TEST(deb822_reads_types_enabled_and_continuations)
{
    static const char text[] =
        "# a whole-line comment before anything\n"
        "Types: deb\n"
        "Enabled: no\n"
        "URIs: http://disabled.example/debian\n"
        "Suites: bookworm\n"
        "\n"
        "Types: deb-src\n"
        "uris: https://third-party.example/apt\n"
        "# a comment does not end the field\n"
        "  https://src.example/pub/debian\n"
        "Suites: bookworm\n"
        "Signed-By:\n"
        " -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
        " URIs: http://inside-a-key.example/debian\n"
        " -----END PGP PUBLIC KEY BLOCK-----\n";
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(provision_mirror_from_deb822(text, &out), 1);
    ck_assert_str_eq(out.buf, "https://src.example/pub/debian");
    strbuf_release(&out);
}
END_TEST

START_TEST(deb822_finds_nothing_without_an_archive)
{
    static const char *const texts[] = {
        "",
        "Types: deb\nURIs: http://mirror.example/debian-security\n",
        "Types: deb\nURIs: https://vendor.example/node_20.x\n",
        "Types: rpm\nURIs: http://mirror.example/debian\n",
        "Types: deb\nEnabled: no\nURIs: http://mirror.example/debian\n",
        "# URIs: http://mirror.example/debian\n",
        "Types: deb\nURIs: http://mirror.example/debianfoo\n",
    };
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(provision_mirror_from_deb822(texts[_i], &out), 0);
    ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(oneline_finds_first_archive)
{
    static const char text[] =
        "# deb http://commented.example/debian bullseye main\n"
        "deb http://mirror.example/debian-security bullseye-security main\n"
        "deb [ arch=amd64 signed-by=/k.gpg ] http://opts.example/debian "
        "bullseye main # trailing comment\n"
        "deb http://later.example/debian bullseye main\n";
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(provision_mirror_from_oneline(text, &out), 1);
    ck_assert_str_eq(out.buf, "http://opts.example/debian");
    strbuf_release(&out);
}
END_TEST

START_TEST(oneline_rejects_non_archives)
{
    static const char *const texts[] = {
        "",
        "deb https://vendor.example/apt cloud-sdk-bookworm main\n",
        "#deb http://mirror.example/debian bullseye main\n",
        "deb http://mirror.example/debian\n",  /* no suite */
        "rpm http://mirror.example/debian bullseye main\n",
        "deb [arch=amd64] http://mirror.example/debian-ports sid main\n",
        "deb http://mirror.example/notdebian bookworm main\n",
        "deb http://mirror.example/debian # no suite, only a comment\n",
    };
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(provision_mirror_from_oneline(texts[_i], &out), 0);
    ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(oneline_accepts_file_uri_without_slashes)
{
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(provision_mirror_from_oneline(
                         "deb-src file:/srv/debian// sid main\n", &out), 1);
    ck_assert_str_eq(out.buf, "file:/srv/debian");
    strbuf_release(&out);
}
END_TEST

static char *
make_etc_apt(void)
{
    char tmpl[] = "/tmp/test-provision-XXXXXX";
    char *dir = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(dir);
    char *d = path_join(dir, "sources.list.d");
    ck_assert_int_eq(util_mkdir_p(d, 0755), 0);
    free(d);
    return xstrdup(dir);
}

static void
put(const char *dir, const char *name, const char *text)
{
    char *path = path_join(dir, name);
    ck_assert_int_eq(util_write_file_atomic(path, text, strlen(text)), 0);
    free(path);
}

START_TEST(find_mirror_reads_apt_files_in_order)
{
    char *etc = make_etc_apt();
    struct strbuf out = STRBUF_INIT;
    struct strbuf where = STRBUF_INIT;

    /* sources.list names no archive; a disabled file would, but its name
     * ends in neither .list nor .sources; 10-main.sources comes before
     * 20-other.list. */
    put(etc, "sources.list", "# nothing here\n");
    put(etc, "sources.list.d/00-vendor.list.disabled-by-farm",
        "deb http://disabled.example/debian bookworm main\n");
    put(etc, "sources.list.d/05-vendor.sources",
        "Types: deb\nURIs: https://vendor.example/node\nSuites: x\n");
    put(etc, "sources.list.d/10-main.sources", deb822_security_first);
    put(etc, "sources.list.d/20-other.list",
        "deb http://other.example/debian bookworm main\n");
    ck_assert_int_eq(provision_find_mirror(etc, &out, &where), 1);
    ck_assert_str_eq(out.buf, "http://mirror.example/debian");
    ck_assert_ptr_nonnull(strstr(where.buf, "10-main.sources"));

    /* sources.list itself comes first. */
    strbuf_reset(&out);
    put(etc, "sources.list",
        "deb http://first.example/debian bullseye main\n");
    ck_assert_int_eq(provision_find_mirror(etc, &out, NULL), 1);
    ck_assert_str_eq(out.buf, "http://first.example/debian");

    util_rm_rf(etc);
    free(etc);
    strbuf_release(&out);
    strbuf_release(&where);
}
END_TEST

START_TEST(find_mirror_reports_none)
{
    char *etc = make_etc_apt();
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(provision_find_mirror(etc, &out, NULL), 0);
    put(etc, "sources.list.d/debian.sources.disabled",
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: x\n");
    put(etc, "sources.list.d/security.sources",
        "Types: deb\nURIs: http://mirror.example/debian-security\n");
    ck_assert_int_eq(provision_find_mirror(etc, &out, NULL), 0);
    ck_assert_uint_eq(out.len, 0);
    ck_assert_int_eq(provision_find_mirror("/nonexistent/etc/apt", &out,
                                           NULL), 0);
    util_rm_rf(etc);
    free(etc);
}
END_TEST

/* ---- patchlevel.h ---------------------------------------------------- */

START_TEST(patchlevel_reads_py_version)
{
    static const struct {
        const char *text, *version;
    } cases[] = {
        {"/* Version as a string */\n"
         "#define PY_VERSION      \t\"3.9.2\"\n", "3.9.2"},
        {"#define PY_MAJOR_VERSION 3\n"
         "#define PY_VERSION_HEX 0x030D05F0\n"
         "#define PY_VERSION \"3.13.5\"\n", "3.13.5"},
        {"# define PY_VERSION \"3.14.0a1+\"", "3.14.0a1+"},
        {"  #\tdefine\tPY_VERSION\t\"3.12.0rc3\"\n", "3.12.0rc3"},
    };
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(provision_patchlevel_version(cases[_i].text, &out), 0);
    ck_assert_str_eq(out.buf, cases[_i].version);
    strbuf_release(&out);
}
END_TEST

START_TEST(patchlevel_rejects_missing_or_odd_values)
{
    static const char *const texts[] = {
        "",
        "#define PY_VERSION_HEX 0x030902F0\n",
        "/* #define PY_VERSION \"3.9.2\" */\n",
        "#define PY_VERSION 3.9.2\n",
        "#define PY_VERSION \"3.9.2\n\"\n",
        "#define PY_VERSION \"\"\n",
        "#define PY_VERSION \"3.9 final\"\n",
        "#define PY_VERSION \"../../etc\"\n",
        "#define PY_VERSIONS \"3.9.2\"\n",
        "%define PY_VERSION \"3.9.2\"\n",
        "#define PY_VERSION \"final\"\n",
    };
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(provision_patchlevel_version(texts[_i], &out), -1);
    ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(source_version_reads_the_file)
{
    char tmpl[] = "/tmp/test-provision-XXXXXX";
    char *dir = mkdtemp(tmpl);
    struct strbuf out = STRBUF_INIT;

    ck_assert_ptr_nonnull(dir);
    ck_assert_int_eq(provision_source_version(dir, &out), -1);
    ck_assert_int_ne(errno, 0);
    char *inc = path_join(dir, "Include");
    ck_assert_int_eq(util_mkdir_p(inc, 0755), 0);
    put(dir, "Include/patchlevel.h", "#define PY_VERSION \"3.11.2\"\n");
    ck_assert_int_eq(provision_source_version(dir, &out), 0);
    ck_assert_str_eq(out.buf, "3.11.2");
    util_rm_rf(dir);
    free(inc);
    strbuf_release(&out);
}
END_TEST

/* ---- Tags ------------------------------------------------------------ */

START_TEST(tag_accepts_valid)
{
    static const char *const good[] = {
        "3.9.2", "3.9.2-debug", "3.14.0a1+", "my_build", "A", "logs2",
        "1234567890123456789012345678901234567890123456789012345678901234",
    };
    const char *why = "untouched";

    ck_assert_msg(provision_tag_valid(good[_i], &why), "'%s' rejected: %s",
                  good[_i], why);
}
END_TEST

START_TEST(tag_rejects_invalid)
{
    static const char *const bad[] = {
        "", ".", "..", ".tmp", "-debug", "3.9/2", "3.9 2", "3.9.2\n",
        "caf\xc3\xa9", "logs", "a$b",
        "12345678901234567890123456789012345678901234567890123456789012345",
    };
    const char *why = NULL;

    ck_assert_msg(!provision_tag_valid(bad[_i], &why), "'%s' accepted",
                  bad[_i]);
    ck_assert_ptr_nonnull(why);
    ck_assert(!provision_tag_valid(NULL, NULL));
}
END_TEST

START_TEST(tag_adds_debug_suffix)
{
    char *t = provision_make_tag("3.9.2", 0);
    ck_assert_str_eq(t, "3.9.2");
    free(t);
    t = provision_make_tag("3.13.5", 1);
    ck_assert_str_eq(t, "3.13.5-debug");
    free(t);
}
END_TEST

/* ---- .dsc and leakmatrix-build.json ---------------------------------- */

START_TEST(control_field_reads_dsc)
{
    static const char dsc[] =
        "-----BEGIN PGP SIGNED MESSAGE-----\n"
        "Hash: SHA256\n\n"
        "Format: 3.0 (quilt)\n"
        "Source: python3.9\n"
        "Binary: python3.9, python3.9-venv\n"
        "Version:   3.9.2-1  \n"
        "Checksums-Sha256:\n"
        " abc 123 python3.9_3.9.2.orig.tar.xz\n";
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(provision_control_field(dsc, "Version", &out), 0);
    ck_assert_str_eq(out.buf, "3.9.2-1");
    strbuf_reset(&out);
    ck_assert_int_eq(provision_control_field(dsc, "source", &out), 0);
    ck_assert_str_eq(out.buf, "python3.9");
    strbuf_reset(&out);
    ck_assert_int_eq(provision_control_field(dsc, "Vers", &out), -1);
    ck_assert_int_eq(provision_control_field(dsc, "Maintainer", &out), -1);
    ck_assert_uint_eq(out.len, 0);
    strbuf_release(&out);
}
END_TEST

START_TEST(json_get_string_reads_our_file)
{
    static const char json[] =
        "{\n"
        "  \"source_spec\": \"tag\",\n"
        "  \"tag\": \"3.9.2\",\n"
        "  \"request\" :  \"tarball /tmp/a \\\"b\\\"\\\\c\\u0041\\/\",\n"
        "  \"debian_version\": null,\n"
        "  \"debug\": false\n"
        "}\n";
    struct strbuf out = STRBUF_INIT;

    ck_assert_int_eq(provision_json_get_string(json, "tag", &out), 0);
    ck_assert_str_eq(out.buf, "3.9.2");
    strbuf_reset(&out);
    ck_assert_int_eq(provision_json_get_string(json, "request", &out), 0);
    ck_assert_str_eq(out.buf, "tarball /tmp/a \"b\"\\cA/");
    strbuf_reset(&out);
    ck_assert_int_eq(provision_json_get_string(json, "debian_version", &out),
                     -1);
    ck_assert_int_eq(provision_json_get_string(json, "debug", &out), -1);
    ck_assert_int_eq(provision_json_get_string(json, "missing", &out), -1);
    ck_assert_int_eq(provision_json_get_string("{\"a\": \"open", "a", &out),
                     -1);
    ck_assert_uint_eq(out.len, 0);
    ck_assert_int_eq(provision_json_get_string("{\"a\": \"caf\\u00e9\"}",
                                               "a", &out), 0);
    ck_assert_str_eq(out.buf, "caf\xc3\xa9");
    strbuf_release(&out);
}
END_TEST

/* ---- The command's refusals (no build runs) -------------------------- */

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Each case is refused before anything is created or downloaded; the
 * message must be the one meant for it, not a later check's. */
static const struct {
    const char *argv[5];
    const char *message;
} usage_cases[] = {
    {{"build", NULL}, "nothing to build"},
    {{"build", "--no-such-option", NULL}, "unknown option '--no-such-option'"},
    {{"build", "--debian", "bullseye", NULL}, "missing '/PACKAGE'"},
    {{"build", "--debian", NULL}, "needs a value"},
    {{"build", "--tarball", "/nonexistent/Python-3.9.2.tar.xz", NULL},
     "cannot read the archive"},
    {{"build", "--debian=sid/python3.14", "--tarball=/etc/hostname", NULL},
     "only one of"},
    {{"build", "--debian=sid/python3.14", "--sha256=" SHA, "--mirror=x",
      NULL}, "apt already verifies"},
    {{"build", "--tarball=/etc/hostname", "--sha256=00", NULL},
     "64 hex digits"},
    {{"build", "--debian=sid/python3.14", "--tag=.hidden", NULL},
     "invalid --tag"},
    {{"build", "--debian=sid/python3.14", "--jobs=0", NULL}, "--jobs"},
    {{"build", "--debug=yes", NULL}, "takes no value"},
    {{"build", "--debian=sid/python3.14", "--cache=/tmp/x", NULL},
     "--cache is gone"},
    {{"build", "--url=gopher://x/y.tgz", NULL}, "--url wants"},
    {{"build", "--tarball=/etc/hostname", "--mirror=http://m/debian", NULL},
     "only applies to --debian"},
    {{"build", "--debian=sid/python3.14", "--configure-arg=--prefix=/usr",
      NULL}, "cannot change the prefix"},
    {{"build", "--debian-binary=sid/pypy3", NULL}, "is not CPython's package"},
    {{"build", "--debian-binary=sid/python3.14-dbg", NULL},
     "write SUITE/python3.N"},
    {{"build", "--debian-binary=sid", NULL}, "invalid --debian-binary"},
    {{"build", "--debian-binary=sid/python3.14", "--debian=sid/python3.14",
      NULL}, "only one of"},
    {{"build", "--debian-binary=sid/python3.14", "--configure-arg=-O3",
      NULL}, "takes Debian's build as it is"},
};

START_TEST(binary_minor_takes_cpython_packages_only)
{
    ck_assert_str_eq(provision_binary_minor("python3.14"), "3.14");
    ck_assert_str_eq(provision_binary_minor("python3.9"), "3.9");
    ck_assert_ptr_null(provision_binary_minor("python3"));
    ck_assert_ptr_null(provision_binary_minor("python3."));
    ck_assert_ptr_null(provision_binary_minor("python3.14-dbg"));
    ck_assert_ptr_null(provision_binary_minor("pypy3"));
    ck_assert_ptr_null(provision_binary_minor("python2.7"));
}
END_TEST

START_TEST(upstream_version_drops_epoch_and_revision)
{
    static const char *const cases[][2] = {
        {"3.14.10-1", "3.14.10"},
        {"1:3.14.10-1+b1", "3.14.10"},
        {"3.15.2", "3.15.2"},
        {"3.13.5-2+deb13u5", "3.13.5"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct strbuf sb = STRBUF_INIT;
        ck_assert_int_eq(provision_upstream_version(cases[i][0], &sb), 0);
        ck_assert_str_eq(sb.buf, cases[i][1]);
        strbuf_release(&sb);
    }
    struct strbuf empty = STRBUF_INIT;
    ck_assert_int_eq(provision_upstream_version("1:-1", &empty), -1);
    strbuf_release(&empty);
}
END_TEST

START_TEST(cmd_build_rejects_bad_usage)
{
    char *argv[5] = {NULL};
    int argc = 0;
    char path[] = "/tmp/test-provision-stderr-XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(2);
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_ge(fd, 0);
    /* Should a check ever let a case through, the build stops at the
     * pythons root instead of downloading into the user's cache. */
    for (; usage_cases[_i].argv[argc]; argc++) {
        argv[argc] = (char *)usage_cases[_i].argv[argc];
    }
    fflush(stderr);
    dup2(fd, 2);
    int rc = provision_cmd_build(argc, argv,
                                 "/proc/leakmatrix-test-no-cache/pythons");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    ck_assert_int_eq(util_read_file(path, &err), 0);
    unlink(path);
    ck_assert_int_eq(rc, LMX_EXIT_USAGE);
    ck_assert_msg(strstr(err.buf, usage_cases[_i].message) != NULL,
                  "expected '%s' in: %s", usage_cases[_i].message, err.buf);
    ck_assert_msg(strchr(err.buf, '\n') == err.buf + err.len - 1,
                  "not one line: %s", err.buf);
    strbuf_release(&err);
}
END_TEST

Suite *
provision_suite(void)
{
    Suite *s = suite_create("provision");
    TCase *tc;

    tc = tcase_create("debian spec: accepts suite/package");
    tcase_add_loop_test(tc, debian_spec_accepts_suite_and_package, 0, 5);
    suite_add_tcase(s, tc);
    tc = tcase_create("debian spec: rejects malformed specs");
    tcase_add_loop_test(tc, debian_spec_rejects_malformed, 0, 13);
    tcase_add_test(tc, debian_spec_explains_missing_package);
    suite_add_tcase(s, tc);

    tc = tcase_create("mirror: deb822 sources");
    tcase_add_test(tc, deb822_skips_security_and_comments);
    tcase_add_test(tc, deb822_reads_types_enabled_and_continuations);
    tcase_add_loop_test(tc, deb822_finds_nothing_without_an_archive, 0, 7);
    suite_add_tcase(s, tc);
    tc = tcase_create("mirror: one-line sources");
    tcase_add_test(tc, oneline_finds_first_archive);
    tcase_add_loop_test(tc, oneline_rejects_non_archives, 0, 8);
    tcase_add_test(tc, oneline_accepts_file_uri_without_slashes);
    suite_add_tcase(s, tc);
    tc = tcase_create("mirror: apt directory in apt's order");
    tcase_add_test(tc, find_mirror_reads_apt_files_in_order);
    tcase_add_test(tc, find_mirror_reports_none);
    suite_add_tcase(s, tc);

    tc = tcase_create("patchlevel: reads PY_VERSION");
    tcase_add_loop_test(tc, patchlevel_reads_py_version, 0, 4);
    tcase_add_loop_test(tc, patchlevel_rejects_missing_or_odd_values, 0, 11);
    tcase_add_test(tc, source_version_reads_the_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("tag: validation and naming");
    tcase_add_loop_test(tc, tag_accepts_valid, 0, 7);
    tcase_add_loop_test(tc, tag_rejects_invalid, 0, 12);
    tcase_add_test(tc, tag_adds_debug_suffix);
    suite_add_tcase(s, tc);

    tc = tcase_create("build metadata: .dsc fields and build json");
    tcase_add_test(tc, control_field_reads_dsc);
    tcase_add_test(tc, json_get_string_reads_our_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("build command: usage errors exit 2");
    tcase_add_test(tc, binary_minor_takes_cpython_packages_only);
    tcase_add_test(tc, upstream_version_drops_epoch_and_revision);
    tcase_add_loop_test(tc, cmd_build_rejects_bad_usage, 0,
                        sizeof(usage_cases) / sizeof(*usage_cases));
    suite_add_tcase(s, tc);
    return s;
}
