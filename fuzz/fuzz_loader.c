/*
 * fuzz_loader.c: libFuzzer harness for the scenario loader (sim/scenario/).
 *
 * Contract: for any bytes the loader either returns a scenario that passes
 * sc_scenario_check or one "fuzz.yaml:line:col: message" with line, col >= 1 and no
 * control characters, never crashing, hanging or leaking. Most inputs take the in-process
 * path (screening, libfyaml, schema, then the wire format both ways), which is fast; one
 * input in 32 (by hash, so a crash reproduces) also takes the real forked path, whose
 * result must agree with the in-process one. Inputs starting with "SCW1" go to the wire
 * decoder as they are, which is the parent's only view of what a child sends.
 *
 * libfyaml runs in this process here, so a crash or hang inside libfyaml itself shows up
 * as a fuzzer finding even though the loader contains it in production. Its known leak
 * (0.7.12 loses a 4 KiB buffer on a single-quoted scalar with many '' escapes; in
 * production the child's memory goes with the child) is suppressed by module, so a leak
 * of anything the loader allocates is still reported.
 */
#include "../sim/scenario/sc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
    return "leak:libfyaml.so\n";
}

#define FUZZ_FAIL(...)                                                                    \
    do {                                                                                  \
        fprintf(stderr, "fuzz_loader: " __VA_ARGS__);                                     \
        fputc('\n', stderr);                                                              \
        abort();                                                                          \
    } while (0)

static uint32_t fuzz_hash(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* An error must read "fuzz.yaml:L:C: message" with L, C >= 1 and a printable message. */
static void fuzz_check_error(const char *err)
{
    unsigned line = 0, col = 0;
    int used = 0;
    if (sscanf(err, "fuzz.yaml:%u:%u: %n", &line, &col, &used) != 2 || used == 0 || line < 1 ||
        col < 1 || err[used] == '\0')
        FUZZ_FAIL("badly formed error: %s", err);
    for (const char *s = err; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            FUZZ_FAIL("control character in error: %s", err);
    if (strncmp(err + used, "internal error", 14) == 0)
        FUZZ_FAIL("the loader disagrees with itself: %s", err);
}

static void fuzz_check_result(int rc, const scenario *sc, const char *err)
{
    char why[128];
    if (rc != 0) {
        fuzz_check_error(err);
        if (sc->items || sc->faults || sc->description || sc->channels)
            FUZZ_FAIL("failed load left data in the scenario");
    } else if (sc_scenario_check(sc, why, sizeof why) != 0) {
        FUZZ_FAIL("loaded scenario fails its check: %s", why);
    }
}

static void fuzz_compare(int ra, const scenario *a, const char *err_a, int rb, const scenario *b,
                         const char *err_b)
{
    if (rb != 0 && (strstr(err_b, "the YAML parser crashed") || strstr(err_b, "timed out")))
        return; /* under load a slow child may time out; a crash would have hit us first */
    if (ra != rb)
        FUZZ_FAIL("in-process %d (%s) but forked %d (%s)", ra, err_a, rb, err_b);
    if (ra != 0) {
        if (strcmp(err_a, err_b) != 0)
            FUZZ_FAIL("errors differ: '%s' vs '%s'", err_a, err_b);
        return;
    }
    if (a->items_len != b->items_len || a->faults_len != b->faults_len ||
        strcmp(a->name, b->name) != 0 || a->channels != b->channels ||
        (a->items_len && memcmp(a->items, b->items, a->items_len * sizeof *a->items) != 0))
        FUZZ_FAIL("scenarios differ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scenario a, b;
    char err_a[1024] = "", err_b[1024] = "";
    if (size >= 4 && memcmp(data, "SCW1", 4) == 0) {
        sc_err e;
        if (sc_wire_decode(data, size, &a, &e) == 0) {
            fuzz_check_result(0, &a, "");
            scenario_free(&a);
        } else if (a.items || a.faults || a.description) {
            FUZZ_FAIL("failed decode left data in the scenario");
        }
        return 0;
    }
    int ra = sc_load_inprocess("fuzz.yaml", data, size, &a, err_a, sizeof err_a);
    fuzz_check_result(ra, &a, err_a);
    if (fuzz_hash(data, size) % 32 == 0) {
        int rb = scenario_load_bytes("fuzz.yaml", data, size, &b, err_b, sizeof err_b);
        fuzz_check_result(rb, &b, err_b);
        fuzz_compare(ra, &a, err_a, rb, &b, err_b);
        scenario_free(&b);
    }
    scenario_free(&a);
    return 0;
}
