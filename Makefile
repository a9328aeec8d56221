# Haneul: the few commands a person types. Everything real is in CMake
# (CMakeLists.txt) and tools/.
#
#   make run     boot Haneul in QEMU on this terminal's serial console
#                (ADD=prog or ADD=dir/: extra files in its root file system)
#   make test    build everything and run every test (host + guest)
#   make debug   boot with a gdb stub, halted at the first instruction
#   make bench   Haneul and Linux side by side in QEMU (BENCH_ARGS= for
#                bench/run_bench.py, e.g. "--rounds 1 --smp 1"); tables,
#                build/bench/results.json, build/bench/ratios.png
#   make iso     build the bootable image only
#   make clean
BUILD ?= build
CMDLINE ?=
MEM ?= 128M
SMP ?= 1
ADD ?=
BENCH_ARGS ?= --memory
PYTHON := /usr/bin/python3

.PHONY: all deps build iso run test debug bench clean

all: build

deps:
	@tools/deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=Debug

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j$$(nproc)

iso: build

run: build
	$(PYTHON) tools/qemu.py --iso $(BUILD)/haneul.iso --build $(BUILD) --mem $(MEM) --smp $(SMP) \
	    --cmdline "$(CMDLINE)" --add "$(ADD)" --interactive

debug: build
	@echo "QEMU waits for gdb on :1234. In another terminal:"
	@echo "  gdb $(BUILD)/kernel/haneul.elf -ex 'target remote :1234' -ex 'break kernel_main' -ex continue"
	$(PYTHON) tools/qemu.py --iso $(BUILD)/haneul.iso --build $(BUILD) --mem $(MEM) --smp $(SMP) \
	    --cmdline "$(CMDLINE)" --add "$(ADD)" --interactive --gdb

test: build
	cd $(BUILD) && ctest --output-on-failure -j2

bench: build
	@bench/deps.sh
	$(PYTHON) bench/run_bench.py --build $(BUILD) $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)
