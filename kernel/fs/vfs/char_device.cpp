// Character device registry (fs/vfs/char_device.h). The registry holds a
// reference to each device on its list.
#include <fs/vfs/char_device.h>
#include <new>

namespace vfs {

ErrorOr<RefPtr<FileOperations>> CharDevice::open(u32)
{
    return RefPtr<FileOperations>(this);
}

CharDeviceRegistry::~CharDeviceRegistry()
{
    for (;;) {
        CharDevice* device;
        {
            FsLocker locker(m_lock);
            device = m_devices.pop_front();
        }
        if (!device)
            break;
        device->unref();
    }
}

ErrorOr<void> CharDeviceRegistry::add(RefPtr<CharDevice> device)
{
    VERIFY(device);
    FsLocker locker(m_lock);
    for (auto& existing : m_devices) {
        if (existing.device() == device->device())
            return Error::from_errno(EBUSY);
    }
    m_devices.append(*device.leak_ref());
    return {};
}

ErrorOr<void> CharDeviceRegistry::remove(u64 number)
{
    CharDevice* found = nullptr;
    {
        FsLocker locker(m_lock);
        for (auto& existing : m_devices) {
            if (existing.device() == number) {
                found = &existing;
                break;
            }
        }
        if (!found)
            return Error::from_errno(ENXIO);
        m_devices.remove(*found);
    }
    found->unref();
    return {};
}

RefPtr<CharDevice> CharDeviceRegistry::find(u64 number) const
{
    FsLocker locker(m_lock);
    for (auto& existing : const_cast<CharDeviceRegistry*>(this)->m_devices) {
        if (existing.device() == number)
            return RefPtr<CharDevice>(&existing);
    }
    return {};
}

CharDeviceRegistry& char_devices()
{
    // Built in place on first use and never destroyed: the kernel runs no
    // destructors of statics, and this way none is registered.
    alignas(CharDeviceRegistry) static u8 s_storage[sizeof(CharDeviceRegistry)];
    static CharDeviceRegistry* s_registry = new (s_storage) CharDeviceRegistry;
    return *s_registry;
}

}
