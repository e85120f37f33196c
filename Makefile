# fa2 build. GNU make. `make help` lists the targets.
#
# Flavours (each with its own object tree under build/obj/):
#   native  musl-gcc, static, -O2           -> build/fa2, build/fa2-unit
#   asan    gcc + ASan/UBSan, glibc         -> build/asan/fa2, build/asan/fa2-unit
#   aarch64 aarch64-linux-gnu-gcc with Debian's musl for arm64 (tools/musl-aarch64.sh),
#           static                           -> build/aarch64/fa2, build/aarch64/fa2-unit
# Third-party source is fetched and verified by tools/vendor.sh (see vendor/README.md).
# Builds are reproducible: no timestamps or build paths end up in objects, archives,
# binaries or the source tarball (`make release` twice gives the same SHA256SUMS).

VERSION     := $(shell cat VERSION)
BUILD       ?= build
export BUILD
MUSL_CC     ?= musl-gcc
ASAN_CC     ?= gcc
MUSL_A64_CC := vendor/musl-aarch64/aarch64-linux-musl-gcc
CROSS_CC    ?= $(MUSL_A64_CC)
CROSS_STRIP ?= aarch64-linux-gnu-strip
STRIP       ?= strip
FUZZ_CC     ?= clang
NATIVE_ARCH := $(shell uname -m)

BEARSSL_VERSION := 0.6 (Debian 0.6+dfsg.1-3)
CJSON_DEB       := 1.7.15-1+deb12u4

WARN    := -std=c99 -Wall -Wextra -pedantic -Werror -Wno-unused-parameter -Wstrict-prototypes \
           -Wmissing-prototypes -Wshadow -Wvla
DEFS    := -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -DFA2_VERSION='"$(VERSION)"' \
           -DFA2_BEARSSL_VERSION='"$(BEARSSL_VERSION)"' -DFA2_CJSON_VERSION='"$(CJSON_DEB)"'
INCS    := -Isrc -Ivendor/bearssl/inc -Ivendor/cjson
SECT    := -ffunction-sections -fdata-sections
# Reproducible objects wherever the tree is checked out.
REPRO   := -ffile-prefix-map=$(CURDIR)=.
VFLAGS  := -std=gnu99 -w -Ivendor/bearssl/inc -Ivendor/bearssl/src -Ivendor/cjson $(SECT) $(REPRO)

NATIVE_CFLAGS := -O2 $(SECT) $(REPRO) $(WARN) $(DEFS) $(INCS) -DFA2_TARGET='"$(NATIVE_ARCH)-linux-musl (static)"'
NATIVE_VFLAGS := -O2 $(VFLAGS)
NATIVE_LDFLAGS:= -static -Wl,--gc-sections
ASAN_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ASAN_CFLAGS   := -O1 -g $(ASAN_SAN) $(WARN) $(DEFS) $(INCS) -DFA2_TARGET='"$(NATIVE_ARCH)-linux-gnu (asan)"'
# BearSSL reads and writes unaligned words on purpose on x86 (BR_LE_UNALIGNED): not a bug.
ASAN_VFLAGS   := -O1 -g $(ASAN_SAN) -fno-sanitize=alignment $(VFLAGS)
ASAN_LDFLAGS  := $(ASAN_SAN) -pthread
CROSS_CFLAGS  := -O2 $(SECT) $(REPRO) $(WARN) $(DEFS) $(INCS) -DFA2_TARGET='"aarch64-linux-musl (static)"'
CROSS_VFLAGS  := -O2 $(VFLAGS)
CROSS_LDFLAGS := -static -Wl,--gc-sections
FUZZ_SAN      := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   := -O1 -g $(FUZZ_SAN) $(WARN) $(DEFS) $(INCS) -DFA2_TARGET='"fuzz"'
FUZZ_VFLAGS   := -O1 -g $(FUZZ_SAN) -fno-sanitize=alignment $(VFLAGS)
FUZZ_LDFLAGS  := -fsanitize=fuzzer,address,undefined

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:

# Our sources. Every .c under src/ is part of the program; src/cmd/main.c is left out of
# the unit-test and fuzz binaries, which bring their own main.
SRC        := $(shell find src -name '*.c' | LC_ALL=C sort)
LIB_SRC    := $(filter-out src/cmd/main.c,$(SRC))
UNIT_SRC   := $(shell find tests/unit -name '*.c' | LC_ALL=C sort)
FUZZ_SRC   := $(shell find tests/fuzz -name 'fuzz_*.c' 2>/dev/null | LC_ALL=C sort)
HEADERS    := $(shell find src tests/unit -name '*.h')

