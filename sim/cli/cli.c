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

void cli_usage_print(FILE *f, const char *usage)
{
    const char *line = usage;
    for (const char *p = usage; *p;) {
        if (strncmp(p, USAGE_FAULT_KINDS, strlen(USAGE_FAULT_KINDS)) != 0) {
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

void cli_signals_install(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* nohup and friends: an ignored signal stays ignored */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = cli_on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

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

void cli_shell_quote(const char *s, char *out, size_t out_len)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *p))
            plain = false;
    if (plain) {
        snprintf(out, out_len, "%s", s);
        return;
    }
    size_t n = 0;
    if (n + 1 < out_len)
        out[n++] = '\'';
    for (const char *p = s; *p && n + 5 < out_len; p++) {
        if (*p == '\'') {
            memcpy(out + n, "'\\''", 4);
            n += 4;
        } else {
            out[n++] = *p;
        }
    }
    if (n + 1 < out_len)
        out[n++] = '\'';
    out[n < out_len ? n : out_len - 1] = '\0';
}

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
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

void cli_check_costs(const char *verb, const char *costs)
{
    if (!swarm_costs_known(costs))
        die("%s: --costs: '%s' is not %s", verb, costs, SWARM_COSTS);
}
