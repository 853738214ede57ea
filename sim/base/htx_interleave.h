/* htx_interleave.h — how a contiguous address range spreads over channels
 * interleaved round robin at a fixed granule (shared by the mapper's
 * placement accounting and the memory front end's timing). */
#ifndef HTX_INTERLEAVE_H
#define HTX_INTERLEAVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Add to ch[c] the bytes of [addr, addr + len) that fall on channel c, where
 * granule g (addr / gran_bytes) lives on channel g % channels.  O(channels). */
void htx_interleave_add(uint64_t *ch, int channels, uint64_t gran_bytes, uint64_t addr, uint64_t len);

#ifdef __cplusplus
}
#endif
#endif
