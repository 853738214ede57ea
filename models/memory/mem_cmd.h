/* mem_cmd.h — the memory-only driver: `htxsim mem`.
 *
 *   htxsim mem --spec FILE (--trace FILE | --pattern sequential|strided|random
 *              --requests N) [--check] [--out FILE] [options]
 *
 * Replays an address trace or generates a stream through one or more channel
 * controllers and prints bandwidth, latency, row-buffer behaviour, energy and
 * requests per host second.  Trace formats (detected per line, '#' comments):
 *   DRAMSim3   "0x1f40 READ 120"   (address, READ/WRITE, arrival in memory cycles)
 *   Ramulator  "LD 0x1f40" / "ST 0x1f40"  (no timing: issued as fast as accepted)
 *   htxsim     "T_PS R|W 0xADDR SIZE"     (arrival in ps, read/write, address, bytes)
 * Exit status: 0 success, 1 protocol violations found with --check or an
 * output error, 2 bad input (options, spec, trace).
 */
#ifndef HTX_MEM_CMD_H
#define HTX_MEM_CMD_H

#ifdef __cplusplus
extern "C" {
#endif

/* argv[0] is the verb or program name; options start at argv[1]. */
int htx_cmd_mem(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
