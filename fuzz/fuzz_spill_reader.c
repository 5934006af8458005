/*
 * fuzz_spill_reader.c: libFuzzer harness for the one spill-file reader (DESIGN.md section 4).
 *
 * Input layout: a 4-byte prefix, then the spill file itself.
 *   byte 0..1  page size, little-endian; below 8 means the default (32768)
 *   byte 2     channels the reader accepts; 0 means any channel
 *   byte 3     the most bytes one read call returns; 0 means no limit (exercises the
 *              retrying of short reads)
 * Inputs shorter than the prefix are read as an empty file with the defaults.
 *
 * The harness reads records until a clean end or an error and checks what the reader
 * promises: offsets strictly increase and each record spans exactly header + length bytes
 * of the input; a data record is no longer than the page size and its payload is the input
 * bytes; every accepted record re-encodes (bs_spill_encode) to exactly the bytes it was
 * read from; an error names a record start inside the input with a non-empty message, and
 * the reader stays there (the same error again); a clean end stays a clean end.
 */
#include "../core/bs_spill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_PREFIX_BYTES 4u

typedef struct fuzz_src {
    const uint8_t *p;
    size_t len;
    size_t chunk_max; /* 0: no limit */
} fuzz_src;

static long fuzz_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    const fuzz_src *s = ctx;
    if (off >= s->len)
        return 0;
    if (n > s->len - off)
        n = (size_t)(s->len - off);
    if (s->chunk_max && n > s->chunk_max)
        n = s->chunk_max;
    memcpy(buf, s->p + off, n);
    return (long)n;
}

static void fuzz_check(int cond, const char *what, uint64_t off)
{
    if (!cond) {
        fprintf(stderr, "fuzz_spill_reader: invariant failed at offset %llu: %s\n",
                (unsigned long long)off, what);
        abort();
    }
}

/* The record just read must re-encode to the very bytes it was read from. */
static void fuzz_check_reencode(const fuzz_src *s, uint64_t start, const bs_item *it,
                                uint8_t *stage)
{
    uint64_t n = bs_spill_record_bytes(it);
    fuzz_check(start + n <= s->len, "record extends past the input", start);
    size_t k = bs_spill_encode(it, stage);
    fuzz_check(k == n, "encoded size differs from record_bytes", start);
    fuzz_check(memcmp(stage, s->p + start, k) == 0, "record does not re-encode to its bytes",
               start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t page_size = BS_PAGE_SIZE_DEFAULT, channels = 0;
    fuzz_src src = {data, size, 0};
    if (size >= FUZZ_PREFIX_BYTES) {
        uint32_t p = (uint32_t)data[0] | (uint32_t)data[1] << 8;
        page_size = p < 8 ? BS_PAGE_SIZE_DEFAULT : p;
        channels = data[2];
        src = (fuzz_src){data + FUZZ_PREFIX_BYTES, size - FUZZ_PREFIX_BYTES, data[3]};
    }
    bs_spill_reader r;
    if (bs_spill_reader_init(&r, fuzz_read, &src, page_size, channels) != 0)
        return 0;
    uint8_t *stage = malloc(BS_SPILL_HEADER_BYTES + (page_size > 24 ? page_size : 24));
    fuzz_check(stage != NULL, "out of memory", 0);
    uint64_t prev = 0;
    size_t records = 0;
    for (;;) {
        fuzz_check(records <= src.len / BS_SPILL_HEADER_BYTES, "more records than headers fit", prev);
        uint64_t start = r.offset;
        bs_item it;
        int rc = bs_spill_reader_next(&r, &it);
        if (rc == 0) {
            fuzz_check(r.offset == src.len, "clean end before the end of the input", r.offset);
            fuzz_check(bs_spill_reader_next(&r, &it) == 0, "clean end did not stay", r.offset);
            break;
        }
        if (rc < 0) {
            fuzz_check(rc == BS_ECORRUPT, "memory reads cannot fail", start);
            fuzz_check(r.err_offset == start, "error not at the failing record's start", start);
            fuzz_check(r.err_offset < src.len, "error offset past the input", start);
            fuzz_check(r.errmsg[0] != '\0', "error without a message", start);
            fuzz_check(r.offset == start, "reader moved past a rejected record", start);
            char first[sizeof r.errmsg];
            memcpy(first, r.errmsg, sizeof first);
            fuzz_check(bs_spill_reader_next(&r, &it) == rc && r.err_offset == start &&
                           strcmp(first, r.errmsg) == 0,
                       "a second read gave a different error", start);
            break;
        }
        fuzz_check(rc == 1, "unexpected return code", start);
        fuzz_check(start == prev && r.offset > start, "offset did not increase", start);
        fuzz_check(channels == 0 || it.channel < channels, "channel out of range accepted", start);
        if (it.kind == BS_DATA) {
            fuzz_check(it.len <= page_size, "data record longer than the page size", start);
            fuzz_check(r.offset == start + BS_SPILL_HEADER_BYTES + it.len, "data span", start);
            fuzz_check(it.len == 0 ||
                           memcmp(it.data, src.p + start + BS_SPILL_HEADER_BYTES, it.len) == 0,
                       "payload differs from the input", start);
        } else {
            fuzz_check(it.kind == BS_BARRIER || it.kind == BS_CANCEL || it.kind == BS_EOP,
                       "unknown item kind", start);
        }
        fuzz_check(r.offset == start + bs_spill_record_bytes(&it), "record span", start);
        fuzz_check_reencode(&src, start, &it, stage);
        prev = r.offset;
        records++;
    }
    free(stage);
    bs_spill_reader_close(&r);
    return 0;
}
