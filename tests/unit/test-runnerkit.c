/* test-runnerkit.c - an installed leakmatrix's runners built on demand
 * (harness/interp/runnerkit.c), on a made-up kit in a scratch directory:
 * runner.build read and refused, the store entry's name, a real build
 * with the machine's cc and a python generating a header, two processes
 * building one runner once, and the one-line failures (no compiler, no
 * Python.h, a compile error). */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/spawn.h"
#include "base/util.h"
#include "interp/runnerkit.h"

/* The kit's program: the generated header and the interpreter's fake
 * Python.h must both be seen, and only the `when` whose file exists. */
static const char main_c[] =
    "#include LMX_SUPPORT_H\n"
    "#include \"Python.h\"\n"
    "#include \"base/kit.h\"\n"
    "#ifndef ALWAYS\n#error the when with an existing file is missing\n"
    "#endif\n"
    "#ifdef NEVER\n#error the when with a missing file was taken\n#endif\n"
    "int main(void) { return GEN_OK + FAKE_PY + KIT_H - 3; }\n";

/* gen.py INPUT OUTPUT ARG: checks it got its argument. */
static const char gen_py[] =
    "import sys\n"
    "assert sys.argv[3] == 'extra', sys.argv\n"
    "open(sys.argv[2], 'w').write('#define GEN_OK 1\\n')\n";

static void
put(const char *dir, const char *rel, const char *text)
{
    char *path = path_join(dir, rel);
    char *parent = xstrdup(path);

    *strrchr(parent, '/') = '\0';
    ck_assert_int_eq(util_mkdir_p(parent, 0755), 0);
    ck_assert_int_eq(util_write_file_atomic(path, text, strlen(text)), 0);
    free(parent);
    free(path);
}

/* A scratch directory holding kit/ (version `version`, its program
 * `program`), inc/Python.h and store/. */
static char *
make_kit(const char *version, const char *program)
{
    char *dir = xstrdup("/tmp/lmx-test-runnerkit.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *kit = path_join(dir, "kit");
    char *desc = xasprintf(
        "# a made-up kit\n"
        "version\t%s\n"
        "source\trunner/main.c\n"
        "file\trunner/gen.py\n"
        "file\tbase/kit.h\n"
        "cflag\t-std=c11\n"
        "when\t/nonexistent/lmx/x.h\t-DNEVER\n"
        "when\t%s/runner/main.c\t-DALWAYS\n"
        "when\t%s/../appears.h\t-DAPPEARS\n"
        "generate\trunner/gen.py\trunner/main.c\tgen.h\tLMX_SUPPORT_H\t"
        "extra\n",
        version, kit, kit);
    put(kit, RUNNERKIT_DESCRIPTION, desc);
    put(kit, "runner/main.c", program);
    put(kit, "runner/gen.py", gen_py);
    put(kit, "base/kit.h", "#define KIT_H 1\n");
    put(dir, "inc/Python.h", "#define FAKE_PY 1\n");
    free(desc);
    free(kit);
    return dir;
}

static void
load(struct runnerkit *kit, const char *dir, const char *cc)
{
    struct strbuf err = STRBUF_INIT;
    char *kdir = path_join(dir, "kit");
    char *store = path_join(dir, "store");

    ck_assert_msg(runnerkit_load(kit, kdir, store, cc, &err) == 0, "%s",
                  err.buf);
    free(store);
    free(kdir);
    strbuf_release(&err);
}

/* A registry of one interpreter of the system's whose headers are
 * dir/inc; registry_release() frees it. */
static void
fake_registry(struct registry *reg, const char *dir)
{
    struct python *py = xcalloc(1, sizeof(*py));

    py->tag = xstrdup("3.11.99");
    py->version = xstrdup("3.11.99");
    py->hexversion = 0x030b63f0;
    py->origin = PYTHON_ORIGIN_SYSTEM;
    py->executable = xstrdup(LMX_TEST_PYTHON);
    py->embeddable = 1;
    py->cflags = xasprintf("-I%s/inc", dir);
    py->libs = xstrdup("-lm");
    py->libdir = xstrdup("/usr/lib");
    reg->v = py;
    reg->nr = reg->alloc = 1;
}

/* How many files dir holds (not counting . and ..). */
static size_t
count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;

    while (d && (de = readdir(d)) != NULL) {
        n += de->d_name[0] != '.';
    }
    if (d) {
        closedir(d);
    }
    return n;
}

/* One test's kit, its interpreter and the error of the last call. */
struct kcase {
    char *dir;
    struct runnerkit kit;
    struct registry reg;
    struct python *py;   /* its one interpreter */
    struct strbuf err;
};

/* A kit of this leakmatrix's version around program, loaded with the
 * compiler cc (NULL: cc), and an interpreter for it. */
