/* test-digest.c - the one digest module (base/digest.c): SHA-256 against
 * FIPS 180-4's vectors, fed whole and a byte at a time, and against
 * sha256sum on a file; FNV-1a's published values; and the one interrupt
 * flag (base/interrupt.c): a signal sets it, nested catches share it. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/interrupt.h"
#include "base/util.h"

static void
sha_of(const char *data, size_t n, size_t piece, char hex[65])
{
    struct digest_sha256 s;
    digest_sha256_init(&s);
    for (size_t i = 0; i < n; i += piece) {
        digest_sha256_add(&s, data + i, n - i < piece ? n - i : piece);
    }
    digest_sha256_hex(&s, hex);
}

START_TEST(sha256_matches_the_standard_vectors)
{
    static const struct {
        const char *in, *out;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc",
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        sha_of(v[i].in, strlen(v[i].in), 64, hex);
        ck_assert_str_eq(hex, v[i].out);
        sha_of(v[i].in, strlen(v[i].in), 1, hex);
        ck_assert_str_eq(hex, v[i].out);
    }
    /* a million 'a': many blocks, padding in a block of its own */
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    sha_of(a, 1000000, 4093, hex);
    ck_assert_str_eq(
        hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}
END_TEST

START_TEST(sha256_of_a_file_agrees_with_sha256sum)
{
    char path[] = "/tmp/lmx-test-digest-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    for (int i = 0; i < 3000; i++) {
        ck_assert_int_eq(write(fd, "leakmatrix\n", 11), 11);
    }
    close(fd);
    char *cmd = xasprintf("sha256sum %s", path);
    FILE *p = popen(cmd, "r");
    char want[65] = "";
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(fscanf(p, "%64s", want), 1);
    pclose(p);
    char *got = digest_sha256_file(path);
    ck_assert_str_eq(got, want);
    ck_assert(digest_sha256_file_is(path, want));
    want[0] = want[0] == '0' ? '1' : '0';
    ck_assert(!digest_sha256_file_is(path, want));
    ck_assert(!digest_sha256_file_is(path, "abc"));
    unlink(path);
    ck_assert_ptr_null(digest_sha256_file(path));
    ck_assert(!digest_sha256_file_is(path, got));
    free(got);
    free(cmd);
}
END_TEST

START_TEST(fnv1a_matches_published_values)
{
    ck_assert_uint_eq(digest_fnv1a_str(DIGEST_FNV_OFFSET, ""),
                      0xcbf29ce484222325ULL);
    ck_assert_uint_eq(digest_fnv1a_str(DIGEST_FNV_OFFSET, "a"),
                      0xaf63dc4c8601ec8cULL);
    ck_assert_uint_eq(digest_fnv1a_str(DIGEST_FNV_OFFSET, "foobar"),
                      0x85944171f73967e8ULL);
    ck_assert_uint_eq(digest_fnv1a(DIGEST_FNV_OFFSET, "foo\0", 4),
                      digest_fnv1a(digest_fnv1a_str(DIGEST_FNV_OFFSET, "foo"),
                                   "", 1));
}
END_TEST

START_TEST(interrupt_flag_is_set_once_and_shared_by_nested_catches)
{
    interrupt_catch();
    ck_assert_int_eq(interrupt_pending(), 0);
    interrupt_catch(); /* nested: an install inside a matrix run */
    raise(SIGTERM);
    ck_assert_int_eq(interrupt_pending(), SIGTERM);
    ck_assert_int_eq(*interrupt_flag(), SIGTERM);
    raise(SIGINT); /* the first signal is the one kept */
    ck_assert_int_eq(interrupt_release(), SIGTERM);
    /* the outer catch still holds the handlers */
    raise(SIGHUP);
    ck_assert_int_eq(interrupt_release(), SIGTERM);
    /* a new outermost catch starts clear */
    interrupt_catch();
    ck_assert_int_eq(interrupt_pending(), 0);
    ck_assert_int_eq(interrupt_release(), 0);
}
END_TEST

START_TEST(interrupt_keeps_an_ignored_signal_ignored)
{
    struct sigaction old, now;
    signal(SIGHUP, SIG_IGN);
    interrupt_catch();
    sigaction(SIGHUP, NULL, &now);
    ck_assert(now.sa_handler == SIG_IGN);
    interrupt_release();
    signal(SIGHUP, SIG_DFL);
    sigaction(SIGHUP, NULL, &old);
    ck_assert(old.sa_handler == SIG_DFL);
}
END_TEST

Suite *
digest_suite(void)
{
    Suite *s = suite_create("digest");
    TCase *tc = tcase_create("digest");
    tcase_add_test(tc, sha256_matches_the_standard_vectors);
    tcase_add_test(tc, sha256_of_a_file_agrees_with_sha256sum);
    tcase_add_test(tc, fnv1a_matches_published_values);
    tcase_add_test(tc, interrupt_flag_is_set_once_and_shared_by_nested_catches);
    tcase_add_test(tc, interrupt_keeps_an_ignored_signal_ignored);
    suite_add_tcase(s, tc);
    return s;
}
