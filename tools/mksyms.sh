#!/bin/sh
# mksyms.sh KERNEL.elf OUT.sym
# Writes the kernel's function symbols, sorted by address, demangled, one
# "address type name" per line: the table panic() names backtrace frames from.
set -eu
nm -C -n "$1" | grep -i ' [tw] ' > "$2.tmp"
mv "$2.tmp" "$2"
