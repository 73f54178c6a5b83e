# hallpass: build, test, bench and install with plain make (see README.md).
# The one version: hallpass --version, hallpassd --version and the Debian package (debian/changelog is checked against it).
VERSION	:= $(shell cat VERSION)
PREFIX	?= /usr/local
DESTDIR	?=
# Where make install puts things; the Debian package (debian/rules) uses PREFIX=/usr, UNITDIR=/lib/systemd/system.
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
DATADIR	?= $(PREFIX)/share/hallpass
WWWDIR	?= $(PREFIX)/lib/hallpass/www
MANDIR	?= $(PREFIX)/share/man
UNITDIR	?= $(PREFIX)/lib/systemd/system
MAN5	 = man/hallpass.yaml.5 man/hallpass-rules.5
MAN8	 = man/hallpass.8 man/hallpassd.8
CC	?= cc
PKGS	 = yaml-0.1 libpcre2-8 sqlite3 libpq libcrypto libpcap libsodium libcares libzip libcurl libseccomp libcap libqrencode
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	 = -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion \
	   -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wformat=2
CSTD	 = -std=c11 -D_GNU_SOURCE
OPT	?= -O2 -g
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) $(INC) $(CPPFLAGS) $(CFLAGS)
# libcsv ships no .pc file.
CSV_LIBS   = -lcsv
LDLIBS_ALL = $(PKG_LIBS) $(CSV_LIBS) -lpthread -lm $(LDLIBS)
# Only hallpassd talks netlink to the kernel.
NF_PKGS	 = libnetfilter_queue libnetfilter_conntrack
NF_LIBS	:= $(shell pkg-config --libs $(NF_PKGS) 2>/dev/null)

# Release objects go to build/rel, test objects (ASan+UBSan) to build/test.
B	?= build/rel
SAN	 = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Each library sees only its own headers and those of the libraries below it, so the
# compiler enforces the layering (docs/layout.md):
#   base      errors, strings, log, YAML diagnostics
#   roster    OneRoster import, device file, roster.csv          (base)
#   policy    rules, roster, schedules, time zones               (base roster)
#   config    hallpass.yaml: one gateway's local settings        (base)
#   terms     aup.yaml: the acceptable-use terms parents read     (base)
#   import    blocklist importers (hosts, AdBlock, UT1)          (base roster policy)
#   store     the database                                       (base)
#   auth      passwords, invite codes, sessions, throttling      (base store)
#   classify  packets -> names, and the one judgement            (base roster policy config)
#   ship      a gateway's shipper to the district database       (base store)
#   staff     the engagement report (roster x database)          (base roster policy store)
#   bundle    the signed rule bundle: format, keys, the gateway's
#             HTTPS fetch and swap (docs/bundle.md)               (base roster policy config terms)
#   mail      guardians' e-mail: summaries, alerts, MIME, SMTP
#             (docs/digest.md); the dashboard's languages         (base roster policy config store auth, dashboard-cgi's i18n)
# and the programs: proxy/ (hallpassd), cli/ (hallpass), dashboard-cgi/ (hallpass.cgi).
LIBDIRS	   = base roster policy config terms import store auth staff classify ship bundle mail
INC_base     = -Ibase
INC_roster   = $(INC_base) -Iroster
INC_policy   = $(INC_roster) -Ipolicy
INC_config   = $(INC_base) -Iconfig
INC_terms    = $(INC_base) -Iterms
INC_import   = $(INC_policy) -Iimport
INC_store    = $(INC_base) -Istore
INC_auth     = $(INC_store) -Iauth
INC_ship     = $(INC_store) -Iship
INC_staff    = $(INC_policy) -Istore -Istaff
INC_classify = $(INC_policy) -Iconfig -Iclassify
INC_bundle   = $(INC_policy) -Iconfig -Iterms -Ibundle
INC_proxy    = $(INC_classify) -Istore -Ibundle -Iproxy
# mail reads the dashboard's language files with its i18n module (dashboard-cgi/i18n.c, dash_date.c).
INC_mail     = $(INC_policy) -Iconfig -Istore -Iauth -Idashboard-cgi -Imail
INC_cli	     = $(INC_classify) -Iterms -Iimport -Istore -Iauth -Istaff -Iship -Ibundle -Iproxy -Idashboard-cgi -Imail -Icli
INC_dashboard-cgi = $(INC_policy) -Iconfig -Iterms -Istore -Iauth -Istaff -Idashboard-cgi
# Tests, benches and test tools may reach any header.
INC_ALL	   = $(INC_cli) -Idashboard-cgi -Itests
$(foreach d,$(LIBDIRS) proxy cli dashboard-cgi,$(eval $(B)/$(d)/%.o: INC = $(INC_$(d))))
INC	  ?= $(INC_ALL)

