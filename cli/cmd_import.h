/* cmd_import: "hallpass import", the command-line face of import/import. */
#ifndef HALLPASS_CMD_IMPORT_H
#define HALLPASS_CMD_IMPORT_H

/* argv[0] is "import".  Returns the exit status: 0 done, 1 nothing imported or I/O failure, 2 usage. */
int	cmd_import(int argc, char **argv);

#endif
