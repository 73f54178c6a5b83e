/* test_config: hallpass.yaml's settings table: defaults, every key read, and which changes a reload applies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>

#include "config.h"
#include "testutil.h"

/* Loads content as DIR/hallpass.yaml into c; the load must succeed. */
static void
load(const char *content, struct config *c)
{
	char		*dir = testutil_confdir();
	struct diag	 d;

	assert_non_null(dir);
	assert_int_equal(testutil_write(dir, "hallpass.yaml", content), 0);
	diag_init(&d);
	if (config_load(c, dir, &d) != 0)
		for (size_t i = 0; i < d.n; i++)
			print_message("got: %s\n", d.msgs[i]);
	assert_int_equal(diag_count(&d), 0);
	diag_free(&d);
	testutil_rmdir(dir);
}

static void
test_defaults(void **state)
{
	struct config	c, e;
	uint8_t		a4[4];

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.nqueues, 1);
	assert_int_equal(c.queues[0], 0);
	assert_int_equal(c.fail, CONFIG_FAIL_OPEN);
	assert_string_equal(c.database, "/var/lib/hallpass/hallpass.db");
	assert_string_equal(c.block_page, "http://192.0.2.1/blocked");
	inet_pton(AF_INET, "192.0.2.1", a4);
	assert_memory_equal(c.block_address4, a4, 4);
	assert_int_equal(c.log_level, CONFIG_LOG_INFO);
	assert_int_equal(c.retention_days, 90);
	assert_int_equal(c.flow_table_size, 65536);
	assert_int_equal(c.flow_idle_seconds, 300);
	assert_string_equal(c.resolvers, "");
	assert_int_equal(c.block_encrypted_dns, 1);
	assert_int_equal(c.strict_https, 0);
	assert_int_equal(c.dns_map_size, 16384);
	/* No bundle unless asked for; its directory under the state directory. */
	assert_string_equal(c.bundle_url, "");
	assert_string_equal(c.bundle_key, "");
	assert_string_equal(c.bundle_ca, "");
	assert_string_equal(c.bundle_dir, "/var/lib/hallpass/bundle");
	assert_int_equal(c.bundle_interval, 3600);
	assert_int_equal(c.bundle_allow_downgrade, 0);
	/* An empty file is every default. */
	load("{}\n", &e);
	assert_int_equal(config_diff(&c, &e, 0, NULL, 0), 0);
	assert_int_equal(config_diff(&c, &e, 1, NULL, 0), 0);
}

static void
test_every_key(void **state)
{
	struct config c;

	(void)state;
	load("queues: [3, 4]\nfail: closed\ndatabase: /tmp/x.db\ndns_block: address\n"
	    "block_address4: 10.0.0.1\nblock_address6: 'fd00::1'\n"
	    "block_page: https://b.example/x\nlog_level: debug\nretention_days: 7\n"
	    "flow_table_size: 2048\nflow_idle_seconds: 60\nresolvers: [10.0.0.53, '::1']\n"
	    "block_encrypted_dns: false\nstrict_https: true\nstrip_ech: true\n"
	    "dns_map_size: 4096\nhotspot_id: hs-0042\n"
	    "bundle_url: https://district.example/rules.bundle\n"
	    "bundle_key: /etc/hallpass/district.pub\nbundle_ca: /etc/hallpass/ca.pem\n"
	    "bundle_dir: /srv/bundle\nbundle_interval: 600\n"
	    "bundle_allow_downgrade: true\n", &c);
	assert_int_equal(c.nqueues, 2);
	assert_int_equal(c.queues[1], 4);
	assert_int_equal(c.fail, CONFIG_FAIL_CLOSED);
	assert_string_equal(c.database, "/tmp/x.db");
	assert_int_equal(c.dns_block, CONFIG_DNS_ADDRESS);
	assert_int_equal(c.block_address4[0], 10);
	assert_int_equal(c.block_address6[0], 0xfd);
	assert_string_equal(c.block_page, "https://b.example/x");
	assert_int_equal(c.log_level, CONFIG_LOG_DEBUG);
	assert_int_equal(c.retention_days, 7);
	assert_int_equal(c.flow_table_size, 2048);
	assert_int_equal(c.flow_idle_seconds, 60);
	assert_string_equal(c.resolvers, "10.0.0.53,::1");
	assert_int_equal(c.block_encrypted_dns, 0);
	assert_int_equal(c.strict_https, 1);
	assert_int_equal(c.strip_ech, 1);
	assert_int_equal(c.dns_map_size, 4096);
	assert_string_equal(c.hotspot_id, "hs-0042");
	assert_string_equal(c.bundle_url, "https://district.example/rules.bundle");
	assert_string_equal(c.bundle_key, "/etc/hallpass/district.pub");
	assert_string_equal(c.bundle_ca, "/etc/hallpass/ca.pem");
	assert_string_equal(c.bundle_dir, "/srv/bundle");
	assert_int_equal(c.bundle_interval, 600);
	assert_int_equal(c.bundle_allow_downgrade, 1);
}

