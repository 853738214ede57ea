/* dram_map.c — field-order address mapping with optional XOR bank hashing. */
#include "dram_map.h"

#include <string.h>

static const char *const k_field_tokens[HTX_MAP_FIELD_COUNT] = {"Ch", "Ra", "Bg", "Ba", "Ro", "Co"};
_Static_assert(sizeof k_field_tokens / sizeof k_field_tokens[0] == HTX_MAP_FIELD_COUNT, "field table out of sync");

static int log2i(uint64_t v)
{
    int b = 0;
    while ((1ull << b) < v)
        b++;
    return b;
}

htx_status htx_dram_map_init(htx_dram_map *m, const char *order, const htx_dram_spec *s, int channels,
                             int xor_bank, htx_err *err)
{
    memset(m, 0, sizeof *m);
    if (!order || strlen(order) % 2 != 0 || strlen(order) >= sizeof m->order)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "address_map",
                           "expected a field-order string of two-letter fields (Ro Ra Bg Ba Co Ch), e.g. "
                           "\"RoBaCoBgCh\", got \"%s\"", order ? order : "(null)");
    if (channels < 1 || (channels & (channels - 1)) != 0)
        return htx_err_set(err, HTX_E_INVAL, NULL, 0, "channels", "expected a power of two >= 1, got %d", channels);
    strcpy(m->order, order);
    m->xor_bank = xor_bank ? 1 : 0;
    m->offset_bits = log2i(s->burst_bytes);
    int want[HTX_MAP_FIELD_COUNT];
    want[HTX_MAP_CH] = log2i((uint64_t)channels);
    want[HTX_MAP_RA] = log2i((uint64_t)s->ranks);
    want[HTX_MAP_BG] = log2i((uint64_t)s->bank_groups);
    want[HTX_MAP_BA] = log2i((uint64_t)s->banks_per_group);
    want[HTX_MAP_RO] = log2i((uint64_t)s->rows);
    want[HTX_MAP_CO] = log2i((uint64_t)(s->columns / s->burst_length));
    int seen[HTX_MAP_FIELD_COUNT] = {0};
    int n = (int)strlen(order) / 2;
    int idx[HTX_MAP_FIELD_COUNT];
    for (int i = 0; i < n; i++) {
        int f = -1;
        for (int k = 0; k < HTX_MAP_FIELD_COUNT; k++)
            if (strncmp(order + 2 * i, k_field_tokens[k], 2) == 0)
                f = k;
        if (f < 0)
            return htx_err_set(err, HTX_E_INVAL, NULL, 0, "address_map",
                               "unknown field \"%.2s\" in \"%s\": expected Ro, Ra, Bg, Ba, Co or Ch", order + 2 * i, order);
        if (seen[f])
            return htx_err_set(err, HTX_E_INVAL, NULL, 0, "address_map", "field %s appears twice in \"%s\"",
                               k_field_tokens[f], order);
        seen[f] = 1;
        idx[i] = f;
    }
    for (int k = 0; k < HTX_MAP_FIELD_COUNT; k++)
        if (!seen[k] && want[k] > 0)
            return htx_err_set(err, HTX_E_INVAL, NULL, 0, "address_map",
                               "field %s missing from \"%s\" (needed: %d bits for this spec and %d channel(s))",
                               k_field_tokens[k], order, want[k], channels);
    /* LSB field is the last token */
    int pos = m->offset_bits;
    for (int i = n - 1; i >= 0; i--) {
        int f = idx[i];
        m->shift[f] = pos;
        m->bits[f] = want[f];
        pos += want[f];
    }
    return HTX_OK;
}

uint64_t htx_dram_map_encode(const htx_dram_map *m, const htx_dram_addr *a)
{
    int bank = a->bank, bg = a->bank_group;
    if (m->xor_bank) {
        int bab = m->bits[HTX_MAP_BA], bgb = m->bits[HTX_MAP_BG];
        bank ^= (int)(a->row & ((1u << bab) - 1));
        bg ^= (int)((a->row >> bab) & ((1u << bgb) - 1));
    }
    uint64_t v = 0;
    v |= (uint64_t)a->channel << m->shift[HTX_MAP_CH];
    v |= (uint64_t)a->rank << m->shift[HTX_MAP_RA];
    v |= (uint64_t)bg << m->shift[HTX_MAP_BG];
    v |= (uint64_t)bank << m->shift[HTX_MAP_BA];
    v |= (uint64_t)a->row << m->shift[HTX_MAP_RO];
    v |= (uint64_t)a->col << m->shift[HTX_MAP_CO];
    return v;
}
