# Program loading for exec, built for the host: the ELF reader, the #!
# parser and the initial stack builder (kernel/proc/elf.cpp, script.cpp,
# initial_stack.cpp), tested by tests/host/elf_test.cpp, script_test.cpp
# and initial_stack_test.cpp (this file is included by
# tests/host/CMakeLists.txt).
#
# Those tests load real programs: the probe below, compiled here into
# <build>/tests/host/exec_probes/ as the toolchains people use for Haneul
# build them (gcc -static, -static-pie, -z execstack; musl-gcc -static;
# and dynamic gcc and musl-gcc binaries that Haneul must refuse). Debian's
# musl-gcc has no working -static-pie (it links libc.so and asks for
# /lib/ld-musl-x86_64.so.1), so static-PIE is glibc's only. The probe
# prints what its C library saw at start-up: argv, the environment, auxv
# values, the AT_RANDOM bytes, and that TLS, the heap and stdio work.
list(APPEND HOST_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/kernel/proc/elf.cpp
  ${CMAKE_SOURCE_DIR}/kernel/proc/script.cpp
  ${CMAKE_SOURCE_DIR}/kernel/proc/initial_stack.cpp)

set(HANEUL_EXEC_PROBE_DIR ${CMAKE_CURRENT_BINARY_DIR}/exec_probes)
file(CONFIGURE OUTPUT ${HANEUL_EXEC_PROBE_DIR}/probe.c @ONLY CONTENT [=[
/* Written by tests/host/sources/exec.cmake: an exec test probe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

extern char** environ;
static __thread int tls_value = 40;
volatile char bss_block[8192]; /* must read as zeros: the bss */

int main(int argc, char** argv)
{
    static const unsigned long keys[] = {
        AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID,
        AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_HWCAP, AT_HWCAP2, AT_CLKTCK,
    };
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv=%s\n", argv[i]);
    for (char** e = environ; *e; e++)
        printf("env=%s\n", *e);
    for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        printf("auxv %lu=0x%lx\n", keys[i], getauxval(keys[i]));
    const unsigned char* random = (const unsigned char*)getauxval(AT_RANDOM);
    printf("random=");
    for (int i = 0; random && i < 16; i++)
        printf("%02x", random[i]);
    printf("\n");
    const char* execfn = (const char*)getauxval(AT_EXECFN);
    const char* platform = (const char*)getauxval(AT_PLATFORM);
    printf("execfn=%s\n", execfn ? execfn : "(none)");
    printf("platform=%s\n", platform ? platform : "(none)");
    tls_value += 2;
    printf("tls=%d\n", tls_value);
    int bss_zero = 1;
    for (unsigned i = 0; i < sizeof(bss_block); i++)
        bss_zero &= bss_block[i] == 0;
    printf("bss_zero=%d\n", bss_zero);
    char* heap = malloc(200000);
    strcpy(heap, "works");
    printf("heap=%s\n", heap);
    free(heap);
    return 42;
}
]=])

find_program(HANEUL_GCC gcc)
find_program(HANEUL_MUSL_GCC musl-gcc)
set(HANEUL_EXEC_PROBES)
# haneul_exec_probe(<name> <compiler> <flags>...)
function(haneul_exec_probe name compiler)
  if(NOT compiler)
    message(WARNING "exec probe ${name} not built: its compiler is missing (tools/deps.sh installs it)")
    return()
  endif()
  set(output ${HANEUL_EXEC_PROBE_DIR}/${name})
  add_custom_command(OUTPUT ${output}
    COMMAND ${compiler} ${ARGN} -O2 -o ${output} ${HANEUL_EXEC_PROBE_DIR}/probe.c
    DEPENDS ${HANEUL_EXEC_PROBE_DIR}/probe.c
    COMMENT "Building exec test probe ${name}")
  set(HANEUL_EXEC_PROBES ${HANEUL_EXEC_PROBES} ${output} PARENT_SCOPE)
endfunction()
haneul_exec_probe(glibc-static "${HANEUL_GCC}" -static)
haneul_exec_probe(glibc-static-pie "${HANEUL_GCC}" -static-pie -fPIE)
haneul_exec_probe(glibc-execstack "${HANEUL_GCC}" -static -Wl,-z,execstack)
haneul_exec_probe(glibc-dynamic "${HANEUL_GCC}")
haneul_exec_probe(musl-static "${HANEUL_MUSL_GCC}" -static)
haneul_exec_probe(musl-dynamic "${HANEUL_MUSL_GCC}")
add_custom_target(exec_probes DEPENDS ${HANEUL_EXEC_PROBES})
# host_tests does not exist yet when this file is read.
cmake_language(DEFER CALL add_dependencies host_tests exec_probes)
set_source_files_properties(
  ${CMAKE_CURRENT_SOURCE_DIR}/elf_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/script_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/initial_stack_test.cpp
  PROPERTIES COMPILE_DEFINITIONS "HANEUL_EXEC_PROBE_DIR=\"${HANEUL_EXEC_PROBE_DIR}\"")
