/*
 * cmd.h: the verbs' entry points, one per file sim/cli/cmd_<verb>.c, each listed once in
 * the table of sim/main.c. argv[0] is the verb; the return value is the exit code (die()
 * exits 2 for usage errors itself).
 */
#ifndef SIM_CLI_CMD_H
#define SIM_CLI_CMD_H

int cmd_run(int argc, char **argv);
int cmd_spill(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_fuzz(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_soak(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_compare(int argc, char **argv);

#endif
