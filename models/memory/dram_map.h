/* dram_map.h — physical address to DRAM coordinates (channel, rank, bank group,
 * bank, row, column burst).
 *
 * The mapping is a field-order string, most significant field first, made of
 * two-letter fields: Ro (row), Ra (rank), Bg (bank group), Ba (bank within the
 * group), Co (column burst: column / burst_length), Ch (channel).  Below the
 * last field sit the byte-offset bits of one burst (log2 burst_bytes).
 * Example "RoBaCoBgCh": consecutive bursts alternate channels, then bank
 * groups, then walk along the row.  Ch and Ra may be left out when there is a
 * single channel / rank; Bg may be left out when the device has no bank groups.
 * Field widths are log2 of the spec's counts (all powers of two); the row field
 * takes what is left, so addresses beyond capacity wrap.
 * Optional XOR bank hashing (permutation-based interleaving, Zhang, Zhu and
 * Zhang, MICRO 2000): bank ^= low row bits, bank group ^= the next row bits,
 * which spreads row conflicts of strided streams over banks.
 */
#ifndef HTX_DRAM_MAP_H
#define HTX_DRAM_MAP_H

#include <stdint.h>
#include "htx_err.h"
#include "dram_spec.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { HTX_MAP_CH = 0, HTX_MAP_RA, HTX_MAP_BG, HTX_MAP_BA, HTX_MAP_RO, HTX_MAP_CO, HTX_MAP_FIELD_COUNT } htx_map_field;

typedef struct {
    int channel;
    int rank;
    int bank_group;
    int bank;        /* within the bank group                         */
    uint32_t row;
    uint32_t col;    /* column burst index: column / burst_length      */
} htx_dram_addr;

typedef struct {
    int shift[HTX_MAP_FIELD_COUNT]; /* bit position of each field's LSB */
    int bits[HTX_MAP_FIELD_COUNT];  /* width of each field              */
    int offset_bits;                /* log2(burst_bytes)                */
    int xor_bank;
    char order[32];
} htx_dram_map;

/* Build a mapping for `channels` channels of `spec`. Errors (HTX_E_INVAL) name
 * the offending field and the expected form. */
htx_status htx_dram_map_init(htx_dram_map *m, const char *order, const htx_dram_spec *spec, int channels,
                             int xor_bank, htx_err *err);
static inline uint64_t htx_dram_map_field(uint64_t a, int shift, int bits)
{
    return (a >> shift) & ((1ull << bits) - 1);
}

/* Decode a byte address (inline: the controller decodes every burst it queues). */
static inline void htx_dram_map_decode(const htx_dram_map *m, uint64_t a, htx_dram_addr *o)
{
    o->channel = (int)htx_dram_map_field(a, m->shift[HTX_MAP_CH], m->bits[HTX_MAP_CH]);
    o->rank = (int)htx_dram_map_field(a, m->shift[HTX_MAP_RA], m->bits[HTX_MAP_RA]);
    o->bank_group = (int)htx_dram_map_field(a, m->shift[HTX_MAP_BG], m->bits[HTX_MAP_BG]);
    o->bank = (int)htx_dram_map_field(a, m->shift[HTX_MAP_BA], m->bits[HTX_MAP_BA]);
    o->row = (uint32_t)htx_dram_map_field(a, m->shift[HTX_MAP_RO], m->bits[HTX_MAP_RO]);
    o->col = (uint32_t)htx_dram_map_field(a, m->shift[HTX_MAP_CO], m->bits[HTX_MAP_CO]);
    if (m->xor_bank) {
        int bab = m->bits[HTX_MAP_BA], bgb = m->bits[HTX_MAP_BG];
        o->bank ^= (int)(o->row & ((1u << bab) - 1));
        o->bank_group ^= (int)((o->row >> bab) & ((1u << bgb) - 1));
    }
}
/* Inverse of decode (offset bits zero). */
uint64_t htx_dram_map_encode(const htx_dram_map *m, const htx_dram_addr *a);

#ifdef __cplusplus
}
#endif
#endif