lib_src = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
lib_a	= $(B)/libhallpass-$(1).a
# Linked in this order: a library before the ones it uses.
LIBS	   = $(B)/libhallpass-mail.a $(B)/libhallpass-dash.a $(foreach d,proxy staff auth ship classify bundle import terms config policy roster store base,$(call lib_a,$(d)))
CLI_SRC	   = $(wildcard cli/*.c)
CLI_OBJ	   = $(CLI_SRC:%.c=$(B)/%.o)
DASH_OBJ   = $(patsubst %.c,$(B)/%.o,$(call lib_src,dashboard-cgi))
UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all test unit fuzz fuzz-bin bench demo demo-down install uninstall deb deps web-deps clean check-gcc check-clang
all: $(B)/hallpass $(B)/hallpassd $(B)/hallpass.cgi

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

# The safe-search engines a config without safesearch.yaml gets are the shipped file, compiled in.
policy/policy_ss_builtin.c: rules/safesearch.yaml policy/mkbuiltin.sh
	sh policy/mkbuiltin.sh rules/safesearch.yaml >$@.tmp && mv $@.tmp $@

$(B)/dashboard-cgi/main.o $(B)/cli/cmd_letters.o $(B)/cli/cmd_digest.o: CPPFLAGS += -DHALLPASS_LANG_DIR='"$(DATADIR)/lang"'
$(B)/cli/main.o $(B)/proxy/main.o: VERSION
$(B)/cli/main.o $(B)/proxy/main.o: CPPFLAGS += -DHALLPASS_VERSION='"$(VERSION)"'

define LIB_RULE
$$(B)/libhallpass-$(1).a: $$(patsubst %.c,$$(B)/%.o,$$(call lib_src,$(1)))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach d,$(LIBDIRS) proxy,$(eval $(call LIB_RULE,$(d))))

$(B)/libhallpass-dash.a: $(DASH_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/hallpass.cgi: $(B)/dashboard-cgi/main.o $(LIBS)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS) $(LDLIBS_ALL)

# Seeds the dashboard's browser tests' database through the store API.
$(B)/tests/hp_seed: tests/web/hp_seed.c $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $^ $(LDFLAGS) $(LDLIBS_ALL)

$(B)/hallpass: $(CLI_OBJ) $(LIBS)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS) $(LDLIBS_ALL)

$(B)/hallpassd: $(B)/proxy/main.o $(LIBS)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS) $(NF_LIBS) $(LDLIBS_ALL)

$(B)/tests/%: tests/unit/%.c $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $^ $(LDFLAGS) $(LDLIBS_ALL) -lcmocka

# Tools the namespace tests drive traffic with (tests/net/*.c).
$(B)/tests/hp_send: tests/net/hp_send.c $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $^ $(LDFLAGS) $(LDLIBS_ALL)

# Writes a gateway's activity for the shipping tests (tests/pg/ship.sh).
$(B)/tests/hp_gwsim: tests/pg/hp_gwsim.c $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $^ $(LDFLAGS) $(LDLIBS_ALL)

unit: $(UNIT_BIN) $(B)/hallpass $(B)/hallpassd $(B)/tests/hp_send $(B)/hallpass.cgi $(B)/tests/hp_seed \
	$(B)/tests/hp_gwsim

# The fuzzers are clang's libFuzzer over the same sources, built apart from the gcc objects:
# one per parser of untrusted input (packets, the CGI request, downloaded lists, every YAML file,
# the roster readers: OneRoster CSV, the device file, roster.csv; the rule bundle).
FUZZERS	= inspect cgi import yaml roster bundle
FUZZ_SRC_inspect = $(foreach d,proxy classify config policy roster store base,$(call lib_src,$(d)))
FUZZ_SRC_cgi	 = dashboard-cgi/cgi_req.c $(call lib_src,base)
FUZZ_SRC_import	 = $(foreach d,import policy roster base,$(call lib_src,$(d)))
FUZZ_SRC_yaml	 = dashboard-cgi/i18n.c $(foreach d,config terms policy roster base,$(call lib_src,$(d)))
FUZZ_SRC_roster	 = $(foreach d,roster base,$(call lib_src,$(d)))
FUZZ_SRC_bundle	 = $(foreach d,bundle terms config policy roster base,$(call lib_src,$(d)))
FUZZ_BIN = $(FUZZERS:%=build/fuzz/fuzz_%)
FUZZ_HDR = $(wildcard $(LIBDIRS:%=%/*.h) proxy/*.h dashboard-cgi/*.h)
define FUZZ_RULE
build/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(FUZZ_SRC_$(1)) $$(FUZZ_HDR)
	@mkdir -p $$(dir $$@)
	clang $$(CSTD) $$(WARN) -Wno-missing-prototypes -g -O1 -fsanitize=fuzzer,address,undefined \
	    $$(PKG_CFLAGS) $$(INC_ALL) -o $$@ tests/fuzz/fuzz_$(1).c $$(FUZZ_SRC_$(1)) $$(PKG_LIBS) $$(NF_LIBS) $$(CSV_LIBS) -lpthread -lm
endef
$(foreach f,$(FUZZERS),$(eval $(call FUZZ_RULE,$(f))))
fuzz-bin: $(FUZZ_BIN)

# make fuzz: every fuzzer for FUZZ_SECONDS each (default 600), from its corpus; crashes land in build/fuzz/crashes.
FUZZ_SECONDS ?= 600
fuzz: fuzz-bin
	HALLPASS_TOP=$(CURDIR) FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/cli/fuzz.sh

# make test: sanitizer build of everything, then every unit and CLI test; last line "N passed, N failed".
test:
	$(MAKE) B=build/test OPT="-O1 -g $(SAN)" LDFLAGS="$(SAN)" unit
	$(MAKE) fuzz-bin
	$(MAKE) web-deps
	HALLPASS_BUILD=build/test tests/run-tests.sh

bench:
	$(MAKE) B=build/rel all bench-bin
	HALLPASS_BUILD=build/rel bench/run-bench.sh

bench-bin: $(B)/bench_policy $(B)/bench_cgi $(B)/bench_roster $(B)/tests/hp_gwsim

$(B)/bench_cgi: bench/bench_cgi.c $(LIBS)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $^ $(LDFLAGS) $(LDLIBS_ALL)

$(B)/bench_roster: bench/bench_roster.c $(LIBS)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $^ $(LDFLAGS) $(LDLIBS_ALL)

$(B)/bench_policy: bench/bench_policy.c $(LIBS)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $^ $(LDFLAGS) $(LDLIBS_ALL)

# The whole system on one machine (cli/demo.sh): namespaces, hallpassd, the dashboard on :8080.
DEMO_CMDS = pkg-config lighttpd unbound nginx dig curl iperf3 conntrack iptables-restore
demo:
	@for c in $(DEMO_CMDS); do command -v $$c >/dev/null || { $(MAKE) deps; break; }; done
	@pkg-config --exists $(PKGS) $(NF_PKGS) || $(MAKE) deps
	$(MAKE) B=build/rel all
	cli/demo.sh up

demo-down:
	cli/demo.sh down

# Both compilers must stay warning-free.
check-gcc:
	$(MAKE) B=build/gcc CC=gcc all
check-clang:
	$(MAKE) B=build/clang CC=clang all

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(WWWDIR) \
	    $(DESTDIR)$(DATADIR)/rules/rules.d $(DESTDIR)$(DATADIR)/lang $(DESTDIR)$(DATADIR)/lighttpd \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(B)/hallpass $(DESTDIR)$(BINDIR)/hallpass
	install -m 0755 $(B)/hallpassd $(DESTDIR)$(SBINDIR)/hallpassd
	install -m 0755 $(B)/hallpass.cgi $(DESTDIR)$(WWWDIR)/hallpass.cgi
	install -m 0644 dashboard-cgi/lang/*.yaml $(DESTDIR)$(DATADIR)/lang/
	install -m 0644 dashboard-cgi/lighttpd.conf $(DESTDIR)$(DATADIR)/lighttpd/hallpass.conf
	sed -e 's|/usr/lib/hallpass/www|$(WWWDIR)|; s|/usr/share/hallpass|$(DATADIR)|' \
	    systemd/hallpass-dashboard.conf >$(DESTDIR)$(DATADIR)/lighttpd/dashboard.conf
	chmod 0644 $(DESTDIR)$(DATADIR)/lighttpd/dashboard.conf
	install -m 0644 rules/*.yaml $(DESTDIR)$(DATADIR)/rules/
	install -m 0644 rules/rules.d/*.yaml $(DESTDIR)$(DATADIR)/rules/rules.d/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	# The units name /usr/sbin/hallpassd; another PREFIX gets its own path.
	sed 's|/usr/sbin/hallpassd|$(SBINDIR)/hallpassd|g' systemd/hallpassd.service >$(DESTDIR)$(UNITDIR)/hallpassd.service
	install -m 0644 systemd/hallpass-dashboard.service systemd/hallpass-purge.timer \
	    systemd/hallpass-digest.timer $(DESTDIR)$(UNITDIR)/
	for u in hallpass-ship.service hallpass-purge.service hallpass-digest.service; do \
	    sed -e 's|/usr/bin/hallpass|$(BINDIR)/hallpass|g; s|/usr/share/hallpass|$(DATADIR)|g' \
	    systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u; \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$$u; done
	chmod 0644 $(DESTDIR)$(UNITDIR)/hallpassd.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hallpass $(DESTDIR)$(SBINDIR)/hallpassd $(DESTDIR)$(WWWDIR)/hallpass.cgi
	rm -f $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%)
	rm -f $(DESTDIR)$(UNITDIR)/hallpassd.service $(DESTDIR)$(UNITDIR)/hallpass-dashboard.service \
	    $(DESTDIR)$(UNITDIR)/hallpass-ship.service $(DESTDIR)$(UNITDIR)/hallpass-purge.service \
	    $(DESTDIR)$(UNITDIR)/hallpass-purge.timer $(DESTDIR)$(UNITDIR)/hallpass-digest.service \
	    $(DESTDIR)$(UNITDIR)/hallpass-digest.timer
	rm -rf $(DESTDIR)$(DATADIR)
	-rmdir $(DESTDIR)$(WWWDIR) $(DESTDIR)$(PREFIX)/lib/hallpass

# hallpass_VERSION_ARCH.deb in the top directory: dpkg-buildpackage (debhelper, debian/) in a copy of the tree
# under build/debsrc, since it writes its results to the parent directory; then lintian, which must find no error.
DEBSRC	 = build/debsrc
deb:
	rm -rf $(DEBSRC) && mkdir -p $(DEBSRC)/hallpass-$(VERSION)
	tar --exclude=./build --exclude=./.git --exclude=./tests/web/node_modules --exclude='./hallpass_*' \
	    -cf - . | tar -C $(DEBSRC)/hallpass-$(VERSION) -xf -
	cd $(DEBSRC)/hallpass-$(VERSION) && dpkg-buildpackage -b -us -uc
	cp $(DEBSRC)/hallpass_$(VERSION)_*.deb .
	lintian --fail-on error,warning --info hallpass_$(VERSION)_*.deb

# Every build and test dependency on a fresh Debian 12.
DEB_PKGS = build-essential clang libclang-rt-14-dev pkg-config libyaml-dev libpcre2-dev libsqlite3-dev \
	   libc-ares-dev libnetfilter-queue-dev libnetfilter-conntrack-dev libsodium-dev \
	   libpcap-dev libcmocka-dev libssl-dev libpq-dev libcsv-dev libzip-dev zip libcurl4-openssl-dev libseccomp-dev libcap-dev libqrencode-dev tzdata
# make deb and its test (tests/pkg/deb.sh), the man pages' lint, promtool for the metrics.
PKG_PKGS = debhelper dpkg-dev fakeroot lintian mandoc man-db adduser procps prometheus systemd
# The dashboard's browser tests: a web server with mod_cgi and a browser (nodejs/npm: see deps);
# the family letters' test prints to PDF and reads it back (pdftotext) and decodes the QR code (zbarimg).
WEB_PKGS = lighttpd chromium poppler-utils zbar-tools
# hallpass digest's test (tests/cli/digest.sh): a real SMTP server with STARTTLS, its throwaway certificate.
MAIL_PKGS = python3-aiosmtpd openssl
# The district store's tests start their own PostgreSQL 15 cluster (tests/pg/pgcluster.sh).
PG_PKGS	 = postgresql-15
# The namespace tests' real peers (DNS, TLS/HTTP servers, clients).
NET_PKGS = $(shell grep -v '^\#' tests/net/packages.txt)
# make bench's network section: the peers hallpassd is measured against, and wrk.
BENCH_PKGS = dnsmasq-base squid squidguard wrk
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_PKGS) $(PKG_PKGS) $(NET_PKGS) $(WEB_PKGS) $(MAIL_PKGS) $(PG_PKGS) $(BENCH_PKGS)
	command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
	$(MAKE) web-deps

# The dashboard's browser tests: playwright-core from tests/web/package-lock.json (npm ci).
web-deps:
	@[ -d tests/web/node_modules/playwright-core ] && [ -d tests/web/node_modules/axe-core ] || (cd tests/web && npm ci --no-audit --no-fund)

clean:
	rm -rf build

-include $(shell find build -path build/debsrc -prune -o -name '*.d' -type f -print 2>/dev/null)
