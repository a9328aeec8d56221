// The kernel's own definitions of the file-system ABI constants
// (kernel/fs/vfs/abi.h as the kernel compiles it, not the C library's
// that a host build uses), exported for fs_abi_test.cpp to compare with
// the host's C library. No tests here: this translation unit must not see
// any C library header that defines the same names, and GoogleTest's
// headers would bring them.
#undef HANEUL_HOST
#include <fs/vfs/abi.h>

struct KernelAbiValue {
    const char* name;
    long long value;
};

#define HANEUL_ABI_VALUE(name) { #name, static_cast<long long>(name) },

extern const KernelAbiValue kKernelAbiValues[];
extern const unsigned long kKernelAbiValueCount;

const KernelAbiValue kKernelAbiValues[] = {
#include "fs_abi_names.inc"
};
const unsigned long kKernelAbiValueCount = sizeof(kKernelAbiValues) / sizeof(kKernelAbiValues[0]);
