// FileSystem (fs/vfs/file_system.h): anonymous device numbers.
#include <atomic>
#include <fs/vfs/abi.h>
#include <fs/vfs/file_system.h>

namespace vfs {

namespace {
// Linux hands out anonymous minors from 1 up; so do we, never reusing one
// (2^20 mounts before they would wrap into the major).
std::atomic<u32> s_next_anonymous_minor { 1 };
}

FileSystem::FileSystem()
    : m_device(make_device(0, s_next_anonymous_minor.fetch_add(1, std::memory_order_relaxed)))
{
}

}
