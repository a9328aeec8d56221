# The file-system manager and what it stands on, built for the host: the
# VFS (kernel/fs/vfs), tmpfs, devfs, the initramfs unpacker, permission
# checks (kernel/security) and the kernel library pieces they use. Tested
# by tests/host/{ref_counted,fs_abi,fs_abi_values,vfs_path,vfs_ops,tmpfs,
# fd_table,devfs,initramfs_unpack}_test.cpp. tmpfs keeps file data in
# page-allocator pages (kernel/fs/tmpfs/data_page.cpp), so it needs
# kernel/mm/page_allocator.cpp from mm.cmake; on the host the global page
# allocator gets an arena of host memory on first use.
file(GLOB HOST_FS_SOURCES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/kernel/fs/vfs/*.cpp
  ${CMAKE_SOURCE_DIR}/kernel/fs/tmpfs/*.cpp
  ${CMAKE_SOURCE_DIR}/kernel/fs/devfs/*.cpp)
list(APPEND HOST_KERNEL_SOURCES
  ${HOST_FS_SOURCES}
  ${CMAKE_SOURCE_DIR}/kernel/fs/initramfs_unpack.cpp
  ${CMAKE_SOURCE_DIR}/kernel/lib/kstring.cpp
  ${CMAKE_SOURCE_DIR}/kernel/security/permissions.cpp)
