// The kernel's global operator new and delete, every form g++ may call
// (plain, array, nothrow, aligned, sized), all on kmalloc/kfree
// (mm/kmalloc.h). Kernel-only: host tests keep the C++ library's.
//
// With no exceptions, `new` reports running out of memory by returning
// nullptr; the kernel is built with -fcheck-new so g++ tests that result
// before running a constructor, and callers test it too.
//
// Locking: kmalloc's (mm/kmalloc.h): new and delete are safe on any CPU.
#include <mm/kmalloc.h>
#include <new>

void* operator new(size_t size) { return kmalloc(size); }
void* operator new[](size_t size) { return kmalloc(size); }
void* operator new(size_t size, std::nothrow_t const&) noexcept { return kmalloc(size); }
void* operator new[](size_t size, std::nothrow_t const&) noexcept { return kmalloc(size); }

void* operator new(size_t size, std::align_val_t alignment) { return kmalloc_aligned(size, static_cast<size_t>(alignment)); }
void* operator new[](size_t size, std::align_val_t alignment) { return kmalloc_aligned(size, static_cast<size_t>(alignment)); }
void* operator new(size_t size, std::align_val_t alignment, std::nothrow_t const&) noexcept
{
    return kmalloc_aligned(size, static_cast<size_t>(alignment));
}
void* operator new[](size_t size, std::align_val_t alignment, std::nothrow_t const&) noexcept
{
    return kmalloc_aligned(size, static_cast<size_t>(alignment));
}

// kfree() finds the size and alignment from the page frame, so every
// delete is the same call.
void operator delete(void* pointer) noexcept { kfree(pointer); }
void operator delete[](void* pointer) noexcept { kfree(pointer); }
void operator delete(void* pointer, size_t) noexcept { kfree(pointer); }
void operator delete[](void* pointer, size_t) noexcept { kfree(pointer); }
void operator delete(void* pointer, std::nothrow_t const&) noexcept { kfree(pointer); }
void operator delete[](void* pointer, std::nothrow_t const&) noexcept { kfree(pointer); }
void operator delete(void* pointer, std::align_val_t) noexcept { kfree(pointer); }
void operator delete[](void* pointer, std::align_val_t) noexcept { kfree(pointer); }
void operator delete(void* pointer, size_t, std::align_val_t) noexcept { kfree(pointer); }
void operator delete[](void* pointer, size_t, std::align_val_t) noexcept { kfree(pointer); }
void operator delete(void* pointer, std::align_val_t, std::nothrow_t const&) noexcept { kfree(pointer); }
void operator delete[](void* pointer, std::align_val_t, std::nothrow_t const&) noexcept { kfree(pointer); }
