/*
 * cmd_spill.c: `barriersim spill dump [--page-size N] FILE` lists a spill file's records,
 * one a line as "channel kind length" (kind: data, barrier K, cancel K, eop), through the
 * same reader the core uses. A corrupt file lists what was read, then
 * "error: offset O: <message>", and exits 2.
 */
#include "cli.h"

#include "../../core/bs_spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char spill_usage[] =
    "usage: barriersim spill dump [--page-size N] FILE\n"
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

int cmd_spill(int argc, char **argv);

int cmd_spill(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(spill_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_PASS;
    }
    if (strcmp(argv[1], "dump") != 0)
        die("spill: unknown subcommand '%s' (try 'barriersim spill dump FILE')", argv[1]);
    uint64_t page_size = BS_PAGE_SIZE_DEFAULT;
    int i = 2;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (cli_is_help(argv[i])) {
            fputs(spill_usage, stdout);
            return EXIT_PASS;
        } else if (strcmp(argv[i], "--page-size") == 0 && i + 1 < argc) {
            if (!cli_parse_u64(argv[++i], 1, INT32_MAX, &page_size))
                die("spill dump: --page-size: '%s' is not a whole number from 1 to %d", argv[i], INT32_MAX);
        } else {
            die("spill dump: unknown or incomplete option '%s' (see 'barriersim spill dump --help')", argv[i]);
        }
    }
    if (argc - i != 1)
        die("spill dump: give exactly one FILE (see 'barriersim spill dump --help')");
    int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die("spill dump: cannot open %s: %s", argv[i], strerror(errno));
    int code = dump_records(fd, argv[i], (uint32_t)page_size);
    close(fd);
    return code;
}
