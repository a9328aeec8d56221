// Anonymous shared memory (MAP_SHARED|MAP_ANONYMOUS, and later System V
// shm segments): a MemoryObject whose pages exist once, however many
// address spaces map them, and live as long as any mapping or handle does.
#pragma once

#include <mm/vm_area.h>

namespace mm {

class SharedMemory final : public MemoryObject {
public:
    static ErrorOr<RefPtr<SharedMemory>> create(usize size);
    ~SharedMemory() override;

    const char* describe() const override { return "/dev/zero (deleted)"; }
    ErrorOr<PhysAddr> get_page(u64 page_index) override;
    bool get_page_may_sleep() const override { return false; } // its own spinlock only
    usize size() const { return m_page_count * 4096; }
    usize resident_pages() const;

private:
    explicit SharedMemory(usize page_count, PhysAddr* pages)
        : m_page_count(page_count)
        , m_pages(pages)
    {
    }
    usize m_page_count;
    PhysAddr* m_pages; // 0 = not allocated yet
    Spinlock m_lock { "shared memory" };
};

}
