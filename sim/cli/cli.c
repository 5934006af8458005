/*
 * cli.c: what the verbs share: die(), BS_BUG(), the one option parser (GNU style: options
 * anywhere before `--`), number parsing, output-path checks made before any work, signal
 * cleanup, quoting and JSON strings.
 */
#include "cli.h"

#include "../../core/barriersim.h"
#include "../../core/bs_strategy.h"
#include "../report/swarm.h"
#include "../strategies.h"
#include "../plugin.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *cli_argv0 = "barriersim";

void die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("barriersim: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(EXIT_USAGE);
}

bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

uint64_t cli_flag_u64(const char *verb, const char *flag, const char *v, uint64_t min, uint64_t max)
{
    uint64_t x;
    if (v && cli_parse_u64(v, min, max, &x))
        return x;
    bool digits = v && *v;
    for (const char *p = v; digits && *p; p++)
        digits = *p >= '0' && *p <= '9';
    if (digits) /* a whole number, too small or too large (beyond 2^64 - 1 too) */
        die("%s: %s: %s is out of range (min %llu, max %llu)", verb, flag, v, (unsigned long long)min,
            (unsigned long long)max);
    die("%s: %s: '%s' is not a whole number from %llu to %llu", verb, flag, v ? v : "",
        (unsigned long long)min, (unsigned long long)max);
}

uint64_t cli_flag_ns(const char *verb, const char *flag, const char *v, uint64_t max_ns)
{
    static const struct { const char *unit; uint64_t ns; } units[] = {
        {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
    size_t digits = 0;
    while (v && v[digits] >= '0' && v[digits] <= '9')
        digits++;
    if (v && digits > 0 && v[digits] != '\0') {
        for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
            char num[32];
            uint64_t x;
            if (strcmp(v + digits, units[k].unit) != 0 || digits >= sizeof num)
                continue;
            memcpy(num, v, digits);
            num[digits] = '\0';
            if (cli_parse_u64(num, 0, max_ns / units[k].ns, &x))
                return x * units[k].ns;
            die("%s: %s: %s is out of range (at most %llu ns)", verb, flag, v, (unsigned long long)max_ns);
        }
        die("%s: %s: '%s' is not a time (nanoseconds, or a whole number with a unit: 120us, 3ms, 1s)", verb, flag,
            v);
    }
    return cli_flag_u64(verb, flag, v, 0, max_ns);
}

/* cli_argv0 with every --strategy-lib repeated, for reproduce commands. */
static char argv0_libs[4096];

/* Loads one library (dies, exit 2, on any problem) and appends it to cli_argv0. */
static void strategy_lib_load(const char *path)
{
    char why[1024], q[1024];
    if (sim_plugin_load(path, why, sizeof why) != 0)
        die("--strategy-lib: %s", why);
    if (argv0_libs[0] == '\0')
        snprintf(argv0_libs, sizeof argv0_libs, "%s", cli_argv0);
    sim_shell_quote(path, q, sizeof q);
    size_t n = strlen(argv0_libs);
    if (snprintf(argv0_libs + n, sizeof argv0_libs - n, " --strategy-lib %s", q) >= (int)(sizeof argv0_libs - n))
        die("--strategy-lib: paths too long (%zu bytes at most in all)", sizeof argv0_libs);
    cli_argv0 = argv0_libs;
}

void cli_strategy_libs(int *argc, char **argv)
{
    static const char flag[] = "--strategy-lib";
    int out = 1;
    bool dashdash = false;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        dashdash = dashdash || strcmp(a, "--") == 0;
        if (dashdash || strncmp(a, flag, sizeof flag - 1) != 0 || (a[sizeof flag - 1] && a[sizeof flag - 1] != '=')) {
            argv[out++] = argv[i];
            continue;
        }
        if (a[sizeof flag - 1] == '=') {
            strategy_lib_load(a + sizeof flag);
        } else if (i + 1 < *argc) {
            strategy_lib_load(argv[++i]);
        } else {
            die("--strategy-lib needs a value PATH (a strategy library, docs/strategy-lib.md)");
        }
    }
    *argc = out;
    argv[out] = NULL;
}

bool cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

/* "{fault-kinds}" in a usage text: the fault-kind table's names, comma separated, wrapped
 * below USAGE_WIDTH columns with the indentation of the line the token is on. */
#define USAGE_WIDTH 90
#define USAGE_FAULT_KINDS "{fault-kinds}"

static void usage_fault_kinds(FILE *f, size_t col, size_t indent)
{
    const sim_fault_desc *d;
    for (uint32_t k = 0; (d = sim_fault_desc_of(k)) != NULL; k++) {
        size_t len = strlen(d->name) + (sim_fault_desc_of(k + 1) ? 1 : 0);
        if (k > 0 && col + len > USAGE_WIDTH) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
        }
        fprintf(f, "%s%s", d->name, sim_fault_desc_of(k + 1) ? "," : "");
        col += len;
    }
}

/* "{strategy-lib}" in a usage text: the --strategy-lib line, its help aligned with the
 * option lines' help column (that of the line before). */
#define USAGE_STRATEGY_LIB "{strategy-lib}"

static void usage_strategy_lib(FILE *f, const char *prev, const char *end)
{
    static const char opt[] = "  --strategy-lib PATH";
    size_t col = 0;
    for (const char *q = prev + 2; q + 1 < end && !col; q++)
        if (q[0] == ' ' && q[1] == ' ')
            col = (size_t)(q + strspn(q, " ") - prev);
    if (col < sizeof opt + 1)
        col = sizeof opt + 1;
    fprintf(f, "%-*sload strategies from a shared object (docs/strategy-lib.md); also\n"
               "%-*sbefore the verb, and repeated in reproduce commands\n",
            (int)col, opt, (int)col, "");
}

