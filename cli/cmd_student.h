/* cmd_student: "hallpass student export|forget ID", a district's answer to a FERPA request about one student. */
#ifndef HALLPASS_CMD_STUDENT_H
#define HALLPASS_CMD_STUDENT_H

/* argv[0] is "student".  Exit status: 0 done, 1 config or database error, 2 usage. */
int	cmd_student(const char *dir, int argc, char **argv);

#endif
