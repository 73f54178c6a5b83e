/* cmd_bundle: "hallpass bundle keygen|build|verify", the signed rule bundle IT publishes to its gateways. */
#ifndef HALLPASS_CMD_BUNDLE_H
#define HALLPASS_CMD_BUNDLE_H

/*
 * argv[0] is "bundle".  keygen -o KEYFILE writes a new Ed25519 key pair
 * (KEYFILE 0600, KEYFILE.pub); build -k KEYFILE -V VERSION -o FILE [CONFIGDIR]
 * checks the rule set in CONFIGDIR (default dir) and signs it into FILE;
 * verify -p PUBKEY FILE checks the signature, the format and the rule set
 * inside and lists it.  Exit status: 0 done, 1 invalid or refused, 2 usage.
 */
int	cmd_bundle(const char *dir, int argc, char **argv);

#endif
