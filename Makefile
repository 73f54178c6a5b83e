# hallpass: build, test, bench and install with plain make (see README.md).
PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc
PKGS	 = yaml-0.1 libpcre2-8 sqlite3 libcrypto libpcap libsodium libcares libseccomp libcap
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	 = -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion \
	   -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wformat=2
CSTD	 = -std=c11 -D_GNU_SOURCE
OPT	?= -O2 -g
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -Ibase -Ipolicy -Iproxy -Istore -Icli -Idashboard-cgi $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lpthread -lm $(LDLIBS)
# Only hallpassd talks netlink to the kernel.
NF_PKGS	 = libnetfilter_queue libnetfilter_conntrack
NF_LIBS	:= $(shell pkg-config --libs $(NF_PKGS) 2>/dev/null)

# Release objects go to build/rel, test objects (ASan+UBSan) to build/test.
B	?= build/rel
SAN	 = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# base/: the small helpers (error buffers, strings, log) every other library and binary uses.
BASE_SRC   = $(wildcard base/*.c)
POLICY_SRC = $(wildcard policy/*.c)
# proxy/ and store/ hold libraries shared by hallpassd, the CLI and the dashboard.
PROXY_SRC  = $(filter-out proxy/main.c,$(wildcard proxy/*.c))
STORE_SRC  = $(wildcard store/*.c)
CLI_SRC	   = $(wildcard cli/*.c)
# dashboard-cgi/: libhallpass-dash (request parsing, pages, languages) and hallpass.cgi's main.
DASH_SRC   = $(filter-out dashboard-cgi/main.c,$(wildcard dashboard-cgi/*.c))
UNIT_SRC   = $(wildcard tests/unit/test_*.c)

BASE_OBJ   = $(BASE_SRC:%.c=$(B)/%.o)
POLICY_OBJ = $(POLICY_SRC:%.c=$(B)/%.o)
PROXY_OBJ  = $(PROXY_SRC:%.c=$(B)/%.o)
STORE_OBJ  = $(STORE_SRC:%.c=$(B)/%.o)
DASH_OBJ   = $(DASH_SRC:%.c=$(B)/%.o)
LIBS	   = $(B)/libhallpass-dash.a $(B)/libhallpass-proxy.a $(B)/libhallpass-store.a $(B)/libhallpass-policy.a \
	     $(B)/libhallpass-base.a
CLI_OBJ	   = $(CLI_SRC:%.c=$(B)/%.o)
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all test unit bench demo demo-down install uninstall deps web-deps clean check-gcc check-clang
all: $(B)/hallpass $(B)/hallpassd $(B)/hallpass.cgi

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(B)/libhallpass-base.a: $(BASE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libhallpass-policy.a: $(POLICY_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libhallpass-proxy.a: $(PROXY_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libhallpass-store.a: $(STORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

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

unit: $(UNIT_BIN) $(B)/hallpass $(B)/hallpassd $(B)/tests/hp_send $(B)/hallpass.cgi $(B)/tests/hp_seed

# The fuzzer is clang's libFuzzer over the same sources, built apart from the gcc objects.
FUZZ_SRC = tests/fuzz/fuzz_inspect.c $(PROXY_SRC) $(POLICY_SRC) $(STORE_SRC) $(BASE_SRC)
build/fuzz/fuzz_inspect: $(FUZZ_SRC) $(wildcard proxy/*.h policy/*.h store/*.h base/*.h)
	@mkdir -p $(dir $@)
	clang $(CSTD) $(WARN) -Wno-missing-prototypes -g -O1 -fsanitize=fuzzer,address,undefined \
	    $(PKG_CFLAGS) -Ibase -Ipolicy -Iproxy -Istore -o $@ $(FUZZ_SRC) $(PKG_LIBS) $(NF_LIBS) -lpthread -lm

# make test: sanitizer build of everything, then every unit and CLI test; last line "N passed, N failed".
test:
	$(MAKE) B=build/test OPT="-O1 -g $(SAN)" LDFLAGS="$(SAN)" unit
	$(MAKE) build/fuzz/fuzz_inspect
	$(MAKE) web-deps
	HALLPASS_BUILD=build/test tests/run-tests.sh

bench:
	$(MAKE) B=build/rel all bench-bin
	HALLPASS_BUILD=build/rel bench/run-bench.sh

bench-bin: $(B)/bench_policy $(B)/bench_cgi

$(B)/bench_cgi: bench/bench_cgi.c $(LIBS)
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
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/hallpass/rules/rules.d
	install -m 0755 $(B)/hallpass $(DESTDIR)$(PREFIX)/bin/hallpass
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(B)/hallpassd $(DESTDIR)$(PREFIX)/sbin/hallpassd
	install -m 0644 rules/*.yaml $(DESTDIR)$(PREFIX)/share/hallpass/rules/
	install -m 0644 rules/rules.d/*.yaml $(DESTDIR)$(PREFIX)/share/hallpass/rules/rules.d/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/hallpass $(DESTDIR)$(PREFIX)/sbin/hallpassd
	rm -rf $(DESTDIR)$(PREFIX)/share/hallpass

# Every build and test dependency on a fresh Debian 12.
DEB_PKGS = build-essential clang libclang-rt-14-dev pkg-config libyaml-dev libpcre2-dev libsqlite3-dev \
	   libc-ares-dev libnetfilter-queue-dev libnetfilter-conntrack-dev libsodium-dev \
	   libpcap-dev libcmocka-dev libssl-dev libseccomp-dev libcap-dev tzdata
# The dashboard's browser tests: a web server with mod_cgi and a browser (nodejs/npm: see deps).
WEB_PKGS = lighttpd chromium
# The namespace tests' real peers (DNS, TLS/HTTP servers, clients).
NET_PKGS = $(shell grep -v '^\#' tests/net/packages.txt)
# make bench's network section: the peers hallpassd is measured against, and wrk.
BENCH_PKGS = dnsmasq-base squid squidguard wrk
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_PKGS) $(NET_PKGS) $(WEB_PKGS) $(BENCH_PKGS)
	command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
	$(MAKE) web-deps

# The dashboard's browser tests: playwright-core from tests/web/package-lock.json (npm ci).
web-deps:
	@[ -d tests/web/node_modules/playwright-core ] || (cd tests/web && npm ci --no-audit --no-fund)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
