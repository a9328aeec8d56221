# The inter-process communication manager's host-buildable parts: the pipe
# ring buffer (kernel/ipc/pipe_buffer.cpp), tested by
# tests/host/pipe_test.cpp. The pipe itself (ipc/pipe.cpp: mutex,
# condition variables, FIFO opens) is kernel-only.
list(APPEND HOST_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/kernel/ipc/pipe_buffer.cpp)