/* content as hallpass.yaml must fail with an error containing want. */
static void
load_bad(const char *content, const char *want)
{
	char		*dir = testutil_confdir();
	struct diag	 d;
	struct config	 c;
	int		 found = 0;

	assert_non_null(dir);
	assert_int_equal(testutil_write(dir, "hallpass.yaml", content), 0);
	diag_init(&d);
	assert_int_equal(config_load(&c, dir, &d), -1);
	for (size_t i = 0; i < d.n; i++)
		if (strstr(d.msgs[i], want) != NULL)
			found = 1;
	if (!found)
		for (size_t i = 0; i < d.n; i++)
			print_message("got: %s\n", d.msgs[i]);
	assert_true(found);
	diag_free(&d);
	testutil_rmdir(dir);
}

static void
test_bundle_settings(void **state)
{
	(void)state;
	/* Rules travel over HTTPS only, and never without the key that checks them. */
	load_bad("bundle_url: http://district.example/b\nbundle_key: /k.pub\n",
	    "hallpass.yaml:1:13: bundle_url must be an https:// URL");
	load_bad("bundle_url: https://district.example/b\n",
	    "hallpass.yaml:1:13: bundle_url needs bundle_key");
	load_bad("bundle_url: ftp://x/b\nbundle_key: /k.pub\n", "bundle_url must be");
	load_bad("bundle_key: district.pub\n", "bundle_key must be an absolute path");
	load_bad("bundle_interval: 604801\n", "bundle_interval");
	load_bad("bundle_allow_downgrade: maybe\n", "bundle_allow_downgrade");
}

static void
test_reloadable(void **state)
{
	static const char *const restart[] = { "queues", "database",
	    "flow_table_size", "dns_map_size", "bundle_dir" };
	static const char *const live[] = { "fail", "dns_block", "block_address4",
	    "block_address6", "block_page", "log_level", "retention_days",
	    "flow_idle_seconds", "resolvers", "block_encrypted_dns", "strict_https",
	    "strip_ech", "hotspot_id", "bundle_url", "bundle_key", "bundle_ca", "bundle_interval",
	    "bundle_allow_downgrade" };

	(void)state;
	for (size_t i = 0; i < sizeof(restart) / sizeof(restart[0]); i++)
		assert_int_equal(config_reloadable(restart[i]), 0);
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		assert_int_equal(config_reloadable(live[i]), 1);
	assert_int_equal(config_reloadable("no_such_key"), -1);
}

static void
test_diff(void **state)
{
	struct config	old, new, applied;
	char		buf[256];

	(void)state;
	load("queues: [0]\ndatabase: /tmp/a.db\nfail: open\nretention_days: 90\n", &old);
	load("queues: [0, 1]\ndatabase: /tmp/b.db\nfail: closed\nretention_days: 7\n"
	    "flow_idle_seconds: 60\ndns_map_size: 2048\nresolvers: [10.0.0.53]\n", &new);
	assert_int_equal(config_diff(&old, &new, 0, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "queues, database, dns_map_size");
	assert_int_equal(config_diff(&old, &new, 1, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "fail, retention_days, flow_idle_seconds, resolvers");
	/* A short buffer is cut, the count is whole. */
	assert_int_equal(config_diff(&old, &new, 0, buf, 8), 3);
	assert_string_equal(buf, "queues,");

	/* Applying copies what a reload may change and keeps the rest. */
	applied = old;
	config_apply_reloadable(&applied, &new);
	assert_int_equal(config_diff(&applied, &new, 1, NULL, 0), 0);
	assert_int_equal(config_diff(&applied, &old, 0, NULL, 0), 0);
	assert_int_equal(applied.retention_days, 7);
	assert_string_equal(applied.database, "/tmp/a.db");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_reloadable),
		cmocka_unit_test(test_bundle_settings),
		cmocka_unit_test(test_diff),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
