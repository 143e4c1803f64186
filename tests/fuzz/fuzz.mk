# libFuzzer harnesses for every parser of untrusted bytes (docs/reliability.md, "Fuzzing").
# Standalone, from the repository root:
#   make -f tests/fuzz/fuzz.mk build              every harness, into build/fuzz/
#   make -f tests/fuzz/fuzz.mk seeds              seed corpora made by our own commands
#   make -f tests/fuzz/fuzz.mk run FUZZ_SECONDS=N each harness for N seconds (default 10)
#   make -f tests/fuzz/fuzz.mk run FUZZ_TARGETS="json shard"   only these
# `run` stops with a non-zero status at the first crash, leak or hang (-timeout),
# leaving the reproducer in build/fuzz/artifacts/TARGET/.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 10
FUZZ_DIR     ?= build/fuzz
# The sanitizers that turn a silent bug into a crash; the library is built with the
# fuzzer's coverage instrumentation but without its main, which only harnesses link.
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wno-unknown-pragmas -Wno-pass-failed -Iinclude -Isrc \
                -O1 -g -fopenmp-simd $(FUZZ_SAN) -MMD -MP
FUZZ_LDLIBS  := -lm

# The library as the top-level Makefile's LIB_SRC has it (everything under src/ but
# the CLI), found rather than listed because files move between folders; the
# benchmark helpers, the BLAS back end (which needs a BLAS) and src/dist's MPI side (which needs
# Open MPI: the harnesses link its one-process stub, as the default build does) stay out.
FUZZ_LIB_SRC := $(shell find src -name '*.c' -not -path 'src/cli/*' -not -path 'src/bench/*' -not -name 'gemm_*.c' \
                  -not -name 'dist_mpi.c' | sort)
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_LIB     := $(FUZZ_DIR)/libfuturelm-fuzz.a

FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_ALL     := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_BINS    := $(FUZZ_ALL:%=$(FUZZ_DIR)/fuzz_%)

.PHONY: build seeds run clean-fuzz
build: $(FUZZ_BINS)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(FUZZ_EXTRA) $(FUZZ_LIB) $(FUZZ_LDLIBS)

# The config harness goes through the CLI's own --config/--set reader when it is
# there (it needs nothing else from the CLI); otherwise through the library calls.
FUZZ_CLI_OPT := $(if $(wildcard src/cli/options.c),$(FUZZ_DIR)/obj/src/cli/options.o)
$(FUZZ_DIR)/fuzz_config: $(FUZZ_CLI_OPT)
$(FUZZ_DIR)/fuzz_config: FUZZ_EXTRA := $(if $(FUZZ_CLI_OPT),-DFUZZ_CLI_OPTIONS $(FUZZ_CLI_OPT))

seeds:
	sh tests/fuzz/seeds.sh $(FUZZ_DIR)/seeds

# Each target runs on a working corpus (build/fuzz/corpus/T, which keeps what it
# learns between runs) seeded from build/fuzz/seeds/T when that exists.
run: build
	@FUZZ_DIR=$(FUZZ_DIR) sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean-fuzz:
	rm -rf $(FUZZ_DIR)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_CLI_OPT:.o=.d) $(FUZZ_BINS:=.d)
