/* cli.h: the parsed command line, shared by raidmig.c and the commands. */
#ifndef RAIDMIG_CLI_H
#define RAIDMIG_CLI_H

#include "run.h"

struct options {
	char *level, *layout, *chunk, *name, *journal, *ck_units, *ck_seconds;
	char *output, *size, *members;
	char *disk, *bandwidth, *flush_ms, *seek_ms;
	int every, force, yes, json, progress_json, revert;
};

extern struct options opt;
extern struct policy policy;

int cmd_convert(char **args, int count);
int cmd_resume(char **args, int count);
int cmd_revert(char **args, int count);
int cmd_plan(char **args, int count);
int cmd_inspect(char **args, int count);
int cmd_cat(char **args, int count);
int cmd_wipe(char **args, int count);
int confirm(const char *msg);

#endif
