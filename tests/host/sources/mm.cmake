# The memory manager's allocators, built for the host so that
# tests/host/page_allocator_test.cpp, slab_test.cpp and kmalloc_test.cpp can
# exercise them (tests/host/CMakeLists.txt includes this file).
# mm/new_delete.cpp and mm/allocator_selftest.cpp are kernel-only and stay out.
list(APPEND HOST_KERNEL_SOURCES
  ${CMAKE_SOURCE_DIR}/kernel/mm/page_allocator.cpp
  ${CMAKE_SOURCE_DIR}/kernel/mm/slab.cpp
  ${CMAKE_SOURCE_DIR}/kernel/mm/kmalloc.cpp
)
