#include "htx_plan.h"

void htx_split_even(int total, int parts, int i, int *begin, int *count)
{
    int base = total / parts, extra = total % parts;
    *count = base + (i < extra ? 1 : 0);
    *begin = i * base + (i < extra ? i : extra);
}
