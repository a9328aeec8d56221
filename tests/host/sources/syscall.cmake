# The argument rules of the memory, time, scheduling, system-information
# and resource-limit calls (kernel/syscall/syscall_args.cpp), built for the
# host so tests/host/syscall_args_test.cpp can check them against Linux's
# behaviour (tests/host/CMakeLists.txt includes every file here). The
# handlers themselves need the kernel and stay kernel-only.
list(APPEND HOST_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/kernel/syscall/syscall_args.cpp)
