/*
 * spill_files.c: no spill file is left once the handler has been closed, after errors too.
 */
#include "../verify_int.h"

static int on_cleanup(verify *v, uint64_t live_files)
{
    if (live_files)
        return verify_fail(v, "spill-files", "%llu spill file%s left after cleanup",
                           (unsigned long long)live_files, live_files == 1 ? "" : "s");
    return 0;
}

const verify_invariant verify_spill_files = {
    .name = "spill-files",
    .on_cleanup = on_cleanup,
};
