# tls/: tlsd, the only program that holds TLS keys (UCSPI-TLS front end).
PROGS += tlsd
tlsd_SRCS := tls/tlsd.c
tlsd_LIBS := $(SSL_LIBS)
tlsd_DIR  := sbin
MANS += man/tlsd.8

# The line-protocol daemon the integration tests run under tlsd: speaks
# the daemon side of UCSPI-TLS through lib/ucspitls.  Built with the
# programs, never installed.
# The rules below must not become make's default goal (this fragment is
# read before the Makefile's "all"), so the goal is saved and restored.
TLS_TESTD := $(BUILD)/tests/bin/ucspitls-lined
tls_saved_goal := $(.DEFAULT_GOAL)
$(TLS_TESTD): $(BUILD)/tests/integration/helpers/ucspitls_lined.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^
all: $(TLS_TESTD)
integration: $(TLS_TESTD)
.DEFAULT_GOAL := $(tls_saved_goal)

# tlsd alone includes OpenSSL's headers.
$(BUILD)/tls/tlsd.o: ALL_CPPFLAGS += $(SSL_CFLAGS)
