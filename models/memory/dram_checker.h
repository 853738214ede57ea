/* dram_checker.h — independent DRAM protocol checker.
 *
 * Sees every command a controller issues (in non-decreasing time order) and
 * reports each violated constraint by name, cycle and bank.  It keeps its own
 * command history and shares no timing code with the controller, so a bug in
 * the controller's constraint tracking shows up here.
 * Checked: every timing of htx_dram_timing that constrains command spacing
 * (tRCD, tRP/tRPab, tRAS, tRC, tCCD_S/L, tRRD_S/L, tFAW, tWR, tWTR_S/L, tRTP,
 * tRTW, tRFCab/pb, tPBR2PBR, tPBR2ACT, tXP, tCKE, tXS, tCKESR) plus bank state
 * (column command to a closed bank, ACT to an open one, refresh with open
 * banks), command-bus conflicts, commands during power-down/self-refresh and
 * time going backwards.
 */
#ifndef HTX_DRAM_CHECKER_H
#define HTX_DRAM_CHECKER_H

#include <stdint.h>
#include "htx_err.h"
#include "dram_spec.h"
#include "dram_cmd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Rules: the first HTX_DT_COUNT are the timings of htx_dram_timing. */
enum {
    HTX_CHK_BANK_STATE = HTX_DT_COUNT, /* "bank_state"  */
    HTX_CHK_CMD_BUS,                   /* "cmd_bus"     */
    HTX_CHK_POWER_STATE,               /* "power_state" */
    HTX_CHK_ORDER,                     /* "time_order"  */
    HTX_CHK_RULE_COUNT
};

typedef struct htx_dram_checker htx_dram_checker;

htx_status htx_dram_checker_new(const htx_dram_spec *spec, htx_dram_checker **out, htx_err *err);
void htx_dram_checker_free(htx_dram_checker *c);

/* Check one command issued at cycle t_ck of the spec's command clock.  `bank`
 * is the flat bank index within the rank (bank_group * banks_per_group + bank);
 * for REFPB it names the first bank of the refreshed set (the others are
 * bank + k * banks / refpb_banks).  Returns the number of violations found. */
int htx_dram_checker_cmd(htx_dram_checker *c, htx_dram_cmd cmd, int rank, int bank, uint32_t row, uint64_t t_ck);

uint64_t htx_dram_checker_violations(const htx_dram_checker *c);
uint64_t htx_dram_checker_rule_count(const htx_dram_checker *c, int rule);
const char *htx_dram_checker_rule_name(int rule);
/* Last violation, e.g. "tRCD: RD at cycle 19, rank 0 bank 3: 19 < 0 + 20"; "" if none. */
const char *htx_dram_checker_last(const htx_dram_checker *c);
uint64_t htx_dram_checker_commands(const htx_dram_checker *c);

#ifdef __cplusplus
}
#endif
#endif
