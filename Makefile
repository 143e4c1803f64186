# futurelm build.
#   make                 futurelm binary + build/<variant>/libfuturelm.a
#   make test            build and run every test (ends with "N passed, N failed")
#   make clean
#   make install PREFIX=/usr/local [DESTDIR=...]   (make uninstall): binary, library, header, .pc, man page
# Switches: DEBUG=1 (-O0 -g), SANITIZE=1 (ASan+UBSan), OPENMP=0, PORTABLE=1 (no -march=native),
#           BLAS=none|openblas|blis (none, our own SGEMM, is the default),
#           MPI=1 (data-parallel training on Open MPI, built with mpicc: docs/distributed.md).

CC       ?= cc
BLAS     ?= none
OPENMP   ?= 1
DEBUG    ?= 0
SANITIZE ?= 0
PORTABLE ?= 0
MPI      ?= 0
PYTHON   ?= /usr/bin/python3

# Every combination of switches builds into its own directory, so objects never mix.
variant_of = $(if $(filter 1,$(DEBUG)),debug,opt)$(if $(filter 1,$(SANITIZE)),-san)$(if $(filter 0,$(1)),-noomp)$(if $(filter 1,$(PORTABLE)),-portable)$(if $(filter-out none,$(BLAS)),-$(BLAS))$(if $(filter 1,$(MPI)),-mpi)
BUILD       := build/$(call variant_of,$(OPENMP))
NOOMP_BUILD := build/$(call variant_of,0)

# -march=native where the compiler knows this CPU; otherwise a portable x86-64 (or generic) target.
NATIVE_OK := $(shell $(CC) -march=native -x c -E /dev/null >/dev/null 2>&1 && echo yes)
ifeq ($(PORTABLE),1)
  ARCHFLAGS :=
else ifeq ($(NATIVE_OK),yes)
  ARCHFLAGS := -march=native
else
  ARCHFLAGS :=
endif

WARN     := -Wall -Wextra -Wno-unknown-pragmas
CFLAGS   := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -Iinclude -Isrc -MMD -MP
LDLIBS   := -lm
ifeq ($(DEBUG),1)
  CFLAGS += -O0 -g
else
  CFLAGS += -O3 $(ARCHFLAGS) -fno-math-errno
endif
ifeq ($(SANITIZE),1)
  CFLAGS  += -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(OPENMP),1)
  CFLAGS  += -fopenmp
  LDFLAGS += -fopenmp
else
  # no threads, but the same '#pragma omp simd' vectorisation (and so the same
  # summation order in vectorised reductions) as the OpenMP build
  CFLAGS  += -fopenmp-simd
endif

LIB_SRC := $(shell find src -name '*.c' -not -path 'src/cli/*' -not -name 'gemm_*.c' | sort)
ifeq ($(BLAS),none)
else ifeq ($(BLAS),openblas)
  LIB_SRC := $(filter-out src/kernels/gemm.c,$(LIB_SRC)) src/kernels/gemm_blas.c
  CFLAGS  += -DFL_BLAS_OPENBLAS $(shell pkg-config --cflags openblas 2>/dev/null)
  LDLIBS  += $(or $(shell pkg-config --libs openblas 2>/dev/null),-lopenblas)
else ifeq ($(BLAS),blis)
  LIB_SRC := $(filter-out src/kernels/gemm.c,$(LIB_SRC)) src/kernels/gemm_blas.c
  # Debian puts BLIS's headers (blis.h and its cblas.h) in a per-threading-variant directory.
  BLIS_INC := $(firstword $(wildcard /usr/include/blis $(foreach v,openmp pthread serial,/usr/include/$(shell $(CC) -dumpmachine)/blis-$(v))))
  CFLAGS  += -DFL_BLAS_BLIS $(if $(BLIS_INC),-isystem $(BLIS_INC))
  LDLIBS  += -lblis
else
  $(error BLAS must be none, openblas or blis (got '$(BLAS)'))
endif
# src/dist: the MPI process group with MPI=1, else the one-process stub of the same header.
ifeq ($(MPI),1)
  ifeq ($(shell command -v mpicc),)
    $(error MPI=1 needs mpicc (Debian: apt-get install openmpi-bin libopenmpi-dev))
  endif
  CC      := mpicc
  LIB_SRC := $(filter-out src/dist/dist_stub.c,$(LIB_SRC))
  # what mpicc adds to the link on its own: a program linking libfuturelm.a with plain cc
  # (futurelm.pc's Libs) needs it spelled out
  MPI_LINK := $(shell mpicc --showme:link 2>/dev/null)
else
  LIB_SRC := $(filter-out src/dist/dist_mpi.c,$(LIB_SRC))
