# facteur — GNU Makefile (no autotools).
#
#   make            build every program into $(BUILD)/bin
#   make test       install the test packages (as root), then make check
#   make run        build, then run the suite on a built-in default (demo/)
#   make check      unit tests (cmocka) and integration tests
#   make asan       the same suite under ASan + UBSan (+ LeakSanitizer)
#   make fuzz       build the libFuzzer targets and run each FUZZ_TIME seconds
#   make install    install under $(DESTDIR)$(PREFIX)
#
# Variants build into their own directory, so a sanitizer build never mixes
# objects with the normal one.

CC         ?= cc
BUILD      ?= build
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/facteur
PKG_CONFIG ?= pkg-config
FUZZ_TIME  ?= 30
SAN        ?=

comma := ,

WARN := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wconversion \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla -Wpointer-arith \
	-Wundef -Wimplicit-fallthrough -Wcast-align -Wwrite-strings

ifeq ($(SAN),)
OPT    ?= -O2 -g
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
else
# Sanitizers and _FORTIFY_SOURCE get in each other's way; the sanitizer
# build checks more than FORTIFY would.
OPT    ?= -O1 -g
HARDEN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -fPIE
endif

CFLAGS   ?=
LDFLAGS  ?=
ALL_CFLAGS   := -std=c17 $(OPT) $(WARN) $(HARDEN) $(CFLAGS)
ALL_CPPFLAGS := -D_GNU_SOURCE -Ilib $(CPPFLAGS)
ALL_LDFLAGS  := -pie -Wl,-z,relro,-z,now $(if $(SAN),-fsanitize=address$(comma)undefined) $(LDFLAGS)

# Dependencies through pkg-config (tinycdb has no .pc file: -lcdb).
# Evaluated lazily, only by the programs that need them.
SODIUM_CFLAGS  = $(shell $(PKG_CONFIG) --cflags libsodium)
SODIUM_LIBS    = $(shell $(PKG_CONFIG) --libs libsodium)
SSL_CFLAGS     = $(shell $(PKG_CONFIG) --cflags openssl)
SSL_LIBS       = $(shell $(PKG_CONFIG) --libs openssl)
CMOCKA_CFLAGS  = $(shell $(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS    = $(shell $(PKG_CONFIG) --libs cmocka)
CDB_LIBS       = -lcdb

# ---------------------------------------------------------------- library
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBA     := $(BUILD)/libfacteur.a

# ---------------------------------------------------------------- programs
# Each folder's module.mk adds its programs to PROGS and sets, per program
# NAME: NAME_SRCS (its own sources), NAME_LIBS (extra libraries, e.g.
# $(SODIUM_LIBS)), NAME_DIR (bin or sbin) and optionally NAME_MODE (install
# mode, default 755).  A module may add to SCRIPTS the scripts installed
# (mode 755) into $(DATADIR) as examples.  A module may add to UNIT_LIBS the libraries its lib
# code needs in the unit tests, and to MANS its man pages.
PROGS     :=
UNIT_LIBS :=
MANS      :=
SCRIPTS   :=
include $(sort $(wildcard */module.mk))

BINS := $(PROGS:%=$(BUILD)/bin/%)

# ---------------------------------------------------------------- tests
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all check unit integration asan fuzz install clean test run deps test-deps
all: $(BINS)

# The README's two commands.  Each first installs the Debian packages it
# needs (as root) or says which are missing.
deps:
	tools/deps tools/packages
test-deps:
	tools/deps tools/packages tests/packages
test: test-deps
	$(MAKE) check
run: deps
	$(MAKE) all
	tools/run $(abspath $(BUILD)/bin)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

define prog_rule
$(BUILD)/bin/$(1): $$($(1)_SRCS:%.c=$(BUILD)/%.o) $(LIBA)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $$(ALL_LDFLAGS) -o $$@ $$^ $$($(1)_LIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(CMOCKA_CFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIBA)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(UNIT_LIBS)

check: unit integration

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; $$t || fail=1; \
	done; test $$fail = 0

integration: $(BINS)
	FACTEUR_BIN=$(abspath $(BUILD)/bin) tests/run-integration

# LeakSanitizer is on with ASan; every sanitizer report fails the run.
asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(MAKE) BUILD=build/asan SAN=1 CC=clang check

# libFuzzer needs clang.  The library is built once with the fuzzing
# instrumentation; each target links it.  Each runs FUZZ_TIME seconds.
FUZZ_CFLAGS := -std=c17 -O1 -g -D_GNU_SOURCE -Ilib -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined $(WARN)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=build/fuzz/obj/%.o)
build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
build/fuzz/libfacteur.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^
build/fuzz/%: tests/fuzz/%.c build/fuzz/libfacteur.a
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libfacteur.a $(UNIT_LIBS)

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
		n=$${f##*/}; c=tests/fuzz/corpus/$${n#fuzz_}; w=build/fuzz/work/$$n; \
		mkdir -p $$w; echo "== $$n ($(FUZZ_TIME)s)"; \
		$$f -max_total_time=$(FUZZ_TIME) -max_len=65536 -timeout=10 -artifact_prefix=$$w/ \
			-print_final_stats=1 $$w $$([ -d $$c ] && echo $$c) \
			2>build/fuzz/work/$$n.log || { tail -50 build/fuzz/work/$$n.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units' build/fuzz/work/$$n.log; \
	done

install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR)
	@set -e; $(foreach p,$(PROGS),\
		echo "install $(p) -> $(DESTDIR)$(if $(filter sbin,$($(p)_DIR)),$(SBINDIR),$(BINDIR))/$(p)"; \
		install -m $(or $($(p)_MODE),755) $(BUILD)/bin/$(p) $(DESTDIR)$(if $(filter sbin,$($(p)_DIR)),$(SBINDIR),$(BINDIR))/$(p);)
	@set -e; for m in $(sort $(MANS)); do s=$${m##*.}; \
		install -d $(DESTDIR)$(MANDIR)/man$$s; \
		echo "install $$m -> $(DESTDIR)$(MANDIR)/man$$s/"; \
		install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	@set -e; for f in $(sort $(SCRIPTS)); do \
		install -d $(DESTDIR)$(DATADIR); \
		echo "install $$f -> $(DESTDIR)$(DATADIR)/"; \
		install -m 755 $$f $(DESTDIR)$(DATADIR)/; done

clean:
	rm -rf build

-include $(shell find $(BUILD) build/fuzz/obj -name '*.d' 2>/dev/null)
