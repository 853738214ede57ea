/* results_synth — writes the synthetic result file (synth_result.h) to argv[1];
 * used by the plot.py ctest. */
#include <stdio.h>

#include "synth_result.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: results_synth OUT.h5\n");
        return 2;
    }
    htx_err err;
    htx_err_clear(&err);
    if (synth_result_write(argv[1], "2026-01-01T00:00:00Z", &err) != HTX_OK) {
        char buf[2048];
        fprintf(stderr, "results_synth: %s\n", htx_err_format(&err, buf, sizeof buf));
        return 1;
    }
    printf("%s\n", argv[1]);
    return 0;
}