endif
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
# The measurements behind `futurelm bench` live with the other benchmarks in
# bench/ and are linked into the futurelm binary only, never into the library.
BENCH_SRC := bench/bench.c
TEST_SRC := $(sort $(wildcard tests/test_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
LIB      := $(BUILD)/libfuturelm.a

.PHONY: all test tests clean fixtures demo bench-gemm bench-memory bench-attention bench-allreduce
all: futurelm $(LIB)

futurelm: $(BUILD)/futurelm
	cp $< $@.tmp && mv -f $@.tmp $@  # a rename, so a running ./futurelm (a long training) does not block it

$(BUILD)/futurelm: $(CLI_OBJ) $(BENCH_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BENCH_OBJ) $(LIB) $(LDLIBS)
	@echo '$(strip $(LDFLAGS) $(LDLIBS) $(MPI_LINK))' >$(BUILD)/link-flags  # the .pc file's Libs (scripts/install.sh)

# The CLI and bench/bench.c find "bench/bench.h" from the repository root.
$(CLI_OBJ) $(BENCH_OBJ): CFLAGS += -I.

# The archive also depends on a file naming its members, rewritten only when
# the list changes, so that a source moved out of the library (as src/bench/
# was) does not stay in an archive rebuilt from newer objects alone.
LIB_LIST := $(BUILD)/libfuturelm.members
$(shell mkdir -p $(BUILD) && echo '$(LIB_OBJ)' | cmp -s - $(LIB_LIST) || echo '$(LIB_OBJ)' > $(LIB_LIST))

$(LIB): $(LIB_OBJ) $(LIB_LIST)
	@rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/%.c tests/check.h tests/tokenizer_fixture.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

tests: $(TEST_BIN) $(BUILD)/futurelm

# The runner regenerates the PyTorch fixtures, runs every test binary at 1 and 2
# threads (and the parity test built without OpenMP), and prints the tally last.
test: tests futurelm
	@$(MAKE) --no-print-directory OPENMP=0 DEBUG=$(DEBUG) SANITIZE=$(SANITIZE) PORTABLE=$(PORTABLE) BLAS=$(BLAS) tests-only
	@PYTHON=$(PYTHON) sh tests/run.sh $(BUILD) $(NOOMP_BUILD)

tests-only: $(TEST_BIN)

# SGEMM benchmark: our kernels (always compiled in, whatever BLAS says) against
# the BLAS libraries named in BENCH_BLAS, loaded at run time (see bench/bench_gemm.c).
#   make bench-gemm                       ours only
#   make bench-gemm BLAS=openblas         ours vs OpenBLAS (and BLIS: BENCH_BLAS+=blis=libblis.so.4)
#   make bench-gemm BENCH_ARGS="--rows 2048 --rows 16384 --reps 15"
# On CPUs newer than the BLAS build knows (e.g. Sapphire Rapids with Debian's
# OpenBLAS 0.3.21 / BLIS 0.9), give it its AVX-512 kernels by hand:
#   OPENBLAS_CORETYPE=SkylakeX BLIS_ARCH_TYPE=skx make bench-gemm BLAS=openblas
# bench/run_gemm_compare.sh runs the full comparison of docs/performance.md.
BENCH_THREADS ?= $(shell nproc 2>/dev/null || echo 1)
BENCH_ARGS    ?= --rows 2048
OPENBLAS_LIB  ?= libopenblas.so.0
BLIS_LIB      ?= libblis.so.4
BENCH_BLAS    ?= $(if $(filter openblas,$(BLAS)),openblas=$(OPENBLAS_LIB))$(if $(filter blis,$(BLAS)),blis=$(BLIS_LIB))
GEMM_SRC      := src/kernels/gemm.c $(sort $(wildcard src/kernels/sgemm_*.c))

$(BUILD)/bench/bench_gemm: bench/bench_gemm.c $(GEMM_SRC) src/kernels/gemm.h src/kernels/sgemm_kernels.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ bench/bench_gemm.c $(GEMM_SRC) -ldl -lm

bench-gemm: $(BUILD)/bench/bench_gemm
	OMP_NUM_THREADS=$(BENCH_THREADS) OPENBLAS_NUM_THREADS=$(BENCH_THREADS) BLIS_NUM_THREADS=$(BENCH_THREADS) \
	  $< $(BENCH_ARGS) $(foreach b,$(BENCH_BLAS),--blas $(b))

# The README's first command (scripts/demo.sh): GPT vs FTP on Moby-Dick from nothing, report included;
# tests/test_demo.sh (run by tests/run.sh with every tests/test_*.sh) runs it at 6 steps.
# The build inside uses both cores: on a fresh clone `time make demo` includes compiling.
demo:
	@$(MAKE) --no-print-directory -j2 futurelm
	sh scripts/demo.sh

clean:
	rm -rf build futurelm

# scripts/install.sh: the files, the pkg-config file and the man page (from the --help texts).
PREFIX ?= /usr/local
.PHONY: install uninstall
install: all
	sh scripts/install.sh '$(BUILD)' '$(PREFIX)' '$(DESTDIR)'
uninstall:
	sh scripts/install.sh --uninstall '$(PREFIX)' '$(DESTDIR)'

-include $(shell find build -name '*.d' 2>/dev/null)

# Peak RSS of a training step against the activation-memory formula (docs/memory.md).
bench-memory: $(BUILD)/bench_memory
	$(BUILD)/bench_memory gpt
	$(BUILD)/bench_memory ftp
$(BUILD)/bench_memory: bench/memory.c $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Attention kernel at the reference shapes (GPT T=256; FTP decoder self- and cross-attention).
bench-attention: $(BUILD)/bench_attention
	OMP_NUM_THREADS=$(BENCH_THREADS) $(BUILD)/bench_attention
$(BUILD)/bench_attention: bench/bench_attention.c $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# The gradient sum of data-parallel training against MPI_Allreduce (MPI=1; docs/distributed.md):
#   make MPI=1 bench-allreduce && mpirun -np 2 build/opt-mpi/bench_allreduce
bench-allreduce: $(BUILD)/bench_allreduce
$(BUILD)/bench_allreduce: bench/bench_allreduce.c $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# libFuzzer harnesses over every parser of untrusted bytes (docs/reliability.md), with clang:
#   make fuzz FUZZ_SECONDS=300    each target for 300 s; FUZZ_KEEP_GOING=1 runs past a failing one
FUZZ_SECONDS ?= 10
.PHONY: fuzz
fuzz:
	$(MAKE) --no-print-directory -f tests/fuzz/fuzz.mk run FUZZ_SECONDS=$(FUZZ_SECONDS)
