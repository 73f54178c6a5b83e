/* cmd_letters: "hallpass letters", a print-ready page of family enrolment letters. */
#ifndef HALLPASS_CMD_LETTERS_H
#define HALLPASS_CMD_LETTERS_H

/*
 * argv[0] is "letters".  "letters [--school S] [--group G] [--not-enrolled]
 * [--lang L] [--days N] -o OUT.html" writes one HTML page (print CSS, a page
 * per letter) with a letter per guardian in their language, each carrying a
 * fresh enrolment code and a QR code of the dashboard's enrolment address.
 * Exit status: 0 done, 1 failure or nobody to write to, 2 usage.
 */
int	cmd_letters(const char *dir, int argc, char **argv);

#endif
