/*
 * test_cli.c: what every verb shares (sim/cli/cli.c): the one option parser (options
 * anywhere before `--`, `--name=value`, operands kept in order), range messages, output
 * paths checked before any work, and the signal cleanup that removes the run's spill files
 * and ends the process by the same signal.
 */
#include "bs_test.h"

#include "../core/barriersim.h"
#include "../sim/cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const cli_option test_opts[] = {{"--json", "FILE"}, {"--trace", NULL}, {"--seeds", "N"}, {NULL, NULL}};

typedef struct parsed {
    const char *json;
    int trace;
    const char *seeds;
    int n;
    const char *operands[8];
} parsed;

static parsed parse_args(int argc, char **argv)
{
    parsed p = {0};
    cli_args a;
    cli_args_init(&a, "test", "usage: test\n", argc, argv, 1, test_opts);
    for (int k; (k = cli_args_next(&a)) >= 0;) {
        if (k == 0)
            p.json = a.value;
        else if (k == 1)
            p.trace++;
        else
            p.seeds = a.value;
    }
    p.n = a.n_operands;
    for (int i = 0; i < a.n_operands && i < 8; i++)
        p.operands[i] = a.operands[i];
    return p;
}

/* The usage errors below are expected: their messages are not shown among the results. */
static void quiet_stderr(void) { cr_assert_not_null(freopen("/dev/null", "w", stderr)); }

BS_TEST(cli, options_may_follow_operands_as_in_gnu_tools)
{
    char *argv[] = {"run", "a.yaml", "--trace", "b.yaml", "--json", "out.json", "c.yaml", NULL};
    parsed p = parse_args(7, argv);
    cr_assert_eq(p.trace, 1);
    cr_assert_str_eq(p.json, "out.json");
    cr_assert_eq(p.n, 3);
    cr_assert_str_eq(p.operands[0], "a.yaml");
    cr_assert_str_eq(p.operands[1], "b.yaml");
    cr_assert_str_eq(p.operands[2], "c.yaml");
}

BS_TEST(cli, after_a_double_dash_everything_is_an_operand)
{
    char *argv[] = {"run", "--trace", "--", "--json", "-", "x", NULL};
    parsed p = parse_args(6, argv);
    cr_assert_eq(p.trace, 1);
    cr_assert_null(p.json);
    cr_assert_eq(p.n, 3);
    cr_assert_str_eq(p.operands[0], "--json");
    cr_assert_str_eq(p.operands[1], "-");
    cr_assert_str_eq(p.operands[2], "x");
}

BS_TEST(cli, a_value_may_be_attached_with_an_equals_sign)
{
    char *argv[] = {"fuzz", "--seeds=40", "--json=a=b.json", "-", NULL};
    parsed p = parse_args(4, argv);
    cr_assert_str_eq(p.seeds, "40");
    cr_assert_str_eq(p.json, "a=b.json");
    cr_assert_eq(p.n, 1);
    cr_assert_str_eq(p.operands[0], "-", "a lone dash is an operand (standard input or output)");
}

BS_TEST(cli, an_unknown_option_anywhere_is_a_usage_error, .exit_code = 2, .init = quiet_stderr)
{
    char *argv[] = {"run", "a.yaml", "--frob", NULL};
    parse_args(3, argv);
}

BS_TEST(cli, an_option_missing_its_value_is_a_usage_error, .exit_code = 2, .init = quiet_stderr)
{
    char *argv[] = {"run", "a.yaml", "--json", NULL};
    parse_args(3, argv);
}

BS_TEST(cli, a_flag_given_a_value_is_a_usage_error, .exit_code = 2, .init = quiet_stderr)
{
    char *argv[] = {"run", "--trace=yes", NULL};
    parse_args(2, argv);
}

BS_TEST(cli, a_number_beyond_the_range_is_out_of_range, .exit_code = 2, .init = quiet_stderr)
{
    cli_flag_u64("fuzz", "--seeds", "99999999999999999999999", 1, 1000);
}

