# procfs (kernel/fs/procfs) built for the host: its inodes, text formats
# and mount list, served by the fake ProcSource of tests/host/
# procfs_test.cpp. kernel_source.cpp is the kernel's glue to kernel/proc,
# sched and mm, and stays out. Stands on the file-system sources of
# fs.cmake.
file(GLOB HOST_PROCFS_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernel/fs/procfs/*.cpp)
list(REMOVE_ITEM HOST_PROCFS_SOURCES ${CMAKE_SOURCE_DIR}/kernel/fs/procfs/kernel_source.cpp)
list(APPEND HOST_KERNEL_SOURCES ${HOST_PROCFS_SOURCES})
