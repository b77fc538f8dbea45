/* test-elfsym.c - the dynamic symbols of real shared objects built by the
 * toolchain (tests/unit/elfsym-fixture.c, with and without a debug
 * build's refcount symbol), and files that are not ELF or are damaged:
 * an answer, or an error naming the file, never a crash. */
#include <check.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "native/elfsym.h"
#include "base/util.h"

static const char *const marker[] = {"_Py_NegativeRefcount", NULL};

/* A scratch copy of src, its first keep bytes (all when keep is 0), with
 * patch applied at offset at (when patch is not NULL).  Caller frees the
 * returned path after unlinking it. */
static char *
scratch_copy(const char *src, size_t keep, size_t at, const void *patch,
             size_t patch_len)
{
    struct strbuf data = STRBUF_INIT;
    char tmpl[] = "/tmp/lmx-test-elfsym-XXXXXX";
    int fd = mkstemp(tmpl);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(util_read_file(src, &data), 0);
    if (keep && keep < data.len) {
        data.len = keep;
    }
    if (patch) {
        ck_assert_uint_le(at + patch_len, data.len);
        memcpy(data.buf + at, patch, patch_len);
    }
    ck_assert_int_eq(write(fd, data.buf, data.len), (ssize_t)data.len);
    close(fd);
    strbuf_release(&data);
    return xstrdup(tmpl);
}

static int
names_any(const char *path, struct strbuf *err)
{
    strbuf_reset(err);
    return elfsym_names_any(path, marker, err);
}

START_TEST(a_debug_build_import_is_found)
{
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_eq(names_any(LMX_ELFSYM_COUNTED, &err), 1);
    ck_assert_int_eq(names_any(LMX_ELFSYM_PLAIN, &err), 0);
    ck_assert_int_eq(elfsym_names_any(LMX_ELFSYM_COUNTED,
                                      elfsym_ref_debug_symbols, &err), 1);
    ck_assert_int_eq(elfsym_names_any(LMX_ELFSYM_PLAIN,
                                      elfsym_ref_debug_symbols, &err), 0);
    /* a name that is only a prefix of a symbol does not count */
    const char *const prefix[] = {"_Py_Negative", NULL};
    ck_assert_int_eq(elfsym_names_any(LMX_ELFSYM_COUNTED, prefix, &err), 0);
    /* a symbol the object defines counts as named too */
    const char *const defined[] = {"elfsym_fixture_touch", NULL};
    ck_assert_int_eq(elfsym_names_any(LMX_ELFSYM_PLAIN, defined, &err), 1);
    ck_assert_str_eq(err.buf, "");
    strbuf_release(&err);
}
END_TEST

START_TEST(build_id_is_the_gnu_note)
{
    struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, err = STRBUF_INIT;

    /* gcc and ld on Debian give every link a 20-byte SHA-1 build-id */
    ck_assert_int_eq(elfsym_build_id(LMX_ELFSYM_PLAIN, &a, &err), 0);
    ck_assert_int_eq(elfsym_build_id(LMX_ELFSYM_COUNTED, &b, &err), 0);
    ck_assert_uint_eq(a.len, 40);
    ck_assert_uint_eq(strspn(a.buf, "0123456789abcdef"), 40);
    ck_assert_str_ne(a.buf, b.buf);
    ck_assert_str_eq(err.buf, "");
    strbuf_reset(&a);
    ck_assert_int_eq(elfsym_build_id("/nonexistent/x.so", &a, &err), -1);
    ck_assert_str_eq(a.buf ? a.buf : "", "");
    ck_assert_ptr_nonnull(strstr(err.buf, "/nonexistent/x.so: "));
    strbuf_release(&a);
    strbuf_release(&b);
    strbuf_release(&err);
}
END_TEST

START_TEST(what_is_not_elf_is_an_error)
{
    struct strbuf err = STRBUF_INIT;
    char *text = scratch_copy(LMX_SOURCE_ROOT "/README.md", 0, 0, NULL, 0);

    ck_assert_int_eq(names_any(text, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "not an ELF file"));
    ck_assert_ptr_nonnull(strstr(err.buf, text));
    ck_assert_int_eq(names_any("/nonexistent/x.so", &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "No such file"));
    ck_assert_int_eq(names_any("/tmp", &err), -1);
    unlink(text);
    free(text);
    strbuf_release(&err);
}
END_TEST

START_TEST(a_damaged_file_is_an_error)
{
    struct strbuf err = STRBUF_INIT;
    Elf64_Ehdr eh;
    struct strbuf data = STRBUF_INIT;

    ck_assert_int_eq(util_read_file(LMX_ELFSYM_COUNTED, &data), 0);
    ck_assert_uint_ge(data.len, sizeof(eh));
    memcpy(&eh, data.buf, sizeof(eh));
    strbuf_release(&data);

    /* cut inside the header, and before the section headers */
    char *cut = scratch_copy(LMX_ELFSYM_COUNTED, 20, 0, NULL, 0);
    ck_assert_int_eq(names_any(cut, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "truncated ELF"));
    unlink(cut);
    free(cut);
    cut = scratch_copy(LMX_ELFSYM_COUNTED, (size_t)eh.e_shoff + 8, 0, NULL,
                       0);
    ck_assert_int_eq(names_any(cut, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "truncated section headers"));
    unlink(cut);
    free(cut);

    /* section headers far past the end */
    uint64_t far = UINT64_MAX - 16;
    char *bad = scratch_copy(LMX_ELFSYM_COUNTED, 0,
                             offsetof(Elf64_Ehdr, e_shoff), &far,
                             sizeof(far));
    ck_assert_int_eq(names_any(bad, &err), -1);
    unlink(bad);
    free(bad);

    /* no section headers at all */
    uint64_t none = 0;
    bad = scratch_copy(LMX_ELFSYM_COUNTED, 0, offsetof(Elf64_Ehdr, e_shoff),
                       &none, sizeof(none));
    ck_assert_int_eq(names_any(bad, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "no section headers"));
    unlink(bad);
    free(bad);

    /* the other byte order */
    unsigned char msb = ELFDATA2MSB;
    bad = scratch_copy(LMX_ELFSYM_COUNTED, 0, EI_DATA, &msb, 1);
    ck_assert_int_eq(names_any(bad, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "other byte order"));
    unlink(bad);
    free(bad);
    strbuf_release(&err);
}
END_TEST

Suite *
elfsym_suite(void)
{
    Suite *s = suite_create("elfsym");
    TCase *tc = tcase_create("elfsym");

    tcase_add_test(tc, a_debug_build_import_is_found);
    tcase_add_test(tc, build_id_is_the_gnu_note);
    tcase_add_test(tc, what_is_not_elf_is_an_error);
    tcase_add_test(tc, a_damaged_file_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}
