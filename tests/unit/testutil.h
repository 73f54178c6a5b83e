/* testutil: temporary config directories made from tests/fixtures/base with one file replaced. */
#ifndef HALLPASS_TESTUTIL_H
#define HALLPASS_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Copies fixtures/base (tests/ is the working directory) into a new temp dir. */
static inline char *
testutil_confdir(void)
{
	char	 tmpl[] = "/tmp/hallpass-conf.XXXXXX", cmd[256];
	char	*d = mkdtemp(tmpl);

	if (d == NULL)
		return NULL;
	snprintf(cmd, sizeof(cmd), "cp -r fixtures/base/. %s", d);
	if (system(cmd) != 0)
		return NULL;
	return strdup(d);
}

static inline int
testutil_write(const char *dir, const char *name, const char *content)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(content, f);
	return fclose(f);
}

static inline void
testutil_rmdir(char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
	free(dir);
}

#endif