void cli_usage_print(FILE *f, const char *usage)
{
    const char *line = usage, *prev = usage;
    for (const char *p = usage; *p;) {
        if (strncmp(p, USAGE_STRATEGY_LIB, strlen(USAGE_STRATEGY_LIB)) == 0) {
            usage_strategy_lib(f, prev, line);
            p += strlen(USAGE_STRATEGY_LIB);
            line = p;
            continue;
        }
        if (strncmp(p, USAGE_FAULT_KINDS, strlen(USAGE_FAULT_KINDS)) != 0) {
            if (*p == '\n')
                prev = line;
            fputc(*p, f);
            line = *p++ == '\n' ? p : line;
            continue;
        }
        usage_fault_kinds(f, (size_t)(p - line), strspn(line, " "));
        p += strlen(USAGE_FAULT_KINDS);
    }
}

void cli_args_init(cli_args *a, const char *verb, const char *usage, int argc, char **argv, int first,
                   const cli_option *opts)
{
    memset(a, 0, sizeof *a);
    a->verb = verb;
    a->usage = usage;
    a->opts = opts;
    a->argc = argc;
    a->argv = argv;
    a->next = first < argc ? first : argc;
    a->operands = argv + a->next;
}

/* The table index of option `arg` (its first `len` characters), or -1. */
static int cli_args_find(const cli_args *a, const char *arg, size_t len)
{
    for (int k = 0; a->opts[k].name; k++)
        if (strlen(a->opts[k].name) == len && strncmp(a->opts[k].name, arg, len) == 0)
            return k;
    return -1;
}

int cli_args_next(cli_args *a)
{
    while (a->next < a->argc) {
        char *arg = a->argv[a->next++];
        if (a->dashdash || arg[0] != '-' || arg[1] == '\0') {
            /* Operands move to the front; the slot written has already been read. */
            a->operands[a->n_operands++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            a->dashdash = true;
            continue;
        }
        if (cli_is_help(arg)) {
            cli_usage_print(stdout, a->usage);
            exit(EXIT_PASS);
        }
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        int k = cli_args_find(a, arg, eq ? (size_t)(eq - arg) : strlen(arg));
        if (k < 0)
            die("%s: unknown option '%s' (see 'barriersim %s --help')", a->verb, arg, a->verb);
        a->name = a->opts[k].name;
        a->value = NULL;
        if (!a->opts[k].value) {
            if (eq)
                die("%s: %s takes no value (see 'barriersim %s --help')", a->verb, a->name, a->verb);
        } else if (eq) {
            a->value = eq + 1;
        } else if (a->next < a->argc) {
            a->value = a->argv[a->next++];
        } else {
            die("%s: %s needs a value %s (see 'barriersim %s --help')", a->verb, a->name, a->opts[k].value,
                a->verb);
        }
        return k;
    }
    return -1;
}

int cli_output_writable(const char *path)
{
    struct stat st;
    if (strcmp(path, "-") == 0)
        return 0;
    if (!*path)
        return -ENOENT;
    if (stat(path, &st) == 0)
        return S_ISDIR(st.st_mode) ? -EISDIR : access(path, W_OK) < 0 ? -errno : 0;
    if (errno != ENOENT)
        return -errno;
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        return -ENAMETOOLONG;
    if (stat(dir, &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    return access(dir, W_OK | X_OK) < 0 ? -errno : 0;
}

void cli_check_output(const char *verb, const char *flag, const char *path)
{
    int rc = cli_output_writable(path);
    if (rc)
        die("%s: %s %s: cannot write there: %s", verb, flag, path, strerror(-rc));
}

/* Removes the spill and channel-state files of the run, then dies of the same signal, so
 * that the parent sees the conventional status (128 + signal number in a shell). */
static void cli_on_signal(int sig)
{
    bs_io_posix_remove_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_signals_handle(void (*handler)(int))
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* nohup and friends: an ignored signal stays ignored */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = handler;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

void cli_signals_install(void) { cli_signals_handle(cli_on_signal); }

void cli_strategy_names(char *out, size_t out_len, bool model_checkable)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; sim_strategy_name(i) && n < out_len; i++) {
        sim_strategy st;
        if (!sim_strategy_find(sim_strategy_name(i), &st))
            continue;
        const bs_strategy *ops = st.ops ? st.ops : bs_strategy_find(st.name);
        if (model_checkable && (!ops || !ops->snapshot || !ops->restore))
            continue;
        int k = snprintf(out + n, out_len - n, "%s%s", n ? ", " : "", st.name);
        if (k < 0)
            break;
        n += (size_t)k;
    }
}

void cli_check_swarm_choice(const char *verb, const char *strategy, const char *network)
{
    if (!swarm_strategy_known(strategy)) {
        char known[512];
        cli_strategy_names(known, sizeof known, false);
        die("%s: unknown strategy '%s' (known: any, %s)", verb, strategy, known);
    }
    if (!swarm_network_known(network))
        die("%s: --network: '%s' is not %s", verb, network, SWARM_NETWORKS);
}

void cli_check_topology(const char *verb, const char *topology)
{
    if (!swarm_topology_known(topology))
        die("%s: --topology: '%s' is not %s", verb, topology, SWARM_TOPOLOGIES);
}

void cli_check_costs(const char *verb, const char *costs)
{
    if (!swarm_costs_known(costs))
        die("%s: --costs: '%s' is not %s", verb, costs, SWARM_COSTS);
}