static void
case_begin(struct kcase *c, const char *program, const char *cc)
{
    struct runnerkit kit = RUNNERKIT_INIT;
    struct registry reg = REGISTRY_INIT;

    c->dir = make_kit(LMX_VERSION, program);
    c->kit = kit;
    c->reg = reg;
    strbuf_init(&c->err);
    load(&c->kit, c->dir, cc);
    fake_registry(&c->reg, c->dir);
    c->py = &c->reg.v[0];
}

static void
case_end(struct kcase *c)
{
    registry_release(&c->reg);
    runnerkit_release(&c->kit);
    util_rm_rf(c->dir);
    free(c->dir);
    strbuf_release(&c->err);
}

START_TEST(kit_refuses_another_version_and_missing_files)
{
    char *dir = make_kit("0.0.0-other", main_c);
    char *kdir = path_join(dir, "kit");
    struct runnerkit kit = RUNNERKIT_INIT;
    struct strbuf err = STRBUF_INIT;

    ck_assert_int_eq(runnerkit_load(&kit, kdir, "/s", NULL, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "0.0.0-other"));
    ck_assert_ptr_nonnull(strstr(err.buf, "reinstall leakmatrix"));
    ck_assert_ptr_null(kit.dir);
    put(kdir, RUNNERKIT_DESCRIPTION, "version\t" LMX_VERSION "\n"
                                     "source\tbase/kit.h\n"
                                     "source\tbase/gone.c\n");
    strbuf_reset(&err);
    ck_assert_int_eq(runnerkit_load(&kit, kdir, "/s", NULL, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "base/gone.c"));
    put(kdir, RUNNERKIT_DESCRIPTION, "version\t" LMX_VERSION "\n"
                                     "sauce\tbase/kit.h\n");
    strbuf_reset(&err);
    ck_assert_int_eq(runnerkit_load(&kit, kdir, "/s", NULL, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.buf, "sauce"));
    strbuf_reset(&err);
    ck_assert_int_eq(runnerkit_load(&kit, "/nonexistent/kit", "/s", NULL,
                                    &err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err.buf, RUNNERKIT_DESCRIPTION));
    util_rm_rf(dir);
    free(kdir);
    free(dir);
    strbuf_release(&err);
}
END_TEST

START_TEST(entry_names_tag_version_and_what_the_runner_is_made_of)
{
    struct kcase c;
    struct runnerkit other_cc = RUNNERKIT_INIT;

    case_begin(&c, main_c, NULL);
    load(&other_cc, c.dir, "clang -O1");
    ck_assert_str_eq(c.kit.cc.v[0], "cc");
    ck_assert_uint_eq(other_cc.cc.nr, 2);
    char *a = runnerkit_entry(&c.kit, c.py);
    char *want = xasprintf("3.11.99-%s-", LMX_VERSION);
    ck_assert_int_eq(strncmp(a, want, strlen(want)), 0);
    ck_assert_uint_eq(strlen(a), strlen(want) + 16);
    char *same = runnerkit_entry(&c.kit, c.py);
    ck_assert_str_eq(a, same);
    char *cc = runnerkit_entry(&other_cc, c.py);
    ck_assert_str_ne(a, cc);
    free(c.py->cflags);
    c.py->cflags = xasprintf("-I%s/inc -DOTHER", c.dir);
    char *flags = runnerkit_entry(&c.kit, c.py);
    ck_assert_str_ne(a, flags);
    /* Another source of the kit: another runner. */
    put(c.kit.dir, "base/kit.h", "#define KIT_H 1 /* changed */\n");
    load(&c.kit, c.dir, NULL);
    char *changed = runnerkit_entry(&c.kit, c.py);
    ck_assert_str_ne(flags, changed);
    /* A `when` file appearing (Valgrind's headers installed): another. */
    put(c.dir, "appears.h", "\n");
    load(&c.kit, c.dir, NULL);
    char *appeared = runnerkit_entry(&c.kit, c.py);
    ck_assert_str_ne(changed, appeared);
    free(appeared);
    free(changed);
    free(flags);
    free(cc);
    free(same);
    free(want);
    free(a);
    runnerkit_release(&other_cc);
    case_end(&c);
}
END_TEST

