# Host builds of the kernel library and the initramfs archive reader
# (kernel/lib/cmdline.cpp, kernel/fs/cpio.cpp), tested by
# tests/host/cmdline_test.cpp and tests/host/cpio_test.cpp.
list(APPEND HOST_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/kernel/lib/cmdline.cpp
  ${CMAKE_SOURCE_DIR}/kernel/fs/cpio.cpp)