# `make demo` and `make check` must work on a fresh Debian machine: they install the
# packages they need first (tools/setup-deps.sh is a no-op when all are present).
ifneq ($(filter demo,$(MAKECMDGOALS)),)
SETUP_PROFILE := build
endif
ifneq ($(filter check check-cross,$(MAKECMDGOALS)),)
SETUP_PROFILE := test
endif
ifdef SETUP_PROFILE
ifneq ($(shell sh tools/setup-deps.sh $(SETUP_PROFILE) 1>&2; echo $$?),0)
$(error tools/setup-deps.sh $(SETUP_PROFILE) failed; see above)
endif
endif

# Vendor source lists come from vendor/files.mk, which fetching the vendor tree writes.
# Goals that need no compiler do not trigger a fetch.
NOVENDOR_GOALS := clean distclean help vendor-clean corpus
ifneq ($(filter-out $(NOVENDOR_GOALS),$(or $(MAKECMDGOALS),all)),)
include vendor/files.mk
endif

vendor/files.mk: vendor/SHA256SUMS tools/vendor.sh
	@tools/vendor.sh vendor
	@{ printf 'BEARSSL_SRC :='; find vendor/bearssl/src -name '*.c' | LC_ALL=C sort | sed 's/^/ /' | tr -d '\n'; \
	   printf '\nCJSON_SRC := vendor/cjson/cJSON.c\n'; } > $@

VENDOR_SRC := $(BEARSSL_SRC) $(CJSON_SRC)

# objs FLAVOUR, SOURCES
objs = $(patsubst %.c,$(BUILD)/obj/$(1)/%.o,$(2))

# flavour_rules NAME, CC, CFLAGS, VFLAGS
define flavour_rules
# The flags stamp changes only when the flavour's compiler or flags change, and every
# object of the flavour depends on it: changing flags rebuilds, nothing else does.
$(BUILD)/obj/$(1)/.flags: FORCE
	@mkdir -p $$(@D)
	@echo '$(2) $(3) $(4)' > $$@.new; cmp -s $$@.new $$@ && rm -f $$@.new || mv $$@.new $$@
$(BUILD)/obj/$(1)/src/%.o: src/%.c vendor/files.mk $(BUILD)/obj/$(1)/.flags
	@mkdir -p $$(@D)
	$$(if $$(V),,@echo "  CC[$(1)] $$<";) $(2) $(3) -MMD -MP -c $$< -o $$@
$(BUILD)/obj/$(1)/tests/%.o: tests/%.c vendor/files.mk $(BUILD)/obj/$(1)/.flags
	@mkdir -p $$(@D)
	$$(if $$(V),,@echo "  CC[$(1)] $$<";) $(2) $(3) -Itests/unit -MMD -MP -c $$< -o $$@
$(BUILD)/obj/$(1)/vendor/%.o: vendor/%.c vendor/files.mk $(BUILD)/obj/$(1)/.flags
	@mkdir -p $$(@D)
	$$(if $$(V),,@echo "  CC[$(1)] $$<";) $(2) $(4) -c $$< -o $$@
$(BUILD)/obj/$(1)/vendor.a: $$(call objs,$(1),$$(VENDOR_SRC))
	@rm -f $$@
	$$(if $$(V),,@echo "  AR[$(1)] $$@";) ar rcsD $$@ $$^
$(BUILD)/obj/$(1)/lib.a: $$(call objs,$(1),$$(LIB_SRC))
	@rm -f $$@
	$$(if $$(V),,@echo "  AR[$(1)] $$@";) ar rcsD $$@ $$^
$(BUILD)/obj/$(1)/unit_table.c: $$(UNIT_SRC) tools/gen-unit-table.sh
	@mkdir -p $$(@D)
	@tools/gen-unit-table.sh $$(UNIT_SRC) > $$@
$(BUILD)/obj/$(1)/unit_table.o: $(BUILD)/obj/$(1)/unit_table.c
	$$(if $$(V),,@echo "  CC[$(1)] $$<";) $(2) $(3) -c $$< -o $$@
-include $$(shell find $(BUILD)/obj/$(1) -name '*.d' 2>/dev/null)
endef