START_TEST(build_makes_a_runner_once_and_attach_finds_it)
{
    struct kcase c;
    struct spawn_exit ex;

    case_begin(&c, main_c, NULL);
    ck_assert_msg(runnerkit_build(&c.kit, c.py, 1, &c.err) == 0, "%s",
                  c.err.buf);
    ck_assert_ptr_nonnull(c.py->runner);
    ck_assert(util_ends_with(c.py->runner, "/" RUNNERKIT_RUNNER));
    const char *argv[] = {c.py->runner, NULL};
    ck_assert_int_eq(spawn_capture(argv, NULL, NULL, 10.0, &ex), 0);
    char *logs = xasprintf("%s/logs", c.kit.store);
    ck_assert_uint_eq(count_files(logs), 1);
    /* Built: taken as it is, not built again. */
    char *first = xstrdup(c.py->runner);
    free(c.py->runner);
    c.py->runner = NULL;
    ck_assert_int_eq(runnerkit_build(&c.kit, c.py, 1, &c.err), 0);
    ck_assert_str_eq(c.py->runner, first);
    ck_assert_uint_eq(count_files(logs), 1);
    /* And a fresh registry finds it. */
    struct registry reg = REGISTRY_INIT;
    fake_registry(&reg, c.dir);
    runnerkit_attach(&c.kit, &reg);
    ck_assert_ptr_nonnull(reg.v[0].runner);
    ck_assert_str_eq(reg.v[0].runner, first);
    registry_release(&reg);
    free(first);
    free(logs);
    case_end(&c);
}
END_TEST

START_TEST(two_processes_build_one_runner_once)
{
    struct kcase c;
    pid_t pids[2];

    case_begin(&c, main_c, NULL);
    for (int i = 0; i < 2; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            _exit(runnerkit_build(&c.kit, c.py, 1, &c.err) == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < 2; i++) {
        int status;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    char *logs = xasprintf("%s/logs", c.kit.store);
    ck_assert_uint_eq(count_files(logs), 1);
    free(logs);
    case_end(&c);
}
END_TEST

START_TEST(failures_are_one_line_naming_what_to_install)
{
    struct kcase c;

    case_begin(&c, main_c, "/nonexistent/lmx/cc -O2");
    ck_assert_int_eq(runnerkit_build(&c.kit, c.py, 1, &c.err), -1);
    ck_assert_ptr_nonnull(strstr(c.err.buf, "no C compiler"));
    ck_assert_ptr_nonnull(strstr(c.err.buf, "apt-get install gcc"));
    ck_assert_ptr_null(strchr(c.err.buf, '\n'));
    ck_assert_ptr_null(c.py->runner);
    ck_assert_int_eq(path_exists(c.kit.store), 0);

    load(&c.kit, c.dir, NULL);
    free(c.py->cflags);
    c.py->cflags = xstrdup("-I/nonexistent/include/python3.11");
    strbuf_reset(&c.err);
    ck_assert_int_eq(runnerkit_build(&c.kit, c.py, 1, &c.err), -1);
    ck_assert_ptr_nonnull(strstr(c.err.buf, "install python3.11-dev"));
    ck_assert_ptr_nonnull(strstr(c.err.buf,
                                 "/nonexistent/include/python3.11"));
    ck_assert_ptr_null(strchr(c.err.buf, '\n'));
    case_end(&c);
}
END_TEST

START_TEST(a_compile_error_says_the_compiler_and_the_log)
{
    struct kcase c;

    case_begin(&c, "int main(void) { return nope; }\n", NULL);
    ck_assert_int_eq(runnerkit_build(&c.kit, c.py, 1, &c.err), -1);
    ck_assert_msg(strstr(c.err.buf, "failed at compile") != NULL, "%s",
                  c.err.buf);
    ck_assert_msg(strstr(c.err.buf, "nope") != NULL, "%s", c.err.buf);
    ck_assert_ptr_nonnull(strstr(c.err.buf, "; log: "));
    ck_assert_ptr_null(strchr(c.err.buf, '\n'));
    ck_assert_ptr_null(c.py->runner);
    /* Nothing half-made: no entry in the store. */
    char *entry = runnerkit_entry(&c.kit, c.py);
    char *path = path_join(c.kit.store, entry);
    ck_assert_int_eq(path_exists(path), 0);
    free(path);
    free(entry);
    case_end(&c);
}
END_TEST

Suite *
runnerkit_suite(void)
{
    Suite *s = suite_create("runnerkit");
    TCase *tc;

    tc = tcase_create("runnerkit: the kit and where a runner goes");
    tcase_add_test(tc, kit_refuses_another_version_and_missing_files);
    tcase_add_test(tc, entry_names_tag_version_and_what_the_runner_is_made_of);
    suite_add_tcase(s, tc);

    tc = tcase_create("runnerkit: building a runner on demand");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, build_makes_a_runner_once_and_attach_finds_it);
    tcase_add_test(tc, two_processes_build_one_runner_once);
    tcase_add_test(tc, failures_are_one_line_naming_what_to_install);
    tcase_add_test(tc, a_compile_error_says_the_compiler_and_the_log);
    suite_add_tcase(s, tc);
    return s;
}
