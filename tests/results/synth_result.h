/* synth_result.h — writes a small synthetic result file with the full schema
 * of docs/results-schema.md through the C writer.  Used by the writer tests
 * and by the plot.py ctest (tool results_synth).  The numbers are synthetic
 * (a 6-chip card, 8 channels per chip, 2 sequences x 24 decode steps), not
 * simulator output. */
#ifndef HTX_TEST_SYNTH_RESULT_H
#define HTX_TEST_SYNTH_RESULT_H

#include "htx_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SYNTH_CHIPS 6
#define SYNTH_CHANNELS 8
#define SYNTH_STEPS 24
#define SYNTH_BATCH 2
#define SYNTH_POWER_SAMPLES 50

/* Write the synthetic file to `path` (committed). start_time_utc goes into
 * /meta as the only run-dependent attribute. */
htx_status synth_result_write(const char *path, const char *start_time_utc, htx_err *err);

#ifdef __cplusplus
}
#endif
#endif
