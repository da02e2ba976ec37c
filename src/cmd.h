/* cmd.h: the subcommands; each returns the process exit status. */
#ifndef FTPAUDIT_CMD_H
#define FTPAUDIT_CMD_H

#include <stdio.h>

int	cmd_analyze(int argc, char **argv);
int	cmd_live(int argc, char **argv);
void	usage(FILE *);

#endif
