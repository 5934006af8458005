/*
 * isolate.c: runs a function in a forked child under a time and memory limit, and turns a
 * child that crashes or hangs into a sentence instead of a dead or stuck simulator.
 *
 * Contract: sc_isolate_run forks; the child resets the signals a crash or limit raises to
 * their default action (a sanitizer or fuzzer may have hooked them), disables core dumps,
 * limits its CPU time (RLIMIT_CPU), address space (RLIMIT_AS: what it has now plus
 * SC_CHILD_AS_EXTRA) and wall-clock time (ITIMER_REAL), runs fn, and leaves with _exit so
 * that no atexit handler runs and no stdio buffer inherited from the parent is flushed. The
 * parent reads the reply with poll() against its own deadline (the child's plus a grace
 * period), kills the child with SIGKILL when it passes, and always reaps it: no zombie, no
 * descriptor left open, on every path.
 */
#include "sc_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SC_GRACE_MS 1000u

static void (*sc_child_hook)(void);
static unsigned sc_timeout_ms;

void sc_test_set_child_hook(void (*hook)(void)) { sc_child_hook = hook; }
void sc_test_set_timeout_ms(unsigned ms) { sc_timeout_ms = ms; }

static unsigned sc_timeout(void)
{
    return sc_timeout_ms ? sc_timeout_ms : SC_PARSE_TIMEOUT_MS;
}

/* ---- child side --------------------------------------------------------------------- */
static void sc_child_signals(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM,
                               SIGXCPU, SIGPIPE, SIGTERM, SIGTRAP, SIGSYS};
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        signal(sigs[i], SIG_DFL);
        sigaddset(&set, sigs[i]);
    }
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* The child's current address space in bytes, 0 when unknown. */
static unsigned long sc_child_vm_bytes(void)
{
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    unsigned long pages = strtoul(buf, NULL, 10);
    long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? pages * (unsigned long)page : 0;
}

