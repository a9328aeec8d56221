# The process manager's hardware-free parts, built for the host so that
# tests/host/pid_allocator_test.cpp can exercise the PID allocator
# (tests/host/CMakeLists.txt includes this file). The rest of kernel/proc
# needs the scheduler and stays kernel-only.
list(APPEND HOST_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/kernel/proc/pid.cpp)
