list(APPEND HOST_KERNEL_SOURCES ${CMAKE_SOURCE_DIR}/kernel/mm/vm_area.cpp)