static void sc_child_limits(void)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    struct rlimit cpu = {SC_CHILD_CPU_S, SC_CHILD_CPU_S + 1};
    setrlimit(RLIMIT_CPU, &cpu);
    unsigned long vm = sc_child_vm_bytes();
    if (vm > 0 && vm < RLIM_INFINITY - SC_CHILD_AS_EXTRA) {
        struct rlimit as;
        if (getrlimit(RLIMIT_AS, &as) == 0 && (as.rlim_cur == RLIM_INFINITY ||
                                                as.rlim_cur > vm + SC_CHILD_AS_EXTRA)) {
            as.rlim_cur = vm + SC_CHILD_AS_EXTRA;
            setrlimit(RLIMIT_AS, &as);
        }
    }
    unsigned ms = sc_timeout();
    struct itimerval it = {.it_value = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static _Noreturn void sc_child_main(int rfd, int wfd, sc_child_fn fn, void *ctx)
{
    close(rfd);
    sc_child_signals();
    sc_child_limits();
    if (sc_child_hook)
        sc_child_hook();
    int status = fn(ctx, wfd);
    close(wfd);
    _exit(status);
}

/* ---- parent side -------------------------------------------------------------------- */
static long long sc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct sc_collect {
    uint8_t *p;
    size_t len, cap;
    bool timed_out, too_big, nomem, io_error;
    int io_errno;
} sc_collect;

/* Appends what one read() gives. Returns 1 for more, 0 at end of file, -1 to stop. */
static int sc_collect_read(int fd, sc_collect *c)
{
    if (c->cap - c->len < 4096) {
        size_t cap = c->cap ? c->cap * 2 : 65536;
        if (cap > SC_WIRE_BYTES_MAX + 65536) {
            c->too_big = true;
            return -1;
        }
        uint8_t *q = realloc(c->p, cap);
        if (!q) {
            c->nomem = true;
            return -1;
        }
        c->p = q;
        c->cap = cap;
    }
    ssize_t n = read(fd, c->p + c->len, c->cap - c->len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (n < 0) {
        c->io_error = true;
        c->io_errno = errno;
        return -1;
    }
    c->len += (size_t)n;
    return n > 0;
}

/* Reads until end of file or the deadline. */
static void sc_collect_all(int fd, sc_collect *c, long long deadline)
{
    for (;;) { /* bounded by the deadline and by SC_WIRE_BYTES_MAX */
        long long left = deadline - sc_now_ms();
        if (left <= 0) {
            c->timed_out = true;
            return;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int rc = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
        if (rc < 0 && errno != EINTR) {
            c->io_error = true;
            c->io_errno = errno;
            return;
        }
        if (rc > 0 && sc_collect_read(fd, c) <= 0)
            return;
    }
}

/* Waits for the child until the deadline, then kills it. Returns 0 with *status, or -1. */
static int sc_reap(pid_t pid, long long deadline, bool *killed, int *status)
{
    struct timespec nap = {0, 2 * 1000 * 1000};
    while (!*killed) { /* bounded by the deadline */
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        if (sc_now_ms() >= deadline) {
            kill(pid, SIGKILL);
            *killed = true;
            break;
        }
        nanosleep(&nap, NULL);
    }
    for (int tries = 0; tries < 1000; tries++) { /* SIGKILL cannot be ignored */
        pid_t r = waitpid(pid, status, 0);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
    }
    return -1;
}

/* status: as waitpid gives it, or -1 when unknown (SIGCHLD ignored) and nothing came back. */
static int sc_verdict(const sc_collect *c, bool killed, int status, char *why, size_t why_len)
{
    int sig = status != -1 && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    int code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (c->too_big)
        snprintf(why, why_len, "the YAML parser's reply is too large");
    else if (c->nomem)
        snprintf(why, why_len, "out of memory while reading the YAML parser's reply");
    else if (c->io_error)
        snprintf(why, why_len, "cannot read the YAML parser's reply: %s", strerror(c->io_errno));
    else if (killed || sig == SIGALRM || sig == SIGXCPU)
        snprintf(why, why_len, "the YAML parser timed out");
    else if (status == -1)
        snprintf(why, why_len, "the YAML parser stopped without a reply (crashed or timed out)");
    else if (sig != 0)
        snprintf(why, why_len, "the YAML parser crashed (signal %d)", sig);
    else if (code == SC_CHILD_EXIT_NOMEM)
        snprintf(why, why_len, "the YAML parser ran out of memory");
    else if (code != SC_CHILD_EXIT_OK)
        snprintf(why, why_len, "the YAML parser failed (exit status %d)", code);
    else
        return 0;
    return -1;
}

static int sc_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

int sc_isolate_run(sc_child_fn fn, void *ctx, uint8_t **reply, size_t *reply_len, char *why,
                   size_t why_len)
{
    int fds[2];
    *reply = NULL;
    *reply_len = 0;
    if (sc_pipe(fds) != 0) {
        snprintf(why, why_len, "cannot start the YAML parser: pipe: %s", strerror(errno));
        return -1;
    }
    long long deadline = sc_now_ms() + sc_timeout() + SC_GRACE_MS;
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "cannot start the YAML parser: fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0)
        sc_child_main(fds[0], fds[1], fn, ctx);
    close(fds[1]);
    sc_collect c = {0};
    sc_collect_all(fds[0], &c, deadline);
    close(fds[0]);
    bool killed = false;
    if (c.timed_out || c.too_big || c.nomem || c.io_error) {
        kill(pid, SIGKILL);
        killed = true;
    }
    int status = 0;
    if (sc_reap(pid, deadline, &killed, &status) != 0) {
        /* ECHILD: SIGCHLD is ignored and the system reaped it; the reply's own end marker
         * (checked by the decoder) still tells a complete reply from a cut one */
        if (errno != ECHILD) {
            snprintf(why, why_len, "cannot wait for the YAML parser: %s", strerror(errno));
            free(c.p);
            return -1;
        }
        status = c.len == 0 ? -1 : 0; /* -1: no reply, no status: it crashed or hung */
    }
    if (sc_verdict(&c, killed, status, why, why_len) != 0) {
        free(c.p);
        return -1;
    }
    *reply = c.p;
    *reply_len = c.len;
    return 0;
}
