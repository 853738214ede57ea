#include "htx_interleave.h"

void htx_interleave_add(uint64_t *ch, int channels, uint64_t gran, uint64_t addr, uint64_t len)
{
    if (len == 0) return;
    const uint64_t n = (uint64_t)channels;
    const uint64_t first = addr / gran, last = (addr + len - 1) / gran;
    if (first == last) {
        ch[first % n] += len;
        return;
    }
    /* partial head and tail granules, then whole rounds, then the rest */
    ch[first % n] += (first + 1) * gran - addr;
    ch[last % n] += addr + len - last * gran;
    const uint64_t mid = last - first - 1, rounds = mid / n, rest = mid % n;
    if (rounds)
        for (uint64_t c = 0; c < n; c++) ch[c] += rounds * gran;
    for (uint64_t k = 0; k < rest; k++) ch[(first + 1 + k) % n] += gran;
}
