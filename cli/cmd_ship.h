/* cmd_ship: "hallpass ship", the gateway's shipper to the district database, once or as a long-running service. */
#ifndef HALLPASS_CMD_SHIP_H
#define HALLPASS_CMD_SHIP_H

/* argv[0] is "ship".  Exit status: 0 shipped (or stopped by a signal), 1 config or shipping error, 2 usage. */
int	cmd_ship(const char *dir, int argc, char **argv);

/* argv[0] is "gateways": the district database's gateway_health, as text or JSON lines.  0, 1 error, 2 usage. */
int	cmd_gateways(const char *dir, int argc, char **argv);

#endif