BS_TEST(cli, a_number_in_range_is_taken)
{
    cr_assert_eq(cli_flag_u64("fuzz", "--seeds", "1000", 1, 1000), 1000);
    cr_assert_eq(cli_flag_u64("fuzz", "--seeds", "1", 1, 1000), 1);
}

/* ---- Output paths --------------------------------------------------------------------- */
static char tmp_dir[256];

static void tmp_make(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/bs-cli-test-XXXXXX", base && *base ? base : "/tmp");
    cr_assert_not_null(mkdtemp(tmp_dir));
}

static size_t tmp_entries(void)
{
    DIR *d = opendir(tmp_dir);
    cr_assert_not_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void tmp_remove(void)
{
    DIR *d = opendir(tmp_dir);
    if (d) {
        char path[600];
        for (struct dirent *e; (e = readdir(d));) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", tmp_dir, e->d_name);
            if (rmdir(path) != 0)
                unlink(path);
        }
        closedir(d);
    }
    rmdir(tmp_dir);
}

BS_TEST(cli, output_paths_are_judged_without_creating_anything, .init = tmp_make, .fini = tmp_remove)
{
    char path[600];
    cr_assert_eq(cli_output_writable("-"), 0);
    snprintf(path, sizeof path, "%s/new.json", tmp_dir);
    cr_assert_eq(cli_output_writable(path), 0);
    cr_assert_eq(tmp_entries(), 0, "checking a path must not create it");
    snprintf(path, sizeof path, "%s/no/such/dir/x.json", tmp_dir);
    cr_assert_eq(cli_output_writable(path), -ENOENT);
    cr_assert_eq(cli_output_writable(tmp_dir), -EISDIR);
    snprintf(path, sizeof path, "%s/file", tmp_dir);
    FILE *f = fopen(path, "w");
    fputs("kept", f);
    fclose(f);
    cr_assert_eq(cli_output_writable(path), 0);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_size, 4, "an existing file is not truncated by the check");
    snprintf(path, sizeof path, "%s/file/x.json", tmp_dir);
    cr_assert_eq(cli_output_writable(path), -ENOTDIR);
}

/* ---- Signals ---------------------------------------------------------------------------- */
/* A child that holds three spill files (one closed, two open) beside a stranger's file,
 * then gets `sig`: it must die of that signal, leaving only the stranger's file. */
static void signal_case(int sig)
{
    char stranger[600];
    snprintf(stranger, sizeof stranger, "%s/barriersim-1-1-1.spill", tmp_dir);
    FILE *f = fopen(stranger, "w");
    cr_assert_not_null(f);
    fclose(f);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        cli_signals_install();
        bs_io io;
        bs_io_posix px;
        bs_file files[3];
        if (bs_io_posix_init(&io, &px, tmp_dir))
            _exit(10);
        for (int i = 0; i < 3; i++) {
            memset(&files[i], 0, sizeof files[i]);
            if (io.open(io.ctx, (uint64_t)i + 1, &files[i]) || io.write(io.ctx, &files[i], "data", 4) != 4)
                _exit(11);
        }
        io.close(io.ctx, &files[0]);
        kill(getpid(), sig);
        _exit(12); /* not reached: the handler ends the process by the signal */
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status), "the child exited with %d instead of dying of signal %d",
              WIFEXITED(status) ? WEXITSTATUS(status) : -1, sig);
    cr_assert_eq(WTERMSIG(status), sig, "a shell reports 128 + %d", sig);
    cr_assert_eq(tmp_entries(), 1, "the run's spill files are removed, the stranger's file is kept");
    cr_assert_eq(access(stranger, F_OK), 0);
}

BS_TEST(cli, sigint_removes_the_runs_spill_files_and_ends_by_sigint, .init = tmp_make, .fini = tmp_remove)
{
    signal_case(SIGINT);
}

BS_TEST(cli, sigterm_removes_the_runs_spill_files_and_ends_by_sigterm, .init = tmp_make, .fini = tmp_remove)
{
    signal_case(SIGTERM);
}

BS_TEST(cli, sighup_removes_the_runs_spill_files_and_ends_by_sighup, .init = tmp_make, .fini = tmp_remove)
{
    signal_case(SIGHUP);
}
