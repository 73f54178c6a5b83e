/* cmd_firewall: "hallpass firewall up|down|status", the iptables/ip6tables rules that send flow starts to hallpassd. */
#ifndef HALLPASS_CMD_FIREWALL_H
#define HALLPASS_CMD_FIREWALL_H

/*
 * argv[0] is "firewall".  Acts on the current network namespace, IPv4 and
 * IPv6.  Exit status: 0 done (status: installed), 1 failure (status: not
 * installed, or not as "up" installs it), 2 usage.
 */
int	cmd_firewall(const char *dir, int argc, char **argv);

#endif