$(eval $(call flavour_rules,native,$(MUSL_CC),$(NATIVE_CFLAGS),$(NATIVE_VFLAGS)))
$(eval $(call flavour_rules,asan,$(ASAN_CC),$(ASAN_CFLAGS),$(ASAN_VFLAGS)))
$(eval $(call flavour_rules,aarch64,$(CROSS_CC),$(CROSS_CFLAGS),$(CROSS_VFLAGS)))
$(eval $(call flavour_rules,fuzz,$(FUZZ_CC),$(FUZZ_CFLAGS),$(FUZZ_VFLAGS)))

# The aarch64 musl toolchain (Debian's musl-dev for arm64, pinned and checksummed) is
# unpacked before the first aarch64 object is compiled.
$(MUSL_A64_CC): vendor/SHA256SUMS.musl-aarch64 tools/musl-aarch64.sh
	@tools/musl-aarch64.sh vendor
ifeq ($(CROSS_CC),$(MUSL_A64_CC))
$(BUILD)/obj/aarch64/.flags: $(MUSL_A64_CC)
endif

# link OUT, FLAVOUR, CC, LDFLAGS, MAIN-OBJECTS
define link
	@mkdir -p $(dir $(1))
	$(if $(V),,@echo "  LD[$(2)] $(1)";) $(3) -o $(1) $(5) $(BUILD)/obj/$(2)/lib.a $(BUILD)/obj/$(2)/vendor.a $(4) -lm
endef

UNIT_OBJ = $(call objs,$(1),$(UNIT_SRC)) $(BUILD)/obj/$(1)/unit_table.o

$(BUILD)/fa2: $(call objs,native,src/cmd/main.c) $(BUILD)/obj/native/lib.a $(BUILD)/obj/native/vendor.a
	$(call link,$@,native,$(MUSL_CC),$(NATIVE_LDFLAGS),$(call objs,native,src/cmd/main.c))
$(BUILD)/fa2-unit: $(call UNIT_OBJ,native) $(BUILD)/obj/native/lib.a $(BUILD)/obj/native/vendor.a
	$(call link,$@,native,$(MUSL_CC),$(NATIVE_LDFLAGS),$(call UNIT_OBJ,native))
$(BUILD)/asan/fa2: $(call objs,asan,src/cmd/main.c) $(BUILD)/obj/asan/lib.a $(BUILD)/obj/asan/vendor.a
	$(call link,$@,asan,$(ASAN_CC),$(ASAN_LDFLAGS),$(call objs,asan,src/cmd/main.c))
$(BUILD)/asan/fa2-unit: $(call UNIT_OBJ,asan) $(BUILD)/obj/asan/lib.a $(BUILD)/obj/asan/vendor.a
	$(call link,$@,asan,$(ASAN_CC),$(ASAN_LDFLAGS),$(call UNIT_OBJ,asan))
$(BUILD)/aarch64/fa2: $(call objs,aarch64,src/cmd/main.c) $(BUILD)/obj/aarch64/lib.a $(BUILD)/obj/aarch64/vendor.a
	$(call link,$@,aarch64,$(CROSS_CC),$(CROSS_LDFLAGS),$(call objs,aarch64,src/cmd/main.c))
$(BUILD)/aarch64/fa2-unit: $(call UNIT_OBJ,aarch64) $(BUILD)/obj/aarch64/lib.a $(BUILD)/obj/aarch64/vendor.a
	$(call link,$@,aarch64,$(CROSS_CC),$(CROSS_LDFLAGS),$(call UNIT_OBJ,aarch64))

# Fuzz targets: clang libFuzzer + ASan/UBSan, linked against the "fuzz" flavour's libraries.
$(BUILD)/fuzz/%: $(BUILD)/obj/fuzz/tests/fuzz/%.o $(BUILD)/obj/fuzz/lib.a $(BUILD)/obj/fuzz/vendor.a
	$(call link,$@,fuzz,$(FUZZ_CC),$(FUZZ_LDFLAGS),$<)

.PHONY: FORCE
FORCE:

.PHONY: all release cross vendor unit asan check check-layers check-unit check-asan check-integration \
        check-cross fuzz fuzz-smoke demo dist clean distclean help bench bench-patterns \
        corpus eval

all: $(BUILD)/fa2

release: $(BUILD)/fa2 $(BUILD)/aarch64/fa2
	tools/release.sh $(VERSION) $(BUILD)/fa2 $(NATIVE_ARCH) $(STRIP) $(BUILD)/aarch64/fa2 aarch64 $(CROSS_STRIP)

