/*
 * error.c: names of error codes and abort reasons.
 */
#include "barriersim.h"

const char *bs_strerror(int code)
{
    switch (code) {
    case BS_OK: return "ok";
    case BS_EIO: return "I/O error";
    case BS_ECORRUPT: return "corrupt spill file";
    case BS_ENOMEM: return "out of memory";
    case BS_EINVAL: return "invalid argument";
    case BS_EAGAIN: return "nothing available now";
    case BS_ESTATE: return "snapshot does not fit this handler";
    case BS_ESTOPPED: return "stopped by the caller";
    default: return "unknown error";
    }
}

const char *bs_abort_reason_name(bs_abort_reason why)
{
    switch (why) {
    case BS_ABORT_SUBSUMED: return "subsumed";
    case BS_ABORT_CANCELLED: return "cancelled";
    case BS_ABORT_EOP: return "eop";
    case BS_ABORT_LIMIT: return "limit";
    case BS_ABORT_TIMEOUT: return "timeout";
    }
    return "unknown";
}
