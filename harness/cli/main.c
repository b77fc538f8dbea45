/* main.c - the `leakmatrix` front end: a table of subcommands.  The front
 * end never links libpython; it finds interpreters, starts one runner
 * process per cell and judges what the runners report.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "base/util.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "run scenarios on interpreters and judge what grows"},
    {"report", cmd_report, "render result directories as a grid, in any "
                           "format"},
    {"compare", cmd_compare,
     "the pre-upgrade gate: what a candidate interpreter changes"},
    {"check", cmd_check,
     "a run as an exit code for `git bisect run` (0, 1, 125)"},
    {"bisect", cmd_bisect,
     "the first bad or fixed library version, commit or interpreter"},
    {"pythons", cmd_pythons,
     "list, add, build interpreters and their runners"},
    {"help", NULL, "show this help"},
};

static void
usage(FILE *to)
{
    fputs("usage: leakmatrix COMMAND [ARGS]\n"
          "\n"
          "A leak regression harness for CPython: runs a Python scenario in\n"
          "rounds inside embedded interpreters and reports, per iteration,\n"
          "what grows (RSS, references, blocks, threads, fds) and what is\n"
          "over-released.\n"
          "\n"
          "commands:\n",
          to);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(to, "  %-9s %s\n", commands[i].name, commands[i].summary);
    }
    fputs("\n"
          "`leakmatrix COMMAND --help` explains each command.\n"
          "\n"
          "exit codes: 0 all clean or skipped; 1 a leak, over-release,\n"
          "crash, timeout or scenario error was found; 2 usage error (bad\n"
          "option, tag or file, or LEAKMATRIX_CACHE naming another cache\n"
          "than this build directory's); 3 infrastructure failure (no\n"
          "runner, a runner that does not start, a failed build).\n",
          to);
}

int
main(int argc, char **argv)
{
    /* Children are waited for: an inherited SIGCHLD=SIG_IGN would make
     * the kernel reap them behind our back.  Writing to a runner that has
     * died must be an EPIPE to handle, not our death. */
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return LMX_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0
        || strcmp(name, "-h") == 0) {
        usage(stdout);
        return LMX_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("leakmatrix %s\n", LMX_VERSION);
        return LMX_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (commands[i].fn && strcmp(commands[i].name, name) == 0) {
            return commands[i].fn(argc - 1, argv + 1);
        }
    }
    lmx_error("unknown command '%s'; known commands: run, report, compare, check, bisect, pythons, help",
              name);
    return LMX_EXIT_USAGE;
}
