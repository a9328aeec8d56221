# The terminal's line discipline, built for the host (kernel/tty/
# line_discipline.cpp, tty_hooks.cpp) and tested by tests/host/tty_test.cpp.
# The blocking reads, the input worker and the ioctls (kernel/tty/tty.cpp)
# are kernel-only; kernel/tty/tty_selftest.cpp checks them in the guest.
list(APPEND HOST_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/kernel/tty/line_discipline.cpp
  ${CMAKE_SOURCE_DIR}/kernel/tty/tty_hooks.cpp)

# The kernel's own termios/ioctl constants (kernel/tty/termios.h as the
# kernel compiles it) in a translation unit of their own, for tty_test.cpp
# to compare with the host C library's: the same pattern as
# fs_abi_values_test.cpp, generated here from one list of names.
set(HANEUL_TTY_ABI_DIR ${CMAKE_CURRENT_BINARY_DIR}/tty_abi)
set(HANEUL_TTY_ABI_NAMES
  IGNBRK BRKINT IGNPAR PARMRK INPCK ISTRIP INLCR IGNCR ICRNL IUCLC IXON IXANY IXOFF IMAXBEL IUTF8
  OPOST OLCUC ONLCR OCRNL ONOCR ONLRET OFILL OFDEL TABDLY XTABS
  CBAUD B9600 B38400 CSIZE CS8 CSTOPB CREAD PARENB PARODD HUPCL CLOCAL
  ISIG ICANON XCASE ECHO ECHOE ECHOK ECHONL NOFLSH TOSTOP ECHOCTL ECHOPRT ECHOKE FLUSHO PENDIN IEXTEN EXTPROC
  VINTR VQUIT VERASE VKILL VEOF VTIME VMIN VSWTC VSTART VSTOP VSUSP VEOL VREPRINT VDISCARD VWERASE VLNEXT VEOL2
  TCIFLUSH TCOFLUSH TCIOFLUSH TCOOFF TCOON TCIOFF TCION
  TCGETS TCSETS TCSETSW TCSETSF TCSBRK TCXONC TCFLSH TIOCEXCL TIOCNXCL TIOCSCTTY TIOCGPGRP TIOCSPGRP
  TIOCOUTQ TIOCGWINSZ TIOCSWINSZ FIONREAD TIOCINQ FIONBIO TIOCNOTTY TIOCSETD TIOCGETD TCSBRKP TIOCGSID
  TCGETS2 TCSETS2 TCSETSW2 TCSETSF2)
set(HANEUL_TTY_ABI_LIST "")
foreach(name ${HANEUL_TTY_ABI_NAMES})
  string(APPEND HANEUL_TTY_ABI_LIST "HANEUL_TTY_ABI_VALUE(${name})\n")
endforeach()
file(CONFIGURE OUTPUT ${HANEUL_TTY_ABI_DIR}/tty_abi_names.inc CONTENT "${HANEUL_TTY_ABI_LIST}")
file(CONFIGURE OUTPUT ${HANEUL_TTY_ABI_DIR}/tty_abi_values.cpp @ONLY CONTENT [=[
// Written by tests/host/sources/tty.cmake: kernel/tty/termios.h's values as
// the kernel defines them, for tests/host/tty_test.cpp.
#undef HANEUL_HOST
#include <tty/termios.h>

struct TtyAbiValue {
    const char* name;
    long long value;
};

#define HANEUL_TTY_ABI_VALUE(name) { #name, static_cast<long long>(name) },
extern const TtyAbiValue kKernelTtyAbiValues[];
extern const unsigned long kKernelTtyAbiValueCount;
const TtyAbiValue kKernelTtyAbiValues[] = {
#include "tty_abi_names.inc"
};
const unsigned long kKernelTtyAbiValueCount = sizeof(kKernelTtyAbiValues) / sizeof(kKernelTtyAbiValues[0]);
]=])
# host_tests does not exist yet when this file is read.
cmake_language(DEFER CALL target_sources host_tests PRIVATE ${HANEUL_TTY_ABI_DIR}/tty_abi_values.cpp)
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/tty_test.cpp
  PROPERTIES COMPILE_DEFINITIONS "HANEUL_TTY_ABI_NAMES=\"${HANEUL_TTY_ABI_DIR}/tty_abi_names.inc\"")
