// Character devices (CONCEPTS A7): a driver's FileOperations registered
// under a device number (major, minor). Opening a character device node -
// on devfs or on any other file system, wherever mknod put it - finds the
// driver here by the node's st_rdev; an unregistered number gives ENXIO,
// as on Linux.
//
// Registered so far: the memory devices of fs/devfs (null, zero, full,
// random, urandom); the console, tty, ttyS0 and kmsg drivers register
// themselves through devfs::register_device (fs/devfs/devfs.h), which
// also creates their /dev nodes.
// Host-buildable.
#pragma once

#include <fs/vfs/file_operations.h>
#include <fs/vfs/fs_lock.h>
#include <lib/error_or.h>
#include <lib/intrusive_list.h>
#include <lib/ref_counted.h>
#include <lib/string_view.h>

namespace vfs {

class CharDevice : public FileOperations {
public:
    u32 major() const { return m_major; }
    u32 minor() const { return m_minor; }
    u64 device() const { return make_device(m_major, m_minor); }
    // The /dev name it usually has ("null", "ttyS0"): static text.
    StringView name() const { return m_name; }

    // What an open of the node gets (`flags` as given to open()): this
    // device itself unless the device keeps state per open.
    virtual ErrorOr<RefPtr<FileOperations>> open(u32 flags);

    IntrusiveListNode m_registry_node;

protected:
    CharDevice(u32 major, u32 minor, StringView name)
        : m_major(major)
        , m_minor(minor)
        , m_name(name)
    {
    }

private:
    u32 m_major;
    u32 m_minor;
    StringView m_name;
};

class CharDeviceRegistry {
public:
    CharDeviceRegistry() = default;
    ~CharDeviceRegistry();

    // EBUSY when the number is taken.
    ErrorOr<void> add(RefPtr<CharDevice> device);
    // ENXIO when nothing has that number.
    ErrorOr<void> remove(u64 device);
    RefPtr<CharDevice> find(u64 device) const;

    // Calls `callback(CharDevice&)` for each device, in registration order,
    // with the registry locked.
    template<typename Callback>
    void for_each(Callback callback) const
    {
        FsLocker locker(m_lock);
        for (auto& device : const_cast<CharDeviceRegistry*>(this)->m_devices)
            callback(device);
    }

private:
    mutable FsLock m_lock { "char devices" };
    IntrusiveList<CharDevice, &CharDevice::m_registry_node> m_devices;
};

// The system's registry.
CharDeviceRegistry& char_devices();

}
