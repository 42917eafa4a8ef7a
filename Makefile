# facteur — GNU Makefile (no autotools).
#
#   make            build every program into $(BUILD)/bin
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
PKG_CONFIG ?= pkg-config
FUZZ_TIME  ?= 30
SAN        ?=

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
comma := ,

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
# Each program: NAME_SRCS, NAME_LIBS, and whether it goes to bin or sbin.
PROGS := maildeliver

maildeliver_SRCS := maildeliver/maildeliver.c
maildeliver_LIBS :=
maildeliver_DIR  := bin

BINS := $(PROGS:%=$(BUILD)/bin/%)

# ---------------------------------------------------------------- tests
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all check unit integration asan fuzz install clean
all: $(BINS)

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
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

check: unit integration

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		echo "== $$t"; $$t || fail=1; \
	done; test $$fail = 0

integration: $(BINS)
	FACTEUR_BIN=$(abspath $(BUILD)/bin) tests/run-integration

asan:
	$(MAKE) BUILD=build/asan SAN=1 CC=clang check

# libFuzzer needs clang. Each target runs FUZZ_TIME seconds on its corpus.
FUZZ_CFLAGS := -std=c17 -O1 -g -D_GNU_SOURCE -Ilib -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined $(WARN)
build/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS)

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
		n=$${f##*/}; c=tests/fuzz/corpus/$${n#fuzz_}; w=build/fuzz/work/$$n; \
		mkdir -p $$w; echo "== $$n ($(FUZZ_TIME)s)"; \
		$$f -max_total_time=$(FUZZ_TIME) -max_len=65536 -timeout=10 \
			-print_final_stats=1 $$w $$([ -d $$c ] && echo $$c) \
			2>build/fuzz/work/$$n.log || { tail -50 build/fuzz/work/$$n.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units' build/fuzz/work/$$n.log; \
	done

install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	@set -e; for p in $(PROGS); do \
		case "$$p" in $(foreach p,$(PROGS),$(p)) ) ;; esac; \
	done
	install -m 755 $(BUILD)/bin/maildeliver $(DESTDIR)$(BINDIR)/maildeliver
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