cross: $(BUILD)/aarch64/fa2

vendor: vendor/files.mk

unit: $(BUILD)/fa2-unit
asan: $(BUILD)/asan/fa2-unit $(BUILD)/asan/fa2

check-layers:
	tools/check-layers.sh
check-unit: $(BUILD)/fa2-unit
	$(BUILD)/fa2-unit -q
check-asan: $(BUILD)/asan/fa2-unit
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $(BUILD)/asan/fa2-unit -q
check-integration: $(BUILD)/fa2 $(BUILD)/asan/fa2
	tests/integration/run.sh
check-cross: $(BUILD)/aarch64/fa2-unit $(BUILD)/aarch64/fa2
	tools/check-cross.sh
	qemu-aarch64-static $(BUILD)/aarch64/fa2-unit -q

FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_TARGETS)
	tools/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_TARGETS)
fuzz-smoke: $(FUZZ_TARGETS)
	tools/fuzz.sh smoke 0 $(FUZZ_TARGETS)

# The full test suite: include layers (tools/check-layers.sh), unit (musl), unit
# (ASan+UBSan), integration, unit (aarch64 under qemu), fuzz smoke.
# tools/check.sh runs every suite even when one fails and ends with the total line.
check: $(BUILD)/fa2 $(BUILD)/fa2-unit $(BUILD)/asan/fa2-unit $(BUILD)/asan/fa2 $(FUZZ_TARGETS) \
       $(BUILD)/aarch64/fa2-unit $(BUILD)/aarch64/fa2
	tools/check.sh $(FUZZ_TARGETS)

demo: $(BUILD)/fa2
	tools/demo.sh

bench:
	@ls bench/*.sh >/dev/null 2>&1 && for b in bench/*.sh; do echo "== $$b"; $$b || exit 1; done || echo "no benchmarks yet"

bench-patterns: $(BUILD)/fa2
	bench/patterns.sh

# The evaluation corpus (docs/eval.md): generated from the committed specs, never committed.
CORPUS_SPECS := $(wildcard tests/scenarios/*.json)
$(BUILD)/corpus/index.json: tools/make-corpus.py $(CORPUS_SPECS)
	@rm -rf $(BUILD)/corpus.tmp
	python3 tools/make-corpus.py $(BUILD)/corpus.tmp
	@rm -rf $(BUILD)/corpus && mv $(BUILD)/corpus.tmp $(BUILD)/corpus
corpus: $(BUILD)/corpus/index.json
eval: $(BUILD)/fa2 $(BUILD)/corpus/index.json
	$(BUILD)/fa2 eval --corpus $(BUILD)/corpus

dist:
	tools/dist.sh $(VERSION)

clean:
	rm -rf $(BUILD) dist
distclean: clean
	rm -rf vendor/bearssl vendor/cjson vendor/dl vendor/.apt vendor/.apt-arm64 vendor/musl-aarch64 vendor/files.mk
vendor-clean:
	rm -rf vendor/bearssl vendor/cjson vendor/dl vendor/.apt vendor/.apt-arm64 vendor/musl-aarch64 vendor/files.mk

help:
	@echo "fa2 $(VERSION) build targets:"
	@echo "  make               build/fa2 (static, musl, -O2); fetches vendor sources first"
	@echo "  make release       dist/: stripped static musl binaries for $(NATIVE_ARCH) and aarch64,"
	@echo "                     the source tarball and SHA256SUMS (reproducible)"
	@echo "  make check         every test: unit, unit under ASan+UBSan, integration, fuzz smoke"
	@echo "  make demo          triage of the bundled sample incident (no network, no AWS)"
	@echo "  make cross         build/aarch64/fa2 (ARM64, static, musl)"
	@echo "  make check-cross   static/musl checks and unit tests for aarch64 under qemu-user-static"
	@echo "  make fuzz          every libFuzzer target for FUZZ_SECONDS (default 60) each"
	@echo "  make bench         benchmarks under bench/ (print figures)"
	@echo "  make corpus        generate the evaluation corpus into build/corpus (docs/eval.md)"
	@echo "  make eval          fa2 eval over that corpus: top-1/top-3 of triage, dev and held-out"
	@echo "  make vendor        fetch + verify + unpack BearSSL and cJSON (vendor/README.md)"
	@echo "  make dist          dist/fa2-$(VERSION).tar.gz, buildable offline"
	@echo "  make clean         remove build/ and dist/"
