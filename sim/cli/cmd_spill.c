/*
 * cmd_spill.c: `barriersim spill dump [--page-size N] FILE` lists a spill file's records,
 * one a line as "channel kind length" (kind: data, barrier K, cancel K, eop), through the
 * same reader the core uses. A corrupt file lists what was read, then
 * "error: offset O: <message>", and exits 2.
 */
#include "cli.h"
#include "cmd.h"

#include "../../core/bs_spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char spill_usage[] =
    "usage: barriersim spill dump [--page-size N] [--] FILE\n"
    "\n"
    "Prints one record a line as `channel kind length` (kind: data, barrier K, cancel K, eop).\n"
    "A corrupt file: the records read so far, then `error: offset O: <message>`, exit 2.\n"
    "\n"
    "  --page-size N   the largest data record accepted (default 32768)\n"
    "\n"
    "Reference: docs/spill-format.md (the format and its messages), docs/cli.md (spill dump).\n";

static long dump_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    int fd = *(int *)ctx;
    ssize_t k;
    do
        k = pread(fd, buf, n, (off_t)off);
    while (k < 0 && errno == EINTR);
    return k < 0 ? -errno : (long)k;
}

static int dump_records(int fd, const char *path, uint32_t page_size)
{
    bs_spill_reader r;
    if (bs_spill_reader_init(&r, dump_read, &fd, page_size, 0))
        die("spill dump: out of memory");
    int rc, code = EXIT_PASS;
    bs_item it;
    while ((rc = bs_spill_reader_next(&r, &it)) == 1) {
        switch (it.kind) {
        case BS_DATA: printf("%u data %u\n", it.channel, it.len); break;
        case BS_BARRIER: printf("%u barrier %llu %u\n", it.channel, (unsigned long long)it.id, BS_SPILL_EVENT_BARRIER_BYTES); break;
        case BS_CANCEL: printf("%u cancel %llu %u\n", it.channel, (unsigned long long)it.id, BS_SPILL_EVENT_CANCEL_BYTES); break;
        case BS_EOP: printf("%u eop %u\n", it.channel, BS_SPILL_EVENT_EOP_BYTES); break;
        }
    }
    if (rc == BS_ECORRUPT) {
        printf("error: offset %llu: %s\n", (unsigned long long)r.err_offset, r.errmsg);
        code = EXIT_USAGE;
    } else if (rc == BS_EIO) {
        fflush(stdout);
        fprintf(stderr, "barriersim: spill dump: %s: %s\n", path, strerror(r.err_errno));
        code = EXIT_USAGE;
    }
    bs_spill_reader_close(&r);
    return code;
}

int cmd_spill(int argc, char **argv)
{
    static const cli_option opts[] = {{"--page-size", "N"}, {NULL, NULL}};
    uint64_t page_size = BS_PAGE_SIZE_DEFAULT;
    cli_args a;
    cli_args_init(&a, "spill dump", spill_usage, argc, argv, 1, opts);
    while (cli_args_next(&a) >= 0)
        page_size = cli_flag_u64("spill dump", a.name, a.value, 1, INT32_MAX);
    if (a.n_operands == 0) {
        fputs(spill_usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(a.operands[0], "dump") != 0)
        die("spill: unknown subcommand '%s' (try 'barriersim spill dump FILE')", a.operands[0]);
    if (a.n_operands != 2)
        die("spill dump: give exactly one FILE (see 'barriersim spill dump --help')");
    const char *path = a.operands[1];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die("spill dump: cannot open %s: %s", path, strerror(errno));
    int code = dump_records(fd, path, (uint32_t)page_size);
    close(fd);
    return code;
}
