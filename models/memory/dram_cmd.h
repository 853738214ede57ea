/* dram_cmd.h — DRAM commands shared by the controller, the protocol checker and
 * the power model. */
#ifndef HTX_DRAM_CMD_H
#define HTX_DRAM_CMD_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    HTX_CMD_ACT = 0, /* activate a row                                  */
    HTX_CMD_PRE,     /* precharge one bank                              */
    HTX_CMD_PREA,    /* precharge all banks of a rank                   */
    HTX_CMD_RD,      /* read burst                                      */
    HTX_CMD_RDA,     /* read burst with auto-precharge                  */
    HTX_CMD_WR,      /* write burst                                     */
    HTX_CMD_WRA,     /* write burst with auto-precharge                 */
    HTX_CMD_REFAB,   /* all-bank refresh                                */
    HTX_CMD_REFPB,   /* per-bank refresh (bank set of spec.refpb_banks) */
    HTX_CMD_PDE,     /* power-down entry                                */
    HTX_CMD_PDX,     /* power-down exit                                 */
    HTX_CMD_SRE,     /* self-refresh entry                              */
    HTX_CMD_SRX,     /* self-refresh exit                               */
    HTX_CMD_COUNT
} htx_dram_cmd;

const char *htx_dram_cmd_name(htx_dram_cmd c); /* "ACT", "RDA", ... */

static inline int htx_dram_cmd_is_column(htx_dram_cmd c)
{
    return c == HTX_CMD_RD || c == HTX_CMD_RDA || c == HTX_CMD_WR || c == HTX_CMD_WRA;
}
static inline int htx_dram_cmd_is_read(htx_dram_cmd c) { return c == HTX_CMD_RD || c == HTX_CMD_RDA; }
static inline int htx_dram_cmd_is_write(htx_dram_cmd c) { return c == HTX_CMD_WR || c == HTX_CMD_WRA; }

#ifdef __cplusplus
}
#endif
#endif
