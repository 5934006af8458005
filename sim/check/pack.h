/*
 * pack.h: zero-byte packing of the checker's state blobs. Internal to sim/check/.
 *
 * A full blob (handler snapshot, checker snapshot, explorer variables) is mostly zero
 * bytes: of a spill 3x3 blob's ~840 bytes, ~150 are not zero (measured over a level). The
 * packed form keeps, for each group of 8 bytes, one mask byte (bit i: byte i is not zero)
 * and then the group's non-zero bytes in order; a last group shorter than 8 bytes is
 * packed the same way. The length of the full blob is not in the packed form: the caller
 * keeps it (search.c's work items do).
 *
 * Contract: mc_unpack(mc_pack(x)) == x for every x; mc_pack writes at most
 * MC_PACK_BOUND(len) bytes; mc_unpack reads only the `packed_len` bytes it is given and
 * fails (-1) instead of reading or writing past either buffer when they are not a packed
 * form of `len` bytes.
 */
#ifndef SIM_CHECK_PACK_H
#define SIM_CHECK_PACK_H

#include <stddef.h>
#include <stdint.h>

#define MC_PACK_BOUND(len) ((len) + ((len) + 7) / 8)

/* Packs `len` bytes of `in` into `out` (room for MC_PACK_BOUND(len) bytes); returns the
 * packed length. */
size_t mc_pack(const uint8_t *in, size_t len, uint8_t *out);

/* Unpacks `packed_len` bytes into exactly `len` bytes of `out`; 0, or -1 when `packed` is
 * not the packed form of `len` bytes (too short, too long). */
int mc_unpack(const uint8_t *packed, size_t packed_len, uint8_t *out, size_t len);

#endif
